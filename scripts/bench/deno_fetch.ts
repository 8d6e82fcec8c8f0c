/**
 * Peer for the hello-fetch workload: Deno.serve running helloFetch (fetch_hello.ts), the
 * same function zhttp runs through fetchHandler() in zhttp_hello.ts.
 *
 *   deno run --allow-net scripts/bench/deno_fetch.ts --port 8003
 */
import { parseArgs } from "node:util";
import { helloFetch } from "./fetch_hello.ts";

const { values } = parseArgs({ options: { port: { type: "string" } } });

Deno.serve({ hostname: "127.0.0.1", port: Number(values.port), onListen() {} }, helloFetch);
