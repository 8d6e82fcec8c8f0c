/**
 * Peers for the hello-fetch workload: zhttp's engine alone (no router, no middleware)
 * answering every request with a native handler (`--handler native`, lib/handlers/hello.ts)
 * or with helloFetch through fetchHandler() (`--handler fetch`), so that the two differ in
 * the adapter only.
 *
 *   deno run --allow-net scripts/bench/zhttp_hello.ts --handler fetch --port 8004
 */
import { parseArgs } from "node:util";
import { fetchHandler } from "../../lib/handlers/fetch_adapter.ts";
import { hello } from "../../lib/handlers/hello.ts";
import { serve } from "../../lib/server/server.ts";
import { helloFetch } from "./fetch_hello.ts";

const { values } = parseArgs({
  options: { port: { type: "string" }, handler: { type: "string" } },
});
if (values.handler !== "native" && values.handler !== "fetch") {
  throw new TypeError(`--handler takes native or fetch, not ${values.handler}`);
}

serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  handler: values.handler === "native" ? hello : fetchHandler(helloFetch),
});
