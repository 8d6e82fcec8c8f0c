/**
 * Access control end to end, over real sockets, through createApp as the binary builds it:
 * every route and listing behind the login, the 401's framing, HEAD, ranges and
 * conditionals once logged in, public prefixes and the spellings that must not get past
 * them, guessing throttled per address while another logs in, and logs that show the user
 * but never the credentials.
 */
import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { createApp } from "../../lib/app.ts";
import { hashPasswordSync, type ScryptCost } from "../../lib/auth/password_hash.ts";
import { createAuth } from "../../lib/cli/auth_setup.ts";
import type { AuthConfig } from "../../lib/cli/config.ts";
import { createStaticHandler } from "../../lib/handlers/static/static_handler.ts";
import { basicAuth } from "../../lib/middleware/basic_auth.ts";
import { listenTcp } from "../../lib/server/transport.ts";
import hostilePaths from "../fixtures/hostile_paths.json" with { type: "json" };
import { RawConnection, type RawResponse, startServer } from "../support/raw_http.ts";
import { rawRequest, StaticSite, tempFolder } from "../support/static_site.ts";

/** Cheap hashes keep the tests quick; the cost is a field of the hash, the code the same. */
const CHEAP: ScryptCost = { log2N: 4, r: 8, p: 1 };
const PASSWORD = "open sesame";
const ANN = `Basic ${btoa(`ann:${PASSWORD}`)}`;
/** "Jürgen:пароль" in UTF-8, as a browser sends it after charset="UTF-8". */
const JURGEN = "Basic SsO8cmdlbjrQv9Cw0YDQvtC70Yw=";
const MARKER = `SECRET-${crypto.randomUUID()}`;

function authConfig(rules: Partial<AuthConfig> = {}): AuthConfig {
  return {
    users: [
      { name: "ann", hash: hashPasswordSync(PASSWORD, CHEAP) },
      { name: "Jürgen", hash: hashPasswordSync("пароль", CHEAP) },
    ],
    realm: "zhttp test",
    public: [],
    ...rules,
  };
}

const FILES = {
  "index.html": `<h1>${MARKER} home</h1>`,
  "secret.txt": MARKER,
  "sub/listed-name.txt": MARKER,
  "public/hello.txt": "public hello",
  "public/sub/page.html": "<p>public page</p>",
  "private/secret.txt": MARKER,
  "big.bin": "0123456789".repeat(1000),
  ".env": MARKER,
};

/** A site with FILES behind createAuth(`rules`), as main.ts builds it. */
function openSite(rules: Partial<AuthConfig> = {}, showDotfiles = false): Promise<StaticSite> {
  return StaticSite.open(FILES, { showDotfiles }, {
    app: (root) => ({ auth: createAuth(authConfig(rules), { root, showDotfiles }) }),
  });
}

/** The answer without its Date line, to compare whole responses. */
function withoutDate(response: RawResponse): string {
  const headers = response.headers.filter(([name]) => name !== "date");
  return JSON.stringify({ status: response.status, headers, body: response.text() });
}

function assertChallenge(response: RawResponse, what: string): void {
  assert.equal(response.status, 401, what);
  assert.equal(response.reason, "Unauthorized", what);
  assert.equal(
    response.header("www-authenticate"),
    'Basic realm="zhttp test", charset="UTF-8"',
    what,
  );
  assert.ok(!response.text().includes(MARKER), `${what} leaked the marker`);
}

/** Every route, file, listing and method the app answers, as [method, target]. */
const EVERYTHING: [string, string][] = [
  ["GET", "/"],
  ["GET", "/index.html"],
  ["GET", "/secret.txt"],
  ["GET", "/sub/"],
  ["GET", "/sub"],
  ["GET", "/public/hello.txt"],
  ["GET", "/hello"],
  ["GET", "/echo"],
  ["POST", "/echo"],
  ["PUT", "/echo"],
  ["DELETE", "/echo"],
  ["HEAD", "/"],
  ["HEAD", "/secret.txt"],
  ["OPTIONS", "/"],
  ["OPTIONS", "*"],
  ["GET", "/no-such-file"],
  ["GET", "/.env"],
  ["GET", "/../secret.txt"],
  ["GET", "http://a/secret.txt"],
];

Deno.test("basicAuth() asks for a login on every route, file, listing and method", async () => {
  await using site = await openSite();
  for (const [method, target] of EVERYTHING) {
    const response = await site.fetch(target, {}, method);
    assertChallenge(response, `${method} ${target}`);
  }
});

Deno.test("basicAuth(): a 401 is the same answer whether the path exists or not", async () => {
  await using site = await openSite();
  const answers = new Set<string>();
  for (const target of ["/secret.txt", "/no-such-file", "/sub/", "/sub", "/hello", "/.env"]) {
    answers.add(withoutDate(await site.fetch(target)));
  }
  assert.equal(answers.size, 1, [...answers].join("\n"));
});

Deno.test("basicAuth(): a 401 is framed for keep-alive, and the connection goes on", async () => {
  await using site = await openSite();
  using connection = await RawConnection.open(site.port);
  // A body the 401 never reads, then a request on the same connection.
  await connection.send(
    "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world" +
      rawRequest("GET", "/hello", { Authorization: ANN }),
  );
  const refused = await connection.response();
  assertChallenge(refused, "POST /echo");
  assert.equal(refused.header("content-type"), "text/plain; charset=utf-8");
  assert.equal(refused.header("content-length"), String(refused.body.length));
  assert.equal(refused.text(), "401 Unauthorized\n");
  assert.equal(refused.header("connection"), null, "no close");
  const next = await connection.response();
  assert.equal(next.status, 200);
  assert.equal(next.text(), "Hello, World!\n");
});

Deno.test("basicAuth() lets the right user name and password in, UTF-8 included", async () => {
  await using site = await openSite();
  for (const credentials of [ANN, JURGEN, `basic ${btoa(`ann:${PASSWORD}`).replace(/=+$/, "")}`]) {
    const hello = await site.fetch("/hello", { Authorization: credentials });
    assert.equal(hello.status, 200, credentials);
  }
  const listing = await site.fetch("/sub/", { Authorization: ANN });
  assert.equal(listing.status, 200);
  assert.ok(listing.text().includes("listed-name.txt"));
  const echoed = await site.fetch("/echo", { Authorization: ANN });
  assert.equal(echoed.status, 200);
  const file = await site.fetch("/secret.txt", { Authorization: ANN });
  assert.equal(file.text(), MARKER);
});

Deno.test("basicAuth() refuses wrong passwords, unknown users and unusable headers alike", async () => {
  await using site = await openSite();
  const wrong = [
    `Basic ${btoa("ann:open sesam")}`,
    `Basic ${btoa("Ann:open sesame")}`,
    `Basic ${btoa("bob:open sesame")}`,
    `Basic ${btoa(`ann:${PASSWORD}`)}x`,
    `Bearer ${btoa(`ann:${PASSWORD}`)}`,
    "Basic",
    `Basic ${btoa(`ann${PASSWORD}`)}`,
  ];
  for (const credentials of wrong) {
    assertChallenge(await site.fetch("/hello", { Authorization: credentials }), credentials);
  }
});

Deno.test("basicAuth(): HEAD, ranges and conditional requests work behind the login", async () => {
  await using site = await openSite();
  const auth = { Authorization: ANN };
  const full = await site.fetch("/big.bin", auth);
  assert.equal(full.status, 200);
  const head = await site.fetch("/big.bin", auth, "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.header("content-length"), "10000");
  assert.equal(head.body.length, 0);
  const range = await site.fetch("/big.bin", { ...auth, Range: "bytes=10-19" });
  assert.equal(range.status, 206);
  assert.equal(range.text(), "0123456789");
  assert.equal(range.header("content-range"), "bytes 10-19/10000");
  const etag = full.header("etag")!;
  const notModified = await site.fetch("/big.bin", { ...auth, "If-None-Match": etag });
  assert.equal(notModified.status, 304);
  const lastModified = full.header("last-modified")!;
  const unchanged = await site.fetch("/big.bin", { ...auth, "If-Modified-Since": lastModified });
  assert.equal(unchanged.status, 304);
  // Without the login, none of these says anything about the file.
  const conditions: Record<string, string>[] = [{ Range: "bytes=10-19" }, {
    "If-None-Match": etag,
  }];
  for (const headers of conditions) {
    assertChallenge(await site.fetch("/big.bin", headers), JSON.stringify(headers));
  }
  assertChallenge(await site.fetch("/big.bin", {}, "HEAD"), "HEAD");
});

Deno.test("basicAuth() with public prefixes: /public is open, the rest is not", async () => {
  await using site = await openSite({ public: ["/public"] });
  const open = await site.fetch("/public/hello.txt");
  assert.equal(open.status, 200);
  assert.equal(open.text(), "public hello");
  assert.equal((await site.fetch("/public/sub/page.html")).status, 200);
  assert.equal((await site.fetch("/public/sub/")).status, 200, "its listing");
  assert.equal((await site.fetch("/public")).status, 301, "the folder's redirect");
  assert.equal((await site.fetch("/public/nothing")).status, 404);
  for (
    const target of [
      "/",
      "/secret.txt",
      "/sub/",
      "/hello",
      "/echo",
      "/publicity",
      "/PUBLIC/hello.txt",
    ]
  ) {
    assertChallenge(await site.fetch(target), target);
  }
});

Deno.test("basicAuth() with protect prefixes: only /private asks, in any case", async () => {
  await using site = await openSite({ protect: ["/private"] });
  assert.equal((await site.fetch("/hello")).status, 200);
  assert.equal((await site.fetch("/secret.txt")).status, 200);
  for (
    const target of [
      "/private/secret.txt",
      "/PRIVATE/secret.txt",
      "/%70rivate/secret.txt",
      "//private//secret.txt",
      "/private%2fsecret.txt",
    ]
  ) {
    assertChallenge(await site.fetch(target), target);
  }
  const inside = await site.fetch("/private/secret.txt", { Authorization: ANN });
  assert.equal(inside.text(), MARKER);
});

/** Spellings that try to reach the marker through or past a prefix. */
const TRICKS = [
  "/public/../secret.txt",
  "/public/%2e%2e/secret.txt",
  "/public/..%2fsecret.txt",
  "/public%2f..%2fsecret.txt",
  "/public/..%5csecret.txt",
  "/public/..\\secret.txt",
  "//public/../secret.txt",
  "/public./../secret.txt",
  "/public/%252e%252e/secret.txt",
  "/public/%c0%ae%c0%ae/secret.txt",
  "/public/%ef%bc%8e%ef%bc%8e/secret.txt",
  "/public/../private/secret.txt",
  "/public%2f..%2fprivate%2fsecret.txt",
  "/public/..;/secret.txt",
  "http://a/public/../secret.txt",
  "http://a/public/%2e%2e/secret.txt",
];

Deno.test("basicAuth(): no hostile spelling reaches a protected file without a login", async () => {
  await using site = await openSite({ public: ["/public"] });
  const rows = hostilePaths.refused.flatMap((row) =>
    row.path.startsWith("/") ? [row.path, `/public${row.path}`] : [row.path]
  );
  for (const target of [...TRICKS, ...rows]) {
    for (const method of ["GET", "HEAD"]) {
      const response = await site.fetch(target, {}, method);
      const what = `${method} ${JSON.stringify(target)}: ${response.status}`;
      assert.ok(!response.text().includes(MARKER), `${what} leaked the marker`);
      assert.ok(response.status >= 400, what);
    }
  }
});

/** A server on both loopbacks, so two client addresses can be told apart. */
async function twoAddressSite() {
  const folder = await tempFolder({ "index.html": "home" });
  const handler = createApp({
    fallback: createStaticHandler({ root: folder.dir }),
    auth: basicAuth({ users: authConfig().users.flatMap((user) => "hash" in user ? [user] : []) }),
  });
  const v4 = listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = (v4.addr as Deno.NetAddr).port;
  const server = startServer({ handler, listeners: [v4, listenTcp({ hostname: "::1", port })] });
  return {
    port,
    async [Symbol.asyncDispose]() {
      await server.close();
      await folder[Symbol.asyncDispose]();
    },
  };
}

Deno.test("basicAuth(): 1,000 wrong passwords from one address get 5 checked and 429s; another address logs in at once", async () => {
  await withLogs(async (records) => {
    await using site = await twoAddressSite();
    using attacker = await RawConnection.open(site.port, "127.0.0.1");
    // A browser on the attacker's address that logged in before: its header is remembered.
    await attacker.send(rawRequest("GET", "/", { Authorization: ANN }));
    assert.equal((await attacker.response()).status, 200);

    const started = performance.now();
    const statuses = new Map<number, number>();
    const retryAfter = new Set<string | null>();
    for (let attempt = 0; attempt < 1000; attempt++) {
      await attacker.send(
        rawRequest("GET", "/", { Authorization: `Basic ${btoa(`ann:guess${attempt}`)}` }),
      );
      const response = await attacker.response();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 429) retryAfter.add(response.header("retry-after"));
    }
    const elapsedMs = performance.now() - started;
    // 5 free guesses, then one more per lockout that ended (1 s, 2 s, 4 s, …) meanwhile.
    const endedLockouts = Math.floor(Math.log2(elapsedMs / 1000 + 1));
    const checked = statuses.get(401) ?? 0;
    assert.ok(
      checked >= 5 && checked <= 5 + endedLockouts,
      `${checked} checked in ${elapsedMs} ms`,
    );
    assert.equal(checked + (statuses.get(429) ?? 0), 1000, JSON.stringify([...statuses]));
    for (const value of retryAfter) assert.match(value ?? "", /^[1-9]\d*$/);

    // Locked out: even the right password is not checked from there now...
    await attacker.send(rawRequest("GET", "/", { Authorization: JURGEN }));
    assert.equal((await attacker.response()).status, 429);
    // ...but the browser that had logged in goes on, and another address logs in at once.
    await attacker.send(rawRequest("GET", "/", { Authorization: ANN }));
    assert.equal((await attacker.response()).status, 200);
    using neighbour = await RawConnection.open(site.port, "::1");
    await neighbour.send(rawRequest("GET", "/", { Authorization: JURGEN }));
    assert.equal((await neighbour.response()).status, 200);

    const lockouts = records.filter((record) => record.level === "warning");
    assert.ok(lockouts.length >= 1 && lockouts.length <= 1 + endedLockouts);
    assert.match(
      renderMessage(lockouts[0]),
      /^127\.0\.0\.1: 5 failed logins; logins from there refused for 1 s$/,
    );
  });
});

Deno.test("basicAuth(): the logs show who logged in, never the credentials", async () => {
  await withLogs(async (records) => {
    const users = authConfig().users.flatMap((user) => "hash" in user ? [user] : []);
    const failing = createApp({
      accessLog: "pretty",
      auth: basicAuth({ users }),
      fallback: (req) => {
        throw new Error(`a bug while answering ${req.target}`);
      },
    });
    await using server = startServer({ handler: failing });
    const wrong = `Basic ${btoa("ann:not-the-password")}`;
    for (const credentials of [ANN, JURGEN, wrong, "Basic Z2FyYmFnZQ=="]) {
      for (const target of ["/hello", "/boom"]) {
        using connection = await RawConnection.open(server.addr.port);
        await connection.send(rawRequest("GET", target, { Authorization: credentials }));
        await connection.response();
      }
    }
    const lines = records.map(renderMessage);
    assert.ok(
      lines.some((line) => /^GET \/hello 200 .* 127\.0\.0\.1 ann$/.test(line)),
      lines.join("\n"),
    );
    assert.ok(lines.some((line) => /^GET \/hello 200 .* 127\.0\.0\.1 Jürgen$/.test(line)));
    assert.ok(lines.some((line) => /^GET \/hello 401 .* 127\.0\.0\.1$/.test(line)));
    assert.ok(lines.some((line) => line.includes("a bug while answering /boom")), "the error log");
    const secrets = [
      PASSWORD,
      "пароль",
      "not-the-password",
      ANN.slice(6),
      JURGEN.slice(6),
      "Z2FyYmFnZQ",
      "garbage",
    ];
    for (const record of records) {
      const everything = JSON.stringify({
        line: renderMessage(record),
        properties: record.properties,
      }, (_key, value) => value instanceof Error ? value.stack : value);
      for (const secret of secrets) {
        assert.ok(!everything.includes(secret), `${secret} in ${everything}`);
      }
    }
  });
});

/** Runs `body` with every zhttp log record collected (debug included) instead of printed. */
async function withLogs(body: (records: LogRecord[]) => Promise<void>): Promise<void> {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { collect: (record) => records.push(record) },
    loggers: [
      { category: ["zhttp"], sinks: ["collect"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
  });
  try {
    await body(records);
  } finally {
    await reset();
  }
}

/** A record's message with its values filled in. */
function renderMessage(record: LogRecord): string {
  return record.message.map((part, index) =>
    index % 2 === 0 ? part : part instanceof Error ? part.message : String(part)
  ).join("");
}
