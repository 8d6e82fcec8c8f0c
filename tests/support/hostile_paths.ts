/**
 * tests/fixtures/hostile_paths.json as rows for one OS's naming rules. A row holds either
 * one `status` for every OS, or `windows` and `posix` apart: names such as `aux.js`,
 * `Meeting 10:30.txt` or `What?.txt` are refused on Windows and ordinary files on Linux and
 * macOS ("allowed": resolveUrlPath lets them through, and a server answers 404 when no such
 * file is there).
 */
import fixture from "../fixtures/hostile_paths.json" with { type: "json" };

/** Whose rules: Windows', or Linux and macOS's. */
export type NameRules = "windows" | "posix";

/** A path and what it gets under one OS's rules. */
export interface HostileRow {
  path: string;
  status: number | "allowed";
  why: string;
}

interface FixtureRow {
  path: string;
  why: string;
  status?: number;
  windows?: number;
  posix?: number | "allowed";
}

/** Every fixture row, with its status under `rules`. */
export function hostileRows(rules: NameRules): HostileRow[] {
  return (fixture.refused as FixtureRow[]).map((row) => {
    const status = row.status ?? row[rules];
    if (status === undefined) throw new Error(`no status for ${rules}: ${row.path}`);
    return { path: row.path, status, why: row.why };
  });
}

/** Every path of the fixture. */
export const HOSTILE_PATHS: readonly string[] = fixture.refused.map((row) => row.path);
