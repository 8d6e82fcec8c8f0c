/**
 * Peers for the hello workloads: `Deno.serve` (hyper underneath) answering every request with
 * the bytes zhttp's /hello sends, so they move the same payload. Two ways: with the content
 * type zhttp sends (a headers object per response), and `--simplest`, a string body and
 * nothing else, the fastest way to write it (which users quote).
 *
 *   deno run --allow-net scripts/bench/deno_hello.ts --port 8001 [--simplest]
 *     [--cert cert.pem --key key.pem]   (HTTPS, with --allow-read for the two files)
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    simplest: { type: "boolean" },
    cert: { type: "string" },
    key: { type: "string" },
  },
});
const HELLO = new TextEncoder().encode("Hello, World!\n");
const HEADERS = { "content-type": "text/plain; charset=utf-8" };

Deno.serve(
  { hostname: "127.0.0.1", port: Number(values.port), ...tlsOptions(), onListen() {} },
  values.simplest
    ? () => new Response("Hello, World!\n")
    : () => new Response(HELLO, { headers: HEADERS }),
);

/** With --cert and --key: the certificate and key to serve HTTPS with (Deno reads PEM). */
function tlsOptions(): { cert: string; key: string } | Record<never, never> {
  if (values.cert === undefined || values.key === undefined) return {};
  return { cert: Deno.readTextFileSync(values.cert), key: Deno.readTextFileSync(values.key) };
}
