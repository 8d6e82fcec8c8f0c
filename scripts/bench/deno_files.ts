/**
 * Peer for the file workloads: the file server a person writes in ten lines with
 * `Deno.serve` + `Deno.open`, streaming `file.readable` with Content-Length and a content
 * type. It is what zhttp's static handler has to beat, so it does no more than that.
 *
 *   deno run --allow-net --allow-read scripts/bench/deno_files.ts --port 8002 --root /tmp/x
 *     [--cert cert.pem --key key.pem]   (HTTPS)
 */
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    root: { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
  },
});
const root = path.resolve(values.root ?? ".");
const CONTENT_TYPES: Record<string, string> = {
  ".bin": "application/octet-stream",
  ".html": "text/html; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

Deno.serve(
  { hostname: "127.0.0.1", port: Number(values.port), ...tlsOptions(), onListen() {} },
  async (request) => {
    const urlPath = decodeURIComponent(new URL(request.url).pathname);
    // Loopback-only benchmark peer, but it still must not leave the root.
    if (urlPath.includes("..") || urlPath.includes("\0")) {
      return new Response("Bad Request\n", { status: 400 });
    }
    const file = path.join(root, urlPath);
    try {
      const handle = await Deno.open(file);
      const info = await handle.stat();
      if (!info.isFile) {
        handle.close();
        return new Response("Not Found\n", { status: 404 });
      }
      return new Response(handle.readable, {
        headers: {
          "content-length": String(info.size),
          "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
        },
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return new Response("Not Found\n", { status: 404 });
      }
      throw error;
    }
  },
);

/** With --cert and --key: the certificate and key to serve HTTPS with (Deno reads PEM). */
function tlsOptions(): { cert: string; key: string } | Record<never, never> {
  if (values.cert === undefined || values.key === undefined) return {};
  return { cert: Deno.readTextFileSync(values.cert), key: Deno.readTextFileSync(values.key) };
}
