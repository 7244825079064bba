import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";

/**
 * Stand-in "hosts" for multi-host tests: one network namespace (and pid namespace) per host,
 * joined by a bridge in the root namespace (docs/postgres-notes.md §6). Each namespace has its own loopback, so an instance
 * inside it reaches PostgreSQL and the fake platforms only through the bridge address, as a second
 * machine would. Traffic never leaves the machine: there is no forwarding and no route out.
 *
 * Without root (or without iproute2) the same scenario runs with every "host" on 127.0.0.1 and its
 * own ports: `mode` says which, so a test can name it instead of silently passing.
 */
export interface TestHost {
  name: string;
  /** The host's address, where its webhook server listens and other hosts reach it. */
  ip: string;
  /** The command line that runs `argv` on this host. */
  command(argv: string[]): { file: string; args: string[] };
}

export interface HostNet {
  mode: "netns" | "loopback";
  /** The root namespace's address on the bridge: PostgreSQL and the fake platforms listen here. */
  bridgeIp: string;
  /** For pg_hba (`host all all <subnet> trust`). */
  subnet: string;
  hosts: TestHost[];
  /** Removes the namespaces and links (idempotent; also runs at process exit). */
  cleanup(): void;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

/** True when this process may create network namespaces (root with iproute2). */
export function netnsAvailable(): boolean {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return false;
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A /24 in 10.0.0.0/8 that no route of this machine uses. */
function freeSubnet(): [number, number] {
  const routes = execFileSync("ip", ["-4", "route", "show", "table", "all"], { encoding: "utf8" });
  for (let i = 0; i < 50; i++) {
    const a = randomInt(100, 250);
    const b = randomInt(0, 255);
    if (!routes.includes(`10.${a}.${b}.`)) return [a, b];
  }
  throw new Error("no free 10.x.y.0/24 subnet found");
}

export function createHostNet(count: number, opts: { forceLoopback?: boolean } = {}): HostNet {
  if (opts.forceLoopback || !netnsAvailable()) {
    const hosts = Array.from({ length: count }, (_, i) => ({ name: `loopback-${i + 1}`, ip: "127.0.0.1", command: (argv: string[]) => ({ file: argv[0]!, args: argv.slice(1) }) }));
    return { mode: "loopback", bridgeIp: "127.0.0.1", subnet: "127.0.0.1/32", hosts, cleanup: () => undefined };
  }
  // Short names: interface names are at most 15 characters.
  const tag = randomBytes(3).toString("hex");
  const [a, b] = freeSubnet();
  const prefix = `10.${a}.${b}`;
  const bridge = `vmb${tag}`;
  const namespaces: string[] = [];
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    // Deleting a namespace deletes its veth end and with it the peer on the bridge.
    for (const ns of namespaces) {
      try {
        ip("netns", "del", ns);
      } catch {
        // already gone
      }
    }
    try {
      ip("link", "del", bridge);
    } catch {
      // never created, or already gone
    }
    process.off("exit", cleanup);
  };
  process.on("exit", cleanup);
  try {
    ip("link", "add", bridge, "type", "bridge");
    ip("addr", "add", `${prefix}.1/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    const hosts: TestHost[] = [];
    for (let i = 1; i <= count; i++) {
      const ns = `vmh${tag}-${i}`;
      const veth = `vmv${tag}${i}`;
      ip("netns", "add", ns);
      namespaces.push(ns);
      ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
      ip("link", "set", veth, "master", bridge);
      ip("link", "set", veth, "up");
      const hostIp = `${prefix}.${10 + i}`;
      ip("-n", ns, "addr", "add", `${hostIp}/24`, "dev", "eth0");
      ip("-n", ns, "link", "set", "eth0", "up");
      ip("-n", ns, "link", "set", "lo", "up");
      // Its own pids too, as on another machine (the host name stays shared, as for containers
      // with the host's network): --kill-child so a SIGKILL of the wrapper kills the instance.
      hosts.push({ name: ns, ip: hostIp, command: (argv) => ({ file: "ip", args: ["netns", "exec", ns, "unshare", "--pid", "--fork", "--kill-child", "--mount-proc", ...argv] }) });
    }
    return { mode: "netns", bridgeIp: `${prefix}.1`, subnet: `${prefix}.0/24`, hosts, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
