/**
 * zhttp under the real deno.exe (Wine) against hostile URL paths, where Windows path rules
 * are real: backslashes separate, drive letters and `\\?\` prefixes reach other folders,
 * names are case-insensitive, trailing dots and spaces are dropped, and device names open
 * the console. The whole shared table (tests/fixtures/hostile_paths.json) must answer as
 * the Windows rules say (names such as `aux.js` or `What?.txt`, ordinary on Linux, are
 * refused here), and the Windows-only probes below must neither leak a secret nor hang.
 *
 * Run by scripts/windows-e2e.sh (root, Wine test bed), not by `deno task test`.
 */
import assert from "node:assert/strict";
import { hostileRows } from "../support/hostile_paths.ts";
import {
  createFixtureSite,
  HELLO_TEXT,
  INDEX_HTML,
  NOT_FOUND_HTML,
  ZHTTP_JSON_TEXT,
} from "./fixture_site.ts";
import { assertNothingLeaked, SCHEMES, startZhttpOnWindows } from "./zhttp_on_windows.ts";

interface Probe {
  path: string;
  status: number;
  why: string;
  /** The body expected with a 200. */
  body?: string;
}

/** Paths that reach outside C:\site on Windows unless refused. */
const ESCAPES: readonly Probe[] = [
  { path: "/..%5csecret", status: 403, why: "..\\secret: the root's sibling" },
  { path: "/..%5csecret%5csecret.txt", status: 403, why: "..\\secret\\secret.txt" },
  { path: "/..%5c..%5csecret%5csecret.txt", status: 403, why: "two levels up" },
  { path: "/%2e%2e%5csecret%5csecret.txt", status: 403, why: "encoded dots, backslash" },
  { path: "/%5csecret%5csecret.txt", status: 403, why: "drive-rooted \\secret\\secret.txt" },
  { path: "/secret%5csecret.txt", status: 403, why: "backslash inside the root" },
  {
    path: "/%5c%5c?%5cC:%5csecret%5csecret.txt",
    status: 403,
    why: "Win32 file namespace \\\\?\\C:\\secret\\secret.txt",
  },
  {
    path: "/%5c%5c.%5cC:%5csecret%5csecret.txt",
    status: 403,
    why: "Win32 device namespace \\\\.\\C:\\secret\\secret.txt",
  },
  {
    path: "/%5c%5clocalhost%5cC$%5csecret%5csecret.txt",
    status: 403,
    why: "UNC administrative share \\\\localhost\\C$",
  },
  { path: "/C:%5csecret%5csecret.txt", status: 403, why: "absolute C:\\secret\\secret.txt" },
  { path: "/C:/secret/secret.txt", status: 403, why: "drive letter with slashes" },
  { path: "/c:/secret/secret.txt", status: 403, why: "lower-case drive letter" },
  { path: "//C:/secret/secret.txt", status: 403, why: "empty segment, then a drive" },
  { path: "/C:..%5csecret%5csecret.txt", status: 403, why: "drive-relative C:..\\secret" },
  { path: "/..%5czhttp%5ce2e-secret%5csecret.txt", status: 403, why: "beside the program" },
  {
    path: "/C:%5czhttp%5ce2e-secret%5csecret.txt",
    status: 403,
    why: "absolute path beside the program",
  },
  { path: "/C:/zhttp/main.ts", status: 403, why: "the program's own source" },
  { path: "/..%5c..%5cWindows%5cwin.ini", status: 403, why: "the system folder" },
  { path: "/escape.txt", status: 404, why: "a link whose real path is C:\\secret\\secret.txt" },
  { path: "/ESCAPE.TXT", status: 404, why: "the same link in another case" },
  { path: "/escape-dir/secret.txt", status: 404, why: "through a linked folder outside" },
  { path: "/escape-dir/", status: 404, why: "a linked folder outside is not listed" },
];

/** Other spellings of names inside the root: served as themselves, or refused. */
const ALIASES: readonly Probe[] = [
  {
    path: "/INDEX.HTML",
    status: 200,
    body: INDEX_HTML,
    why: "NTFS is case-insensitive: the same file, inside the root, so serving it is right",
  },
  { path: "/Hello.TXT", status: 200, body: HELLO_TEXT, why: "case-insensitive again" },
  { path: "/index.html.", status: 403, why: "Win32 drops the trailing dot: index.html" },
  { path: "/index.html%20", status: 403, why: "Win32 drops the trailing space" },
  { path: "/index.html.%20.", status: 403, why: "dots and spaces mixed" },
  { path: "/index.html::$DATA", status: 403, why: "the default NTFS data stream" },
  { path: "/INDEX~1.HTM", status: 403, why: "8.3 short name" },
  { path: "/.git/config", status: 404, why: "a real .git/config, hidden" },
  { path: "/.GIT/config", status: 404, why: ".GIT is .git on NTFS: hidden all the same" },
  { path: "/.Git/CONFIG", status: 404, why: "mixed case" },
  { path: "/.git./config", status: 403, why: "trailing dot: .git on Windows" },
  { path: "/.git%20/config", status: 403, why: "trailing space: .git on Windows" },
  { path: "/GIT~1/config", status: 403, why: "8.3 short name of .git" },
  { path: "/.ENV", status: 404, why: ".env in another case" },
  { path: "/.env::$DATA", status: 403, why: "stream of .env" },
  { path: "/zhttp.json", status: 404, why: "zhttp's own settings, inside the root" },
  { path: "/ZHTTP.JSON", status: 404, why: "hidden case-insensitively on Windows" },
  { path: "/Zhttp.Json", status: 404, why: "mixed case" },
  { path: "/zhttp.json.", status: 403, why: "trailing dot alias of zhttp.json" },
  { path: "/zhttp.json%20", status: 403, why: "trailing space alias of zhttp.json" },
  { path: "/zhttp.json::$DATA", status: 403, why: "stream alias of zhttp.json" },
  { path: "/ZHTTP~1.JSO", status: 403, why: "8.3 alias of zhttp.json" },
];

/**
 * Device names, several of them real files in the root. Deno.open of `C:\site\con.txt`
 * opens the console and blocks until someone types, which would stall every connection:
 * each refusal is followed by a normal request on a new connection.
 */
const DEVICES: readonly Probe[] = [
  { path: "/NUL", status: 403, why: "the null device" },
  { path: "/con.txt", status: 403, why: "the console, though con.txt exists on disk" },
  { path: "/aux.html", status: 403, why: "AUX, though aux.html exists on disk" },
  { path: "/com1", status: 403, why: "a serial port" },
  { path: "/CON", status: 403, why: "the console" },
  { path: "/nul.txt", status: 403, why: "NUL with an extension" },
  { path: "/prn", status: 403, why: "the printer" },
  { path: "/LPT1.log", status: 403, why: "a printer port with an extension" },
  { path: "/CONIN$", status: 403, why: "console input" },
  { path: "/conout$", status: 403, why: "console output" },
  { path: "/con%20.txt", status: 403, why: "space before the extension" },
  { path: "/docs/con.txt", status: 403, why: "the console in a subfolder" },
  { path: "/docs/aux.html", status: 403, why: "AUX in a subfolder" },
  { path: "/con/hello.txt", status: 403, why: "a device as a folder" },
];

for (const scheme of SCHEMES) {
  Deno.test(
    scheme.name("main.ts on Windows refuses hostile paths, leaks nothing and never hangs"),
    async (t) => {
      await using site = await createFixtureSite();
      await using zhttp = await startZhttpOnWindows(site, scheme);
      const secrets = [site.secretToken, ZHTTP_JSON_TEXT.trim()];

      const check = async (probe: Probe): Promise<void> => {
        const response = await zhttp.request(probe.path);
        assert.equal(response.status, probe.status);
        if (probe.status === 404) assert.equal(response.text(), NOT_FOUND_HTML);
        if (probe.body !== undefined) assert.equal(response.text(), probe.body);
        assertNothingLeaked(response, secrets);
      };

      await t.step("the shared hostile-path table", async (t) => {
        for (const row of hostileRows("windows")) {
          const { status } = row;
          // Windows refuses every row of the table (none is "allowed" under its rules).
          assert.notEqual(status, "allowed", row.path);
          await t.step(
            `GET ${JSON.stringify(row.path)} answers ${status} (${row.why})`,
            () => check({ ...row, status: status as number }),
          );
        }
      });

      for (const [group, probes] of [["escapes", ESCAPES], ["aliases", ALIASES]] as const) {
        await t.step(`Windows ${group}`, async (t) => {
          for (const probe of probes) {
            await t.step(
              `GET ${probe.path} answers ${probe.status} (${probe.why})`,
              () => check(probe),
            );
          }
        });
      }

      await t.step("Windows device names", async (t) => {
        for (const probe of DEVICES) {
          await t.step(
            `GET ${probe.path} answers 403, then /hello.txt still 200 (${probe.why})`,
            async () => {
              await check(probe);
              const next = await zhttp.request("/hello.txt");
              assert.equal(next.status, 200);
              assert.equal(next.text(), HELLO_TEXT);
            },
          );
        }
      });
    },
  );
}
