/**
 * The V8 flags zhttp runs with, in one place (as permissions.ts is for permissions): baked
 * into the compiled binary by scripts/compile.ts, used by `deno task start`/`dev` (a test
 * checks they match), by the tests that run main.ts as a process, and by the bench, so what
 * is measured is what ships.
 *
 * --initial-old-space-size=64 (MB): Deno's `Conn.read()` keeps each pending read in a Set,
 * and V8 allocates a Set's new table (it is reallocated as the Set grows and shrinks) in the
 * generation of the old one. A connection that has lived through a major GC therefore leaves
 * about 100 bytes of old-generation garbage per read. With V8's small starting old-generation
 * limit, that garbage brought a mark-compact every ~0.7 s at 100k requests/s, and each one
 * stopped the event loop for ~10 ms: no read completed (measured from inside the server).
 * With 64 MB to start with: no mark-compact in a 10 s run. /hello at 64 connections, 4
 * alternating runs: 1.22x the requests/s, p99 1.1–2.3 ms instead of 2.2–5.6 ms. RSS after
 * 10 s: 110 MB instead of 116 MB. The garbage still comes from connections that idle across
 * two minor GCs: with 200 clients pausing 100 ms between requests next to the 64 busy ones,
 * the first mark-compact came after 14 s and then one every ~2 s (without the flag: 8 in
 * 20 s).
 */
export const V8_FLAGS: readonly string[] = ["--initial-old-space-size=64"];

/** V8_FLAGS as the one `deno run` / `deno compile` argument. */
export const V8_FLAGS_ARG = `--v8-flags=${V8_FLAGS.join(",")}`;
