/**
 * bindAddresses() and bindListeners(): which sockets a host setting means, from tables with
 * a scripted listen(), and over real sockets: another program on [::1] makes the default
 * port busy instead of answering the banner's localhost URL in zhttp's place.
 */
import assert from "node:assert/strict";
import { bindAddresses, bindListeners } from "../../lib/cli/bind.ts";
import { listenWithFallback } from "../../lib/cli/startup.ts";
import { type Listener, listenTcp } from "../../lib/server/transport.ts";

Deno.test("bindAddresses() gives both families for localhost and the wildcards", () => {
  const rows: [string, string[]][] = [
    ["localhost", ["127.0.0.1", "::1"]],
    ["0.0.0.0", ["::", "0.0.0.0"]],
    ["::", ["::", "0.0.0.0"]],
    ["127.0.0.1", ["127.0.0.1"]],
    ["::1", ["::1"]],
    ["192.168.1.20", ["192.168.1.20"]],
  ];
  for (const [host, hostnames] of rows) {
    assert.deepEqual(bindAddresses(host).map((address) => address.hostname), hostnames, host);
  }
});

/** A listen() that fails for the hostnames given, and records every bind. */
function scriptedListen(failures: Record<string, () => Error>) {
  const bound: string[] = [];
  const closed: string[] = [];
  const listen = ({ hostname, port }: { hostname: string; port: number }): Listener => {
    const failure = failures[hostname];
    if (failure !== undefined) throw failure();
    bound.push(`${hostname}:${port}`);
    return {
      addr: { transport: "tcp", hostname, port: port === 0 ? 4321 : port },
      accept: () => Promise.reject(new Deno.errors.BadResource("scripted")),
      close: () => closed.push(hostname),
    };
  };
  return { listen, bound, closed };
}

const inUse = () => new Deno.errors.AddrInUse("Address already in use (os error 98)");
const noIpv6 = () => new Deno.errors.AddrNotAvailable("Cannot assign requested address");
const noFamily = () =>
  Object.assign(new Error("Address family not supported"), {
    code: "EAFNOSUPPORT",
  });

const bindCases: {
  name: string;
  host: string;
  failures: Record<string, () => Error>;
  bound?: string[];
  throws?: new (...args: never[]) => Error;
  closed?: string[];
}[] = [
  {
    name: "binds both loopbacks on the same port",
    host: "localhost",
    failures: {},
    bound: ["127.0.0.1:0", "::1:4321"],
  },
  {
    name: "treats another program on [::1] as a busy port, releasing 127.0.0.1",
    host: "localhost",
    failures: { "::1": inUse },
    throws: Deno.errors.AddrInUse,
    closed: ["127.0.0.1"],
  },
  {
    name: "serves IPv4 alone where the machine has no IPv6",
    host: "localhost",
    failures: { "::1": noIpv6 },
    bound: ["127.0.0.1:0"],
  },
  {
    name: "takes a busy 0.0.0.0 after :: as the same dual-stack socket (Linux, macOS)",
    host: "0.0.0.0",
    failures: { "0.0.0.0": inUse },
    bound: [":::0"],
  },
  {
    name: "binds :: and 0.0.0.0 apart where they are separate (Windows)",
    host: "0.0.0.0",
    failures: {},
    bound: [":::0", "0.0.0.0:4321"],
  },
  {
    name: "serves every IPv4 interface where the machine has no IPv6",
    host: "::",
    failures: { "::": noFamily },
    bound: ["0.0.0.0:0"],
  },
  {
    name: "fails when another program holds the wildcard",
    host: "0.0.0.0",
    failures: { "::": inUse },
    throws: Deno.errors.AddrInUse,
  },
  {
    name: "binds exactly the address given",
    host: "127.0.0.1",
    failures: {},
    bound: ["127.0.0.1:0"],
  },
];

for (const row of bindCases) {
  Deno.test(`bindListeners() ${row.name}`, async () => {
    const { listen, bound, closed } = scriptedListen(row.failures);
    if (row.throws !== undefined) {
      await assert.rejects(() => bindListeners(row.host, 0, listen), row.throws);
      assert.deepEqual(closed, row.closed ?? []);
    } else {
      const listeners = await bindListeners(row.host, 0, listen);
      assert.deepEqual(bound, row.bound);
      assert.equal(listeners.length, bound.length);
    }
  });
}

Deno.test("bindListeners() with real sockets: localhost holds both loopbacks", async () => {
  const listeners = await bindListeners("localhost", 0, listenTcp);
  try {
    const addrs = listeners.map((listener) => listener.addr as Deno.NetAddr);
    assert.deepEqual(addrs.map((addr) => addr.hostname), ["127.0.0.1", "::1"]);
    assert.equal(addrs[0].port, addrs[1].port);
  } finally {
    for (const listener of listeners) listener.close();
  }
});

Deno.test("listenWithFallback() skips a default port whose [::1] another program holds", async () => {
  // Another program on [::1] only, on a port whose next one is free.
  using other = Deno.listen({ hostname: "::1", port: 0 });
  const port = other.addr.port;
  const { server: listeners, busyPort } = await listenWithFallback(
    { host: "localhost", port, portChosen: false },
    (candidate) => bindListeners("localhost", candidate, listenTcp),
  );
  try {
    assert.equal(busyPort, port);
    assert.ok(listeners.every((listener) => (listener.addr as Deno.NetAddr).port > port));
  } finally {
    for (const listener of listeners) listener.close();
  }
});
