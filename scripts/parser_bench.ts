/**
 * Request-head parsing speed: HeadParser against the naive string-splitting parse a quick
 * server would write (decode everything, split lines, split on ": ", build an object).
 *
 *   deno bench scripts/parser_bench.ts
 *
 * Each group's summary gives the ratio to the naive baseline; iter/s is heads/s (16 heads per
 * iteration in the pipelined group), and the names carry the input size: MB/s = size × iter/s.
 */
import { HeadParser } from "../lib/http/parser.ts";

const TYPICAL = [
  "GET /assets/app.js?v=3 HTTP/1.1",
  "Host: localhost:8000",
  "Connection: keep-alive",
  'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
  "sec-ch-ua-mobile: ?0",
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " +
  "Chrome/124.0.0.0 Safari/537.36",
  'sec-ch-ua-platform: "Linux"',
  "Accept: */*",
  "Sec-Fetch-Site: same-origin",
  "Sec-Fetch-Mode: no-cors",
  "Sec-Fetch-Dest: script",
  "Referer: http://localhost:8000/",
  "Accept-Encoding: gzip, deflate, br, zstd",
  "Accept-Language: en-US,en;q=0.9",
].join("\r\n") + "\r\n\r\n";
const MINIMAL = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
const PIPELINE_DEPTH = 16;

const encoder = new TextEncoder();
const typical = encoder.encode(TYPICAL);
const minimal = encoder.encode(MINIMAL);
const pipelined = encoder.encode(TYPICAL.repeat(PIPELINE_DEPTH));

const parser = new HeadParser();
/** Every result feeds this, so no benchmark body is dead code to the optimiser. */
let sink = 0;

function parseOnce(bytes: Uint8Array): void {
  const head = parser.parse(bytes, 0, bytes.length);
  if (head === null) throw new Error("incomplete head in benchmark input");
  sink += head.end;
}

function parsePipelined(bytes: Uint8Array): void {
  let at = 0;
  for (let n = 0; n < PIPELINE_DEPTH; n++) {
    const head = parser.parse(bytes, at, bytes.length);
    if (head === null) throw new Error("incomplete head in benchmark input");
    at = head.end;
  }
  sink += at;
}

function parseAndRead(bytes: Uint8Array): void {
  const head = parser.parse(bytes, 0, bytes.length);
  if (head === null) throw new Error("incomplete head in benchmark input");
  sink += head.method.length + head.target.length + (head.headers.get("host")?.length ?? 0);
}

interface NaiveHead {
  method: string;
  target: string;
  version: string;
  headers: Record<string, string>;
}

const decoder = new TextDecoder();

/** The naive parse, over text that holds exactly one head. */
function naiveParseText(text: string): NaiveHead {
  const lines = text.split("\r\n");
  const [method, target, version] = lines[0].split(" ");
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === "") continue;
    const [name, value] = lines[i].split(": ");
    headers[name.toLowerCase()] = value;
  }
  return { method, target, version, headers };
}

function naiveParse(bytes: Uint8Array): NaiveHead {
  const text = decoder.decode(bytes);
  return naiveParseText(text.slice(0, text.indexOf("\r\n\r\n")));
}

function naiveParsePipelined(bytes: Uint8Array): void {
  const heads = decoder.decode(bytes).split("\r\n\r\n");
  for (let n = 0; n < PIPELINE_DEPTH; n++) sink += naiveParseText(heads[n]).method.length;
}

const sizes = (bytes: Uint8Array) => `${bytes.length} B`;

Deno.bench(`naive: typical browser request (${sizes(typical)})`, {
  group: "typical",
  baseline: true,
}, () => {
  sink += naiveParse(typical).method.length;
});
Deno.bench(`HeadParser: typical browser request (${sizes(typical)})`, { group: "typical" }, () => {
  parseOnce(typical);
});

Deno.bench(
  `naive: minimal request (${sizes(minimal)})`,
  { group: "minimal", baseline: true },
  () => {
    sink += naiveParse(minimal).method.length;
  },
);
Deno.bench(`HeadParser: minimal request (${sizes(minimal)})`, { group: "minimal" }, () => {
  parseOnce(minimal);
});

Deno.bench(`naive: ${PIPELINE_DEPTH} pipelined typical (${sizes(pipelined)})`, {
  group: "pipelined",
  baseline: true,
}, () => {
  naiveParsePipelined(pipelined);
});
Deno.bench(`HeadParser: ${PIPELINE_DEPTH} pipelined typical (${sizes(pipelined)})`, {
  group: "pipelined",
}, () => {
  parsePipelined(pipelined);
});

Deno.bench(`naive: typical + host + method + target (${sizes(typical)})`, {
  group: "typical-read",
  baseline: true,
}, () => {
  const head = naiveParse(typical);
  sink += head.method.length + head.target.length + head.headers["host"].length;
});
Deno.bench(`HeadParser: typical + get("host") + method + target (${sizes(typical)})`, {
  group: "typical-read",
}, () => {
  parseAndRead(typical);
});
