/**
 * The listing page in a real browser (headless Chromium), checking what a person sees:
 * nothing wraps or overflows on a desktop or a phone, the Size header sits over its
 * numbers, clicking a header sorts, the filter box hides rows, the breadcrumbs lead up,
 * and dark mode is dark. Skipped, saying so, where Chromium is not installed.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { Browser, CHROMIUM } from "../../support/chromium.ts";
import { skipWithout } from "../../support/programs.ts";
import { StaticSite } from "../../support/static_site.ts";

const skip = skipWithout(import.meta.url, [CHROMIUM]);

const LONG_NAME = "a very long file name that goes on and on and on to see what happens when " +
  "it has to wrap on a narrow screen.txt";

/** A name with no space to break at, which must still not widen the page. */
const UNBROKEN_NAME = `IMG_${"0123456789".repeat(8)}.png`;

const SIZES: Record<string, number> = {
  [UNBROKEN_NAME]: 1_048_576,
  "holiday photo 01.jpg": 3_481_002,
  "holiday photo 02.jpg": 301_288,
  "song.mp3": 7_340_032,
  "notes.txt": 812,
  "main.ts": 14_210,
  "backup.tar.gz": 52_428_800,
  [LONG_NAME]: 120,
  "R&D [draft] it's.md": 2_400,
};

async function demoSite(): Promise<StaticSite> {
  const site = await StaticSite.open({ "photos/": "", "music/": "", "photos/2026/": "" });
  let day = 1;
  for (const [name, size] of Object.entries(SIZES)) {
    const file = path.join(site.root, name);
    using handle = await Deno.open(file, { write: true, create: true });
    await handle.truncate(size);
    const at = new Date(Date.UTC(2026, 0, day++ * 3, 18, 55));
    await Deno.utime(file, at, at);
  }
  return site;
}

/** What a person sees of the table: each visible row's name, in order. */
const VISIBLE_NAMES = `[...document.querySelectorAll("tbody tr")]
  .filter((row) => row.offsetParent !== null)
  .map((row) => row.cells[0].textContent)`;

/** The exact sizes in bytes of the visible file rows (from the hover titles). */
const FILE_SIZES = `[...document.querySelectorAll("tbody tr:not(.d):not(.up) td:nth-child(2)")]
  .map((cell) => Number(cell.title.replace(/[^0-9]/g, "")))`;

/** True when nothing is wider than the window (no sideways scrolling). */
const FITS = `document.documentElement.scrollWidth <= window.innerWidth`;

/** How many lines the widest size and date cells take. */
const CELL_LINES = `Math.max(...[...document.querySelectorAll("tbody td:nth-child(n+2)")]
  .filter((cell) => cell.textContent !== "")
  .map((cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  }))`;

Deno.test({
  name: "listing page in Chromium: fits, sorts on a click, filters, leads up, goes dark",
  ignore: skip,
  async fn(t) {
    await using site = await demoSite();
    await using browser = await Browser.launch();
    const url = `http://127.0.0.1:${site.port}/`;

    await t.step("at 1280 px nothing wraps and the Size header sits over its numbers", async () => {
      await browser.resize(1280, 900);
      await browser.open(url);
      assert.equal(await browser.evaluate(FITS), true);
      assert.equal(await browser.evaluate(CELL_LINES), 1, "a size or a date broke over two lines");
      const edges = await browser.evaluate<number[]>(`(() => {
        const header = document.querySelector("th:nth-child(2) a").getBoundingClientRect();
        const cell = document.querySelector("tbody tr.z td:nth-child(2)");
        const range = document.createRange();
        range.selectNodeContents(cell);
        return [header.right, range.getBoundingClientRect().right];
      })()`);
      assert.ok(
        Math.abs(edges[0] - edges[1]) < 2,
        `header ends at ${edges[0]}, numbers at ${edges[1]}`,
      );
    });

    await t.step("clicking Size sorts by size, largest first, then reverses", async () => {
      await browser.evaluate(`document.querySelector("th:nth-child(2) a").click()`, {
        navigates: true,
      });
      assert.equal(await browser.evaluate("location.search"), "?sort=size");
      const names = await browser.evaluate<string[]>(VISIBLE_NAMES);
      assert.deepEqual(names.slice(0, 2), ["music/", "photos/"], "folders stay first");
      const sizes = await browser.evaluate<number[]>(FILE_SIZES);
      assert.deepEqual(sizes, Object.values(SIZES).sort((a, b) => b - a));
      await browser.evaluate(`document.querySelector("th:nth-child(2) a").click()`, {
        navigates: true,
      });
      assert.deepEqual(
        await browser.evaluate<number[]>(FILE_SIZES),
        Object.values(SIZES).sort((a, b) => a - b),
      );
    });

    await t.step("typing in the filter box hides the rows that do not match", async () => {
      await browser.open(url);
      const typed = (text: string) =>
        browser.evaluate<string[]>(`(() => {
          const box = document.querySelector("input[name=q]");
          box.value = ${JSON.stringify(text)};
          box.dispatchEvent(new Event("input"));
          return ${VISIBLE_NAMES};
        })()`);
      assert.deepEqual(await typed("PHOTO"), [
        "photos/",
        "holiday photo 01.jpg",
        "holiday photo 02.jpg",
      ]);
      assert.deepEqual(
        await typed("&d [draft] it'"),
        ["R&D [draft] it's.md"],
        "names are text, not markup",
      );
      assert.deepEqual(await typed("nothing like it"), []);
      assert.equal((await typed("")).length, 2 + Object.keys(SIZES).length);
    });

    await t.step("the breadcrumbs lead to every parent folder", async () => {
      await browser.open(`${url}photos/2026/`);
      assert.equal(
        await browser.evaluate("document.querySelector('h1').textContent"),
        "Index of /photos/2026/",
      );
      await browser.evaluate(
        `[...document.querySelectorAll("h1 a")].find((a) => a.textContent === "photos/").click()`,
        { navigates: true },
      );
      assert.equal(await browser.evaluate("location.pathname"), "/photos/");
      await browser.evaluate(`document.querySelector("h1 a").click()`, { navigates: true });
      assert.equal(await browser.evaluate("location.pathname"), "/");
    });

    await t.step(
      "on a 390 px phone nothing is wider than the screen, long names included",
      async () => {
        await browser.resize(390, 844, true);
        await browser.open(url);
        assert.equal(await browser.evaluate(FITS), true);
        assert.equal(await browser.evaluate("innerWidth"), 390);
        await browser.resize(1280, 900);
      },
    );

    await t.step("dark mode follows the system setting", async () => {
      const colours =
        `[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]`;
      await browser.colorScheme("dark");
      await browser.open(url);
      const [darkBackground, darkText] = await browser.evaluate<string[]>(colours);
      await browser.colorScheme("light");
      await browser.open(url);
      const [lightBackground, lightText] = await browser.evaluate<string[]>(colours);
      assert.ok(
        luminance(darkBackground) < 0.1 && luminance(darkText) > 0.6,
        `${darkBackground} / ${darkText}`,
      );
      assert.ok(
        luminance(lightBackground) > 0.9 && luminance(lightText) < 0.3,
        `${lightBackground} / ${lightText}`,
      );
    });
  },
});

/** Relative brightness, 0 to 1, of a CSS `rgb(r, g, b)` colour. */
function luminance(colour: string): number {
  const [r, g, b] = colour.match(/[0-9.]+/g)!.map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
