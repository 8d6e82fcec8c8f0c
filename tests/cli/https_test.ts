/**
 * HTTPS as a person meets it: main.ts run as a real process with the binary's permissions.
 * Every bad --tls-cert/--tls-key file stops it with one sentence naming the file; --https
 * makes a local CA in the data folder (a temporary XDG_DATA_HOME here) whose leaf curl and
 * Deno verify for every name it carries; the CA downloads from /.zhttp/ca.crt; the data
 * folder and the user's key are never served; plain HTTP is redirected to https, on the
 * HTTPS port and on the --https-redirect one; headless Chromium trusting the CA loads the
 * welcome page.
 */
import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import path from "node:path";
import { serverPermissions } from "../../scripts/permissions.ts";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";
import { CA_CERTIFICATE_PATH } from "../../lib/handlers/ca_certificate.ts";
import { sha256Fingerprint } from "../../lib/tls/certificate_facts.ts";
import { certificateToPem, DAY_MS } from "../../lib/tls/local_ca.ts";
import { privateKeyToPem } from "../../lib/tls/keys.ts";
import { parsePem } from "../../lib/tls/pem.ts";
import * as x509 from "../../lib/tls/x509.ts";
import { RawConnection, type RawResponse, request } from "../support/raw_http.ts";
import { type Files, tempFolder } from "../support/static_site.ts";
import { installed, run } from "../support/programs.ts";
import { testCertificate } from "../support/tls_certificate.ts";
import { ZhttpProcess } from "../support/zhttp_process.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const STATIC = new URL("../../static", import.meta.url).pathname;
const decoder = new TextDecoder();

/** Runs zhttp to its exit, stdout and stderr apart, with `env` added (see cli_test.ts). */
async function runToExit(args: string[], cwd: string, env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...serverPermissions(Deno.build.os), V8_FLAGS_ARG, MAIN, ...args],
    cwd,
    stdin: "null",
    env: { NO_COLOR: "1", ...env },
  }).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

/** A self-signed certificate for localhost valid from `fromDays` to `toDays` from now. */
async function selfSigned(fromDays: number, toDays: number) {
  const keys = await crypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=localhost",
    notBefore: new Date(now + fromDays * DAY_MS),
    notAfter: new Date(now + toDays * DAY_MS),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "localhost" }]),
    ],
  });
  return { cert: certificateToPem(certificate), key: await privateKeyToPem(keys.privateKey) };
}

const good = await selfSigned(-1, 30);
const other = await selfSigned(-1, 30);
const expired = await selfSigned(-60, -1);
const encryptedKey = createPrivateKey(good.key)
  .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" })
  .toString();

const badFileCases: {
  name: string;
  files: Files;
  args: string[];
  /** The sentence, with {dir} for the temporary folder. */
  line: string;
}[] = [
  {
    name: "a certificate file that does not exist",
    files: { "key.pem": good.key },
    args: ["--tls-cert", "nope.pem", "--tls-key", "key.pem"],
    line: "cannot read the TLS certificate file {dir}/nope.pem: there is no such file.",
  },
  {
    name: "a folder for the key file",
    files: { "cert.pem": good.cert, "keys/readme.txt": "" },
    args: ["--tls-cert", "cert.pem", "--tls-key", "keys"],
    line: "cannot read the TLS key file {dir}/keys: it is a folder, not a file.",
  },
  {
    name: "a certificate file that is not PEM",
    files: { "cert.der": new Uint8Array([0x30, 0x82, 0x01, 0x00]), "key.pem": good.key },
    args: ["--tls-cert", "cert.der", "--tls-key", "key.pem"],
    line: 'the TLS certificate file {dir}/cert.der is not in PEM format: it has no "-----BEGIN ' +
      'CERTIFICATE-----" line.',
  },
  {
    name: "a key file that holds no key",
    files: { "cert.pem": good.cert, "key.pem": good.cert },
    args: ["--tls-cert", "cert.pem", "--tls-key", "key.pem"],
    line: 'the TLS key file {dir}/key.pem holds no private key, only a "CERTIFICATE" block; ' +
      "it looks like the certificate file.",
  },
  {
    name: "a key of another certificate",
    files: { "cert.pem": good.cert, "key.pem": other.key },
    args: ["--tls-cert", "cert.pem", "--tls-key", "key.pem"],
    line: "the private key in {dir}/key.pem does not belong to the certificate in {dir}/cert.pem.",
  },
  {
    name: "an expired certificate",
    files: { "cert.pem": expired.cert, "key.pem": expired.key },
    args: ["--tls-cert", "cert.pem", "--tls-key", "key.pem"],
    line: "the certificate in {dir}/cert.pem expired on ",
  },
  {
    name: "a key with a passphrase",
    files: { "cert.pem": good.cert, "key.pem": encryptedKey },
    args: ["--tls-cert", "cert.pem", "--tls-key", "key.pem"],
    line: "the private key in {dir}/key.pem is protected by a passphrase",
  },
  {
    name: "a certificate without its key",
    files: { "cert.pem": good.cert },
    args: ["--tls-cert", "cert.pem"],
    line: "--tls-cert and --tls-key go together: the certificate file and the file of its " +
      "private key.",
  },
  {
    name: "zhttp.json's key, named relative to that file, missing",
    files: {
      "conf/zhttp.json": '{"tlsCert": "cert.pem", "tlsKey": "key.pem"}',
      "conf/cert.pem": good.cert,
    },
    args: [],
    line: "cannot read the TLS key file {dir}/conf/key.pem: there is no such file.",
  },
];

for (const { name, files, args, line } of badFileCases) {
  Deno.test(`zhttp --tls-cert/--tls-key stops on ${name}, naming it in one sentence`, async () => {
    await using temp = await tempFolder(files);
    const cwd = files["conf/zhttp.json"] === undefined ? temp.dir : path.join(temp.dir, "conf");
    const result = await runToExit([temp.dir, "--port", "0", ...args], cwd);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^zhttp: [^\n]+\n$/, `not one line: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /^\s+at |\.ts:\d/m, "a stack trace reached the user");
    const expected = `zhttp: ${line.replaceAll("{dir}", temp.dir)}`;
    assert.ok(result.stderr.startsWith(expected), `${result.stderr} is not ${expected}`);
  });
}

Deno.test("zhttp --https stops in one sentence when its data folder cannot be written", async () => {
  await using temp = await tempFolder({ "data": "a file where the folder should go" });
  const result = await runToExit([temp.dir, "--https", "--port", "0"], temp.dir, {
    XDG_DATA_HOME: path.join(temp.dir, "data"),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^zhttp: cannot keep zhttp's certificates in [^\n]+\n$/);
});

/** zhttp serving `root` with `flags`, its data folder in `dataHome`; the banner read. */
async function startHttps(root: string, dataHome: string, flags: string[] = []) {
  const zhttp = ZhttpProcess.start([root, "--https", "--port", "0", "--quiet", ...flags], {
    env: { XDG_DATA_HOME: dataHome },
  });
  try {
    await zhttp.waitFor(/Press Ctrl\+C to stop/);
    return { zhttp, port: await zhttp.port() };
  } catch (error) {
    await zhttp.stop();
    throw error;
  }
}

/** The text after `label` on the banner's line that starts with it. */
function bannerLine(output: string, label: string): string {
  const line = output.split("\n").find((line) => line.startsWith(label));
  assert.ok(line !== undefined, `no ${label} line in:\n${output}`);
  return line.slice(label.length).trim();
}

/** One GET over TLS to 127.0.0.1 (or ::1), checking the certificate for `name`. */
async function getOverTls(
  port: number,
  ca: string,
  name: string,
  target: string,
): Promise<RawResponse> {
  const address = name.includes(":") ? "::1" : "127.0.0.1";
  const tcp = await Deno.connect({ hostname: address, port });
  // startTls checks the leaf for `name`, whatever address the socket went to.
  const conn = await Deno.startTls(tcp, { hostname: name, caCerts: [ca] });
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw error;
  }
  const host = name.includes(":") ? `[${name}]` : name;
  await conn.write(
    new TextEncoder().encode(
      `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    ),
  );
  const raw = await new Response(conn.readable).arrayBuffer();
  using replay = await replayed(new Uint8Array(raw));
  return await replay.connection.response();
}

/** Bytes received elsewhere, parsed by RawConnection through a local socket pair. */
async function replayed(bytes: Uint8Array) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const connection = await RawConnection.open(listener.addr.port);
  const server = await accepted;
  await server.write(bytes);
  server.close();
  listener.close();
  return { connection, [Symbol.dispose]: () => connection.close() };
}

Deno.test("zhttp --https makes a local CA whose leaf curl and Deno accept for each of its names", async () => {
  await using temp = await tempFolder({ "site/index.html": "<h1>hi</h1>" });
  const dataHome = path.join(temp.dir, "data");
  const { zhttp, port } = await startHttps(path.join(temp.dir, "site"), dataHome);
  await using _zhttp = zhttp;
  const caFile = path.join(dataHome, "zhttp", "ca.crt");
  const ca = await Deno.readTextFile(caFile);

  assert.equal(bannerLine(zhttp.output, "Local"), `https://localhost:${port}/`);
  const names = [`${Deno.hostname().toLowerCase()}.local`, "localhost", "127.0.0.1", "::1"];
  const tls = bannerLine(zhttp.output, "TLS");
  assert.match(tls, /^zhttp's certificate for .+, valid until \d{4}-\d{2}-\d{2}$/);
  for (const name of names) assert.ok(tls.includes(name), `${name} not in: ${tls}`);
  const trust = bannerLine(zhttp.output, "Trust");
  assert.equal(trust, `zhttp's local CA ${caFile} (new: trust it once on each device)`);
  const der = parsePem(ca)[0].der!;
  assert.match(zhttp.output, new RegExp(`\\n +SHA-256 ${await sha256Fingerprint(der)}\\n`));
  assert.match(
    zhttp.output,
    new RegExp(`\\n +download it from https://localhost:${port}/\\.zhttp/ca\\.crt\\n`),
  );

  for (const name of names) {
    const response = await getOverTls(port, ca, name, "/");
    assert.equal(response.status, 200, name);
    assert.equal(response.text(), "<h1>hi</h1>");
  }
  if (installed("curl")) {
    for (const name of names) {
      const url = name.includes(":") ? `https://[${name}]:${port}/` : `https://${name}:${port}/`;
      const resolve = name.endsWith(".local") ? ["--resolve", `${name}:${port}:127.0.0.1`] : [];
      const curl = await run("curl", [
        "--silent",
        "--show-error",
        "--cacert",
        caFile,
        ...resolve,
        url,
      ]);
      assert.equal(curl.stdout, "<h1>hi</h1>", `${name}: ${curl.stderr}`);
    }
  }
  // A client that does not trust the CA refuses the connection.
  const stranger = (await testCertificate()).ca;
  await assert.rejects(() => getOverTls(port, stranger, "localhost", "/"));
});

Deno.test("zhttp --https reuses its CA and leaf at the next start, and serves the CA's certificate", async () => {
  await using temp = await tempFolder({ "site/a.txt": "a" });
  const dataHome = path.join(temp.dir, "data");
  const root = path.join(temp.dir, "site");
  {
    const { zhttp } = await startHttps(root, dataHome);
    await zhttp.stop();
  }
  const { zhttp, port } = await startHttps(root, dataHome);
  await using _zhttp = zhttp;
  assert.match(bannerLine(zhttp.output, "Trust"), /\(trust it once per device\)$/);
  const caPem = await Deno.readTextFile(path.join(dataHome, "zhttp", "ca.crt"));
  const download = await getOverTls(port, caPem, "localhost", CA_CERTIFICATE_PATH);
  assert.equal(download.status, 200);
  assert.equal(download.header("content-type"), "application/x-x509-ca-cert");
  assert.match(download.header("content-disposition")!, /^attachment; filename="[^"]+\.crt"$/);
  // The root's public certificate, byte for byte, and nothing else.
  assert.deepEqual(download.body, parsePem(caPem)[0].der);
});

Deno.test("zhttp --https never serves or lists its data folder, even inside the served folder", async () => {
  await using temp = await tempFolder({ "home/notes.txt": "notes" });
  const root = path.join(temp.dir, "home");
  // Not a dotfile path, so that only the data folder rule hides it (as on Windows, where
  // it is AppData\Local\zhttp).
  const dataHome = path.join(root, "appdata");
  const { zhttp, port } = await startHttps(root, dataHome, ["--show-dotfiles"]);
  await using _zhttp = zhttp;
  const ca = await Deno.readTextFile(path.join(dataHome, "zhttp", "ca.crt"));
  for (const file of ["ca.crt", "issuing-ca.pem", "localhost.pem", ""]) {
    const response = await getOverTls(port, ca, "localhost", `/appdata/zhttp/${file}`);
    assert.equal(response.status, 404, file);
    assert.doesNotMatch(response.text(), /PRIVATE KEY|CERTIFICATE/);
  }
  const listing = await getOverTls(port, ca, "localhost", "/appdata/");
  assert.equal(listing.status, 200);
  assert.doesNotMatch(listing.text(), /href="zhttp\/"/);
  assert.equal((await getOverTls(port, ca, "localhost", "/notes.txt")).text(), "notes");
});

Deno.test("zhttp --tls-cert/--tls-key serves the user's certificate and hides both files", async () => {
  const { cert, key, ca } = await testCertificate();
  await using temp = await tempFolder({ "cert.pem": cert, "tls/key.pem": key, "a.txt": "a" });
  const zhttp = ZhttpProcess.start(
    [".", "--port", "0", "--quiet", "--tls-cert", "cert.pem", "--tls-key", "tls/key.pem"],
    { cwd: temp.dir },
  );
  await using _zhttp = zhttp;
  await zhttp.waitFor(/Press Ctrl\+C to stop/);
  const port = await zhttp.port();
  assert.match(
    bannerLine(zhttp.output, "TLS"),
    new RegExp(`^${path.join(temp.dir, "cert.pem")} for .*localhost.*, valid until `),
  );
  assert.doesNotMatch(zhttp.output, /Trust/);
  assert.equal((await getOverTls(port, ca, "localhost", "/a.txt")).text(), "a");
  for (const target of ["/cert.pem", "/tls/key.pem"]) {
    assert.equal((await getOverTls(port, ca, "localhost", target)).status, 404, target);
  }
  // No CA of zhttp's own to hand out.
  assert.equal((await getOverTls(port, ca, "localhost", CA_CERTIFICATE_PATH)).status, 404);
});

Deno.test("zhttp --https-redirect sends plain HTTP to https; so does the HTTPS port itself", async () => {
  await using temp = await tempFolder({ "site/a.txt": "a" });
  const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const redirectPort = free.addr.port;
  free.close();
  const { zhttp, port } = await startHttps(
    path.join(temp.dir, "site"),
    path.join(temp.dir, "data"),
    ["--https-redirect", String(redirectPort)],
  );
  await using _zhttp = zhttp;
  assert.equal(bannerLine(zhttp.output, "Redirect"), `http://localhost:${redirectPort}/ to https`);
  const rows = [
    { to: redirectPort, host: `localhost:${redirectPort}`, target: "/a.txt?x=1" },
    { to: redirectPort, host: "192.168.1.20", target: "/" },
    { to: port, host: `localhost:${port}`, target: "/a.txt" },
  ];
  for (const { to, host, target } of rows) {
    const response = await request(
      to,
      `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(response.status, 307, `${host} ${target}`);
    const hostname = host.replace(/:\d+$/, "");
    assert.equal(response.header("location"), `https://${hostname}:${port}${target}`);
  }
  // Both loopbacks, like the HTTPS port.
  const v6 = await RawConnection.open(redirectPort, "::1");
  try {
    await v6.send("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n");
    assert.equal((await v6.response()).header("location"), `https://[::1]:${port}/`);
  } finally {
    v6.close();
  }
});

Deno.test("zhttp --https-redirect on a port another program holds stops in one sentence", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using temp = await tempFolder({});
  const result = await runToExit(
    [temp.dir, "--https", "--port", "0", "--https-redirect", String(taken.addr.port)],
    temp.dir,
    { XDG_DATA_HOME: path.join(temp.dir, "data") },
  );
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    `zhttp: port ${taken.addr.port} (--https-redirect) is already in use by another ` +
      "program; choose another.\n",
  );
});

const browserMissing = ["chromium", "certutil"].filter((program) => !installed(program));

Deno.test({
  name:
    "zhttp --https: headless Chromium trusting the CA loads the welcome page, also through the redirect",
  ignore: browserMissing.length > 0,
  async fn() {
    await using temp = await tempFolder({});
    const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const redirectPort = free.addr.port;
    free.close();
    const dataHome = path.join(temp.dir, "data");
    const { zhttp, port } = await startHttps(STATIC, dataHome, [
      "--https-redirect",
      String(redirectPort),
    ]);
    await using _zhttp = zhttp;
    const home = path.join(temp.dir, "home");
    const database = `sql:${path.join(home, ".pki", "nssdb")}`;
    await Deno.mkdir(path.join(home, ".pki", "nssdb"), { recursive: true });
    assert.equal((await run("certutil", ["-d", database, "-N", "--empty-password"])).code, 0);
    const caFile = path.join(dataHome, "zhttp", "ca.crt");
    const added = await run("certutil", [
      "-d",
      database,
      "-A",
      "-t",
      "C,,",
      "-n",
      "zhttp",
      "-i",
      caFile,
    ]);
    assert.equal(added.code, 0, added.stderr);
    for (const url of [`https://localhost:${port}/`, `http://localhost:${redirectPort}/`]) {
      const output = await new Deno.Command("chromium", {
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          `--user-data-dir=${path.join(home, "profile")}`,
          "--dump-dom",
          url,
        ],
        env: { HOME: home },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).output();
      const dom = decoder.decode(output.stdout);
      const log = decoder.decode(output.stderr);
      assert.ok(dom.includes("<title>zhttp is running</title>"), `${url}: ${log}`);
      assert.doesNotMatch(log, /Page load failed|ERR_CERT/);
    }
  },
});
