/**
 * The startup banner: what a person reads to know what is served, at which address, with
 * which limits, and how to stop it.
 */
import assert from "node:assert/strict";
import { type BannerFacts, formatBanner, formatBytes, formatMs } from "../../lib/cli/banner.ts";
import { type Config, resolveConfig, type Settings } from "../../lib/cli/config.ts";
import { qrCodeText } from "../../lib/cli/qr_code.ts";

function config(settings: Settings = {}): Config {
  return resolveConfig({ flags: settings, root: "/home/ann/site" });
}

function banner(facts: Partial<BannerFacts> & { settings?: Settings } = {}): string {
  const { settings, ...rest } = facts;
  return formatBanner({
    version: "1.2.3",
    config: config(settings),
    port: 8080,
    lanAddresses: [],
    ...rest,
  });
}

Deno.test("formatBanner() with the defaults reads as a whole", () => {
  assert.equal(
    banner(),
    [
      "zhttp 1.2.3",
      "Serving  /home/ann/site",
      "Local    http://localhost:8080/",
      "Limits   1024 connections, request bodies up to 100 MiB",
      "Timeouts head 10s, idle 5s, body 30s, write 30s, shutdown 10s",
      "Compress on the fly (br, zstd, gzip), and precompressed .br .zst .gz files",
      "Press Ctrl+C to stop",
    ].join("\n"),
  );
});

const addressCases: {
  name: string;
  host: string;
  port: number;
  lanAddresses: string[];
  lines: string[];
}[] = [
  {
    name: "shows localhost for 127.0.0.1 and no Network lines",
    host: "127.0.0.1",
    port: 8080,
    lanAddresses: ["192.168.1.20"],
    lines: ["Local    http://localhost:8080/"],
  },
  {
    name: "shows localhost for ::1",
    host: "::1",
    port: 9000,
    lanAddresses: [],
    lines: ["Local    http://localhost:9000/"],
  },
  {
    name: "shows Network lines for 0.0.0.0",
    host: "0.0.0.0",
    port: 8081,
    lanAddresses: ["192.168.1.20", "10.0.0.5"],
    lines: [
      "Local    http://localhost:8081/",
      "Network  http://192.168.1.20:8081/",
      "Network  http://10.0.0.5:8081/",
    ],
  },
  {
    name: "shows Network lines for ::",
    host: "::",
    port: 8080,
    lanAddresses: ["192.168.1.20"],
    lines: ["Local    http://localhost:8080/", "Network  http://192.168.1.20:8080/"],
  },
  {
    name: "shows only Local for 0.0.0.0 on a machine with no network",
    host: "0.0.0.0",
    port: 8080,
    lanAddresses: [],
    lines: ["Local    http://localhost:8080/"],
  },
  {
    name: "shows a specific address as it is",
    host: "192.168.1.20",
    port: 8080,
    lanAddresses: ["192.168.1.20"],
    lines: ["Local    http://192.168.1.20:8080/"],
  },
  {
    name: "puts an IPv6 address in brackets",
    host: "fd00::5",
    port: 8080,
    lanAddresses: [],
    lines: ["Local    http://[fd00::5]:8080/"],
  },
];

for (const { name, host, port, lanAddresses, lines } of addressCases) {
  Deno.test(`formatBanner() ${name}`, () => {
    const text = banner({ settings: { host }, port, lanAddresses });
    const addressLines = text.split("\n").filter((line) => /^(Local|Network) /.test(line));
    assert.deepEqual(addressLines, lines);
  });
}

Deno.test("formatBanner() shows the port actually bound, not the configured one", () => {
  const text = banner({ settings: { port: 0 }, port: 43117 });
  assert.match(text, /^Local {4}http:\/\/localhost:43117\/$/m);
});

Deno.test("formatBanner() says which port was busy and which one was taken", () => {
  const lines = banner({ port: 8081, busyPort: 8080 }).split("\n");
  assert.equal(lines[2], "Port 8080 is in use, so zhttp took port 8081.");
  assert.equal(lines[3], "Local    http://localhost:8081/");
});

Deno.test("formatBanner() says nothing about busy ports when the port was free", () => {
  assert.doesNotMatch(banner(), /in use/);
});

Deno.test("formatBanner() names the zhttp.json whose settings are in use", () => {
  const lines = banner({ configFile: "/home/ann/site/zhttp.json" }).split("\n");
  assert.deepEqual(lines.slice(1, 3), [
    "Serving  /home/ann/site",
    "Settings /home/ann/site/zhttp.json",
  ]);
});

Deno.test("formatBanner() says nothing of settings when no zhttp.json was found", () => {
  assert.doesNotMatch(banner({ configFile: null }), /Settings/);
});

Deno.test("formatBanner() shows configured limits and timeouts", () => {
  const text = banner({
    settings: {
      maxConnections: 64,
      maxBodyBytes: 64 * 1024,
      timeouts: { headMs: 1500, idleMs: 120_000, bodyMs: 250, writeMs: 60_000 },
      drainMs: 3000,
    },
  });
  assert.match(text, /^Limits {3}64 connections, request bodies up to 64 KiB$/m);
  assert.match(text, /^Timeouts head 1500ms, idle 2m, body 250ms, write 1m, shutdown 3s$/m);
});

const compressionCases: { settings: Settings; line: string }[] = [
  {
    settings: { compress: false },
    line: "Compress only precompressed .br .zst .gz files",
  },
  {
    settings: { precompressed: false },
    line: "Compress on the fly (br, zstd, gzip); precompressed files ignored",
  },
  { settings: { compress: false, precompressed: false }, line: "Compress off" },
];

for (const { settings, line } of compressionCases) {
  Deno.test(`formatBanner() says "${line}" for ${JSON.stringify(settings)}`, () => {
    assert.ok(banner({ settings }).split("\n").includes(line), banner({ settings }));
  });
}

Deno.test("formatBanner() ends with how to stop", () => {
  const lines = banner({ settings: { host: "0.0.0.0" }, lanAddresses: ["10.0.0.5"] }).split("\n");
  assert.equal(lines.at(-1), "Press Ctrl+C to stop");
});

const msCases: { ms: number; text: string }[] = [
  { ms: 1, text: "1ms" },
  { ms: 500, text: "500ms" },
  { ms: 1500, text: "1500ms" },
  { ms: 1000, text: "1s" },
  { ms: 30_000, text: "30s" },
  { ms: 90_000, text: "90s" },
  { ms: 60_000, text: "1m" },
  { ms: 86_400_000, text: "1440m" },
];

for (const { ms, text } of msCases) {
  Deno.test(`formatMs() shows ${ms} as ${text}`, () => {
    assert.equal(formatMs(ms), text);
  });
}

const byteCases: { bytes: number; text: string }[] = [
  { bytes: 0, text: "0 B" },
  { bytes: 1000, text: "1000 B" },
  { bytes: 1024, text: "1 KiB" },
  { bytes: 1536, text: "1536 B" },
  { bytes: 64_000, text: "64000 B" },
  { bytes: 100 * 1024 ** 2, text: "100 MiB" },
  { bytes: 1024 ** 3, text: "1 GiB" },
  { bytes: 4 * 1024 ** 4, text: "4096 GiB" },
];

for (const { bytes, text } of byteCases) {
  Deno.test(`formatBytes() shows ${bytes} as ${text}`, () => {
    assert.equal(formatBytes(bytes), text);
  });
}

Deno.test("formatBanner() with --qr shows the first network address as a QR code", () => {
  const text = banner({
    settings: { host: "0.0.0.0", qr: true },
    lanAddresses: ["192.168.1.23", "fd00::5"],
  });
  const lines = text.split("\n");
  const caption = lines.indexOf("Scan to open http://192.168.1.23:8080/ on a phone:");
  assert.ok(caption > lines.indexOf("Network  http://[fd00::5]:8080/"), text);
  assert.equal(
    lines.slice(caption + 1).join("\n").startsWith(qrCodeText("http://192.168.1.23:8080/")),
    true,
  );
});

Deno.test("formatBanner() with --qr on one LAN address shows that one", () => {
  const text = banner({ settings: { host: "192.168.1.50", qr: true } });
  assert.ok(text.includes("Scan to open http://192.168.1.50:8080/ on a phone:"), text);
});

Deno.test("formatBanner() with --qr and no network address says so in one line", () => {
  const text = banner({ settings: { host: "0.0.0.0", qr: true }, lanAddresses: [] });
  assert.ok(text.includes("\nNo network address found for the QR code.\n"), text);
});

Deno.test("formatBanner() with --live says that pages reload", () => {
  assert.ok(
    banner({ settings: { live: true } }).includes(
      "\nLive     open pages reload when a file in the folder changes\n",
    ),
  );
  assert.ok(!banner().includes("Live "));
});
/** A user from zhttp.json: the hash's bytes do not matter to the banner. */
const FILE_USER = {
  name: "ann",
  hash: { log2N: 15, r: 8, p: 1, salt: new Uint8Array(16), hash: new Uint8Array(32) },
};

/** The banner's lines between the addresses and the limits. */
function accessLinesOf(settings: Settings): string[] {
  const lines = banner({ settings }).split("\n");
  return lines.slice(
    lines.findIndex((line) => line.startsWith("Local")) + 1,
    lines.findIndex((line) => line.startsWith("Limits")),
  );
}

const accessCases: { name: string; settings: Settings; lines: string[] }[] = [
  { name: "says nothing about logins when there are none", settings: {}, lines: [] },
  {
    name: "warns that an --auth password shows in the process list",
    settings: { users: [{ name: "ann", password: "s3cret" }] },
    lines: [
      'Login    required for every path (1 user, realm "zhttp")',
      "Warning  the --auth password is visible to other users of this computer in the process",
      '         list; for anything lasting, put a hash in "users" in zhttp.json (zhttp hash-password)',
    ],
  },
  {
    name: "warns that passwords cross the network in clear text with --lan",
    settings: { users: [FILE_USER, { ...FILE_USER, name: "bob" }], host: "0.0.0.0" },
    lines: [
      'Login    required for every path (2 users, realm "zhttp")',
      "Warning  passwords cross the network in clear text over plain HTTP; add --https to",
      "         encrypt them",
    ],
  },
  {
    name: "warns about the network for a LAN address too, and both warnings together",
    settings: { users: [{ name: "ann", password: "s3cret" }], host: "192.168.1.20" },
    lines: [
      'Login    required for every path (1 user, realm "zhttp")',
      "Warning  the --auth password is visible to other users of this computer in the process",
      '         list; for anything lasting, put a hash in "users" in zhttp.json (zhttp hash-password)',
      "Warning  passwords cross the network in clear text over plain HTTP; add --https to",
      "         encrypt them",
    ],
  },
  {
    name: "names the public prefixes and the realm",
    settings: { users: [FILE_USER], public: ["/public", "/docs"], realm: "Team" },
    lines: ['Login    required for every path, except /public, /docs (1 user, realm "Team")'],
  },
  {
    name: "names the protected prefixes",
    settings: { users: [FILE_USER], protect: ["/private"], public: ["/private/help"] },
    lines: ['Login    required under /private, except /private/help (1 user, realm "zhttp")'],
  },
];

for (const { name, settings, lines } of accessCases) {
  Deno.test(`formatBanner() ${name}`, () => {
    assert.deepEqual(accessLinesOf(settings), lines);
  });
}
const CA = {
  file: "/home/ann/.local/share/zhttp/ca.crt",
  sha256Fingerprint: "AB:CD:EF",
  created: false,
  downloadPath: "/.zhttp/ca.crt",
};
const LOCAL_TLS = {
  names: ["localhost", "mybox.local", "127.0.0.1", "::1", "192.168.1.20"],
  notAfter: new Date("2027-01-05T10:00:00Z"),
  certFile: null,
  ca: CA,
  leftOut: [] as string[],
};

Deno.test("formatBanner() with --https shows https addresses, the leaf and the CA to trust", () => {
  const text = banner({ settings: { https: true }, tls: LOCAL_TLS });
  const lines = text.split("\n");
  assert.ok(lines.includes("Local    https://localhost:8080/"), text);
  assert.ok(
    lines.includes(
      "TLS      zhttp's certificate for localhost, mybox.local, 127.0.0.1, ::1, 192.168.1.20, " +
        "valid until 2027-01-05",
    ),
    text,
  );
  assert.ok(
    lines.includes(`Trust    zhttp's local CA ${CA.file} (trust it once per device)`),
    text,
  );
  assert.ok(lines.includes("         SHA-256 AB:CD:EF"), text);
  assert.ok(lines.includes("         download it from https://localhost:8080/.zhttp/ca.crt"), text);
});

Deno.test("formatBanner() with --https --lan offers the CA at a LAN address the leaf names", () => {
  const text = banner({
    settings: { https: true, host: "0.0.0.0" },
    lanAddresses: ["203.0.113.9", "192.168.1.20", "fd00::2"],
    tls: LOCAL_TLS,
  });
  assert.match(text, /\nNetwork {2}https:\/\/203\.0\.113\.9:8080\/\n/);
  assert.match(text, /\nNetwork {2}https:\/\/\[fd00::2\]:8080\/\n/);
  assert.match(text, /\n +download it from https:\/\/192\.168\.1\.20:8080\/\.zhttp\/ca\.crt\n/);
});

Deno.test("formatBanner() says when the CA is new and which names the leaf left out", () => {
  const text = banner({
    settings: { https: true },
    tls: { ...LOCAL_TLS, ca: { ...CA, created: true }, leftOut: ["mybox", "203.0.113.9"] },
  });
  assert.match(text, /\n {9}not in it: mybox, 203\.0\.113\.9 \(only local names are allowed\)\n/);
  assert.match(text, /\(new: trust it once on each device\)\n/);
});

Deno.test("formatBanner() with the user's certificate names its file and no CA", () => {
  const text = banner({
    settings: { tlsCert: "/etc/zhttp/cert.pem", tlsKey: "/etc/zhttp/key.pem" },
    tls: { ...LOCAL_TLS, names: ["example.lan"], certFile: "/etc/zhttp/cert.pem", ca: null },
  });
  assert.match(
    text,
    /\nTLS {6}\/etc\/zhttp\/cert\.pem for example\.lan, valid until 2027-01-05\n/,
  );
  assert.doesNotMatch(text, /Trust|download/);
});

Deno.test("formatBanner() shows the redirect port", () => {
  const text = banner({
    settings: { https: true, httpsRedirectPort: 8081 },
    tls: LOCAL_TLS,
    redirectPort: 8081,
  });
  assert.match(text, /\nRedirect http:\/\/localhost:8081\/ to https\n/);
});

Deno.test("formatBanner() says how many server threads share the port with --workers", () => {
  assert.ok(
    banner({ settings: { workers: 2 }, threads: 2 }).includes(
      "\nWorkers  2 server threads on the port; the system spreads connections\n",
    ),
  );
  // Asked for, but this OS cannot share a port: one thread, and the banner says why.
  assert.ok(
    banner({ settings: { workers: 4 }, threads: 1 }).includes(
      "\nWorkers  1: --workers needs Linux, whose sockets can share a port\n",
    ),
  );
  assert.ok(!banner().includes("Workers"));
});
