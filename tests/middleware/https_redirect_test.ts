/**
 * redirectToHttps(): where a plain-HTTP request is sent, from a table of request targets
 * and Host fields, and end to end: plain requests are redirected with 307, secure ones pass.
 */
import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import { listenTcp } from "../../lib/server/transport.ts";
import {
  HTTPS_REDIRECT_STATUS,
  httpsLocation,
  type RedirectFacts,
} from "../../lib/middleware/https_redirect.ts";
import { request, startServer } from "../support/raw_http.ts";
import { WIRES } from "../support/wires.ts";

const locationCases: { name: string; facts: RedirectFacts; port: number; location: string }[] = [
  {
    name: "keeps the host, swaps the port, keeps path and query",
    facts: { target: "/a/b.html?x=1&y=%20", host: "localhost:8080", localHostname: "127.0.0.1" },
    port: 8443,
    location: "https://localhost:8443/a/b.html?x=1&y=%20",
  },
  {
    name: "takes a host without a port",
    facts: { target: "/", host: "mybox.local", localHostname: "192.168.1.5" },
    port: 8443,
    location: "https://mybox.local:8443/",
  },
  {
    name: "keeps an IPv6 host in its brackets",
    facts: { target: "/x", host: "[fe80::1]:8080", localHostname: "fe80::1" },
    port: 9443,
    location: "https://[fe80::1]:9443/x",
  },
  {
    name: "leaves out port 443",
    facts: { target: "/x", host: "example.lan:80", localHostname: "10.0.0.2" },
    port: 443,
    location: "https://example.lan/x",
  },
  {
    name: "uses the address the client reached without a Host (HTTP/1.0)",
    facts: { target: "/old", host: null, localHostname: "192.168.1.5" },
    port: 8443,
    location: "https://192.168.1.5:8443/old",
  },
  {
    name: "brackets an IPv6 address reached without a Host",
    facts: { target: "/", host: null, localHostname: "::1" },
    port: 8443,
    location: "https://[::1]:8443/",
  },
  {
    name: "writes an IPv4-mapped address as IPv4",
    facts: { target: "/", host: "", localHostname: "::ffff:127.0.0.1" },
    port: 8443,
    location: "https://127.0.0.1:8443/",
  },
  {
    name: "takes the authority of an absolute-form target over Host (RFC 9112 §3.2.2)",
    facts: { target: "http://other.lan:8080/p?q", host: "ignored:1", localHostname: "::1" },
    port: 8443,
    location: "https://other.lan:8443/p?q",
  },
  {
    name: "drops userinfo from an absolute-form target and gives it a path",
    facts: { target: "http://user:pw@box.local", host: null, localHostname: "::1" },
    port: 8443,
    location: "https://box.local:8443/",
  },
  {
    name: "sends OPTIONS * to the root",
    facts: { target: "*", host: "localhost:8080", localHostname: "127.0.0.1" },
    port: 8443,
    location: "https://localhost:8443/",
  },
];

for (const { name, facts, port, location } of locationCases) {
  Deno.test(`httpsLocation() ${name}`, () => {
    assert.equal(httpsLocation(facts, port), location);
  });
}

Deno.test("redirectToHttps() answers plain requests with 307 and passes secure ones", async () => {
  const app = createApp({ httpsPort: 8443 });
  {
    await using server = startServer({
      handler: app,
      listeners: [listenTcp({ hostname: "127.0.0.1", port: 0 })],
    });
    const response = await request(
      server.addr.port,
      "POST /echo?a=b HTTP/1.1\r\nHost: localhost:8080\r\nContent-Length: 3\r\n\r\nabc",
    );
    assert.equal(response.status, HTTPS_REDIRECT_STATUS);
    assert.equal(response.header("location"), "https://localhost:8443/echo?a=b");
    assert.match(response.text(), /https:\/\/localhost:8443\/echo\?a=b/);
  }
  {
    const tls = WIRES.find((wire) => wire.kind === "TLS")!;
    await using server = await tls.startServer({ handler: app });
    const response = await tls.request(server.addr.port, "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal(response.status, 200);
  }
});
