/** Sidecar freshness and the order of representations, from tables. */
import assert from "node:assert/strict";
import {
  isFreshSidecar,
  MISSING_SIDECAR_RECHECK_MS,
  MissingSidecars,
  orderCandidates,
  sidecarsWorthLooking,
} from "../../../lib/handlers/static/sidecars.ts";
import { acceptEncodingOf } from "../../../lib/http/accept_encoding.ts";
import { STREAMED_CODINGS, WHOLE_BODY_CODINGS } from "../../../lib/middleware/content_encoder.ts";

const T = 1_700_000_000_000;

const freshCases: {
  name: string;
  file: number;
  sidecar: { isFile: boolean; mtime: Date | null };
  fresh: boolean;
}[] = [
  {
    name: "newer than its file",
    file: T,
    sidecar: { isFile: true, mtime: new Date(T + 1) },
    fresh: true,
  },
  {
    name: "as new as its file",
    file: T,
    sidecar: { isFile: true, mtime: new Date(T) },
    fresh: true,
  },
  {
    name: "older than its file",
    file: T,
    sidecar: { isFile: true, mtime: new Date(T - 1) },
    fresh: false,
  },
  { name: "a folder", file: T, sidecar: { isFile: false, mtime: new Date(T + 1) }, fresh: false },
  { name: "without a time", file: T, sidecar: { isFile: true, mtime: null }, fresh: false },
  {
    name: "of a file without a time",
    file: NaN,
    sidecar: { isFile: true, mtime: new Date(T) },
    fresh: false,
  },
];

for (const { name, file, sidecar, fresh } of freshCases) {
  Deno.test(`isFreshSidecar() says ${fresh} for a sidecar ${name}`, () => {
    assert.equal(isFreshSidecar({ mtimeMs: file }, sidecar), fresh);
  });
}

/** Candidates as "br" (a sidecar) and "br*" (made on the fly). */
function order(...args: Parameters<typeof orderCandidates>): string[] {
  const { list, codings } = orderCandidates(...args);
  assert.deepEqual(codings, list.map((candidate) => candidate.coding));
  return list.map(({ coding, sidecar }) => sidecar ? coding : `${coding}*`);
}

const orderCases: {
  name: string;
  args: Parameters<typeof orderCandidates>;
  expected: string[];
}[] = [
  {
    name: "held: coding by coding, the sidecar first",
    args: [["gzip", "br"], WHOLE_BODY_CODINGS, true],
    expected: ["br", "br*", "zstd*", "gzip", "gzip*"],
  },
  {
    name: "held, without the middleware: the sidecars in our order",
    args: [["gzip", "zstd", "br"], [], true],
    expected: ["br", "zstd", "gzip"],
  },
  {
    name: "streamed: every sidecar before any encoding on the fly",
    args: [["gzip"], STREAMED_CODINGS, false],
    expected: ["gzip", "zstd*", "br*", "gzip*"],
  },
  {
    name: "streamed without sidecars",
    args: [[], STREAMED_CODINGS, false],
    expected: ["zstd*", "br*", "gzip*"],
  },
  { name: "nothing", args: [[], [], true], expected: [] },
];

for (const { name, args, expected } of orderCases) {
  Deno.test(`orderCandidates() ${name}`, () => {
    assert.deepEqual(order(...args), expected);
    assert.deepEqual(order(...args), expected, "made once, the same the second time");
  });
}

Deno.test("MissingSidecars remembers a missing sidecar for MISSING_SIDECAR_RECHECK_MS", () => {
  const missing = new MissingSidecars();
  assert.equal(missing.recentlyMissing("/site/app.js.br", T), false);
  missing.missing("/site/app.js.br", T);
  assert.equal(
    missing.recentlyMissing("/site/app.js.br", T + MISSING_SIDECAR_RECHECK_MS - 1),
    true,
  );
  assert.equal(missing.recentlyMissing("/site/app.js.gz", T), false);
  assert.equal(missing.recentlyMissing("/site/app.js.br", T + MISSING_SIDECAR_RECHECK_MS), false);
  assert.equal(
    missing.recentlyMissing("/site/app.js.br", T + 1),
    false,
    "forgotten once rechecked",
  );
});

const lookCases: {
  accept: string;
  onTheFly: "whole" | "streamed" | "none";
  held: boolean;
  expected: string[];
}[] = [
  // Our own kept brotli ties with .br only: .gz and .zst cannot win.
  { accept: "br, gzip", onTheFly: "whole", held: true, expected: ["br"] },
  { accept: "gzip, deflate, br, zstd", onTheFly: "whole", held: true, expected: ["br"] },
  // Preferred by q over our brotli: worth a look.
  { accept: "br;q=0.5, gzip", onTheFly: "whole", held: true, expected: ["gzip"] },
  { accept: "zstd, gzip;q=0.5", onTheFly: "whole", held: true, expected: ["zstd"] },
  // Streamed: every sidecar the client accepts as much as our best comes first.
  { accept: "br, gzip", onTheFly: "streamed", held: false, expected: ["br", "gzip"] },
  { accept: "zstd, br;q=0.5", onTheFly: "streamed", held: false, expected: ["zstd"] },
  // No encoding on the fly (no middleware, or a Range): every sidecar accepted.
  { accept: "br, gzip, zstd", onTheFly: "none", held: true, expected: ["br", "zstd", "gzip"] },
  { accept: "gzip;q=0, br", onTheFly: "none", held: false, expected: ["br"] },
  { accept: "identity", onTheFly: "whole", held: true, expected: [] },
];

for (const { accept, onTheFly, held, expected } of lookCases) {
  Deno.test(`sidecarsWorthLooking() for ${JSON.stringify(accept)}, ${onTheFly}${held ? ", held" : ""}: ${expected}`, () => {
    const codings = onTheFly === "whole"
      ? WHOLE_BODY_CODINGS
      : onTheFly === "streamed"
      ? STREAMED_CODINGS
      : [];
    assert.deepEqual(sidecarsWorthLooking(acceptEncodingOf(accept)!, codings, held), expected);
  });
}
