/**
 * Peer for the hello workloads: the smallest `Deno.serve` server (hyper underneath), answering
 * every request with the bytes zhttp's /hello sends, so the two move the same payload.
 *
 *   deno run --allow-net scripts/bench/deno_hello.ts --port 8001
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string" } } });
const HELLO = new TextEncoder().encode("Hello, World!\n");
const HEADERS = { "content-type": "text/plain; charset=utf-8" };

Deno.serve(
  { hostname: "127.0.0.1", port: Number(values.port), onListen() {} },
  () => new Response(HELLO, { headers: HEADERS }),
);
