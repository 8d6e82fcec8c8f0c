/** Router: patterns, parameters, wildcard, 404/405/Allow, HEAD and OPTIONS. */
import assert from "node:assert/strict";
import type { Handler } from "../lib/server/handler.ts";
import { HttpError } from "../lib/http/errors.ts";
import { Router } from "../lib/router.ts";
import { testExchange } from "./support/exchange.ts";

/** Runs `router` on a request line and reports what happened. */
async function dispatch(router: Router, method: string, target: string) {
  const { req, res, written } = testExchange(method, target);
  try {
    await router.handler()(req, res);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, allow: res.getHeader("allow"), params: req.params, text: "" };
  }
  return { status: res.status, allow: res.getHeader("allow"), params: req.params, text: written() };
}

const tag = (name: string): Handler => (_req, res) => res.end(name);

function router(): Router {
  return new Router()
    .get("/hello", tag("hello"))
    .post("/hello", tag("hello-post"))
    .get("/users/:id", tag("user"))
    .get("/users/:id/posts/:post", tag("post"))
    .get("/assets/*", tag("asset"));
}

const cases: {
  name: string;
  method: string;
  target: string;
  status: number;
  body?: string;
  params?: Record<string, string>;
  allow?: string;
}[] = [
  { name: "exact path", method: "GET", target: "/hello", status: 200, body: "hello" },
  {
    name: "exact path, other method",
    method: "POST",
    target: "/hello",
    status: 200,
    body: "hello-post",
  },
  {
    name: "query ignored for matching",
    method: "GET",
    target: "/hello?x=1",
    status: 200,
    body: "hello",
  },
  { name: "HEAD served by GET", method: "HEAD", target: "/hello", status: 200 },
  { name: "unknown path", method: "GET", target: "/nope", status: 404 },
  { name: "trailing slash is another path", method: "GET", target: "/hello/", status: 404 },
  {
    name: "wrong method",
    method: "DELETE",
    target: "/hello",
    status: 405,
    allow: "GET, POST, HEAD, OPTIONS",
  },
  {
    name: "OPTIONS lists methods",
    method: "OPTIONS",
    target: "/hello",
    status: 204,
    allow: "GET, POST, HEAD, OPTIONS",
  },
  { name: "parameter", method: "GET", target: "/users/42", status: 200, params: { id: "42" } },
  {
    name: "parameter decoded once",
    method: "GET",
    target: "/users/a%20b%2525",
    status: 200,
    params: { id: "a b%25" },
  },
  {
    name: "two parameters",
    method: "GET",
    target: "/users/7/posts/x",
    status: 200,
    params: { id: "7", post: "x" },
  },
  { name: "empty parameter does not match", method: "GET", target: "/users/", status: 404 },
  { name: "parameter with bad escape", method: "GET", target: "/users/%zz", status: 400 },
  {
    name: "wildcard",
    method: "GET",
    target: "/assets/css/site.css",
    status: 200,
    params: { "*": "css/site.css" },
  },
  { name: "wildcard needs a segment", method: "GET", target: "/assets", status: 404 },
  {
    name: "wildcard wrong method",
    method: "PUT",
    target: "/assets/a",
    status: 405,
    allow: "GET, HEAD, OPTIONS",
  },
];

for (const c of cases) {
  Deno.test(`Router ${c.name}: ${c.method} ${c.target} → ${c.status}`, async () => {
    const outcome = await dispatch(router(), c.method, c.target);
    assert.equal(outcome.status, c.status);
    if (c.body !== undefined) assert.match(outcome.text, new RegExp(`\r\n\r\n${c.body}$`));
    if (c.params !== undefined) assert.deepEqual(outcome.params, c.params);
    if (c.allow !== undefined) assert.equal(outcome.allow, c.allow);
  });
}

Deno.test("Router fallback() takes paths no route matches", async () => {
  const outcome = await dispatch(router().fallback(tag("static")), "GET", "/index.html");
  assert.equal(outcome.status, 200);
  assert.match(outcome.text, /static$/);
});

Deno.test("Router on() refuses the same method and pattern twice", () => {
  assert.throws(() => router().get("/hello", tag("again")), /already routed/);
});

Deno.test("Router on() refuses a wildcard that is not last", () => {
  assert.throws(() => new Router().get("/a/*/b", tag("x")), /last segment/);
});
