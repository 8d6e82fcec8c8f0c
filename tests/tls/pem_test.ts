/** parsePem() and encodePem(): PEM text (RFC 7468) as people's files hold it. */
import assert from "node:assert/strict";
import { encodePem, parsePem } from "../../lib/tls/pem.ts";

const ABC = "YWJj"; // "abc"

const cases: {
  name: string;
  text: string;
  blocks: { label: string; headers?: string[]; der: string | null }[];
}[] = [
  {
    name: "reads one block",
    text: `-----BEGIN CERTIFICATE-----\n${ABC}\n-----END CERTIFICATE-----\n`,
    blocks: [{ label: "CERTIFICATE", der: "abc" }],
  },
  {
    name: "reads CRLF line ends and trailing spaces",
    text: `-----BEGIN CERTIFICATE-----  \r\nYW\r\nJj \r\n-----END CERTIFICATE-----\r\n`,
    blocks: [{ label: "CERTIFICATE", der: "abc" }],
  },
  {
    name: "skips explanatory text around blocks (RFC 7468 §5.2)",
    text: `Subject: CN=x\nissuer: y\n-----BEGIN CERTIFICATE-----\n${ABC}\n` +
      `-----END CERTIFICATE-----\nbye\n`,
    blocks: [{ label: "CERTIFICATE", der: "abc" }],
  },
  {
    name: "reads several blocks in order",
    text: `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n` +
      `-----BEGIN EC PRIVATE KEY-----\n${ABC}\n-----END EC PRIVATE KEY-----\n`,
    blocks: [
      { label: "EC PARAMETERS", der: "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07" },
      { label: "EC PRIVATE KEY", der: "abc" },
    ],
  },
  {
    name: "keeps RFC 1421 headers apart from the base64",
    text: `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n` +
      `DEK-Info: AES-128-CBC,00\n\n${ABC}\n-----END RSA PRIVATE KEY-----\n`,
    blocks: [{
      label: "RSA PRIVATE KEY",
      headers: ["Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,00"],
      der: "abc",
    }],
  },
  {
    name: "marks broken base64 with a null",
    text: `-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n`,
    blocks: [{ label: "CERTIFICATE", der: null }],
  },
  {
    name: "marks an empty block with a null",
    text: `-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n`,
    blocks: [{ label: "CERTIFICATE", der: null }],
  },
  {
    name: "ignores a block without its END line",
    text: `-----BEGIN CERTIFICATE-----\n${ABC}\n`,
    blocks: [],
  },
  {
    name: "ignores an END line of another label",
    text: `-----BEGIN CERTIFICATE-----\n${ABC}\n-----END PRIVATE KEY-----\n`,
    blocks: [],
  },
  { name: "finds nothing in text", text: "hello\n", blocks: [] },
  { name: "finds nothing in binary DER", text: "\x30\x82\x01\x0a\x02\x82", blocks: [] },
];

for (const { name, text, blocks } of cases) {
  Deno.test(`parsePem() ${name}`, () => {
    const parsed = parsePem(text);
    assert.deepEqual(
      parsed.map((block) => ({
        label: block.label,
        headers: block.headers,
        der: block.der === null ? null : String.fromCharCode(...block.der),
      })),
      blocks.map((block) => ({ headers: [], ...block })),
    );
  });
}

Deno.test("encodePem() writes 64-character lines that parsePem() reads back", () => {
  const der = crypto.getRandomValues(new Uint8Array(200)); // 268 base64 characters
  const pem = encodePem("CERTIFICATE", der);
  const lines = pem.trimEnd().split("\n");
  assert.equal(lines[0], "-----BEGIN CERTIFICATE-----");
  assert.equal(lines.at(-1), "-----END CERTIFICATE-----");
  assert.deepEqual(lines.slice(1, -1).map((line) => line.length), [64, 64, 64, 64, 12]);
  assert.ok(pem.endsWith("\n"));
  assert.deepEqual(parsePem(pem)[0].der, der);
});
