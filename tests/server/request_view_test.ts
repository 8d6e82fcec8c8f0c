/**
 * RequestView: a request handed on with part of its head changed, the rest the original's.
 */
import assert from "node:assert/strict";
import { RequestKey } from "../../lib/server/request.ts";
import { RequestView } from "../../lib/server/request_view.ts";
import { testExchange } from "../support/exchange.ts";

Deno.test("RequestView changes the target, and the path and query with it", () => {
  const { req } = testExchange("GET", "/app/settings?tab=2");
  const view = new RequestView(req, { target: "/index.html" });
  assert.equal(view.target, "/index.html");
  assert.equal(view.path, "/index.html");
  assert.equal(view.query, "");
  assert.equal(view.method, "GET");
  assert.equal(req.path, "/app/settings");
  assert.equal(new RequestView(req, { target: "/a?b=c" }).query, "b=c");
});

Deno.test("RequestView removes and replaces fields, keeping the others in order", () => {
  const { req } = testExchange("GET", "/");
  const view = new RequestView(req, {
    headers: { host: null, "if-none-match": 'W/"1"', range: null },
  });
  assert.equal(view.headers.get("host"), null);
  assert.equal(view.headers.get("if-none-match"), 'W/"1"');
  assert.equal(view.headers.has("range"), false);
  assert.deepEqual([...view.headers.entries()], [["if-none-match", 'W/"1"']]);
  assert.equal(req.headers.get("host"), "a");
});

Deno.test("RequestView keeps fields of latin1 bytes exact, and refuses others", () => {
  const { req } = testExchange("GET", "/");
  const view = new RequestView(req, { headers: { "x-name": "caf\u00e9" } });
  assert.equal(view.headers.get("x-name"), "caf\u00e9");
  assert.equal(view.headers.get("host"), "a");
  assert.throws(() => new RequestView(req, { headers: { "x-name": "\u20ac" } }), TypeError);
});

Deno.test("RequestView shares the original's slots, its body and its signal", () => {
  const { req } = testExchange("GET", "/");
  const key = new RequestKey<string>("user");
  req.set(key, "ann");
  const view = new RequestView(req, { target: "/b" });
  assert.equal(view.get(key), "ann");
  view.set(key, "bob");
  assert.equal(req.get(key), "bob");
  assert.equal(view.body, req.body);
  assert.equal(view.signal, req.signal);
  assert.equal(view.remoteAddr, req.remoteAddr);
});
