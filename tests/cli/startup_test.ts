/**
 * Startup: which folder is served and which zhttp.json is read (on a fake machine, so the
 * Windows rules run on any OS), which files are never served, the port fallback (with a
 * fake listen, and once with a real busy port), LAN addresses, the browser command and the
 * console wait on Windows.
 */
import assert from "node:assert/strict";
import { serverPermissions } from "../../scripts/permissions.ts";
import {
  browserCommand,
  lanAddresses,
  listenWithFallback,
  planStartup,
  PORT_FALLBACK_ATTEMPTS,
  shouldWaitBeforeExit,
  type StartupFacts,
  type StartupPlan,
} from "../../lib/cli/startup.ts";
import { configErrorOf, configErrorOfAsync } from "../support/config_errors.ts";

interface Machine {
  os?: typeof Deno.build.os;
  cwd: string;
  executable?: string;
  /** Files and their text. */
  files?: Record<string, string>;
  /** Folders that exist. */
  folders?: string[];
  /** zhttp's data folder. */
  dataFolder?: string;
}

/** A fake machine: a map of files and a list of folders. */
function facts(machine: Machine): StartupFacts {
  const files = new Map(Object.entries(machine.files ?? {}));
  const folders = new Set(machine.folders ?? []);
  return {
    os: machine.os ?? "linux",
    cwd: machine.cwd,
    executable: machine.executable ?? null,
    readTextFile: (file) => files.get(file) ?? null,
    isDirectory: (file) => folders.has(file) ? true : files.has(file) ? false : null,
    dataFolder: machine.dataFolder ?? null,
  };
}

/** The serve plan for `args` on `machine`; fails the test for help or version. */
function servePlan(args: string[], machine: Machine) {
  const plan: StartupPlan = planStartup(args, facts(machine));
  assert.equal(plan.action, "serve");
  if (plan.action !== "serve") throw new Error("unreachable");
  return plan;
}

// ── planStartup: the folder, the settings file, the hidden files ───────────────────────

const HOME = "/home/ann/project";
const BIN = "/opt/zhttp";

const rootCases: {
  name: string;
  args: string[];
  machine: Machine;
  root: string;
  configFile: string | null;
  hiddenFiles: string[];
  port?: number;
}[] = [
  {
    name: "serves the working folder when nothing else is said",
    args: [],
    machine: { cwd: HOME, folders: [HOME] },
    root: HOME,
    configFile: null,
    hiddenFiles: [],
  },
  {
    name: "serves the argument, relative to the working folder",
    args: ["public"],
    machine: { cwd: HOME, folders: [HOME, `${HOME}/public`] },
    root: `${HOME}/public`,
    configFile: null,
    hiddenFiles: [],
  },
  {
    name: "serves an absolute argument as it is",
    args: ["/srv/www"],
    machine: { cwd: HOME, folders: [HOME, "/srv/www"] },
    root: "/srv/www",
    configFile: null,
    hiddenFiles: [],
  },
  {
    name: "serves the argument over root in zhttp.json",
    args: ["public"],
    machine: {
      cwd: HOME,
      files: { [`${HOME}/zhttp.json`]: '{"root": "dist"}' },
      folders: [HOME, `${HOME}/public`, `${HOME}/dist`],
    },
    root: `${HOME}/public`,
    configFile: `${HOME}/zhttp.json`,
    hiddenFiles: [`${HOME}/zhttp.json`],
  },
  {
    name: "serves root from zhttp.json, relative to the file's folder",
    args: [],
    machine: {
      cwd: HOME,
      files: { [`${HOME}/zhttp.json`]: '{"root": "dist"}' },
      folders: [HOME, `${HOME}/dist`],
    },
    root: `${HOME}/dist`,
    configFile: `${HOME}/zhttp.json`,
    hiddenFiles: [`${HOME}/zhttp.json`],
  },
  {
    name: "resolves a root of ../shared from the file's folder",
    args: [],
    machine: {
      cwd: HOME,
      files: { [`${HOME}/zhttp.json`]: '{"root": "../shared"}' },
      folders: [HOME, "/home/ann/shared"],
    },
    root: "/home/ann/shared",
    configFile: `${HOME}/zhttp.json`,
    hiddenFiles: [`${HOME}/zhttp.json`],
  },
  {
    name: "serves the working folder when zhttp.json has no root",
    args: [],
    machine: {
      cwd: HOME,
      files: { [`${HOME}/zhttp.json`]: '{"port": 9000}' },
      folders: [HOME],
    },
    root: HOME,
    configFile: `${HOME}/zhttp.json`,
    hiddenFiles: [`${HOME}/zhttp.json`],
    port: 9000,
  },
  {
    name: "reads zhttp.json beside the executable when the working folder has none",
    args: [],
    machine: {
      cwd: HOME,
      executable: `${BIN}/zhttp`,
      files: { [`${BIN}/zhttp.json`]: '{"root": "site", "port": 9100}' },
      folders: [HOME, BIN, `${BIN}/site`],
    },
    root: `${BIN}/site`,
    configFile: `${BIN}/zhttp.json`,
    hiddenFiles: [`${BIN}/zhttp.json`, `${BIN}/zhttp`],
    port: 9100,
  },
  {
    name: "prefers the working folder's zhttp.json to the executable's",
    args: [],
    machine: {
      cwd: HOME,
      executable: `${BIN}/zhttp`,
      files: {
        [`${HOME}/zhttp.json`]: '{"port": 9000}',
        [`${BIN}/zhttp.json`]: '{"port": 9100, "root": "site"}',
      },
      folders: [HOME, BIN, `${BIN}/site`],
    },
    root: HOME,
    configFile: `${HOME}/zhttp.json`,
    // The executable's own zhttp.json stays hidden even though it was not the one read.
    hiddenFiles: [`${HOME}/zhttp.json`, `${BIN}/zhttp`, `${BIN}/zhttp.json`],
    port: 9000,
  },
  {
    name: "hides the executable and its zhttp.json when double-clicked in its own folder",
    args: [],
    machine: {
      cwd: BIN,
      executable: `${BIN}/zhttp`,
      files: { [`${BIN}/zhttp.json`]: "{}" },
      folders: [BIN],
    },
    root: BIN,
    configFile: `${BIN}/zhttp.json`,
    hiddenFiles: [`${BIN}/zhttp.json`, `${BIN}/zhttp`],
  },
  {
    name: "hides the executable even with no zhttp.json anywhere",
    args: [],
    machine: { cwd: BIN, executable: `${BIN}/zhttp`, folders: [BIN] },
    root: BIN,
    configFile: null,
    hiddenFiles: [`${BIN}/zhttp`, `${BIN}/zhttp.json`],
  },
  {
    name: "uses Windows paths on Windows: root from the file beside zhttp.exe",
    args: [],
    machine: {
      os: "windows",
      cwd: "C:\\Users\\Ann\\Desktop",
      executable: "C:\\Tools\\zhttp.exe",
      files: { "C:\\Tools\\zhttp.json": '{"root": "site"}' },
      folders: ["C:\\Users\\Ann\\Desktop", "C:\\Tools\\site"],
    },
    root: "C:\\Tools\\site",
    configFile: "C:\\Tools\\zhttp.json",
    hiddenFiles: ["C:\\Tools\\zhttp.json", "C:\\Tools\\zhttp.exe"],
  },
  {
    name: "uses Windows paths on Windows: a relative argument with backslashes",
    args: ["..\\www"],
    machine: {
      os: "windows",
      cwd: "C:\\Users\\Ann\\Desktop",
      executable: "C:\\Tools\\zhttp.exe",
      folders: ["C:\\Users\\Ann\\www"],
    },
    root: "C:\\Users\\Ann\\www",
    configFile: null,
    hiddenFiles: ["C:\\Tools\\zhttp.exe", "C:\\Tools\\zhttp.json"],
  },
  {
    name: "uses Windows paths on Windows: an argument on another drive",
    args: ["D:\\www"],
    machine: {
      os: "windows",
      cwd: "C:\\Users\\Ann\\Desktop",
      files: { "C:\\Users\\Ann\\Desktop\\zhttp.json": '{"root": "site"}' },
      folders: ["D:\\www"],
    },
    root: "D:\\www",
    configFile: "C:\\Users\\Ann\\Desktop\\zhttp.json",
    hiddenFiles: ["C:\\Users\\Ann\\Desktop\\zhttp.json"],
  },
  {
    name: "uses Windows paths on Windows: the working folder's zhttp.json first",
    args: [],
    machine: {
      os: "windows",
      cwd: "C:\\Users\\Ann\\Site",
      executable: "C:\\Tools\\zhttp.exe",
      files: {
        "C:\\Users\\Ann\\Site\\zhttp.json": '{"root": "public"}',
        "C:\\Tools\\zhttp.json": '{"root": "other"}',
      },
      folders: ["C:\\Users\\Ann\\Site\\public", "C:\\Tools\\other"],
    },
    root: "C:\\Users\\Ann\\Site\\public",
    configFile: "C:\\Users\\Ann\\Site\\zhttp.json",
    hiddenFiles: [
      "C:\\Users\\Ann\\Site\\zhttp.json",
      "C:\\Tools\\zhttp.exe",
      "C:\\Tools\\zhttp.json",
    ],
  },
];

for (const { name, args, machine, root, configFile, hiddenFiles, port } of rootCases) {
  Deno.test(`planStartup() ${name}`, () => {
    const plan = servePlan(args, machine);
    assert.equal(plan.config.root, root);
    assert.equal(plan.configFile, configFile);
    assert.deepEqual(plan.hiddenFiles, hiddenFiles);
    if (port !== undefined) assert.equal(plan.config.port, port);
  });
}

Deno.test("planStartup() lets flags win over the zhttp.json it found", () => {
  const plan = servePlan(["--port", "9001", "--quiet"], {
    cwd: HOME,
    files: { [`${HOME}/zhttp.json`]: '{"port": 9000, "cors": true, "quiet": false}' },
    folders: [HOME],
  });
  assert.equal(plan.config.port, 9001);
  assert.equal(plan.config.portChosen, true);
  assert.equal(plan.config.cors, true);
  assert.equal(plan.config.quiet, true);
});

Deno.test("planStartup() takes --tls-cert from the working folder and hides both TLS files", () => {
  const plan = servePlan(["--tls-cert", "tls/cert.pem", "--tls-key", "/etc/zhttp/key.pem"], {
    cwd: HOME,
    folders: [HOME],
  });
  assert.equal(plan.config.https, true);
  assert.equal(plan.config.tlsCert, `${HOME}/tls/cert.pem`);
  assert.equal(plan.config.tlsKey, "/etc/zhttp/key.pem");
  assert.deepEqual(plan.hiddenFiles, [`${HOME}/tls/cert.pem`, "/etc/zhttp/key.pem"]);
});

Deno.test("planStartup() takes zhttp.json's tlsCert and tlsKey from that file's folder", () => {
  const plan = servePlan([], {
    cwd: "/tmp",
    executable: `${BIN}/zhttp`,
    files: { [`${BIN}/zhttp.json`]: '{"tlsCert": "cert.pem", "tlsKey": "private/key.pem"}' },
    folders: ["/tmp"],
  });
  assert.equal(plan.config.tlsCert, `${BIN}/cert.pem`);
  assert.equal(plan.config.tlsKey, `${BIN}/private/key.pem`);
  assert.ok(plan.hiddenFiles.includes(`${BIN}/private/key.pem`));
});

Deno.test("planStartup() takes Windows TLS files with backslashes", () => {
  const plan = servePlan(["--tls-cert", "cert.pem", "--tls-key", "D:\\keys\\key.pem"], {
    os: "windows",
    cwd: "C:\\Users\\Ann",
    folders: ["C:\\Users\\Ann"],
  });
  assert.equal(plan.config.tlsCert, "C:\\Users\\Ann\\cert.pem");
  assert.equal(plan.config.tlsKey, "D:\\keys\\key.pem");
});

Deno.test("planStartup() hides zhttp's data folder, with or without --https", () => {
  const dataFolder = "/home/ann/.local/share/zhttp";
  for (const args of [[], ["--https"]]) {
    const plan = servePlan(args, { cwd: HOME, folders: [HOME], dataFolder });
    assert.deepEqual(plan.hiddenFolders, [dataFolder]);
  }
  assert.deepEqual(servePlan([], { cwd: HOME, folders: [HOME] }).hiddenFolders, []);
});

Deno.test("planStartup() answers --help and --version without looking at the machine", () => {
  const untouchable: StartupFacts = {
    os: "linux",
    cwd: "/nowhere",
    executable: null,
    readTextFile: () => assert.fail("read a file for --help"),
    isDirectory: () => assert.fail("looked for a folder for --help"),
  };
  assert.deepEqual(planStartup(["--help"], untouchable), { action: "help" });
  assert.deepEqual(planStartup(["-V"], untouchable), { action: "version" });
});

const planErrorCases: { name: string; args: string[]; machine: Machine; message: string }[] = [
  {
    name: "refuses a folder argument that does not exist",
    args: ["nope"],
    machine: { cwd: HOME, folders: [HOME] },
    message: `the folder to serve does not exist: ${HOME}/nope`,
  },
  {
    name: "refuses a root in zhttp.json that does not exist",
    args: [],
    machine: { cwd: HOME, files: { [`${HOME}/zhttp.json`]: '{"root": "dist"}' }, folders: [HOME] },
    message: `the folder to serve does not exist: ${HOME}/dist`,
  },
  {
    name: "refuses a file as the folder to serve",
    args: ["index.html"],
    machine: { cwd: HOME, files: { [`${HOME}/index.html`]: "<h1>hi</h1>" }, folders: [HOME] },
    message: `this is a file, not a folder to serve: ${HOME}/index.html`,
  },
  {
    name: "refuses a missing Windows folder, naming it with backslashes",
    args: ["site"],
    machine: { os: "windows", cwd: "C:\\Users\\Ann", folders: ["C:\\Users\\Ann"] },
    message: "the folder to serve does not exist: C:\\Users\\Ann\\site",
  },
  {
    name: "names the zhttp.json that is not JSON",
    args: [],
    machine: { cwd: HOME, files: { [`${HOME}/zhttp.json`]: "{port: 1}" }, folders: [HOME] },
    message: `${HOME}/zhttp.json is not valid JSON`,
  },
  {
    name: "names the executable's zhttp.json when it has an unknown key",
    args: [],
    machine: {
      cwd: HOME,
      executable: `${BIN}/zhttp`,
      files: { [`${BIN}/zhttp.json`]: '{"prot": 1}' },
      folders: [HOME],
    },
    message: `unknown setting "prot" in ${BIN}/zhttp.json; see zhttp --help for the names.`,
  },
  {
    name: "refuses a bad flag before reading any file",
    args: ["--port", "http"],
    machine: { cwd: HOME, folders: [HOME] },
    message: '--port must be a port number from 0 to 65535, not "http".',
  },
];

for (const { name, args, machine, message } of planErrorCases) {
  Deno.test(`planStartup() ${name}`, () => {
    const actual = configErrorOf(() => planStartup(args, facts(machine)));
    assert.ok(
      actual.startsWith(message),
      `${JSON.stringify(actual)} does not start with ${message}`,
    );
  });
}

// ── listenWithFallback ─────────────────────────────────────────────────────────────────

const inUse = () => new Deno.errors.AddrInUse("Address already in use (os error 98)");

const listenCases: {
  name: string;
  config: { host: string; port: number; portChosen: boolean };
  /** What the fake listen throws for a port, if anything. */
  fails?: (port: number) => Error | undefined;
  tried: number[];
  outcome: { port: number; busyPort?: number } | { message: string };
}[] = [
  {
    name: "binds the default port when it is free",
    config: { host: "127.0.0.1", port: 8080, portChosen: false },
    tried: [8080],
    outcome: { port: 8080 },
  },
  {
    name: "falls back to the next port when the default one is busy",
    config: { host: "127.0.0.1", port: 8080, portChosen: false },
    fails: (port) => port === 8080 ? inUse() : undefined,
    tried: [8080, 8081],
    outcome: { port: 8081, busyPort: 8080 },
  },
  {
    name: "keeps falling back past several busy ports",
    config: { host: "127.0.0.1", port: 8080, portChosen: false },
    fails: (port) => port < 8084 ? inUse() : undefined,
    tried: [8080, 8081, 8082, 8083, 8084],
    outcome: { port: 8084, busyPort: 8080 },
  },
  {
    name: "takes the last of the ten ports after the default",
    config: { host: "127.0.0.1", port: 8080, portChosen: false },
    fails: (port) => port < 8090 ? inUse() : undefined,
    tried: [8080, 8081, 8082, 8083, 8084, 8085, 8086, 8087, 8088, 8089, 8090],
    outcome: { port: 8090, busyPort: 8080 },
  },
  {
    name: "asks for port 0 again when the picked port was busy on another address",
    config: { host: "localhost", port: 0, portChosen: true },
    fails: (() => {
      let calls = 0;
      return () => calls++ === 0 ? inUse() : undefined;
    })(),
    tried: [0, 0],
    outcome: { port: 0 },
  },
  {
    name: "gives up when the port and the ten after it are busy",
    config: { host: "127.0.0.1", port: 8080, portChosen: false },
    fails: inUse,
    tried: [8080, 8081, 8082, 8083, 8084, 8085, 8086, 8087, 8088, 8089, 8090],
    outcome: { message: "ports 8080 to 8090 are all in use; choose one with --port." },
  },
  {
    name: "never swaps a port the user chose",
    config: { host: "127.0.0.1", port: 8080, portChosen: true },
    fails: inUse,
    tried: [8080],
    outcome: {
      message: "port 8080 is already in use by another program; choose another with --port.",
    },
  },
  {
    name: "binds port 0 once, without fallback",
    config: { host: "127.0.0.1", port: 0, portChosen: false },
    tried: [0],
    outcome: { port: 0 },
  },
  {
    name: "explains a port that needs administrator rights",
    config: { host: "127.0.0.1", port: 80, portChosen: true },
    fails: () => new Deno.errors.PermissionDenied("Permission denied (os error 13)"),
    tried: [80],
    outcome: {
      message:
        "not allowed to listen on port 80 (ports below 1024 need administrator rights); use --port 8080.",
    },
  },
  {
    name: "does not fall back when the default port is refused for rights",
    config: { host: "127.0.0.1", port: 8080, portChosen: false },
    fails: () => new Deno.errors.PermissionDenied("Permission denied (os error 13)"),
    tried: [8080],
    outcome: {
      message:
        "not allowed to listen on port 8080 (the system may reserve it); choose another with --port.",
    },
  },
  {
    name: "explains an address this computer does not have",
    config: { host: "10.255.255.1", port: 8080, portChosen: false },
    fails: () => new Deno.errors.AddrNotAvailable("Cannot assign requested address"),
    tried: [8080],
    outcome: {
      message: "10.255.255.1 is not an address of this computer; try --host 127.0.0.1.",
    },
  },
  {
    name: "explains a host name that does not resolve",
    config: { host: "nosuchhost.invalid", port: 8080, portChosen: false },
    fails: () => new Error("failed to lookup address information: Name or service not known"),
    tried: [8080],
    outcome: {
      message: "cannot listen on nosuchhost.invalid: failed to lookup address information: " +
        "Name or service not known; try --host 127.0.0.1.",
    },
  },
];

for (const { name, config, fails, tried, outcome } of listenCases) {
  Deno.test(`listenWithFallback() ${name}`, async () => {
    const attempts: number[] = [];
    const listen = (port: number) => {
      attempts.push(port);
      const error = fails?.(port);
      if (error !== undefined) throw error;
      return { port };
    };
    if ("message" in outcome) {
      assert.equal(
        await configErrorOfAsync(() => listenWithFallback(config, listen)),
        outcome.message,
      );
    } else {
      const { server, busyPort } = await listenWithFallback(config, listen);
      assert.equal(server.port, outcome.port);
      assert.equal(busyPort, outcome.busyPort);
    }
    assert.deepEqual(attempts, tried);
  });
}

Deno.test("listenWithFallback() lets an unexpected error through unchanged", async () => {
  const bug = new TypeError("listener is not a function");
  await assert.rejects(
    () =>
      listenWithFallback({ host: "127.0.0.1", port: 8080, portChosen: false }, () => {
        throw bug;
      }),
    (error) => error === bug,
  );
});

Deno.test("listenWithFallback() binds the next real port when the default one is taken", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busy = taken.addr.port;
  const { server, busyPort } = await listenWithFallback(
    { host: "127.0.0.1", port: busy, portChosen: false },
    (port) => Deno.listen({ hostname: "127.0.0.1", port }),
  );
  using _listener = server;
  assert.equal(busyPort, busy);
  // Usually busy + 1, unless another program holds that one too.
  assert.ok(
    server.addr.port > busy && server.addr.port < busy + PORT_FALLBACK_ATTEMPTS,
    `bound ${server.addr.port} after ${busy}`,
  );
});

Deno.test("listenWithFallback() refuses a real taken port the user chose", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busy = taken.addr.port;
  const message = await configErrorOfAsync(() =>
    listenWithFallback(
      { host: "127.0.0.1", port: busy, portChosen: true },
      (port) => Deno.listen({ hostname: "127.0.0.1", port }),
    )
  );
  assert.equal(
    message,
    `port ${busy} is already in use by another program; choose another with --port.`,
  );
});

// ── lanAddresses, browserCommand, shouldWaitBeforeExit ─────────────────────────────────

function networkInterface(
  family: "IPv4" | "IPv6",
  address: string,
  name = "eth0",
): Deno.NetworkInterfaceInfo {
  return { family, name, address, netmask: "", scopeid: null, cidr: `${address}/24`, mac: "" };
}

const lanCases: { name: string; interfaces: Deno.NetworkInterfaceInfo[]; addresses: string[] }[] = [
  { name: "is empty on a machine with no interfaces", interfaces: [], addresses: [] },
  {
    name: "keeps private IPv4 addresses in order",
    interfaces: [
      networkInterface("IPv4", "192.168.1.20", "wlan0"),
      networkInterface("IPv4", "10.0.0.5", "eth0"),
    ],
    addresses: ["192.168.1.20", "10.0.0.5"],
  },
  {
    name: "drops loopback and link-local, and lists IPv4 before IPv6",
    interfaces: [
      networkInterface("IPv4", "127.0.0.1", "lo"),
      networkInterface("IPv4", "127.0.1.1", "lo"),
      networkInterface("IPv6", "::1", "lo"),
      networkInterface("IPv4", "169.254.10.1", "eth1"),
      networkInterface("IPv6", "fe80::1", "eth0"),
      networkInterface("IPv6", "FEBF::2", "eth0"),
      networkInterface("IPv6", "2001:db8::5", "eth0"),
      networkInterface("IPv6", "fd12:3456::7", "eth0"),
      networkInterface("IPv4", "172.16.0.9", "eth0"),
    ],
    addresses: ["172.16.0.9", "2001:db8::5", "fd12:3456::7"],
  },
  {
    name: "lists an address held by two interfaces once",
    interfaces: [
      networkInterface("IPv4", "192.168.1.20", "eth0"),
      networkInterface("IPv4", "192.168.1.20", "eth0:1"),
    ],
    addresses: ["192.168.1.20"],
  },
];

for (const { name, interfaces, addresses } of lanCases) {
  Deno.test(`lanAddresses() ${name}`, () => {
    assert.deepEqual(lanAddresses(interfaces), addresses);
  });
}

const URL_TO_OPEN = "http://localhost:8080/";
const browserCases: { os: typeof Deno.build.os; command: [string, string[]] }[] = [
  { os: "windows", command: ["explorer", [URL_TO_OPEN]] },
  { os: "darwin", command: ["open", [URL_TO_OPEN]] },
  { os: "linux", command: ["xdg-open", [URL_TO_OPEN]] },
  { os: "freebsd", command: ["xdg-open", [URL_TO_OPEN]] },
];

for (const { os, command } of browserCases) {
  Deno.test(`browserCommand() runs ${command[0]} on ${os}`, () => {
    assert.deepEqual(browserCommand(os, URL_TO_OPEN), command);
  });
}

Deno.test("browserCommand() runs only the command the binary for that OS may run", () => {
  for (const { os } of browserCases) {
    const allowRun = serverPermissions(os).filter((flag) => flag.startsWith("--allow-run="));
    assert.deepEqual(allowRun, [`--allow-run=${browserCommand(os, URL_TO_OPEN)[0]}`], os);
  }
});

const waitCases: {
  os: typeof Deno.build.os;
  args: string[];
  stdinIsTerminal: boolean;
  wait: boolean;
}[] = [
  { os: "windows", args: [], stdinIsTerminal: true, wait: true },
  { os: "windows", args: [], stdinIsTerminal: false, wait: false },
  { os: "windows", args: ["site"], stdinIsTerminal: true, wait: false },
  { os: "windows", args: ["--port", "9000"], stdinIsTerminal: false, wait: false },
  { os: "linux", args: [], stdinIsTerminal: true, wait: false },
  { os: "linux", args: [], stdinIsTerminal: false, wait: false },
  { os: "darwin", args: [], stdinIsTerminal: true, wait: false },
  { os: "linux", args: ["site"], stdinIsTerminal: true, wait: false },
];

for (const { os, args, stdinIsTerminal, wait } of waitCases) {
  const how = `${os}, ${args.length === 0 ? "no arguments" : "arguments"}, ${
    stdinIsTerminal ? "a terminal" : "no terminal"
  }`;
  Deno.test(`shouldWaitBeforeExit() ${wait ? "waits" : "does not wait"} (${how})`, () => {
    assert.equal(shouldWaitBeforeExit({ os, args, stdinIsTerminal }), wait);
  });
}
