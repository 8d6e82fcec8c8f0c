/**
 * Peers for the hello workloads: `Deno.serve` (hyper underneath) answering every request with
 * the bytes zhttp's /hello sends, so they move the same payload. Two ways: with the content
 * type zhttp sends (a headers object per response), and `--simplest`, a string body and
 * nothing else, the fastest way to write it (which users quote).
 *
 *   deno run --allow-net scripts/bench/deno_hello.ts --port 8001 [--simplest]
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { port: { type: "string" }, simplest: { type: "boolean" } },
});
const HELLO = new TextEncoder().encode("Hello, World!\n");
const HEADERS = { "content-type": "text/plain; charset=utf-8" };

Deno.serve(
  { hostname: "127.0.0.1", port: Number(values.port), onListen() {} },
  values.simplest
    ? () => new Response("Hello, World!\n")
    : () => new Response(HELLO, { headers: HEADERS }),
);
