/**
 * The names zhttp's own certificates may carry: which machine names and addresses a leaf
 * gets, and which lie inside the CA's name constraints, from tables of raw inputs.
 */
import assert from "node:assert/strict";
import {
  canonicalIp,
  isPermittedDnsName,
  isPermittedIp,
  localNames,
  sameNames,
} from "../../lib/tls/local_names.ts";

const machineCases: {
  hostname: string;
  lan?: string[];
  dns: string[];
  ips?: string[];
  leftOut: string[];
}[] = [
  { hostname: "mybox", dns: ["localhost", "mybox.local"], leftOut: ["mybox"] },
  {
    hostname: "DESKTOP-1A2B3C",
    dns: ["localhost", "desktop-1a2b3c.local"],
    leftOut: ["DESKTOP-1A2B3C"],
  },
  { hostname: "Anns-MacBook-Pro.local", dns: ["localhost", "anns-macbook-pro.local"], leftOut: [] },
  { hostname: "nas.home.arpa", dns: ["localhost", "nas.home.arpa", "nas.local"], leftOut: [] },
  {
    hostname: "build7.corp.example.com",
    dns: ["localhost", "build7.local"],
    leftOut: ["build7.corp.example.com"],
  },
  { hostname: "mybox.", dns: ["localhost", "mybox.local"], leftOut: ["mybox."] },
  { hostname: "localhost", dns: ["localhost"], leftOut: [] },
  { hostname: "localhost.localdomain", dns: ["localhost"], leftOut: [] },
  { hostname: "", dns: ["localhost"], leftOut: [] },
  // Names that are no DNS label (NetBIOS allows more) are left out whole.
  { hostname: "my_box", dns: ["localhost"], leftOut: ["my_box"] },
  { hostname: "-box", dns: ["localhost"], leftOut: ["-box"] },
  { hostname: "é-box", dns: ["localhost"], leftOut: ["é-box"] },
  {
    hostname: "mybox",
    lan: ["192.168.1.20", "10.0.0.7", "172.20.1.1", "fd12:3456::1", "fe80::1%eth0"],
    dns: ["localhost", "mybox.local"],
    ips: ["192.168.1.20", "10.0.0.7", "172.20.1.1", "fd12:3456::1", "fe80::1"],
    leftOut: ["mybox"],
  },
  {
    hostname: "mybox.local",
    lan: ["203.0.113.9", "2001:db8::1", "172.32.0.1", "100.64.0.1", "::ffff:10.0.0.1", "nope"],
    dns: ["localhost", "mybox.local"],
    leftOut: ["203.0.113.9", "2001:db8::1", "172.32.0.1", "100.64.0.1", "::ffff:10.0.0.1", "nope"],
  },
  {
    hostname: "mybox.local",
    lan: ["127.0.0.1", "192.168.1.20", "192.168.1.20"],
    dns: ["localhost", "mybox.local"],
    ips: ["192.168.1.20"],
    leftOut: [],
  },
];

for (const { hostname, lan, dns, ips, leftOut } of machineCases) {
  Deno.test(`localNames() for ${JSON.stringify(hostname)} with ${lan?.length ?? 0} LAN addresses`, () => {
    const result = localNames(hostname, lan);
    assert.deepEqual(result.names.dns, dns);
    assert.deepEqual(result.names.ips, ["127.0.0.1", "::1", ...(ips ?? [])]);
    assert.deepEqual(result.leftOut, leftOut);
  });
}

Deno.test("localNames() gives only names inside the CA's constraints", () => {
  const { names } = localNames("Anns-MacBook-Pro.home.arpa", ["10.1.2.3", "8.8.8.8", "fe80::9"]);
  for (const name of names.dns) assert.ok(isPermittedDnsName(name), name);
  for (const address of names.ips) assert.ok(isPermittedIp(address), address);
});

const dnsCases: [string, boolean][] = [
  ["localhost", true],
  ["LOCALHOST", true],
  ["app.localhost", true],
  ["mybox.local", true],
  ["a.b.mybox.local", true],
  ["local", true],
  ["nas.home.arpa", true],
  ["home.arpa", true],
  ["example.com", false],
  ["localhost.com", false],
  ["notlocal", false],
  ["evil-local", false],
  ["mybox", false],
  ["arpa", false],
  ["home.arpa.example.com", false],
  ["my_box.local", false],
  ["", false],
  ["mybox..local", false],
];

for (const [name, permitted] of dnsCases) {
  Deno.test(`isPermittedDnsName() ${permitted ? "permits" : "refuses"} ${JSON.stringify(name)}`, () => {
    assert.equal(isPermittedDnsName(name), permitted);
  });
}

const ipCases: [string, boolean][] = [
  ["127.0.0.1", true],
  ["127.255.255.254", true],
  ["10.0.0.1", true],
  ["172.16.0.1", true],
  ["172.31.255.255", true],
  ["172.15.255.255", false],
  ["172.32.0.0", false],
  ["192.168.0.1", true],
  ["192.169.0.1", false],
  ["169.254.10.20", true],
  ["8.8.8.8", false],
  ["100.64.0.1", false],
  ["::1", true],
  ["::2", false],
  ["fd00::1", true],
  ["fc00::1", true],
  ["fe80::1", true],
  ["febf::1", true],
  ["fec0::1", false],
  ["2001:db8::1", false],
];

for (const [address, permitted] of ipCases) {
  Deno.test(`isPermittedIp() ${permitted ? "permits" : "refuses"} ${address}`, () => {
    assert.equal(isPermittedIp(address), permitted);
  });
}

const canonicalCases: [string, string | null][] = [
  ["192.168.1.2", "192.168.1.2"],
  ["::1", "::1"],
  ["0:0:0:0:0:0:0:1", "::1"],
  ["FE80:0000::0001", "fe80::1"],
  ["fe80::1%eth0", "fe80::1"],
  ["fd00:0:0:0:0:0:0:a", "fd00::a"],
  ["::ffff:10.0.0.1", null],
  ["01.2.3.4", null],
  ["1.2.3", null],
  ["mybox", null],
  ["", null],
];

for (const [address, canonical] of canonicalCases) {
  Deno.test(`canonicalIp() turns ${JSON.stringify(address)} into ${canonical}`, () => {
    assert.equal(canonicalIp(address), canonical);
  });
}

Deno.test("sameNames() ignores order and tells any added or removed name", () => {
  const names = { dns: ["localhost", "mybox.local"], ips: ["127.0.0.1", "::1"] };
  assert.ok(sameNames(names, { dns: ["mybox.local", "localhost"], ips: ["::1", "127.0.0.1"] }));
  assert.ok(!sameNames(names, { dns: ["localhost"], ips: ["127.0.0.1", "::1"] }));
  assert.ok(!sameNames(names, { ...names, ips: [...names.ips, "10.0.0.2"] }));
  // A DNS name and an address that print alike are still different names.
  assert.ok(!sameNames({ dns: ["::1"], ips: [] }, { dns: [], ips: ["::1"] }));
});
