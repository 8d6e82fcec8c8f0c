/**
 * Configuration: every flag and its value syntax, every ConfigError sentence a person can
 * meet, zhttp.json as written by hand, and the layering of flags over the file over the
 * defaults.
 */
import assert from "node:assert/strict";
import {
  type Config,
  DEFAULT_CACHE_CONTROL,
  DEFAULT_HOST,
  DEFAULT_PORT,
  parseCommandLine,
  parseConfigFile,
  parseDuration,
  parsePort,
  parseSize,
  resolveConfig,
  type Settings,
} from "../../lib/cli/config.ts";
import {
  DEFAULT_DRAIN_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_TIMEOUTS,
} from "../../lib/server/server.ts";
import { configErrorOf } from "../support/config_errors.ts";
import {
  formatPasswordHash,
  parsePasswordHash,
  type PasswordHash,
} from "../../lib/auth/password_hash.ts";

const FILE = "/home/ann/site/zhttp.json";

// ── parseCommandLine ────────────────────────────────────────────────────────────────────

const flagCases: { args: string[]; settings: Settings; rootArgument?: string }[] = [
  { args: [], settings: {} },
  { args: ["public"], settings: {}, rootArgument: "public" },
  { args: ["--host", "0.0.0.0"], settings: { host: "0.0.0.0" } },
  { args: ["--host", "[::1]"], settings: { host: "::1" } },
  { args: ["--host=192.168.1.20"], settings: { host: "192.168.1.20" } },
  { args: ["--lan"], settings: { host: "0.0.0.0" } },
  { args: ["--port", "0"], settings: { port: 0 } },
  { args: ["--port", "80"], settings: { port: 80 } },
  { args: ["-p", "9000"], settings: { port: 9000 } },
  { args: ["-p9000"], settings: { port: 9000 } },
  { args: ["--port=65535"], settings: { port: 65535 } },
  { args: ["--max-connections", "64"], settings: { maxConnections: 64 } },
  { args: ["--workers", "2"], settings: { workers: 2 } },
  { args: ["--workers", "auto"], settings: { workers: navigator.hardwareConcurrency } },
  { args: ["--head-timeout", "10s"], settings: { timeouts: { headMs: 10_000 } } },
  { args: ["--idle-timeout", "500ms"], settings: { timeouts: { idleMs: 500 } } },
  { args: ["--body-timeout", "2m"], settings: { timeouts: { bodyMs: 120_000 } } },
  { args: ["--write-timeout", "1.5s"], settings: { timeouts: { writeMs: 1500 } } },
  { args: ["--head-timeout", "7"], settings: { timeouts: { headMs: 7000 } } },
  { args: ["--drain-timeout", "30s"], settings: { drainMs: 30_000 } },
  {
    args: ["--head-timeout", "1s", "--idle-timeout", "2s", "--body-timeout", "3s"],
    settings: { timeouts: { headMs: 1000, idleMs: 2000, bodyMs: 3000 } },
  },
  { args: ["--max-body-size", "100MiB"], settings: { maxBodyBytes: 100 * 1024 * 1024 } },
  { args: ["--max-body-size", "64kb"], settings: { maxBodyBytes: 64_000 } },
  { args: ["--max-body-size", "1GiB"], settings: { maxBodyBytes: 1024 ** 3 } },
  { args: ["--max-body-size", "1048576"], settings: { maxBodyBytes: 1_048_576 } },
  { args: ["--cors"], settings: { cors: true } },
  { args: ["--no-listing"], settings: { listing: false } },
  { args: ["--show-dotfiles"], settings: { showDotfiles: true } },
  { args: ["--follow-symlinks"], settings: { followSymlinks: true } },
  { args: ["--cache-control", "max-age=3600"], settings: { cacheControl: "max-age=3600" } },
  { args: ["--log-format", "common"], settings: { logFormat: "common" } },
  { args: ["--log-format", "pretty"], settings: { logFormat: "pretty" } },
  { args: ["--quiet"], settings: { quiet: true } },
  { args: ["-q"], settings: { quiet: true } },
  { args: ["--open"], settings: { open: true } },
  { args: ["--live"], settings: { live: true } },
  { args: ["--spa"], settings: { spa: true } },
  { args: ["--qr"], settings: { qr: true } },
  {
    args: ["--header", "X-Frame-Options: DENY"],
    settings: { headers: [{ glob: null, name: "X-Frame-Options", value: "DENY" }] },
  },
  {
    args: ["--header=Cache-Control:no-store", "--header", "X-A:  a: b  "],
    settings: {
      headers: [
        { glob: null, name: "Cache-Control", value: "no-store" },
        { glob: null, name: "X-A", value: "a: b" },
      ],
    },
  },
  { args: ["--compress"], settings: { compress: true } },
  { args: ["--no-compress"], settings: { compress: false } },
  { args: ["--no-precompressed"], settings: { precompressed: false } },
  {
    args: ["site", "--lan", "-p", "8000", "--cors", "-q"],
    settings: { host: "0.0.0.0", port: 8000, cors: true, quiet: true },
    rootArgument: "site",
  },
  { args: ["--", "--odd-folder-name"], settings: {}, rootArgument: "--odd-folder-name" },
  { args: ["--https"], settings: { https: true } },
  {
    args: ["--tls-cert", "cert.pem", "--tls-key=key.pem"],
    settings: { tlsCert: "cert.pem", tlsKey: "key.pem" },
  },
  {
    args: ["--https", "--https-redirect", "8080", "-p", "8443"],
    settings: { https: true, httpsRedirectPort: 8080, port: 8443 },
  },
];

for (const { args, settings, rootArgument } of flagCases) {
  Deno.test(`parseCommandLine() reads ${JSON.stringify(args)}`, () => {
    assert.deepEqual(parseCommandLine(args), { action: "serve", settings, rootArgument });
  });
}

const actionCases: { args: string[]; action: "help" | "version" }[] = [
  { args: ["--help"], action: "help" },
  { args: ["-h"], action: "help" },
  { args: ["site", "--port", "70000", "--help"], action: "help" },
  { args: ["--version"], action: "version" },
  { args: ["-V"], action: "version" },
];

for (const { args, action } of actionCases) {
  Deno.test(`parseCommandLine() answers ${JSON.stringify(args)} with ${action}`, () => {
    assert.deepEqual(parseCommandLine(args), { action });
  });
}

const flagErrorCases: { args: string[]; message: string }[] = [
  { args: ["--bogus"], message: "unknown option --bogus; see zhttp --help for the options." },
  { args: ["-x"], message: "unknown option -x; see zhttp --help for the options." },
  { args: ["-qx"], message: "unknown option -x; see zhttp --help for the options." },
  {
    args: ["--help", "--bogus"],
    message: "unknown option --bogus; see zhttp --help for the options.",
  },
  { args: ["--port"], message: "--port needs a value; see zhttp --help." },
  { args: ["-p"], message: "-p needs a value; see zhttp --help." },
  { args: ["--port", "--cors"], message: "--port needs a value; see zhttp --help." },
  { args: ["--head-timeout"], message: "--head-timeout needs a value; see zhttp --help." },
  { args: ["--cors=yes"], message: '--cors is a switch and takes no value, not "yes".' },
  {
    args: ["--compress", "--no-compress"],
    message: "--compress and --no-compress contradict each other; use one.",
  },
  {
    args: ["--no-compress=true"],
    message: '--no-compress is a switch and takes no value, not "true".',
  },
  {
    args: ["--port", "-1"],
    message: '--port must be a port number from 0 to 65535, not "-1".',
  },
  {
    args: ["-p", "70000"],
    message: '--port must be a port number from 0 to 65535, not "70000".',
  },
  {
    args: ["--port", "http"],
    message: '--port must be a port number from 0 to 65535, not "http".',
  },
  {
    args: ["--max-connections", "0"],
    message: '--max-connections must be a whole number of at least 1, not "0".',
  },
  ...["0", "65", "two", "-1"].map((value) => ({
    args: ["--workers", value],
    message: `--workers must be a number of server threads from 1 to 64, or auto, not "${value}".`,
  })),
  {
    args: ["--head-timeout", "0s"],
    message: '--head-timeout must be between 1ms and 24h, not "0s".',
  },
  {
    args: ["--idle-timeout", "10x"],
    message: '--idle-timeout must be a duration like 10s, 500ms or 2m, not "10x".',
  },
  {
    args: ["--body-timeout", "-5s"],
    message: '--body-timeout must be a duration like 10s, 500ms or 2m, not "-5s".',
  },
  {
    args: ["--write-timeout", "2d"],
    message: '--write-timeout must be a duration like 10s, 500ms or 2m, not "2d".',
  },
  {
    args: ["--drain-timeout", "1441m"],
    message: '--drain-timeout must be between 1ms and 24h, not "1441m".',
  },
  {
    args: ["--max-body-size", "10 potatoes"],
    message: '--max-body-size must be a size like 100MiB, 64KiB or 1048576, not "10 potatoes".',
  },
  {
    args: ["--max-body-size", "-1"],
    message: '--max-body-size must be a size like 100MiB, 64KiB or 1048576, not "-1".',
  },
  {
    args: ["--max-body-size", "9999999999GiB"],
    message: '--max-body-size is too large: "9999999999GiB".',
  },
  { args: ["a", "b"], message: "expected at most one folder to serve, got 2: a b." },
  {
    args: ["--lan", "--host", "10.0.0.5"],
    message: "--lan and --host both set the address to listen on; use one.",
  },
  {
    args: ["--host", "my host"],
    message: '--host must be an address like 127.0.0.1, 0.0.0.0 or ::1, not "my host".',
  },
  {
    args: ["--log-format", "json"],
    message: '--log-format must be "pretty" or "common", not "json".',
  },
  {
    args: ["--cache-control", "no-cache\r\nSet-Cookie: a=b"],
    message: '--cache-control must be a Cache-Control value like "no-cache" or "max-age=3600".',
  },
  {
    args: ["--cache-control", "max-age=60\x7f"],
    message: '--cache-control must be a Cache-Control value like "no-cache" or "max-age=3600".',
  },
  {
    args: ["--cache-control", " "],
    message: '--cache-control must be a Cache-Control value like "no-cache" or "max-age=3600".',
  },
  { args: ["--header"], message: "--header needs a value; see zhttp --help." },
  {
    args: ["--header", "X-Frame-Options DENY"],
    message: '--header must look like "Name: value", not "X-Frame-Options DENY".',
  },
  {
    args: ["--header", "X Frame: DENY"],
    message:
      '--header: "X Frame" is not a header name (letters, digits and !#$%&\'*+-.^_`|~ only).',
  },
  {
    args: ["--header", ": DENY"],
    message: '--header: "" is not a header name (letters, digits and !#$%&\'*+-.^_`|~ only).',
  },
  {
    args: ["--header", "X-Empty:   "],
    message: "--header: X-Empty needs a value.",
  },
  {
    args: ["--header", "X-Split: a\r\nSet-Cookie: b"],
    message: "--header: the value of X-Split must be printable ASCII.",
  },
  {
    args: ["--header", "X-Name: café"],
    message: "--header: the value of X-Name must be printable ASCII.",
  },
  ...[
    "Content-Length",
    "transfer-encoding",
    "Connection",
    "Keep-Alive",
    "Upgrade",
    "TE",
    "Trailer",
    "Proxy-Connection",
    "Date",
    "Server",
  ].map((name) => ({
    args: ["--header", `${name}: 1`],
    message:
      `--header: zhttp writes ${name} itself, so that every response stays correctly framed.`,
  })),
  { args: ["--https=yes"], message: '--https is a switch and takes no value, not "yes".' },
  { args: ["--tls-cert"], message: "--tls-cert needs a value; see zhttp --help." },
  { args: ["--tls-key", " "], message: "--tls-key must name a file." },
  {
    args: ["--https-redirect", "0"],
    message: '--https-redirect must be a port number from 1 to 65535, not "0".',
  },
  {
    args: ["--https-redirect", "http"],
    message: '--https-redirect must be a port number from 0 to 65535, not "http".',
  },
];

for (const { args, message } of flagErrorCases) {
  Deno.test(`parseCommandLine() refuses ${JSON.stringify(args)} in one sentence`, () => {
    const actual = configErrorOf(() => parseCommandLine(args));
    assert.equal(actual, message);
    assert.doesNotMatch(actual, /\n/);
  });
}

// ── Value parsers ──────────────────────────────────────────────────────────────────────

const durationCases: { text: string; ms: number | string }[] = [
  { text: "10s", ms: 10_000 },
  { text: "500ms", ms: 500 },
  { text: "2m", ms: 120_000 },
  { text: "1.5s", ms: 1500 },
  { text: "30", ms: 30_000 },
  { text: "0.5", ms: 500 },
  { text: " 5s ", ms: 5000 },
  { text: "1ms", ms: 1 },
  { text: "1440m", ms: 24 * 60 * 60 * 1000 },
  { text: "0s", ms: 'x must be between 1ms and 24h, not "0s".' },
  { text: "0.4ms", ms: 'x must be between 1ms and 24h, not "0.4ms".' },
  { text: "86401s", ms: 'x must be between 1ms and 24h, not "86401s".' },
  { text: "10x", ms: 'x must be a duration like 10s, 500ms or 2m, not "10x".' },
  { text: "-5s", ms: 'x must be a duration like 10s, 500ms or 2m, not "-5s".' },
  { text: "2d", ms: 'x must be a duration like 10s, 500ms or 2m, not "2d".' },
  { text: "1h", ms: 'x must be a duration like 10s, 500ms or 2m, not "1h".' },
  { text: "10 s", ms: 'x must be a duration like 10s, 500ms or 2m, not "10 s".' },
  { text: "", ms: 'x must be a duration like 10s, 500ms or 2m, not "".' },
  { text: "1e3", ms: 'x must be a duration like 10s, 500ms or 2m, not "1e3".' },
];

for (const { text, ms } of durationCases) {
  const outcome = typeof ms === "number" ? `${ms} ms` : "an error";
  Deno.test(`parseDuration() reads ${JSON.stringify(text)} as ${outcome}`, () => {
    if (typeof ms === "number") assert.equal(parseDuration(text, "x"), ms);
    else assert.equal(configErrorOf(() => parseDuration(text, "x")), ms);
  });
}

const sizeCases: { text: string; bytes: number | string }[] = [
  { text: "100MiB", bytes: 100 * 1024 ** 2 },
  { text: "64kb", bytes: 64_000 },
  { text: "64KiB", bytes: 65_536 },
  { text: "1GiB", bytes: 1024 ** 3 },
  { text: "2GB", bytes: 2_000_000_000 },
  { text: "5MB", bytes: 5_000_000 },
  { text: "1.5KiB", bytes: 1536 },
  { text: "10 MiB", bytes: 10 * 1024 ** 2 },
  { text: "512b", bytes: 512 },
  { text: "0", bytes: 0 },
  { text: "1048576", bytes: 1_048_576 },
  { text: "100M", bytes: 'x must be a size like 100MiB, 64KiB or 1048576, not "100M".' },
  { text: "1TiB", bytes: 'x must be a size like 100MiB, 64KiB or 1048576, not "1TiB".' },
  { text: "-1", bytes: 'x must be a size like 100MiB, 64KiB or 1048576, not "-1".' },
  { text: "lots", bytes: 'x must be a size like 100MiB, 64KiB or 1048576, not "lots".' },
  { text: "", bytes: 'x must be a size like 100MiB, 64KiB or 1048576, not "".' },
  { text: "99999999999GiB", bytes: 'x is too large: "99999999999GiB".' },
];

for (const { text, bytes } of sizeCases) {
  const outcome = typeof bytes === "number" ? `${bytes} bytes` : "an error";
  Deno.test(`parseSize() reads ${JSON.stringify(text)} as ${outcome}`, () => {
    if (typeof bytes === "number") assert.equal(parseSize(text, "x"), bytes);
    else assert.equal(configErrorOf(() => parseSize(text, "x")), bytes);
  });
}

const portCases: { text: string; port: number | null }[] = [
  { text: "0", port: 0 },
  { text: "1", port: 1 },
  { text: "80", port: 80 },
  { text: "8080", port: 8080 },
  { text: "65535", port: 65535 },
  { text: "-1", port: null },
  { text: "65536", port: null },
  { text: "70000", port: null },
  { text: "100000", port: null },
  { text: "http", port: null },
  { text: "80.5", port: null },
  { text: "0x50", port: null },
  { text: "", port: null },
];

for (const { text, port } of portCases) {
  Deno.test(`parsePort() ${port === null ? "refuses" : "reads"} ${JSON.stringify(text)}`, () => {
    if (port !== null) assert.equal(parsePort(text, "x"), port);
    else {
      assert.equal(
        configErrorOf(() => parsePort(text, "x")),
        `x must be a port number from 0 to 65535, not "${text}".`,
      );
    }
  });
}

// ── parseConfigFile ────────────────────────────────────────────────────────────────────

const fileCases: { text: string; settings: Settings }[] = [
  { text: "{}", settings: {} },
  { text: '{"root": "public"}', settings: { root: "public" } },
  { text: '{"host": "0.0.0.0"}', settings: { host: "0.0.0.0" } },
  { text: '{"port": 9000}', settings: { port: 9000 } },
  { text: '{"port": 0}', settings: { port: 0 } },
  { text: '{"maxConnections": 64}', settings: { maxConnections: 64 } },
  { text: '{"workers": 4}', settings: { workers: 4 } },
  { text: '{"workers": "auto"}', settings: { workers: navigator.hardwareConcurrency } },
  // Numbers are milliseconds and bytes; strings carry their unit.
  { text: '{"headTimeout": 1500}', settings: { timeouts: { headMs: 1500 } } },
  { text: '{"headTimeout": "1.5s"}', settings: { timeouts: { headMs: 1500 } } },
  { text: '{"idleTimeout": "2m"}', settings: { timeouts: { idleMs: 120_000 } } },
  { text: '{"bodyTimeout": 30000}', settings: { timeouts: { bodyMs: 30_000 } } },
  { text: '{"writeTimeout": "500ms"}', settings: { timeouts: { writeMs: 500 } } },
  { text: '{"drainTimeout": 2000}', settings: { drainMs: 2000 } },
  { text: '{"drainTimeout": "20s"}', settings: { drainMs: 20_000 } },
  { text: '{"maxBodySize": 1048576}', settings: { maxBodyBytes: 1_048_576 } },
  { text: '{"maxBodySize": "1MiB"}', settings: { maxBodyBytes: 1_048_576 } },
  { text: '{"cors": true}', settings: { cors: true } },
  { text: '{"cors": false}', settings: { cors: false } },
  { text: '{"listing": false}', settings: { listing: false } },
  { text: '{"showDotfiles": true}', settings: { showDotfiles: true } },
  { text: '{"followSymlinks": true}', settings: { followSymlinks: true } },
  { text: '{"cacheControl": "max-age=60"}', settings: { cacheControl: "max-age=60" } },
  { text: '{"logFormat": "common"}', settings: { logFormat: "common" } },
  { text: '{"quiet": true}', settings: { quiet: true } },
  { text: '{"open": true}', settings: { open: true } },
  { text: '{"live": true}', settings: { live: true } },
  { text: '{"spa": true}', settings: { spa: true } },
  { text: '{"qr": true}', settings: { qr: true } },
  { text: '{"headers": {}}', settings: { headers: [] } },
  {
    text: '{"headers": {"X-Frame-Options": "DENY", "/assets/**": {"Cache-Control": ' +
      '"max-age=31536000, immutable", "X-Asset": " yes "}}}',
    settings: {
      headers: [
        { glob: null, name: "X-Frame-Options", value: "DENY" },
        { glob: "/assets/**", name: "Cache-Control", value: "max-age=31536000, immutable" },
        { glob: "/assets/**", name: "X-Asset", value: "yes" },
      ],
    },
  },
  { text: '{"compress": false}', settings: { compress: false } },
  { text: '{"precompressed": false}', settings: { precompressed: false } },
  { text: '{"https": true}', settings: { https: true } },
  {
    text: '{"tlsCert": "tls/cert.pem", "tlsKey": "tls/key.pem"}',
    settings: { tlsCert: "tls/cert.pem", tlsKey: "tls/key.pem" },
  },
  { text: '{"httpsRedirect": 8080}', settings: { httpsRedirectPort: 8080 } },
  {
    text:
      '{\n  "port": 9000,\n  "cors": true,\n  "headTimeout": "20s",\n  "idleTimeout": 3000\n}\n',
    settings: { port: 9000, cors: true, timeouts: { headMs: 20_000, idleMs: 3000 } },
  },
];

for (const { text, settings } of fileCases) {
  Deno.test(`parseConfigFile() reads ${JSON.stringify(text)}`, () => {
    assert.deepEqual(parseConfigFile(text, FILE), settings);
  });
}

const fileErrorCases: { text: string; message: string | RegExp }[] = [
  { text: "", message: /^\/home\/ann\/site\/zhttp\.json is not valid JSON: .+\.$/ },
  { text: "{port: 8080}", message: /^\/home\/ann\/site\/zhttp\.json is not valid JSON: .+\.$/ },
  { text: '{"port": 8080,}', message: /^\/home\/ann\/site\/zhttp\.json is not valid JSON: .+\.$/ },
  { text: "[]", message: `${FILE} must hold a JSON object, like {"port": 8080}.` },
  { text: '[{"port": 8080}]', message: `${FILE} must hold a JSON object, like {"port": 8080}.` },
  { text: "8080", message: `${FILE} must hold a JSON object, like {"port": 8080}.` },
  { text: '"port"', message: `${FILE} must hold a JSON object, like {"port": 8080}.` },
  { text: "null", message: `${FILE} must hold a JSON object, like {"port": 8080}.` },
  {
    text: '{"prot": 8080}',
    message: `unknown setting "prot" in ${FILE}; see zhttp --help for the names.`,
  },
  {
    text: '{"head-timeout": "5s"}',
    message: `unknown setting "head-timeout" in ${FILE}; see zhttp --help for the names.`,
  },
  {
    text: '{"port": 70000}',
    message: `"port" in ${FILE} must be a port number from 0 to 65535, not "70000".`,
  },
  {
    text: '{"port": 8080.5}',
    message: `"port" in ${FILE} must be a port number from 0 to 65535, not "8080.5".`,
  },
  {
    text: '{"maxConnections": 0}',
    message: `"maxConnections" in ${FILE} must be a whole number of at least 1, not "0".`,
  },
  {
    text: '{"headTimeout": 0}',
    message: `"headTimeout" in ${FILE} must be between 1ms and 24h, not "0ms".`,
  },
  {
    text: '{"idleTimeout": "5 minutes"}',
    message: `"idleTimeout" in ${FILE} must be a duration like 10s, 500ms or 2m, not "5 minutes".`,
  },
  {
    text: '{"maxBodySize": "big"}',
    message: `"maxBodySize" in ${FILE} must be a size like 100MiB, 64KiB or 1048576, not "big".`,
  },
  {
    text: '{"host": "0.0.0.0/24"}',
    message:
      `"host" in ${FILE} must be an address like 127.0.0.1, 0.0.0.0 or ::1, not "0.0.0.0/24".`,
  },
  {
    text: '{"cacheControl": "max-age=60\\u0000"}',
    message:
      `"cacheControl" in ${FILE} must be a Cache-Control value like "no-cache" or "max-age=3600".`,
  },
  {
    text: '{"logFormat": "json"}',
    message: `"logFormat" in ${FILE} must be "pretty" or "common", not "json".`,
  },
  { text: '{"tlsCert": ""}', message: `"tlsCert" in ${FILE} must name a file.` },
  {
    text: '{"httpsRedirect": 0}',
    message: `"httpsRedirect" in ${FILE} must be a port number from 1 to 65535, not "0".`,
  },
];

for (const { text, message } of fileErrorCases) {
  Deno.test(`parseConfigFile() refuses ${JSON.stringify(text)} naming the file`, () => {
    const actual = configErrorOf(() => parseConfigFile(text, FILE));
    if (typeof message === "string") assert.equal(actual, message);
    else assert.match(actual, message);
  });
}

/** Each key given a value of a type it never takes, and the sentence that says so. */
const wrongTypeCases: { key: string; value: unknown; expected: string }[] = [
  { key: "root", value: 1, expected: "must be a string." },
  { key: "root", value: null, expected: "must be a string." },
  { key: "host", value: 127001, expected: "must be a string." },
  { key: "port", value: true, expected: "must be a number." },
  { key: "port", value: [8080], expected: "must be a number." },
  { key: "maxConnections", value: null, expected: "must be a number." },
  // A number in quotes is a mistake to point out, not a number to read.
  {
    key: "port",
    value: "9000",
    expected: 'must be a number without quotes, like 9000, not the string "9000".',
  },
  {
    key: "maxConnections",
    value: "64",
    expected: 'must be a number without quotes, like 64, not the string "64".',
  },
  ...["headTimeout", "idleTimeout", "bodyTimeout", "writeTimeout", "drainTimeout"].map(
    (key) => ({
      key,
      value: true,
      expected: 'must be a duration like "10s" or a number of milliseconds.',
    }),
  ),
  {
    key: "headTimeout",
    value: { seconds: 5 },
    expected: 'must be a duration like "10s" or a number of milliseconds.',
  },
  {
    key: "maxBodySize",
    value: false,
    expected: 'must be a size like "100MiB" or a number of bytes.',
  },
  ...[
    "cors",
    "listing",
    "showDotfiles",
    "followSymlinks",
    "quiet",
    "open",
    "compress",
    "precompressed",
    "https",
  ].map((key) => ({
    key,
    value: "yes",
    expected: "must be true or false.",
  })),
  { key: "cors", value: 1, expected: "must be true or false." },
  { key: "cacheControl", value: 3600, expected: "must be a string." },
  { key: "logFormat", value: ["common"], expected: "must be a string." },
  ...["live", "spa", "qr"].map((key) => ({ key, value: 1, expected: "must be true or false." })),
  {
    key: "headers",
    value: ["X-A: b"],
    expected: 'must be an object of header fields, like {"X-Frame-Options": "DENY"}.',
  },
  { key: "tlsCert", value: true, expected: "must be a string." },
  { key: "tlsKey", value: null, expected: "must be a string." },
  {
    key: "httpsRedirect",
    value: "8080",
    expected: 'must be a number without quotes, like 8080, not the string "8080".',
  },
];

const headerFileErrorCases: { headers: unknown; message: string }[] = [
  { headers: { "X-A": 5 }, message: "the value of X-A must be a string." },
  {
    headers: { "/a/**": "no-store" },
    message: '"/a/**" in "headers" in FILE must hold header fields, like ' +
      '{"Cache-Control": "no-store"}.',
  },
  { headers: { "/a/**": { "X-B": ["1"] } }, message: "the value of X-B must be a string." },
  {
    headers: { "/a/**": { "Content-Length": "1" } },
    message: "zhttp writes Content-Length itself, so that every response stays correctly framed.",
  },
  {
    headers: { "X(Y)": "1" },
    message: '"X(Y)" is not a header name (letters, digits and !#$%&\'*+-.^_`|~ only).',
  },
  { headers: { "X-A": "line\nbreak" }, message: "the value of X-A must be printable ASCII." },
];

for (const { headers, message } of headerFileErrorCases) {
  Deno.test(`parseConfigFile() refuses "headers": ${JSON.stringify(headers)}`, () => {
    const text = JSON.stringify({ headers });
    const where = `"headers" in ${FILE}`;
    const expected = message.startsWith('"/')
      ? message.replace("FILE", FILE)
      : `${where}: ${message}`;
    assert.equal(configErrorOf(() => parseConfigFile(text, FILE)), expected);
  });
}

for (const { key, value, expected } of wrongTypeCases) {
  Deno.test(`parseConfigFile() refuses ${key}: ${JSON.stringify(value)}`, () => {
    const text = JSON.stringify({ [key]: value });
    assert.equal(
      configErrorOf(() => parseConfigFile(text, FILE)),
      `"${key}" in ${FILE} ${expected}`,
    );
  });
}

// ── resolveConfig ──────────────────────────────────────────────────────────────────────

const DEFAULTS: Config = {
  root: "/srv",
  host: DEFAULT_HOST,
  port: DEFAULT_PORT,
  portChosen: false,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  workers: 1,
  timeouts: { ...DEFAULT_TIMEOUTS },
  drainMs: DEFAULT_DRAIN_MS,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  cors: false,
  listing: true,
  showDotfiles: false,
  followSymlinks: false,
  cacheControl: DEFAULT_CACHE_CONTROL,
  logFormat: "pretty",
  quiet: false,
  open: false,
  live: false,
  spa: false,
  headers: [],
  qr: false,
  auth: null,
  compress: true,
  precompressed: true,
  https: false,
  tlsCert: null,
  tlsKey: null,
  httpsRedirectPort: null,
};

const layerCases: { name: string; file?: Settings; flags: Settings; changes: Partial<Config> }[] = [
  { name: "gives the defaults when neither file nor flags say anything", flags: {}, changes: {} },
  {
    name: "takes the file over the defaults",
    file: { port: 9000, cors: true, listing: false, logFormat: "common" },
    flags: {},
    changes: { port: 9000, portChosen: true, cors: true, listing: false, logFormat: "common" },
  },
  {
    name: "takes flags over the file",
    file: { port: 9000, host: "0.0.0.0", cacheControl: "max-age=60", drainMs: 1000 },
    flags: { port: 9001, host: "127.0.0.1", cacheControl: "no-store" },
    changes: {
      port: 9001,
      portChosen: true,
      host: "127.0.0.1",
      cacheControl: "no-store",
      drainMs: 1000,
    },
  },
  {
    name: "lets --no-listing turn off what the file turned on",
    file: { listing: true },
    flags: { listing: false },
    changes: { listing: false },
  },
  {
    name: "merges timeouts key by key: flag, then file, then default",
    file: { timeouts: { headMs: 1000, idleMs: 2000 } },
    flags: { timeouts: { idleMs: 3000, writeMs: 4000 } },
    changes: {
      timeouts: { headMs: 1000, idleMs: 3000, bodyMs: DEFAULT_TIMEOUTS.bodyMs, writeMs: 4000 },
    },
  },
  {
    name: "lets --no-compress turn off what the file turned on, and keeps the file's sidecars off",
    file: { compress: true, precompressed: false },
    flags: { compress: false },
    changes: { compress: false, precompressed: false },
  },
  {
    name: "marks a port from the flags as chosen",
    flags: { port: DEFAULT_PORT },
    changes: { portChosen: true },
  },
  {
    name: "marks port 0 from the file as chosen",
    file: { port: 0 },
    flags: {},
    changes: { port: 0, portChosen: true },
  },
  {
    name: "takes every size and count from the flags",
    file: { maxConnections: 10, maxBodyBytes: 10 },
    flags: { maxConnections: 20, maxBodyBytes: 20, quiet: true, open: true },
    changes: { maxConnections: 20, maxBodyBytes: 20, quiet: true, open: true },
  },
];

layerCases.push(
  {
    name: "takes live, spa and qr from the file or the flags",
    file: { live: true, host: "0.0.0.0" },
    flags: { spa: true, qr: true },
    changes: { live: true, spa: true, qr: true, host: "0.0.0.0" },
  },
  {
    name: "sends the file's headers and then the flags'",
    file: { headers: [{ glob: "/a/*", name: "X-A", value: "file" }] },
    flags: { headers: [{ glob: null, name: "X-A", value: "flag" }] },
    changes: {
      headers: [
        { glob: "/a/*", name: "X-A", value: "file" },
        { glob: null, name: "X-A", value: "flag" },
      ],
    },
  },
);
const tlsLayerCases: typeof layerCases = [
  {
    name: "turns HTTPS on for the user's certificate without --https",
    flags: { tlsCert: "/c/cert.pem", tlsKey: "/c/key.pem" },
    changes: { https: true, tlsCert: "/c/cert.pem", tlsKey: "/c/key.pem" },
  },
  {
    name: "takes the certificate and its key from the flags as a pair, never half from the file",
    file: { tlsCert: "/file/cert.pem", tlsKey: "/file/key.pem" },
    flags: { tlsCert: "/flag/cert.pem", tlsKey: "/flag/key.pem" },
    changes: { https: true, tlsCert: "/flag/cert.pem", tlsKey: "/flag/key.pem" },
  },
  {
    name: "takes --https and the redirect port from the file",
    file: { https: true, httpsRedirectPort: 8081 },
    flags: {},
    changes: { https: true, httpsRedirectPort: 8081 },
  },
];
layerCases.push(...tlsLayerCases);

const tlsConflictCases: { name: string; file?: Settings; flags: Settings; message: string }[] = [
  {
    name: "a certificate without its key",
    flags: { tlsCert: "/c/cert.pem" },
    message: "--tls-cert and --tls-key go together: the certificate file and the file of " +
      "its private key.",
  },
  {
    name: "a --tls-key on the command line beside the file's pair",
    file: { tlsCert: "/file/cert.pem", tlsKey: "/file/key.pem" },
    flags: { tlsKey: "/flag/key.pem" },
    message: "--tls-cert and --tls-key go together: the certificate file and the file of " +
      "its private key.",
  },
  {
    name: "a key without its certificate in zhttp.json",
    file: { tlsKey: "/file/key.pem" },
    flags: {},
    message: '"tlsCert" and "tlsKey" go together: the certificate file and the file of its ' +
      "private key.",
  },
  {
    name: "a redirect to HTTPS that is off",
    flags: { httpsRedirectPort: 8081 },
    message: "--https-redirect sends visitors to HTTPS, which is off; add --https (or " +
      "--tls-cert and --tls-key).",
  },
  {
    name: "a redirect from the HTTPS port itself",
    flags: { https: true, httpsRedirectPort: DEFAULT_PORT },
    message: `--https-redirect needs a port of its own, not ${DEFAULT_PORT}, where HTTPS ` +
      "is served.",
  },
];

for (const { name, file, flags, message } of tlsConflictCases) {
  Deno.test(`resolveConfig() refuses ${name} in one sentence`, () => {
    assert.equal(configErrorOf(() => resolveConfig({ file, flags, root: "/srv" })), message);
  });
}

for (const { name, file, flags, changes } of layerCases) {
  Deno.test(`resolveConfig() ${name}`, () => {
    assert.deepEqual(resolveConfig({ file, flags, root: "/srv" }), { ...DEFAULTS, ...changes });
  });
}

for (const host of [DEFAULT_HOST, "127.0.0.1", "::1"]) {
  Deno.test(`resolveConfig() refuses --qr on ${host}, which no phone reaches`, () => {
    assert.equal(
      configErrorOf(() => resolveConfig({ flags: { qr: true, host }, root: "/srv" })),
      "--qr shows the address phones can open, so it needs --lan (or --host with a LAN address).",
    );
  });
}

Deno.test("resolveConfig() serves the root it is given, not one from the settings", () => {
  const config = resolveConfig({ file: { root: "elsewhere" }, flags: {}, root: "/srv/site" });
  assert.equal(config.root, "/srv/site");
});

Deno.test("parseCommandLine() and resolveConfig() together: flags over zhttp.json", () => {
  const command = parseCommandLine(["--port", "9001", "--idle-timeout", "1s"]);
  assert.equal(command.action, "serve");
  if (command.action !== "serve") return;
  const file = parseConfigFile('{"port": 9000, "headTimeout": "2s", "cors": true}', FILE);
  const config = resolveConfig({ file, flags: command.settings, root: "/srv" });
  assert.equal(config.port, 9001);
  assert.equal(config.cors, true);
  assert.deepEqual(config.timeouts, { ...DEFAULT_TIMEOUTS, headMs: 2000, idleMs: 1000 });
});

// ── Access control: --auth, --realm, hash-password, users/realm/protect/public ───────────

/** A hash as zhttp hash-password prints it (its bytes do not matter to the parser). */
const HASH_TEXT = formatPasswordHash({
  log2N: 15,
  r: 8,
  p: 1,
  salt: new Uint8Array(16).fill(7),
  hash: new Uint8Array(32).fill(9),
});
const HASH = parsePasswordHash(HASH_TEXT) as PasswordHash;

const authFlagCases: { args: string[]; settings: Settings }[] = [
  { args: ["--auth", "ann:s3cret"], settings: { users: [{ name: "ann", password: "s3cret" }] } },
  {
    args: ["--auth", "ann:pa:ss", "--auth", "Jürgen:пароль"],
    settings: {
      users: [{ name: "ann", password: "pa:ss" }, { name: "Jürgen", password: "пароль" }],
    },
  },
  {
    args: ["--auth", "Ju\u0308rgen:x"],
    settings: { users: [{ name: "J\u00fcrgen", password: "x" }] },
  },
  { args: ["--realm", "Ann's photos"], settings: { realm: "Ann's photos" } },
];

for (const { args, settings } of authFlagCases) {
  Deno.test(`parseCommandLine() reads ${JSON.stringify(args)}`, () => {
    assert.deepEqual(parseCommandLine(args), {
      action: "serve",
      settings,
      rootArgument: undefined,
    });
  });
}

Deno.test("parseCommandLine() reads hash-password as the subcommand", () => {
  assert.deepEqual(parseCommandLine(["hash-password"]), { action: "hash-password" });
  assert.deepEqual(parseCommandLine(["hash-password", "--help"]), { action: "help" });
});

const authFlagErrorCases: { args: string[]; message: string }[] = [
  ...[["--auth", "s3cretpassword"], ["--auth", ":s3cretpassword"], ["--auth", "ann:"]].map(
    (args) => ({
      args,
      message: "--auth must be a user name and a password, like --auth ann:s3cret.",
    }),
  ),
  {
    args: ["--auth", "ann:s3cret\tpassword"],
    message: "--auth cannot hold control characters (RFC 7617 §2).",
  },
  {
    args: ["--auth", "ann:one", "--auth", "ann:two"],
    message: '--auth names the user "ann" twice.',
  },
  { args: ["--auth"], message: "--auth needs a value; see zhttp --help." },
  {
    args: ["--realm", 'say "hi"'],
    message:
      '--realm must be up to 100 printable ASCII characters without quotes or backslashes, not "say "hi"".',
  },
  ...[["hash-password", "site"], ["hash-password", "--port", "9000"]].map((args) => ({
    args,
    message:
      "hash-password takes no folder or options; it asks for the password (or reads it from stdin).",
  })),
];

for (const { args, message } of authFlagErrorCases) {
  Deno.test(`parseCommandLine() refuses ${JSON.stringify(args)} in one sentence`, () => {
    const actual = configErrorOf(() => parseCommandLine(args));
    assert.equal(actual, message);
    assert.ok(!/s3cretpassword|s3cret\tpassword/.test(actual), "the password was repeated");
  });
}

const authFileCases: { text: string; settings: Settings }[] = [
  {
    text: JSON.stringify({ users: { ann: HASH_TEXT } }),
    settings: { users: [{ name: "ann", hash: HASH }] },
  },
  {
    text: JSON.stringify({ users: { ann: HASH_TEXT, "Jürgen": HASH_TEXT } }),
    settings: { users: [{ name: "ann", hash: HASH }, { name: "Jürgen", hash: HASH }] },
  },
  { text: '{"realm": "Team files"}', settings: { realm: "Team files" } },
  { text: '{"public": ["/public", "/docs/"]}', settings: { public: ["/public", "/docs"] } },
  { text: '{"protect": ["/", "//a//b"]}', settings: { protect: ["/", "/a/b"] } },
  {
    text: '{"public": ["/.well-known", "/my files"]}',
    settings: { public: ["/.well-known", "/my files"] },
  },
  { text: '{"public": []}', settings: { public: [] } },
];

for (const { text, settings } of authFileCases) {
  Deno.test(`parseConfigFile() reads ${text.slice(0, 60)}`, () => {
    assert.deepEqual(parseConfigFile(text, FILE), settings);
  });
}

const authFileErrorCases: { value: Record<string, unknown>; message: string }[] = [
  {
    value: { users: { ann: "hunter2" } },
    message:
      `user "ann" in ${FILE} has a plain-text password; store a hash instead: run zhttp hash-password and paste what it prints.`,
  },
  {
    value: { users: { ann: "$2y$10$abcdefghijklmnopqrstuuN5kQmW0v1p1b0Hw8Q0E6b8F6c0m0a1e" } },
    message:
      `user "ann" in ${FILE} has a bcrypt hash (htpasswd), not a scrypt hash zhttp reads; make one with zhttp hash-password.`,
  },
  {
    value: { users: { ann: HASH_TEXT.replace(/\$[^$]+$/, "$") } },
    message:
      `user "ann" in ${FILE} has a damaged scrypt hash, not a scrypt hash zhttp reads; make one with zhttp hash-password.`,
  },
  {
    value: { users: { ann: HASH_TEXT.replace("ln=15", "ln=10") } },
    message:
      `user "ann" in ${FILE} has a hash too cheap to resist guessing (ln=10, under 14); make a new one with zhttp hash-password.`,
  },
  {
    value: { users: { ann: 42 } },
    message: `user "ann" in ${FILE} must have a password hash (a string) from zhttp hash-password.`,
  },
  ...["a:b", "", "tab\there"].map((name) => ({
    value: { users: { [name]: HASH_TEXT } },
    message:
      `user "${name}" in ${FILE} is not a possible user name: it must not be empty or hold a colon or control characters.`,
  })),
  ...[["ann"], "ann", null].map((users) => ({
    value: { users },
    message:
      `"users" in ${FILE} must be an object of user names and password hashes, like {"ann": "$scrypt$…"} from zhttp hash-password.`,
  })),
  {
    value: { users: {} },
    message: `"users" in ${FILE} names no user; add one or remove "users".`,
  },
  {
    value: { realm: "caf\u00e9" },
    message:
      `"realm" in ${FILE} must be up to 100 printable ASCII characters without quotes or backslashes, not "café".`,
  },
  { value: { realm: 7 }, message: `"realm" in ${FILE} must be a string.` },
  ...["/public", ["/a", 1], { "/a": true }].map((list) => ({
    value: { public: list },
    message: `"public" in ${FILE} must be a list of path prefixes, like ["/public"].`,
  })),
  // A drive or a device name can be no path on Windows; elsewhere they are ordinary names.
  ...["public", "/a/../b", "/a\\b", ...(Deno.build.os === "windows" ? ["/C:/x", "/con"] : [])]
    .map((prefix) => ({
      value: { protect: [prefix] },
      message:
        `"protect" in ${FILE} holds "${prefix}", which is no path prefix a request could name, like "/public".`,
    })),
];

for (const { value, message } of authFileErrorCases) {
  Deno.test(`parseConfigFile() refuses ${JSON.stringify(value).slice(0, 60)} in one sentence`, () => {
    const actual = configErrorOf(() => parseConfigFile(JSON.stringify(value), FILE));
    assert.equal(actual, message);
    assert.doesNotMatch(actual, /hunter2/, "the plain-text password was repeated");
  });
}

Deno.test("resolveConfig() without users leaves the site open", () => {
  assert.equal(resolveConfig({ flags: {}, root: "/srv" }).auth, null);
});

Deno.test("resolveConfig() takes users, realm and prefixes from the file", () => {
  const file = parseConfigFile(
    JSON.stringify({ users: { ann: HASH_TEXT }, public: ["/public"], realm: "Team" }),
    FILE,
  );
  assert.deepEqual(resolveConfig({ file, flags: {}, root: "/srv" }).auth, {
    users: [{ name: "ann", hash: HASH }],
    realm: "Team",
    public: ["/public"],
  });
  const protect = parseConfigFile(
    JSON.stringify({ users: { ann: HASH_TEXT }, protect: ["/a"] }),
    FILE,
  );
  assert.deepEqual(resolveConfig({ file: protect, flags: {}, root: "/srv" }).auth, {
    users: [{ name: "ann", hash: HASH }],
    realm: "zhttp",
    protect: ["/a"],
    public: [],
  });
});

Deno.test("resolveConfig() lets --auth and --realm replace the file's users and realm", () => {
  const file = parseConfigFile(JSON.stringify({ users: { ann: HASH_TEXT }, realm: "File" }), FILE);
  const command = parseCommandLine(["--auth", "bob:pw", "--realm", "Flag"]);
  if (command.action !== "serve") throw new Error(command.action);
  const auth = resolveConfig({ file, flags: command.settings, root: "/srv" }).auth;
  assert.deepEqual(auth, { users: [{ name: "bob", password: "pw" }], realm: "Flag", public: [] });
});

for (const key of ["realm", "protect", "public"]) {
  Deno.test(`resolveConfig() refuses "${key}" without users in one sentence`, () => {
    const file = parseConfigFile(JSON.stringify({ [key]: key === "realm" ? "x" : ["/x"] }), FILE);
    assert.equal(
      configErrorOf(() => resolveConfig({ file, flags: {}, root: "/srv" })),
      `"${key}" only applies when users must log in; add --auth user:password or "users" to zhttp.json.`,
    );
  });
}
