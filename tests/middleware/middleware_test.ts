/**
 * Middleware: compose() order, the error boundary's answers, and the access log's lines (read
 * back from a LogTape sink), each run on a real parsed request and response writer.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { compose, type Handler, type Middleware } from "../../lib/server/handler.ts";
import { HttpError } from "../../lib/http/errors.ts";
import {
  accessLog,
  commonLogDate,
  commonLogLine,
  prettyLine,
} from "../../lib/middleware/access_log.ts";
import { AUTHENTICATED_USER } from "../../lib/middleware/basic_auth.ts";
import { errorBoundary } from "../../lib/middleware/error_boundary.ts";
import { testExchange } from "../support/exchange.ts";
import { withLogRecords } from "../support/log_records.ts";

const hello: Handler = (_req, res) => res.end("Hello, World!\n");

Deno.test("compose() runs the first middleware outermost, the handler innermost", async () => {
  const calls: string[] = [];
  const trace = (name: string): Middleware => (next) => async (req, res) => {
    calls.push(`${name} in`);
    await next(req, res);
    calls.push(`${name} out`);
  };
  const handler: Handler = (_req, res) => {
    calls.push("handler");
    res.end();
  };
  const { req, res } = testExchange("GET", "/");
  await compose(handler, trace("outer"), trace("inner"))(req, res);
  assert.deepEqual(calls, ["outer in", "inner in", "handler", "inner out", "outer out"]);
});

Deno.test("compose() without middleware is the handler itself", () => {
  assert.equal(compose(hello), hello);
});

const boundaryCases: {
  name: string;
  handler: Handler;
  status: number;
  keepAlive: boolean;
}[] = [
  {
    name: "a thrown HttpError becomes its status, and the connection may stay",
    handler: () => {
      throw new HttpError(404, "Not Found", { closeConnection: false });
    },
    status: 404,
    keepAlive: true,
  },
  {
    name: "a framing HttpError becomes its status and closes",
    handler: () => {
      throw new HttpError(400, "bad chunk");
    },
    status: 400,
    keepAlive: false,
  },
  {
    name: "any other error is a 500 that closes",
    handler: () => {
      throw new Error("secret detail at /home/someone/app.ts");
    },
    status: 500,
    keepAlive: false,
  },
  {
    name: "a rejected promise is answered like a throw",
    handler: () => Promise.reject(new Error("late secret")),
    status: 500,
    keepAlive: false,
  },
];

for (const { name, handler, status, keepAlive } of boundaryCases) {
  Deno.test(`errorBoundary(): ${name}`, async () => {
    const { req, res, written } = testExchange("GET", "/x");
    await compose(handler, errorBoundary())(req, res);
    assert.equal(res.status, status);
    assert.equal(res.ended, true);
    assert.equal(res.keepAlive, keepAlive);
    const text = written();
    assert.match(text, new RegExp(`^HTTP/1.1 ${status} `));
    assert.match(text, new RegExp(`\r\n\r\n${status} [A-Za-z ]+\n$`));
    assert.doesNotMatch(text, /secret|home/);
  });
}

Deno.test("errorBoundary(): an error after the head went out is passed on, not answered", async () => {
  const { req, res, written } = testExchange("GET", "/x");
  const failsMidway: Handler = async (_req, res) => {
    await res.write("part of a body");
    throw new Error("disk gone");
  };
  await assert.rejects(async () => await compose(failsMidway, errorBoundary())(req, res), {
    message: "disk gone",
  });
  assert.equal(res.status, 200);
  assert.doesNotMatch(written(), /500/);
});

Deno.test("errorBoundary(): a synchronous handler stays synchronous", () => {
  const { req, res } = testExchange("GET", "/hello");
  assert.equal(compose(hello, errorBoundary())(req, res), undefined);
  assert.equal(res.ended, true);
});

/** Runs `body` with the access log's records collected instead of printed. */
function withAccessLog(body: (records: LogRecord[]) => void | Promise<void>): Promise<void> {
  return withLogRecords(["zhttp", "access"], "info", body);
}

const lineOf = (record: LogRecord) => String(record.properties.line);

Deno.test("accessLog(): one readable line per request by default", async () => {
  await withAccessLog(async (records) => {
    const { req, res } = testExchange("GET", "/hello?x=1");
    await compose(hello, accessLog())(req, res);
    assert.equal(records.length, 1);
    assert.equal(records[0].level, "info");
    assert.match(lineOf(records[0]), /^GET \/hello\?x=1 200 14 B \d+\.\d ms 127\.0\.0\.1$/);
  });
});

Deno.test("accessLog('common'): one Common Log Format line per request", async () => {
  await withAccessLog(async (records) => {
    const { req, res } = testExchange("HEAD", "/hello", "HTTP/1.0");
    await compose(hello, accessLog("common"))(req, res);
    assert.equal(records.length, 1);
    assert.match(
      lineOf(records[0]),
      /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "HEAD \/hello HTTP\/1\.0" 200 -$/,
    );
  });
});

Deno.test("accessLog(): an asynchronous answer is logged once it is done", async () => {
  await withAccessLog(async (records) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => release = resolve);
    const slow: Handler = async (_req, res) => {
      await gate;
      res.status = 201;
      res.end("made");
    };
    const { req, res } = testExchange("GET", "/slow");
    const answered = compose(slow, accessLog())(req, res);
    await Promise.resolve();
    assert.equal(records.length, 0);
    release();
    await answered;
    assert.equal(records.length, 1);
    assert.match(lineOf(records[0]), /^GET \/slow 201 4 B /);
  });
});

Deno.test("accessLog(): a handler that throws is logged, and the error goes on", async () => {
  await withAccessLog((records) => {
    const broken: Handler = () => {
      throw new Error("broken");
    };
    const { req, res } = testExchange("GET", "/broken");
    assert.throws(() => compose(broken, accessLog())(req, res), { message: "broken" });
    assert.equal(records.length, 1);
    assert.match(lineOf(records[0]), /^GET \/broken 200 0 B /);
  });
});

Deno.test("accessLog() outside the error boundary logs the status the client got", async () => {
  await withAccessLog(async (records) => {
    const missing: Handler = () => {
      throw new HttpError(404, "Not Found", { closeConnection: false });
    };
    const { req, res } = testExchange("GET", "/nothing");
    await compose(missing, accessLog("common"), errorBoundary())(req, res);
    assert.match(lineOf(records[0]), /"GET \/nothing HTTP\/1\.1" 404 \d+$/);
  });
});

Deno.test("commonLogLine() and commonLogDate() follow the Common Log Format, in UTC", () => {
  const when = new Date(Date.UTC(2000, 9, 10, 13, 55, 36));
  assert.equal(commonLogDate(when), "10/Oct/2000:13:55:36 +0000");
  assert.equal(
    commonLogDate(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))),
    "02/Jan/2026:03:04:05 +0000",
  );
  const { req, res } = testExchange("GET", "/a%20b");
  res.end("12345");
  assert.equal(
    commonLogLine(req, res, 0, when),
    '127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a%20b HTTP/1.1" 200 5',
  );
});

const LOGGED_IN: { user: string; field: string }[] = [
  { user: "ann", field: "ann" },
  { user: "Jürgen", field: "Jürgen" },
  { user: 'ann "the admin"', field: "ann\\x20\\x22the\\x20admin\\x22" },
  { user: "back\\slash", field: "back\\x5cslash" },
  { user: "ideographic\u3000space", field: "ideographic\\u3000space" },
];

for (const { user, field } of LOGGED_IN) {
  Deno.test(`commonLogLine() and prettyLine() show the user ${JSON.stringify(user)} as one field`, () => {
    const when = new Date(Date.UTC(2000, 9, 10, 13, 55, 36));
    const { req, res } = testExchange("GET", "/private/x");
    req.set(AUTHENTICATED_USER, user);
    res.end("12345");
    assert.equal(
      commonLogLine(req, res, 0, when),
      `127.0.0.1 - ${field} [10/Oct/2000:13:55:36 +0000] "GET /private/x HTTP/1.1" 200 5`,
    );
    assert.equal(prettyLine(req, res, 1.25), `GET /private/x 200 5 B 1.3 ms 127.0.0.1 ${field}`);
  });
}
