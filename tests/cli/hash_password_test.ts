/**
 * `zhttp hash-password`: the line editor of the hidden prompt and the piped input from
 * tables of raw bytes, then the command as a real process: piped, and typed at a real
 * terminal (tmux) where nothing typed may show on the screen. The hash it prints must verify
 * the password, and log that user in to a zhttp started with it in zhttp.json.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parsePasswordHash, verifyPassword } from "../../lib/auth/password_hash.ts";
import {
  HiddenLine,
  type LineState,
  MAX_PASSWORD_BYTES,
  passwordFromPipe,
} from "../../lib/cli/hash_password.ts";
import { serverPermissions } from "../../scripts/permissions.ts";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";
import { request } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";
import { configErrorOf } from "../support/config_errors.ts";
import { ZhttpProcess } from "../support/zhttp_process.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ZHTTP_ARGS = ["run", "--quiet", ...serverPermissions(Deno.build.os), V8_FLAGS_ARG, MAIN];

const PIPED: { input: string; password: string | RegExp; why: string }[] = [
  { input: "s3cret\n", password: "s3cret", why: "a line from echo" },
  { input: "s3cret\r\n", password: "s3cret", why: "a CRLF line" },
  { input: "s3cret", password: "s3cret", why: "no line ending" },
  { input: "pa ss wörd \n", password: "pa ss wörd ", why: "spaces kept, UTF-8" },
  { input: "s3cret\n\n", password: /several lines/, why: "a second, empty line" },
  { input: "one\ntwo\n", password: /several lines/, why: "two lines" },
  { input: "\n", password: /is empty/, why: "an empty line" },
  { input: "", password: /is empty/, why: "nothing" },
  { input: "tab\there\n", password: /control character/, why: "a tab" },
  {
    input: "x".repeat(MAX_PASSWORD_BYTES) + "\n",
    password: "x".repeat(MAX_PASSWORD_BYTES),
    why: "the longest",
  },
  {
    input: "x".repeat(MAX_PASSWORD_BYTES + 1) + "\n",
    password: /longer than 1024 bytes/,
    why: "one byte longer",
  },
];

for (const { input, password, why } of PIPED) {
  Deno.test(`passwordFromPipe() ${typeof password === "string" ? "reads" : "refuses"} ${why}`, () => {
    const bytes = encoder.encode(input);
    if (typeof password === "string") assert.equal(passwordFromPipe(bytes), password);
    else assert.match(configErrorOf(() => passwordFromPipe(bytes)), password);
  });
}

Deno.test("passwordFromPipe() refuses bytes that are not UTF-8", () => {
  assert.match(
    configErrorOf(() => passwordFromPipe(new Uint8Array([0x61, 0xff, 0x0a]))),
    /not UTF-8/,
  );
});

const ESC = "\x1b";
const KEYS: { keys: string[]; outcome: LineState | RegExp; why: string }[] = [
  {
    keys: ["s3cret\r"],
    outcome: { kind: "done", password: "s3cret" },
    why: "Enter is CR in raw mode",
  },
  { keys: ["s3cret\n"], outcome: { kind: "done", password: "s3cret" }, why: "or LF" },
  {
    keys: ["s3", "cr", "et", "\r"],
    outcome: { kind: "done", password: "s3cret" },
    why: "one key per read",
  },
  {
    keys: ["s3cretX\x7f\r"],
    outcome: { kind: "done", password: "s3cret" },
    why: "Backspace (DEL)",
  },
  {
    keys: ["s3cretX\x08\r"],
    outcome: { kind: "done", password: "s3cret" },
    why: "Backspace (BS, Windows)",
  },
  {
    keys: ["pässwörd€\x7f\r"],
    outcome: { kind: "done", password: "pässwörd" },
    why: "Backspace removes a whole UTF-8 character",
  },
  {
    keys: ["\x7f\x7fok\r"],
    outcome: { kind: "done", password: "ok" },
    why: "Backspace on an empty line",
  },
  {
    keys: ["wrong\x15right\r"],
    outcome: { kind: "done", password: "right" },
    why: "Ctrl+U clears",
  },
  {
    keys: [`a${ESC}[Db${ESC}[1;5Cc${ESC}OA\r`],
    outcome: { kind: "done", password: "abc" },
    why: "arrow keys ignored",
  },
  { keys: ["a\tb\r"], outcome: { kind: "done", password: "ab" }, why: "other controls ignored" },
  { keys: ["s3c\x03"], outcome: { kind: "cancelled" }, why: "Ctrl+C" },
  { keys: ["\x04"], outcome: { kind: "cancelled" }, why: "Ctrl+D on an empty line" },
  { keys: ["ab\x04c\r"], outcome: { kind: "done", password: "abc" }, why: "Ctrl+D inside a line" },
  { keys: ["s3cret"], outcome: { kind: "typing" }, why: "no Enter yet" },
  { keys: ["\r"], outcome: /is empty/, why: "Enter alone" },
  {
    keys: ["x".repeat(MAX_PASSWORD_BYTES + 5) + "\r"],
    outcome: /longer than 1024 bytes/,
    why: "too long",
  },
];

for (const { keys, outcome, why } of KEYS) {
  Deno.test(`HiddenLine.feed() ${why}`, () => {
    const line = new HiddenLine();
    const feedAll = () => {
      let state: LineState = { kind: "typing" };
      for (const chunk of keys) state = line.feed(encoder.encode(chunk));
      return state;
    };
    if (outcome instanceof RegExp) assert.match(configErrorOf(feedAll), outcome);
    else assert.deepEqual(feedAll(), outcome);
  });
}

/** Runs `zhttp hash-password` with `input` on a pipe. */
async function hashPiped(input: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...ZHTTP_ARGS, "hash-password"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(encoder.encode(input));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test("zhttp hash-password prints a hash of the piped password that logs that user in", async () => {
  const password = "correct horse battery stäple";
  const result = await hashPiped(`${password}\n`);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}\n$/);
  const hash = parsePasswordHash(result.stdout.trim());
  assert.ok(!("refused" in hash));
  assert.equal(await verifyPassword(password, hash), true);
  assert.equal(await verifyPassword("correct horse battery staple", hash), false);

  // The round trip a person makes: paste it into zhttp.json, start zhttp, log in.
  await using site = await tempFolder({
    "site/index.html": "members only",
    "zhttp.json": JSON.stringify({ root: "site", port: 0, users: { ann: result.stdout.trim() } }),
  });
  await using zhttp = ZhttpProcess.start([], { cwd: site.dir });
  const port = await zhttp.port();
  const get = (credentials: string | null) =>
    request(
      port,
      `GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n${
        credentials === null
          ? ""
          : `Authorization: Basic ${btoa(String.fromCharCode(...encoder.encode(credentials)))}\r\n`
      }\r\n`,
    );
  assert.equal((await get(null)).status, 401);
  assert.equal((await get("ann:wrong")).status, 401);
  const inside = await get(`ann:${password}`);
  assert.equal(inside.status, 200);
  assert.equal(inside.text(), "members only");
  assert.match(zhttp.output, /Login +required for every path \(1 user, realm "zhttp"\)/);
  assert.doesNotMatch(zhttp.output, /process list/, "no --auth, no process-list warning");
});

const PIPED_MISTAKES: { input: string; line: string }[] = [
  { input: "\n", line: "zhttp: the password is empty; nothing was printed.\n" },
  {
    input: "one\ntwo\n",
    line: "zhttp: stdin holds several lines; pipe in the password alone, on one line.\n",
  },
];

for (const { input, line } of PIPED_MISTAKES) {
  Deno.test(`zhttp hash-password exits 2 with one line for ${JSON.stringify(input)}`, async () => {
    const result = await hashPiped(input);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, line);
  });
}

/**
 * A tmux server of this test's own, on a socket in `dir` (so it leaves nothing behind),
 * killed at the end of the scope.
 */
class Tmux implements AsyncDisposable {
  readonly socket: string;

  constructor(dir: string) {
    this.socket = join(dir, "tmux.sock");
  }

  async run(...args: string[]): Promise<string> {
    const { code, stdout, stderr } = await new Deno.Command("tmux", {
      args: ["-S", this.socket, ...args],
      stdin: "null",
    }).output();
    if (code !== 0) throw new Error(`tmux ${args.join(" ")}: ${decoder.decode(stderr)}`);
    return decoder.decode(stdout);
  }

  /** What the terminal shows now. */
  screen(): Promise<string> {
    return this.run("capture-pane", "-p", "-t", "zhttp");
  }

  async waitForScreen(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`no ${pattern} on the screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.run("kill-server").catch(() => {});
  }
}

/** Starts `zhttp hash-password` at a fresh tmux terminal, stdout and exit code to files. */
async function hashAtTerminal(tmux: Tmux, dir: string): Promise<void> {
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  const command = [Deno.execPath(), ...ZHTTP_ARGS, "hash-password"].map(quote).join(" ");
  const script = `NO_COLOR=1 ${command} > ${quote(join(dir, "hash"))}; ` +
    `echo $? > ${quote(join(dir, "code"))}; sleep 60`;
  await tmux.run("new-session", "-d", "-s", "zhttp", "-x", "160", "-y", "20", "sh", "-c", script);
}

async function exitCode(dir: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = await Deno.readTextFile(join(dir, "code"));
      if (text.endsWith("\n")) return Number(text.trim());
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (Date.now() > deadline) throw new Error("hash-password did not finish");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("zhttp hash-password at a terminal asks twice, shows nothing typed, and prints a hash that verifies", async () => {
  await using folder = await tempFolder();
  await using tmux = new Tmux(folder.dir);
  await hashAtTerminal(tmux, folder.dir);
  await tmux.waitForScreen(/^Password:\s*$/m);
  // A typo corrected with Backspace on the way, as people type.
  await tmux.run("send-keys", "-t", "zhttp", "-l", "tmux-pässwörd-7x");
  await tmux.run("send-keys", "-t", "zhttp", "BSpace");
  await tmux.run("send-keys", "-t", "zhttp", "Enter");
  await tmux.waitForScreen(/^Again:\s*$/m);
  await tmux.run("send-keys", "-t", "zhttp", "-l", "tmux-pässwörd-7");
  await tmux.run("send-keys", "-t", "zhttp", "Enter");
  assert.equal(await exitCode(folder.dir), 0);
  const screen = await tmux.screen();
  for (const secret of ["tmux-pässwörd", "pässwörd", "tmux-", "7x"]) {
    assert.ok(
      !screen.includes(secret),
      `${JSON.stringify(secret)} shows on the screen:\n${screen}`,
    );
  }
  assert.match(screen, /^Password:\s*$/m);
  assert.match(screen, /^Again:\s*$/m);
  assert.match(screen, /Put it in zhttp\.json: "users": \{"your-name": "\$scrypt\$/);
  const printed = (await Deno.readTextFile(join(folder.dir, "hash"))).trim();
  const hash = parsePasswordHash(printed);
  assert.ok(!("refused" in hash), printed);
  assert.equal(await verifyPassword("tmux-pässwörd-7", hash), true);
  assert.equal(await verifyPassword("tmux-pässwörd-7x", hash), false);
});

Deno.test("zhttp hash-password at a terminal stops with 130 on Ctrl+C and prints no hash", async () => {
  await using folder = await tempFolder();
  await using tmux = new Tmux(folder.dir);
  await hashAtTerminal(tmux, folder.dir);
  await tmux.waitForScreen(/^Password:\s*$/m);
  await tmux.run("send-keys", "-t", "zhttp", "-l", "half");
  await tmux.run("send-keys", "-t", "zhttp", "C-c");
  assert.equal(await exitCode(folder.dir), 130);
  assert.equal(await Deno.readTextFile(join(folder.dir, "hash")), "");
  assert.ok(!(await tmux.screen()).includes("half"));
});

Deno.test("zhttp hash-password at a terminal refuses two different passwords in one line", async () => {
  await using folder = await tempFolder();
  await using tmux = new Tmux(folder.dir);
  await hashAtTerminal(tmux, folder.dir);
  await tmux.waitForScreen(/^Password:\s*$/m);
  await tmux.run("send-keys", "-t", "zhttp", "-l", "first");
  await tmux.run("send-keys", "-t", "zhttp", "Enter");
  await tmux.waitForScreen(/^Again:\s*$/m);
  await tmux.run("send-keys", "-t", "zhttp", "-l", "second");
  await tmux.run("send-keys", "-t", "zhttp", "Enter");
  assert.equal(await exitCode(folder.dir), 2);
  assert.equal(await Deno.readTextFile(join(folder.dir, "hash")), "");
  const screen = await tmux.screen();
  assert.match(screen, /^zhttp: the two passwords differ; nothing was printed\.$/m);
  assert.ok(!screen.includes("first") && !screen.includes("second"));
});
