/**
 * Reads back what `deno compile` (Deno 2.9) put into a Windows executable, so that a build
 * can be checked without running it.
 *
 * Where it lives: libsui adds the program as a Win32 resource of type RT_RCDATA named
 * "D3N0L4ND" (denort finds it with FindResource). The resource tree is rebuilt in a new
 * section, `.pedata`, and the optional header's resource directory points there.
 *
 * What it holds, all integers little-endian:
 *
 * ```
 * "d3n0l4nd"
 * u64 length, metadata JSON      argv, permissions, entry point, import map, app version…
 * u64 length, npm snapshot       u32 count, then count × (u32 length, package id "name@1.2.3"), …
 * u32 count, specifiers          } remote (https:/jsr:) modules; zhttp has none, so all three
 * u32 count, redirects           } counts are 0 and this reader stops with an error
 * u32 count, remote modules      } when they are not
 * u64 length, VFS JSON           the embedded file tree: {"Dir": {n, e}} | {"File": {n, o, …}}
 * u64 length, VFS file data      a File's "o": [offset, length] is its source in here
 * "d3n0l4nd"
 * ```
 *
 * @module
 */

/** IMAGE_SUBSYSTEM_WINDOWS_GUI: Windows starts the program without a console window. */
export const IMAGE_SUBSYSTEM_WINDOWS_GUI = 2;
/** IMAGE_SUBSYSTEM_WINDOWS_CUI: Windows gives the program a console. */
export const IMAGE_SUBSYSTEM_WINDOWS_CUI = 3;

/** The resource name deno gives the program (resource names are upper case). */
export const DENO_RESOURCE_NAME = "D3N0L4ND";
/** The bytes at both ends of the program. */
export const DENO_MAGIC = "d3n0l4nd";

/** The fields of deno's metadata JSON that say how the binary runs. */
export interface DenoMetadata {
  argv: string[];
  permissions: Record<string, unknown>;
  entrypoint_key: string;
  unsafely_ignore_certificate_errors: string[] | null;
  app_version?: string;
  [field: string]: unknown;
}

/** A deno-compiled Windows executable, read back. */
export interface CompiledWindowsBinary {
  /** From the PE optional header: IMAGE_SUBSYSTEM_WINDOWS_CUI or _GUI. */
  subsystem: number;
  metadata: DenoMetadata;
  /** The npm packages deno resolved for the program, as "name@version". */
  npmPackages: string[];
  /** Every embedded file by its path inside the binary ("main.ts", "lib/http/parser.ts"). */
  files: Map<string, Uint8Array>;
}

export function readCompiledWindowsBinary(exe: Uint8Array): CompiledWindowsBinary {
  const image = readPeImage(exe);
  const payload = readRcDataResource(exe, image, DENO_RESOURCE_NAME);
  return { subsystem: image.subsystem, ...readDenoPayload(payload) };
}

interface PeSection {
  virtualAddress: number;
  virtualSize: number;
  rawSize: number;
  rawOffset: number;
}

interface PeImage {
  subsystem: number;
  sections: PeSection[];
  /** RVA of the resource directory (data directory 2). */
  resourceRva: number;
}

/** PE/COFF: the headers this reader needs, from the offsets in Microsoft's PE format spec. */
function readPeImage(exe: Uint8Array): PeImage {
  const view = viewOf(exe);
  if (exe.length < 0x40 || view.getUint16(0, true) !== 0x5a4d) fail("no MZ header");
  const pe = view.getUint32(0x3c, true);
  if (view.getUint32(pe, true) !== 0x00004550) fail("no PE signature");
  const sectionCount = view.getUint16(pe + 6, true);
  const optionalHeaderSize = view.getUint16(pe + 20, true);
  const optional = pe + 24;
  const magic = view.getUint16(optional, true);
  // The data directories start later in PE32+ (64-bit) headers: ImageBase is 8 bytes there.
  const dataDirectories = magic === 0x20b ? optional + 112 : optional + 96;
  const sections: PeSection[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const header = optional + optionalHeaderSize + 40 * i;
    sections.push({
      virtualSize: view.getUint32(header + 8, true),
      virtualAddress: view.getUint32(header + 12, true),
      rawSize: view.getUint32(header + 16, true),
      rawOffset: view.getUint32(header + 20, true),
    });
  }
  return {
    subsystem: view.getUint16(optional + 68, true),
    sections,
    resourceRva: view.getUint32(dataDirectories + 2 * 8, true),
  };
}

const RT_RCDATA = 10;

/** The data of the first language of the RT_RCDATA resource with this name. */
function readRcDataResource(exe: Uint8Array, image: PeImage, name: string): Uint8Array {
  const view = viewOf(exe);
  const base = fileOffset(image, image.resourceRva);
  const byType = findEntry(view, base, base, (entry) => entry.id === RT_RCDATA);
  const byName = findEntry(view, base, base + byType, (entry) => entry.name === name);
  const byLanguage = findEntry(view, base, base + byName, () => true);
  const dataEntry = base + byLanguage;
  const offset = fileOffset(image, view.getUint32(dataEntry, true));
  return exe.subarray(offset, offset + view.getUint32(dataEntry + 4, true));
}

interface ResourceEntry {
  id: number | null;
  name: string | null;
}

/**
 * Searches one IMAGE_RESOURCE_DIRECTORY (16-byte header, named entries then ID entries, 8
 * bytes each) and returns the matching entry's target, relative to the resource root.
 */
function findEntry(
  view: DataView,
  root: number,
  directory: number,
  matches: (entry: ResourceEntry) => boolean,
): number {
  const count = view.getUint16(directory + 12, true) + view.getUint16(directory + 14, true);
  for (let i = 0; i < count; i++) {
    const entry = directory + 16 + 8 * i;
    const nameField = view.getUint32(entry, true);
    // High bit set: the low bits point at a length-prefixed UTF-16 string.
    const isNamed = (nameField & 0x80000000) !== 0;
    const candidate = isNamed
      ? { id: null, name: readResourceString(view, root + (nameField & 0x7fffffff)) }
      : { id: nameField, name: null };
    if (matches(candidate)) return view.getUint32(entry + 4, true) & 0x7fffffff;
  }
  fail("resource not found");
}

function readResourceString(view: DataView, at: number): string {
  const length = view.getUint16(at, true);
  return new TextDecoder("utf-16le").decode(
    new Uint8Array(view.buffer, view.byteOffset + at + 2, 2 * length),
  );
}

function fileOffset(image: PeImage, rva: number): number {
  const section = image.sections.find((s) =>
    rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize)
  );
  if (section === undefined) fail(`RVA 0x${rva.toString(16)} is in no section`);
  return section.rawOffset + rva - section.virtualAddress;
}

type VfsEntry =
  | { Dir: { n: string; e: VfsEntry[] } }
  | { File: { n: string; o: [number, number] } };

/** The program section, laid out as in the module comment. */
function readDenoPayload(payload: Uint8Array): Omit<CompiledWindowsBinary, "subsystem"> {
  const reader = new ByteReader(payload);
  reader.expectMagic();
  const metadata = JSON.parse(reader.text(reader.u64())) as DenoMetadata;
  const npmPackages = readNpmPackageIds(reader.bytes(reader.u64()));
  for (const store of ["specifiers", "redirects", "remote modules"]) {
    const count = reader.u32();
    if (count !== 0) {
      throw new Error(`${count} ${store} embedded, but zhttp imports no remote modules`);
    }
  }
  const tree = JSON.parse(reader.text(reader.u64())) as VfsEntry[];
  const data = reader.bytes(reader.u64());
  reader.expectMagic();
  if (!reader.atEnd) fail("bytes after the closing magic");
  const files = new Map<string, Uint8Array>();
  collectFiles(tree, "", data, files);
  return { metadata, npmPackages, files };
}

/** The npm snapshot starts with its package ids; the dependency graph after them is skipped. */
function readNpmPackageIds(snapshot: Uint8Array): string[] {
  if (snapshot.length === 0) return [];
  const reader = new ByteReader(snapshot);
  return Array.from({ length: reader.u32() }, () => reader.text(reader.u32()));
}

function collectFiles(
  entries: VfsEntry[],
  prefix: string,
  data: Uint8Array,
  files: Map<string, Uint8Array>,
): void {
  for (const entry of entries) {
    if ("Dir" in entry) {
      collectFiles(entry.Dir.e, `${prefix}${entry.Dir.n}/`, data, files);
    } else if ("File" in entry) {
      const [offset, length] = entry.File.o;
      files.set(`${prefix}${entry.File.n}`, data.subarray(offset, offset + length));
    } else {
      fail(`unexpected embedded entry ${JSON.stringify(Object.keys(entry))} under "${prefix}"`);
    }
  }
}

class ByteReader {
  #view: DataView;
  #bytes: Uint8Array;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = viewOf(bytes);
  }

  get atEnd(): boolean {
    return this.#at === this.#bytes.length;
  }

  u32(): number {
    return this.#view.getUint32(this.#take(4), true);
  }

  u64(): number {
    return Number(this.#view.getBigUint64(this.#take(8), true));
  }

  bytes(length: number): Uint8Array {
    const start = this.#take(length);
    return this.#bytes.subarray(start, start + length);
  }

  text(length: number): string {
    return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes(length));
  }

  expectMagic(): void {
    const at = this.#at;
    if (this.text(DENO_MAGIC.length) !== DENO_MAGIC) fail(`no "${DENO_MAGIC}" at byte ${at}`);
  }

  #take(length: number): number {
    const start = this.#at;
    if (start + length > this.#bytes.length) {
      fail(`program section ends before byte ${start + length}`);
    }
    this.#at += length;
    return start;
  }
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fail(reason: string): never {
  throw new Error(`not a deno-compiled Windows executable: ${reason}`);
}
