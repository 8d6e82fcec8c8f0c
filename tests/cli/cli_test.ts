/**
 * The command line as a person meets it: main.ts run as a real process with exactly the
 * permissions of the compiled binary. --help and --version, every startup mistake as one
 * line on stderr and exit code 2 (never a stack trace), the bundled site, and zhttp.json
 * found in the working folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import { HELP_TEXT } from "../../lib/cli/help.ts";
import { serverPermissions } from "../../scripts/permissions.ts";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";
import { request } from "../support/raw_http.ts";
import { ZhttpProcess } from "../support/zhttp_process.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const REPO = new URL("../..", import.meta.url).pathname;
const decoder = new TextDecoder();

/**
 * Runs zhttp to its exit with stdout and stderr apart. Deno's `--quiet` silences Deno's own
 * diagnostics (such as "Failed to resolve 'xdg-open' for allow-run" on a machine without
 * it), so stderr holds exactly what zhttp printed.
 */
async function runToExit(args: string[], cwd = REPO) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...serverPermissions(Deno.build.os), V8_FLAGS_ARG, MAIN, ...args],
    cwd,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** A temporary folder holding `files` (paths relative to it), removed by `using`. */
async function tempSite(files: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "zhttp-cli-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

function get(port: number, target: string) {
  return request(port, `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
}

/** Exit code 2, nothing on stdout, one line on stderr, and no trace of a stack. */
function assertStartupMistake(
  result: { code: number; stdout: string; stderr: string },
  line: string | RegExp,
): void {
  assert.equal(result.code, 2, `exit code for: ${result.stderr}`);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^zhttp: [^\n]+\n$/, `not one line: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /^\s+at |\.ts:\d/m, "a stack trace reached the user");
  const message = result.stderr.trimEnd();
  if (typeof line === "string") assert.equal(message, line);
  else assert.match(message, line);
}

Deno.test("zhttp --help prints the help and exits 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const result = await runToExit([flag]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${HELP_TEXT}\n`);
    assert.equal(result.stderr, "");
  }
});

Deno.test("zhttp --version prints the version from deno.json and exits 0", async () => {
  for (const flag of ["--version", "-V"]) {
    const result = await runToExit([flag]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `zhttp ${denoJson.version}\n`);
    assert.equal(result.stderr, "");
  }
});

const mistakeCases: { name: string; args: string[]; line: string | RegExp }[] = [
  {
    name: "an unknown flag",
    args: ["--bogus"],
    line: "zhttp: unknown option --bogus; see zhttp --help for the options.",
  },
  {
    name: "a flag without its value",
    args: ["static", "--port"],
    line: "zhttp: --port needs a value; see zhttp --help.",
  },
  {
    name: "port 70000",
    args: ["static", "--port", "70000"],
    line: 'zhttp: --port must be a port number from 0 to 65535, not "70000".',
  },
  {
    name: "port -1",
    args: ["static", "-p", "-1"],
    line: 'zhttp: --port must be a port number from 0 to 65535, not "-1".',
  },
  {
    name: "a bad duration",
    args: ["static", "--head-timeout", "2d"],
    line: 'zhttp: --head-timeout must be a duration like 10s, 500ms or 2m, not "2d".',
  },
  {
    name: "two folders",
    args: ["static", "lib"],
    line: "zhttp: expected at most one folder to serve, got 2: static lib.",
  },
  {
    name: "--lan with --host",
    args: ["static", "--lan", "--host", "127.0.0.1"],
    line: "zhttp: --lan and --host both set the address to listen on; use one.",
  },
  {
    name: "a folder that does not exist",
    args: ["no-such-folder"],
    line: `zhttp: the folder to serve does not exist: ${join(REPO, "no-such-folder")}`,
  },
  {
    name: "a file in place of a folder",
    args: ["deno.json"],
    line: `zhttp: this is a file, not a folder to serve: ${join(REPO, "deno.json")}`,
  },
  {
    // Whatever the resolver says (no such name, or an address not of this machine).
    name: "a host name that does not resolve",
    args: ["static", "--port", "0", "--host", "nosuchhost.invalid"],
    line: /^zhttp: .*nosuchhost\.invalid/,
  },
  {
    name: "a header that would break framing",
    args: ["static", "--header", "Content-Length: 5"],
    line:
      "zhttp: --header: zhttp writes Content-Length itself, so that every response stays correctly framed.",
  },
  {
    name: "a header name that is no token",
    args: ["static", "--header", "Bad Name: 1"],
    line:
      'zhttp: --header: "Bad Name" is not a header name (letters, digits and !#$%&\'*+-.^_`|~ only).',
  },
  {
    name: "--qr without --lan",
    args: ["static", "--qr"],
    line:
      "zhttp: --qr shows the address phones can open, so it needs --lan (or --host with a LAN address).",
  },
];

for (const { name, args, line } of mistakeCases) {
  Deno.test(`zhttp exits 2 with one line for ${name}`, async () => {
    assertStartupMistake(await runToExit(args), line);
  });
}

const badFileCases: { name: string; text: string; line: (file: string) => string | RegExp }[] = [
  {
    name: "is not JSON",
    text: "{port: 8080}",
    line: (file) => new RegExp(`^zhttp: ${RegExp.escape(file)} is not valid JSON: .+\\.$`),
  },
  {
    name: "holds an array",
    text: "[8080]",
    line: (file) => `zhttp: ${file} must hold a JSON object, like {"port": 8080}.`,
  },
  {
    name: "has an unknown key",
    text: '{"prot": 8080}',
    line: (file) => `zhttp: unknown setting "prot" in ${file}; see zhttp --help for the names.`,
  },
  {
    name: "has a bad value",
    text: '{"idleTimeout": "forever"}',
    line: (file) =>
      `zhttp: "idleTimeout" in ${file} must be a duration like 10s, 500ms or 2m, not "forever".`,
  },
];

for (const { name, text, line } of badFileCases) {
  Deno.test(`zhttp exits 2 naming the zhttp.json in the working folder that ${name}`, async () => {
    await using site = await tempSite({ "zhttp.json": text });
    const result = await runToExit([], site.dir);
    assertStartupMistake(result, line(join(site.dir, "zhttp.json")));
  });
}

Deno.test("zhttp exits 2 when the port the user chose is taken", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  assertStartupMistake(
    await runToExit(["static", "--port", String(port)]),
    `zhttp: port ${port} is already in use by another program; choose another with --port.`,
  );
});

Deno.test("zhttp exits 2 when another program holds the chosen port on [::1] only", async () => {
  using taken = Deno.listen({ hostname: "::1", port: 0 });
  const port = taken.addr.port;
  assertStartupMistake(
    await runToExit(["static", "--port", String(port)]),
    `zhttp: port ${port} is already in use by another program; choose another with --port.`,
  );
});

Deno.test("zhttp answers on both loopbacks, as the banner's localhost URL may reach either", async () => {
  await using zhttp = ZhttpProcess.start(["static", "--port", "0"], { cwd: REPO });
  const port = await zhttp.port();
  assert.match(zhttp.output, new RegExp(`^Local    http://localhost:${port}/$`, "m"));
  for (const hostname of ["127.0.0.1", "::1"]) {
    const conn = await Deno.connect({ hostname, port });
    try {
      await conn.write(new TextEncoder().encode("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"));
      const answer = new Uint8Array(1024);
      const read = await conn.read(answer);
      assert.match(new TextDecoder().decode(answer.subarray(0, read ?? 0)), /^HTTP\/1\.1 200/);
    } finally {
      conn.close();
    }
  }
});

Deno.test("zhttp serves the bundled static folder and the built-in routes", async () => {
  const zhttp = ZhttpProcess.start(["static", "--port", "0"], { cwd: REPO });
  try {
    const port = await zhttp.port();
    assert.match(
      zhttp.output,
      new RegExp(`^Serving  ${RegExp.escape(join(REPO, "static"))}$`, "m"),
    );
    const home = await get(port, "/");
    assert.equal(home.status, 200);
    assert.match(home.header("content-type") ?? "", /^text\/html/);
    const hello = await get(port, "/hello");
    assert.equal(hello.status, 200);
    zhttp.kill("SIGINT");
    assert.equal((await zhttp.exited()).code, 0);
  } finally {
    await zhttp.stop();
  }
});

Deno.test("zhttp started with no argument serves root from the working folder's zhttp.json", async () => {
  await using site = await tempSite({
    "zhttp.json": '{"root": "public", "port": 0}',
    "public/index.html": "<h1>from public</h1>",
  });
  const zhttp = ZhttpProcess.start([], { cwd: site.dir });
  try {
    const port = await zhttp.port();
    assert.match(
      zhttp.output,
      new RegExp(`^Serving  ${RegExp.escape(join(site.dir, "public"))}$`, "m"),
    );
    const home = await get(port, "/");
    assert.equal(home.status, 200);
    assert.equal(home.text(), "<h1>from public</h1>");
    assert.equal((await get(port, "/zhttp.json")).status, 404);
  } finally {
    await zhttp.stop();
  }
});

Deno.test("zhttp never serves or lists the zhttp.json of the folder it serves", async () => {
  await using site = await tempSite({
    "zhttp.json": '{"port": 0, "cors": true}',
    "notes.txt": "notes",
  });
  const zhttp = ZhttpProcess.start([], { cwd: site.dir });
  try {
    const port = await zhttp.port();
    assert.equal((await get(port, "/zhttp.json")).status, 404);
    const notes = await get(port, "/notes.txt");
    assert.equal(notes.status, 200);
    assert.equal(notes.text(), "notes");
    // The file's settings took effect: CORS is on.
    assert.equal(notes.header("access-control-allow-origin"), "*");
    const listing = await get(port, "/");
    assert.equal(listing.status, 200);
    assert.match(listing.text(), /notes\.txt/);
    assert.doesNotMatch(listing.text(), /zhttp\.json/);
  } finally {
    await zhttp.stop();
  }
});

Deno.test("zhttp names the zhttp.json it uses in the banner", async () => {
  await using site = await tempSite({ "zhttp.json": '{"port": 0}' });
  const zhttp = ZhttpProcess.start([], { cwd: site.dir });
  try {
    await zhttp.port();
    assert.match(
      zhttp.output,
      new RegExp(`^Settings ${RegExp.escape(join(site.dir, "zhttp.json"))}$`, "m"),
    );
  } finally {
    await zhttp.stop();
  }
});

/** `--open` with PATH holding only `bin` (an xdg-open of the test's, or nothing). */
async function openWith(bin: Record<string, string>) {
  await using folder = await tempSite(bin);
  for (const name of Object.keys(bin)) await Deno.chmod(join(folder.dir, name), 0o755);
  const zhttp = ZhttpProcess.start(["static", "--port", "0", "--open"], {
    cwd: REPO,
    env: { PATH: folder.dir },
  });
  try {
    const port = await zhttp.port();
    await zhttp.waitFor(/could not open a browser/);
    return { output: zhttp.output, port };
  } finally {
    await zhttp.stop();
  }
}

if (Deno.build.os === "linux") {
  Deno.test("zhttp --open says so in one sentence when the opener fails", async () => {
    const { output, port } = await openWith({ "xdg-open": "#!/bin/sh\nexit 3\n" });
    assert.match(
      output,
      new RegExp(
        `^zhttp: could not open a browser \\(xdg-open exited with code 3\\); open http://localhost:${port}/ yourself\\.$`,
        "m",
      ),
    );
  });

  Deno.test("zhttp --open says so in one sentence when there is no opener", async () => {
    const { output, port } = await openWith({});
    assert.match(
      output,
      new RegExp(
        `^zhttp: could not open a browser \\(xdg-open is not installed\\); open http://localhost:${port}/ yourself\\.$`,
        "m",
      ),
    );
  });
}
// ── Access control as a person meets it ─────────────────────────────────────────────────

const authMistakeCases: {
  name: string;
  args?: string[];
  file?: string;
  line: (file: string) => string;
}[] = [
  {
    name: "--auth without a password",
    args: ["static", "--auth", "ann"],
    line: () => "zhttp: --auth must be a user name and a password, like --auth ann:s3cret.",
  },
  {
    name: "a plain-text password in zhttp.json",
    file: JSON.stringify({ users: { ann: "hunter2" } }),
    line: (file) =>
      `zhttp: user "ann" in ${file} has a plain-text password; store a hash instead: run zhttp hash-password and paste what it prints.`,
  },
  {
    name: "public prefixes without users",
    file: JSON.stringify({ public: ["/public"] }),
    line: () =>
      `zhttp: "public" only applies when users must log in; add --auth user:password or "users" to zhttp.json.`,
  },
  {
    name: "hash-password with options",
    args: ["hash-password", "--port", "9000"],
    line: () =>
      "zhttp: hash-password takes no folder or options; it asks for the password (or reads it from stdin).",
  },
];

for (const { name, args, file, line } of authMistakeCases) {
  Deno.test(`zhttp exits 2 with one line for ${name}`, async () => {
    await using site = await tempSite(file === undefined ? {} : { "zhttp.json": file });
    const result = await runToExit(args ?? [], file === undefined ? REPO : site.dir);
    assertStartupMistake(result, line(join(site.dir, "zhttp.json")));
    assert.doesNotMatch(result.stderr, /hunter2/);
  });
}

Deno.test("zhttp --auth asks every route for the login, logs the user, warns about the process list", async () => {
  await using zhttp = ZhttpProcess.start(
    ["static", "--port", "0", "--auth", "ann:s3cret", "--realm", "Ann's files"],
    { cwd: REPO },
  );
  const port = await zhttp.port();
  for (const target of ["/", "/hello", "/echo", "/no-such-file"]) {
    const refused = await get(port, target);
    assert.equal(refused.status, 401, target);
    assert.equal(refused.header("www-authenticate"), `Basic realm="Ann's files", charset="UTF-8"`);
  }
  const hello = await request(
    port,
    `GET /hello HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic ${
      btoa("ann:s3cret")
    }\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(hello.status, 200);
  await zhttp.waitFor(/GET \/hello 200 .* ann\n/);
  assert.match(zhttp.output, /^Login {4}required for every path \(1 user, realm "Ann's files"\)$/m);
  assert.match(zhttp.output, /^Warning {2}the --auth password is visible to other users/m);
  assert.doesNotMatch(zhttp.output, /clear text/, "loopback only: no network warning");
  assert.doesNotMatch(zhttp.output, /s3cret|YW5uOnMzY3JldA/, "the password was printed");
});
