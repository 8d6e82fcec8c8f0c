/**
 * How evenly a server shares itself among its connections. wrk cannot say (its Lua API has
 * no connection identity), but the kernel can: `ss -ti` reports bytes_received for every
 * server-side socket. Two samples during the run, divided by the request size, give the
 * requests each connection got served in between. A fair server gives every connection
 * about the same number; the unfair-read tail described in DESIGN.md shows as a wide spread.
 */
import { percentile } from "./stats.ts";
import { CLIENT_CORE } from "./wrk.ts";

/** Bytes received so far by each server-side socket of `port`, keyed by the client address. */
export type SocketBytes = Map<string, number>;

export interface Spread {
  /** Connections open at both samples (wrk replaces a connection only after an error). */
  connections: number;
  windowSeconds: number;
  min: number;
  p10: number;
  p50: number;
  p90: number;
  max: number;
}

export async function sampleBytesReceived(taskset: string, port: number): Promise<SocketBytes> {
  const { code, stdout, stderr } = await new Deno.Command(taskset, {
    args: [
      "-c",
      String(CLIENT_CORE),
      "ss",
      "-tinH",
      "state",
      "established",
      `( sport = :${port} )`,
    ],
    stdin: "null",
  }).output();
  if (code !== 0) throw new Error(`ss failed: ${new TextDecoder().decode(stderr)}`);
  return parseSsBytesReceived(new TextDecoder().decode(stdout));
}

/**
 * Parses `ss -tinH state established`: a line per socket (Recv-Q, Send-Q, local, peer),
 * then an indented line of TCP info, where bytes_received is left out while it is 0.
 */
export function parseSsBytesReceived(output: string): SocketBytes {
  const sockets: SocketBytes = new Map();
  let peer: string | null = null;
  for (const line of output.split("\n")) {
    if (line.trim() === "") continue;
    if (!/^\s/.test(line)) {
      peer = line.trim().split(/\s+/)[3] ?? null;
      if (peer !== null) sockets.set(peer, 0);
      continue;
    }
    const received = /\bbytes_received:(\d+)/.exec(line);
    if (peer !== null && received !== null) sockets.set(peer, Number(received[1]));
  }
  return sockets;
}

/** Requests served per connection between two samples; null when no connection was in both. */
export function spreadBetween(
  early: SocketBytes,
  late: SocketBytes,
  requestBytes: number,
  windowSeconds: number,
): Spread | null {
  const counts: number[] = [];
  for (const [peer, lateBytes] of late) {
    const earlyBytes = early.get(peer);
    if (earlyBytes !== undefined) counts.push(Math.round((lateBytes - earlyBytes) / requestBytes));
  }
  if (counts.length === 0) return null;
  counts.sort((a, b) => a - b);
  return {
    connections: counts.length,
    windowSeconds,
    min: counts[0],
    p10: percentile(counts, 10),
    p50: percentile(counts, 50),
    p90: percentile(counts, 90),
    max: counts[counts.length - 1],
  };
}
