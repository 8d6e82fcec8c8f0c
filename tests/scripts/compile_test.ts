/**
 * `deno task compile`, verified offline. This machine cannot download denort, but with
 * DENORT_BIN set to the official Windows deno.exe (npm `@deno/win32-x64`) `deno compile`
 * completes, and what it embedded can be read back from the .exe: the permissions, the PE
 * subsystem, and every module. The result does not run as zhttp (only denort reads the
 * program), so this checks the build, not the binary's behaviour.
 *
 * The deno.exe is fetched once with `npm pack` and cached in /var/tmp/zhttp-denort
 * (ZHTTP_DENORT_CACHE). The npm registry must be reachable the first time: if it is not, the
 * test fails and says so.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  denoCompileArgs,
  INCLUDED_MODULES,
  isRuntimeDownloadFailure,
  parseCompileArgs,
  RUNTIME_DOWNLOAD_FAILED,
  standInProblem,
  type Target,
  TARGETS,
  UsageError,
} from "../../scripts/compile/build.ts";
import {
  IMAGE_SUBSYSTEM_WINDOWS_CUI,
  readCompiledWindowsBinary,
} from "../../scripts/compile/payload.ts";
import { serverPermissions } from "../../scripts/permissions.ts";
import { V8_FLAGS, V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";
import { VERSION } from "../../lib/cli/version.ts";
import { type Ran, run } from "../support/programs.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The same package and pin as scripts/windows/setup.sh: a changed tarball fails loudly. */
const STAND_IN_VERSION = "2.9.6";
const STAND_IN_PACKAGE = `@deno/win32-x64@${STAND_IN_VERSION}`;
const STAND_IN_INTEGRITY =
  "sha512-qRGnmVz/Ea6UWPht/S3xFRK17UZ/ls38DSVfgGB17fpASLxPkksqzWUI/BzL9YYoOknYzfc94mySGyInZu/JXw==";
const STAND_IN_CACHE = Deno.env.get("ZHTTP_DENORT_CACHE") ?? "/var/tmp/zhttp-denort";

/** Where deno 2.9 puts managed npm packages inside the binary: `<root>/<name>/<version>/…`. */
const NPM_ROOT_IN_BINARY = ".deno_compile_node_modules/localhost";

/**
 * Deno's defaults for what a flag does not mention, as it stores them in the binary (its
 * PermissionsOptions): null is "not granted", and prompts are on.
 */
const DENO_PERMISSION_DEFAULTS = {
  allow_env: null,
  deny_env: null,
  ignore_env: null,
  allow_net: null,
  deny_net: null,
  allow_ffi: null,
  deny_ffi: null,
  allow_read: null,
  deny_read: null,
  ignore_read: null,
  allow_run: null,
  deny_run: null,
  allow_sys: null,
  deny_sys: null,
  allow_write: null,
  deny_write: null,
  // Deno grants these hosts to every program unless told otherwise; not ours. A compiled
  // binary loads only the modules embedded in it, so they give it nothing to import.
  allow_import: [
    "jsr.io:443",
    "deno.land:443",
    "esm.sh:443",
    "raw.esm.sh:443",
    "cdn.jsdelivr.net:443",
    "raw.githubusercontent.com:443",
    "gist.githubusercontent.com:443",
  ],
  deny_import: null,
  prompt: true,
};

/**
 * Command-line permission flags → deno's stored form: `--allow-net` is `allow_net: []` (no
 * list: everything), `--allow-sys=a,b` is `allow_sys: ["a", "b"]`, `--no-prompt` is
 * `prompt: false`. Throws on a flag it was not taught, so a new kind of flag in
 * SERVER_PERMISSIONS gets its mapping written here before the test can pass.
 */
function asDenoStoresThem(flags: readonly string[]): Record<string, unknown> {
  const stored: Record<string, unknown> = { ...DENO_PERMISSION_DEFAULTS };
  for (const flag of flags) {
    if (flag === "--no-prompt") {
      stored.prompt = false;
      continue;
    }
    const match = /^--allow-(net|read|sys|run|env|write|ffi)(?:=(.+))?$/.exec(flag);
    if (match === null) throw new Error(`no stored form known for ${flag}`);
    const [, kind, list] = match;
    stored[`allow_${kind}`] = list === undefined ? [] : list.split(",");
  }
  return stored;
}

Deno.test("compile: the Windows binary has exactly the Windows permissions, a console and every module main.ts needs", async (t) => {
  const standIn = await standInDenoExe();
  const outDir = await Deno.makeTempDir({ prefix: "zhttp-compile-" });
  try {
    const run = await runCompileTask(["--target", "windows", "--out-dir", outDir], standIn);
    assert.equal(run.code, 0, `deno task compile failed:\n${run.stdout}${run.stderr}`);
    const exePath = join(outDir, TARGETS.windows.fileName);
    const exe = await Deno.readFile(exePath);
    const binary = readCompiledWindowsBinary(exe);
    const graph = await moduleGraphOfBinary();

    await t.step('permissions are exactly serverPermissions("windows"), prompts off', () => {
      assert.deepEqual(
        binary.metadata.permissions,
        asDenoStoresThem([...serverPermissions("windows"), "--no-prompt"]),
      );
      assert.equal(binary.metadata.permissions.prompt, false);
    });

    await t.step("the PE subsystem is the console (CUI), so a double-click opens one", () => {
      assert.equal(binary.subsystem, IMAGE_SUBSYSTEM_WINDOWS_CUI);
    });

    await t.step("runs main.ts with the user's arguments only, and this version", () => {
      assert.equal(binary.metadata.entrypoint_key, "main.ts");
      assert.deepEqual(binary.metadata.argv, []);
      assert.equal(binary.metadata.unsafely_ignore_certificate_errors, null);
      assert.equal(binary.metadata.app_version, VERSION);
    });

    await t.step("runs with V8_FLAGS, as deno task start does", () => {
      // deno compile stores its own defaults first; ours come last, as given.
      const stored = binary.metadata.v8_flags;
      assert.ok(Array.isArray(stored), "v8_flags is a list");
      assert.deepEqual(stored.slice(-V8_FLAGS.length), V8_FLAGS);
    });

    await t.step(
      "embeds main.ts, deno.json, the compression worker and every lib module they reach, as on disk",
      async () => {
        assert.ok(graph.localFiles.includes("main.ts") && graph.localFiles.includes("deno.json"));
        for (const module of INCLUDED_MODULES) assert.ok(graph.localFiles.includes(module));
        assert.ok(graph.localFiles.filter((path) => path.startsWith("lib/")).length > 10);
        for (const path of graph.localFiles) {
          const embedded = binary.files.get(path);
          assert.ok(embedded !== undefined, `${path} is not embedded`);
          assert.deepEqual(embedded, await Deno.readFile(join(REPO_ROOT, path)), path);
        }
        // Nothing else of ours: not static/ (the binary serves the folder it starts in), not
        // tests/ or scripts/.
        const ours = [...binary.files.keys()].filter((path) =>
          !path.startsWith(NPM_ROOT_IN_BINARY)
        );
        assert.deepEqual(ours.sort(), [...graph.localFiles].sort());
      },
    );

    await t.step(
      "embeds the packages main.ts reaches, whole, and no test-only package",
      async () => {
        // LogTape, mime and qr; @peculiar/x509 and what it stands on, for the certificates of
        // --https (imported on demand, embedded all the same).
        assert.deepEqual(graph.npmPackages.map((pkg) => pkg.name).sort(), [
          "@logtape/logtape",
          "@peculiar/asn1-asym-key",
          "@peculiar/asn1-cms",
          "@peculiar/asn1-csr",
          "@peculiar/asn1-ecc",
          "@peculiar/asn1-pfx",
          "@peculiar/asn1-pkcs8",
          "@peculiar/asn1-pkcs9",
          "@peculiar/asn1-rsa",
          "@peculiar/asn1-schema",
          "@peculiar/asn1-x509",
          "@peculiar/asn1-x509-attr",
          "@peculiar/asn1-x509-post-quantum",
          "@peculiar/utils",
          "@peculiar/x509",
          "asn1js",
          "mime",
          "pvtsutils",
          "pvutils",
          "qr",
          "reflect-metadata",
          "tslib",
          "tslib",
          "tsyringe",
        ]);
        assert.deepEqual(
          [...binary.npmPackages].sort(),
          graph.npmPackages.map((pkg) => `${pkg.name}@${pkg.version}`).sort(),
        );
        const packageDirs = graph.npmPackages.map((pkg) =>
          `${NPM_ROOT_IN_BINARY}/${pkg.name}/${pkg.version}/`
        );
        for (const path of binary.files.keys()) {
          if (!path.startsWith(NPM_ROOT_IN_BINARY)) continue;
          assert.ok(packageDirs.some((dir) => path.startsWith(dir)), `${path} is not needed`);
        }
        for (const pkg of graph.npmPackages) {
          const inBinary = `${NPM_ROOT_IN_BINARY}/${pkg.name}/${pkg.version}`;
          for await (const path of filesUnder(pkg.localPath)) {
            const embedded = binary.files.get(`${inBinary}/${relative(pkg.localPath, path)}`);
            assert.ok(embedded !== undefined, `${inBinary}: ${path} is not embedded`);
            assert.deepEqual(embedded, await Deno.readFile(path), path);
          }
        }
      },
    );

    await t.step("the printout gives the path, size and SHA-256, and says STAND-IN", async () => {
      const sha256 = Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", exe)),
        (byte) => byte.toString(16).padStart(2, "0"),
      ).join("");
      assert.ok(run.stdout.includes(`${exePath}\n  size    ${exe.length} bytes`), run.stdout);
      assert.ok(run.stdout.includes(`  sha256  ${sha256}\n`), run.stdout);
      assert.ok(
        run.stdout.includes(`STAND-IN, not a release: built with a stand-in runtime base`),
        run.stdout,
      );
    });

    await t.step(
      "readCompiledWindowsBinary() finds no program in the bare runtime base",
      async () => {
        const bare = await Deno.readFile(standIn);
        assert.throws(
          () => readCompiledWindowsBinary(bare),
          /not a deno-compiled Windows executable: resource not found/,
        );
      },
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("compile: without DENORT_BIN on an offline machine, one sentence and exit code 1", async (t) => {
  const outDir = await Deno.makeTempDir({ prefix: "zhttp-compile-offline-" });
  try {
    const run = await runCompileTask(["--out-dir", outDir], null);
    if (run.code === 0) {
      console.log(
        "compile: this machine downloaded denort (it has internet access, or deno had it " +
          "cached), so the offline failure could not be checked here",
      );
    }
    await t.step({
      name: "prints only the sentence on stderr, exits 1 and leaves no binary",
      ignore: run.code === 0,
      fn: async () => {
        assert.equal(run.stderr, `${RUNTIME_DOWNLOAD_FAILED}\n`);
        assert.equal(run.code, 1);
        assert.deepEqual(await Array.fromAsync(Deno.readDir(outDir)), []);
      },
    });
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("parseCompileArgs() reads --target and --out-dir, and refuses anything else", () => {
  const { windows, linux } = TARGETS;
  const cases: [string[], ReturnType<typeof parseCompileArgs> | RegExp][] = [
    [[], { targets: [windows, linux], outDir: null }],
    [["--target", "windows"], { targets: [windows], outDir: null }],
    [["--target=linux", "--out-dir", "out"], { targets: [linux], outDir: "out" }],
    [["--help"], "help"],
    [["-h"], "help"],
    [["--target", "mac"], /--target must be windows or linux, not "mac"/],
    [["--target"], /--target/],
    [["--out-dir="], /--out-dir needs a folder/],
    [["--no-terminal"], /--no-terminal/],
    [["dist"], /dist/],
  ];
  for (const [args, expected] of cases) {
    if (expected instanceof RegExp) {
      assert.throws(() => parseCompileArgs(args), (error: Error) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.match(error.message, expected);
        return true;
      });
    } else {
      assert.deepEqual(parseCompileArgs(args), expected, args.join(" "));
    }
  }
});

Deno.test("denoCompileArgs() passes the target OS permissions, V8 flags and --no-prompt, keeps the console", () => {
  for (const target of Object.values(TARGETS)) {
    const args = denoCompileArgs(target, `/out/${target.fileName}`);
    assert.equal(args[0], "compile");
    assert.equal(args.at(-1), "main.ts");
    assert.ok(args.includes("--no-prompt"));
    for (const flag of serverPermissions(target.name)) assert.ok(args.includes(flag), flag);
    assert.ok(args.includes(V8_FLAGS_ARG));
    assert.equal(args[args.indexOf("--target") + 1], target.triple);
    assert.equal(args[args.indexOf("--output") + 1], `/out/${target.fileName}`);
    assert.ok(!args.includes("--no-terminal"));
    for (const module of INCLUDED_MODULES) {
      assert.equal(args[args.indexOf(module) - 1], "--include", module);
    }
    assert.ok(!args.some((arg) => arg.startsWith("--allow-all") || arg === "-A"));
  }
});

Deno.test("isRuntimeDownloadFailure() recognises deno's failed denort download only", () => {
  // deno 2.9.6's stderr, captured on this machine (colours off).
  const cases: [string, boolean][] = [
    [
      `Compile main.ts to dist/zhttp.exe
Download https://dl.deno.land/release/v2.9.6/denort-x86_64-pc-windows-msvc.zip
error: Writing deno compile executable to temporary file 'dist/zhttp.exe.tmp-957d5d98e0ae9757'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-pc-windows-msvc.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known
    2: client error (Connect)
    3: dns error
    4: failed to lookup address information: Name or service not known

Stack backtrace:
   0: <unknown>`,
      true,
    ],
    [
      `Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip
error: Writing deno compile executable to temporary file '/tmp/p1.tmp-bbfca328a45e3639'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): tcp connect error: Connection refused (os error 111)
    2: client error (Connect)
    3: tcp connect error
    4: Connection refused (os error 111)`,
      true,
    ],
    [
      `TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.
const x: number = "a";
      ^
    at file:///tmp/bad.ts:1:7

error: Type checking failed.`,
      false,
    ],
    [
      `Compile main.ts to dist/zhttp.exe
error: Writing deno compile executable to temporary file 'dist/zhttp.exe.tmp-30dfa2847e2d77ba'

Caused by:
    0: Could not find denort at '/tmp/nonexist'
    1: No such file or directory (os error 2)`,
      false,
    ],
  ];
  for (const [stderr, expected] of cases) {
    assert.equal(isRuntimeDownloadFailure(stderr), expected, stderr.split("\n").at(-1));
  }
});

Deno.test("standInProblem() refuses a DENORT_BIN that cannot be the base of the build", () => {
  const exe = new Uint8Array([0x4d, 0x5a, 0x90, 0x00]);
  const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46]);
  const script = new TextEncoder().encode("#!/b");
  const { windows, linux } = TARGETS;
  const cases: [Uint8Array | null, Target[], RegExp | null][] = [
    [exe, [windows], null],
    [elf, [linux], null],
    [exe, [linux], /is a windows executable, which cannot be the base of the linux binary/],
    [elf, [windows], /is a linux executable, which cannot be the base of the windows binary/],
    [exe, [windows, linux], /one runtime base \(a windows executable\), so pass --target windows/],
    [script, [linux], /neither a Windows nor a Linux executable/],
    [new Uint8Array(0), [linux], /neither a Windows nor a Linux executable/],
    [null, [windows], /cannot be read/],
  ];
  for (const [head, targets, expected] of cases) {
    const problem = standInProblem("/opt/denort", head, targets);
    if (expected === null) assert.equal(problem, null);
    else assert.match(problem ?? "", expected);
  }
});

/** The official Windows deno.exe, from the npm registry once, then from the cache. */
async function standInDenoExe(): Promise<string> {
  const cached = join(STAND_IN_CACHE, `deno-win32-x64-${STAND_IN_VERSION}`);
  const exe = join(cached, "deno.exe");
  if (await isFile(exe)) return exe;
  await Deno.mkdir(STAND_IN_CACHE, { recursive: true });
  // Built aside and renamed into place, so a half-extracted deno.exe is never taken as done.
  const partial = await Deno.makeTempDir({ dir: STAND_IN_CACHE, prefix: ".partial-" });
  try {
    // One retry, not npm's default two with up to a minute between: an unreachable registry
    // should fail the test in seconds.
    const packed = await run("npm", ["pack", "--json", "--fetch-retries=1", STAND_IN_PACKAGE], {
      cwd: partial,
    });
    if (packed.code !== 0) {
      throw new Error(
        `npm pack ${STAND_IN_PACKAGE} failed, so there is no stand-in runtime base to compile ` +
          `with; is the npm registry reachable?\n${packed.stderr}`,
      );
    }
    const [{ filename, integrity }] = JSON.parse(packed.stdout);
    assert.equal(integrity, STAND_IN_INTEGRITY, `${STAND_IN_PACKAGE} is not the pinned tarball`);
    const extracted = await run("tar", ["-xzf", filename, "package/deno.exe"], { cwd: partial });
    assert.equal(extracted.code, 0, extracted.stderr);
    await Deno.rename(join(partial, "package", "deno.exe"), join(partial, "deno.exe"));
    await Deno.remove(join(partial, "package"), { recursive: true });
    await Deno.remove(join(partial, filename));
    await Deno.chmod(partial, 0o755);
    await Deno.rename(partial, cached).catch(async (error) => {
      // Another test run finished first: its copy is as good as ours.
      if (!(await isFile(exe))) throw error;
    });
  } finally {
    await Deno.remove(partial, { recursive: true }).catch(() => {});
  }
  return exe;
}

interface ModuleGraph {
  /** Repository files in the module graph, relative, with forward slashes. */
  localFiles: string[];
  /** npm packages the graph reaches, and their dependencies. */
  npmPackages: { name: string; version: string; localPath: string }[];
}

/**
 * The module graphs of main.ts and of the modules it loads by URL (INCLUDED_MODULES), as
 * `deno info` sees them: what the binary needs, found independently.
 */
async function moduleGraphOfBinary(): Promise<ModuleGraph> {
  const graphs = await Promise.all(["main.ts", ...INCLUDED_MODULES].map(moduleGraphOf));
  const npm = new Map(
    graphs.flatMap((graph) => graph.npmPackages).map((pkg) => [`${pkg.name}@${pkg.version}`, pkg]),
  );
  return {
    localFiles: [...new Set(graphs.flatMap((graph) => graph.localFiles))],
    npmPackages: [...npm.values()],
  };
}

/** One module's graph as `deno info` sees it. */
async function moduleGraphOf(entry: string): Promise<ModuleGraph> {
  const info = await run(Deno.execPath(), ["info", "--json", entry], { cwd: REPO_ROOT });
  assert.equal(info.code, 0, info.stderr);
  const graph = JSON.parse(info.stdout) as {
    modules: { kind?: string; specifier: string; npmPackage?: string }[];
    npmPackages: Record<
      string,
      { name: string; version: string; dependencies: string[]; localPath: string }
    >;
  };
  const localFiles = graph.modules
    .filter((module) => module.specifier.startsWith("file:"))
    .map((module) => relative(REPO_ROOT, fileURLToPath(module.specifier)).replaceAll("\\", "/"));
  // `npmPackages` lists the whole lockfile; the graph's npm modules say which ones main.ts uses.
  const reached = new Set<string>();
  const visit = (id: string) => {
    if (reached.has(id)) return;
    reached.add(id);
    graph.npmPackages[id].dependencies.forEach(visit);
  };
  for (const module of graph.modules) if (module.npmPackage) visit(module.npmPackage);
  return { localFiles, npmPackages: [...reached].map((id) => graph.npmPackages[id]) };
}

/** `deno task compile …` as a person runs it, with DENORT_BIN set to `denortBin` or unset. */
function runCompileTask(args: string[], denortBin: string | null): Promise<Ran> {
  const env = Deno.env.toObject();
  delete env.DENORT_BIN;
  if (denortBin !== null) env.DENORT_BIN = denortBin;
  return run(Deno.execPath(), ["task", "--quiet", "compile", ...args], {
    cwd: REPO_ROOT,
    env: { ...env, NO_COLOR: "1" },
    clearEnv: true,
  });
}

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* filesUnder(path);
    else yield path;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
