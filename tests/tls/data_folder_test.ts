/**
 * dataFolder(): where the certificates zhttp makes are kept, from the OS and environment
 * variables as they come (a fake environment, so every OS's rule runs on any OS).
 */
import assert from "node:assert/strict";
import { dataFolder, dataFolderEnvVars } from "../../lib/tls/data_folder.ts";
import { DataFolderError } from "../../lib/tls/errors.ts";

const cases: {
  name: string;
  os: typeof Deno.build.os;
  env: Record<string, string>;
  folder: string;
}[] = [
  {
    name: "Windows uses %LOCALAPPDATA%\\zhttp",
    os: "windows",
    env: { LOCALAPPDATA: "C:\\Users\\Ann\\AppData\\Local", USERPROFILE: "C:\\Users\\Ann" },
    folder: "C:\\Users\\Ann\\AppData\\Local\\zhttp",
  },
  {
    name: "Windows falls back to the profile's AppData\\Local without LOCALAPPDATA",
    os: "windows",
    env: { USERPROFILE: "D:\\Profiles\\ann" },
    folder: "D:\\Profiles\\ann\\AppData\\Local\\zhttp",
  },
  {
    name: "Windows ignores a relative LOCALAPPDATA",
    os: "windows",
    env: { LOCALAPPDATA: "AppData\\Local", USERPROFILE: "C:\\Users\\Ann" },
    folder: "C:\\Users\\Ann\\AppData\\Local\\zhttp",
  },
  {
    name: "Windows does not read HOME or XDG_DATA_HOME",
    os: "windows",
    env: { LOCALAPPDATA: "C:\\L", HOME: "C:\\msys\\home\\ann", XDG_DATA_HOME: "C:\\xdg" },
    folder: "C:\\L\\zhttp",
  },
  {
    name: "Linux uses $XDG_DATA_HOME/zhttp",
    os: "linux",
    env: { XDG_DATA_HOME: "/data/ann", HOME: "/home/ann" },
    folder: "/data/ann/zhttp",
  },
  {
    name: "Linux falls back to ~/.local/share/zhttp",
    os: "linux",
    env: { HOME: "/home/ann" },
    folder: "/home/ann/.local/share/zhttp",
  },
  {
    name: "Linux ignores an empty XDG_DATA_HOME",
    os: "linux",
    env: { XDG_DATA_HOME: "", HOME: "/home/ann" },
    folder: "/home/ann/.local/share/zhttp",
  },
  {
    name: "Linux ignores a relative XDG_DATA_HOME, as the XDG specification says",
    os: "linux",
    env: { XDG_DATA_HOME: "data", HOME: "/home/ann" },
    folder: "/home/ann/.local/share/zhttp",
  },
  {
    name: "FreeBSD follows the XDG rule too",
    os: "freebsd",
    env: { HOME: "/usr/home/ann" },
    folder: "/usr/home/ann/.local/share/zhttp",
  },
  {
    name: "macOS uses ~/Library/Application Support/zhttp",
    os: "darwin",
    env: { HOME: "/Users/ann" },
    folder: "/Users/ann/Library/Application Support/zhttp",
  },
  {
    name: "macOS ignores XDG_DATA_HOME",
    os: "darwin",
    env: { HOME: "/Users/ann", XDG_DATA_HOME: "/Users/ann/.local/share" },
    folder: "/Users/ann/Library/Application Support/zhttp",
  },
];

for (const { name, os, env, folder } of cases) {
  Deno.test(`dataFolder() ${name}`, () => {
    assert.equal(dataFolder(os, (variable) => env[variable]), folder);
  });
}

const failures: {
  os: typeof Deno.build.os;
  env: Record<string, string>;
  message: RegExp;
}[] = [
  { os: "windows", env: {}, message: /LOCALAPPDATA nor USERPROFILE/ },
  { os: "linux", env: {}, message: /HOME is not set/ },
  { os: "linux", env: { HOME: "relative/home" }, message: /HOME is not set to a full path/ },
  { os: "darwin", env: { XDG_DATA_HOME: "/x" }, message: /HOME is not set/ },
];

for (const { os, env, message } of failures) {
  Deno.test(`dataFolder() on ${os} with ${JSON.stringify(env)} is one sentence`, () => {
    assert.throws(() => dataFolder(os, (variable) => env[variable]), (error: unknown) => {
      assert.ok(error instanceof DataFolderError);
      assert.match(error.message, message);
      assert.match(error.message, /^[^\n]+\.$/);
      return true;
    });
  });
}

Deno.test("dataFolderEnvVars() lists every variable dataFolder() reads", () => {
  for (const os of ["windows", "linux", "darwin"] as const) {
    const read = new Set<string>();
    try {
      dataFolder(os, (variable) => {
        read.add(variable);
        return undefined;
      });
    } catch {
      // With nothing set every variable is tried before it gives up.
    }
    assert.deepEqual([...read].sort(), dataFolderEnvVars(os).sort(), os);
  }
});
