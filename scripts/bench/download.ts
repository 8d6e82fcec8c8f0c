/**
 * One large download with curl on the client core, while the server's resident memory is
 * sampled: the cost of a download must not grow with the file (DESIGN.md, "Memory is
 * bounded per connection").
 */
import { sampleRssPeak } from "./process_stats.ts";
import { CLIENT_CORE } from "./wrk.ts";

/** How often the server's VmRSS is read during a download. */
export const RSS_SAMPLE_INTERVAL_MS = 20;
/** A download slower than this has hung (1 GiB at 10 MB/s would still make it). */
export const DOWNLOAD_TIMEOUT_SECONDS = 120;

export interface DownloadRun {
  curl: string;
  taskset: string;
  url: string;
  /** The server's pid, whose process tree is sampled. */
  serverPid: number;
  /** The file's size: what arrives, unless the body is encoded (see `headers`). */
  expectedBytes: number;
  /** Fields curl sends; with Accept-Encoding the body must arrive encoded, and smaller. */
  headers?: Record<string, string>;
  /** Over https: the CA curl verifies the server's certificate with. */
  caFile?: string;
  /** Aborts the download (Ctrl+C). */
  signal: AbortSignal;
}

export interface DownloadResult {
  /** The file's bytes over the time the download took (for an encoded body, not the wire's). */
  bytesPerSecond: number;
  /** Body bytes that crossed the wire. */
  wireBytes: number;
  /** The response's Content-Encoding, or "" for none. */
  contentEncoding: string;
  /** Highest resident memory of the server's process tree during the download. */
  peakRssBytes: number;
}

export async function runDownload(run: DownloadRun): Promise<DownloadResult> {
  const sampler = sampleRssPeak(run.serverPid, RSS_SAMPLE_INTERVAL_MS);
  let output: Deno.CommandOutput;
  let peakRssBytes: number;
  try {
    output = await new Deno.Command(run.taskset, {
      args: [
        "-c",
        String(CLIENT_CORE),
        run.curl,
        "-s",
        "-o",
        "/dev/null",
        "--max-time",
        String(DOWNLOAD_TIMEOUT_SECONDS),
        ...Object.entries(run.headers ?? {}).flatMap((
          [name, value],
        ) => ["-H", `${name}: ${value}`]),
        "-w",
        "%{time_total} %{size_download} %{http_code} %header{content-encoding}",
        ...(run.caFile === undefined ? [] : ["--cacert", run.caFile]),
        run.url,
      ],
      stdin: "null",
      signal: run.signal,
    }).output();
  } finally {
    peakRssBytes = sampler.stop();
  }
  const [seconds, size, status, contentEncoding = ""] = new TextDecoder().decode(output.stdout)
    .trim().split(" ");
  const wireBytes = Number(size);
  const encoded = run.headers?.["Accept-Encoding"] !== undefined;
  const complete = encoded
    ? contentEncoding !== "" && wireBytes > 0 && wireBytes < run.expectedBytes
    : wireBytes === run.expectedBytes;
  if (output.code !== 0 || status !== "200" || !complete) {
    throw new Error(
      `download of ${run.url} failed: curl exit ${output.code}, status ${status}, ` +
        `${wireBytes} bytes (file: ${run.expectedBytes})` +
        (encoded ? `, Content-Encoding "${contentEncoding}"` : ""),
    );
  }
  return {
    bytesPerSecond: run.expectedBytes / Number(seconds),
    wireBytes,
    contentEncoding,
    peakRssBytes,
  };
}
