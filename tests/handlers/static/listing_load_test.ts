/**
 * Large folders (issue 18.2): a listing of 20,000 entries must not stall other clients, and
 * it is split into pages. Speed itself is measured by `deno task bench --only listing`;
 * these tests check behaviour, with bounds relative to the listing's own duration so they
 * hold on a slow machine as on a fast one.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { MAX_ENTRIES_PER_PAGE } from "../../../lib/handlers/static/listing_page.ts";
import { RawConnection, type RawResponse } from "../../support/raw_http.ts";
import { rawRequest, StaticSite } from "../../support/static_site.ts";

/** Twice a page: big enough that building it whole in one go would show, small for CI. */
const ENTRIES = 2 * MAX_ENTRIES_PER_PAGE;

async function largeSite(): Promise<StaticSite> {
  const site = await StaticSite.open({});
  const empty = new Uint8Array(0);
  for (let i = 0; i < ENTRIES; i++) {
    Deno.writeFileSync(
      path.join(site.root, `entry-${i}.txt`),
      i % 7 === 0 ? empty : new Uint8Array(i % 500),
    );
  }
  return site;
}

function rowCount(response: RawResponse): number {
  const html = response.text();
  return html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>")).split("<tr ").length - 1;
}

Deno.test("createStaticHandler() keeps answering /hello while it builds a 20,000-entry listing", async () => {
  await using site = await largeSite();
  using helloConnection = await RawConnection.open(site.port);
  using listingConnection = await RawConnection.open(site.port);

  // Sorting by size needs every entry's stat and a full sort: the most work a listing does.
  const started = performance.now();
  await listingConnection.send(rawRequest("GET", "/?sort=size"));
  let listingDone = false;
  const listing = listingConnection.response().then((response) => {
    listingDone = true;
    return response;
  });
  const answeredAt: number[] = [];
  while (!listingDone) {
    await helloConnection.send(rawRequest("GET", "/hello"));
    assert.equal((await helloConnection.response()).text(), "Hello, World!\n");
    answeredAt.push(performance.now());
  }
  const response = await listing;
  const finished = performance.now();
  assert.equal(response.status, 200);

  // The longest time /hello went unanswered, counting from the listing's request to its end.
  const marks = [started, ...answeredAt.filter((at) => at < finished), finished];
  const longestWait = Math.max(...marks.slice(1).map((at, i) => at - marks[i]));
  const duration = finished - started;
  assert.ok(answeredAt.length >= 5, `only ${answeredAt.length} /hello answered meanwhile`);
  assert.ok(
    longestWait < duration / 4,
    `/hello waited ${longestWait.toFixed(0)} ms in one go, of a ${duration.toFixed(0)} ms listing`,
  );
  assert.equal(rowCount(response), MAX_ENTRIES_PER_PAGE);
});

Deno.test("createStaticHandler() splits a 20,000-entry listing into pages of MAX_ENTRIES_PER_PAGE", async () => {
  await using site = await largeSite();
  const first = await site.fetch("/");
  assert.equal(rowCount(first), MAX_ENTRIES_PER_PAGE);
  const pages = `of ${ENTRIES.toLocaleString("en")} · page 1 of 2 · `;
  assert.ok(
    first.text().includes(`Entries 1–${MAX_ENTRIES_PER_PAGE.toLocaleString("en")} ${pages}`),
  );
  assert.ok(first.text().includes('<a href="?page=2" rel="next">Next ›</a>'));

  const second = await site.fetch("/?page=2");
  assert.equal(rowCount(second), ENTRIES - MAX_ENTRIES_PER_PAGE, "the rest");
  const names = (response: RawResponse) =>
    new Set([...response.text().matchAll(/<a href="(entry-\d+\.txt)">/g)].map((match) => match[1]));
  const all = new Set([...names(first), ...names(second)]);
  assert.equal(all.size, ENTRIES, "every entry on exactly one page");

  const beyond = await site.fetch("/?page=7");
  assert.equal(beyond.status, 200);
  assert.equal(beyond.header("etag"), second.header("etag"), "past the end: the last page");

  const json = JSON.parse((await site.fetch("/", { Accept: "application/json" })).text());
  assert.equal(json.entries.length, ENTRIES, "JSON has no pages");
});
