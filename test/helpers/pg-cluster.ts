import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

/**
 * A throw-away PostgreSQL cluster for tests and the bench: `initdb` into a temp folder, the server
 * on a free loopback port, removed on stop. As root (CI containers), initdb and the server run as
 * the `postgres` system user: initdb refuses root. The cluster's default time zone is deliberately
 * not UTC (Asia/Shanghai), so a session that forgot to pin UTC stores shifted times and a test sees it.
 */
export interface PgCluster {
  /** postgresql://visitmate@127.0.0.1:PORT/postgres */
  adminUrl: string;
  host: string;
  port: number;
  dataDir: string;
  urlFor(database: string, host?: string): string;
  stop(): Promise<void>;
}

export function pgBinDir(): string {
  const fromEnv = process.env.VISITMATE_PG_BIN;
  if (fromEnv && existsSync(path.join(fromEnv, "initdb"))) return fromEnv;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(root, versions[0]!, "bin");
  }
  try {
    return path.dirname(execFileSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).trim());
  } catch {
    throw new Error(
      "PostgreSQL server binaries (initdb, postgres) were not found: the PostgreSQL storage suites need them. Install them (Debian: apt-get install -y postgresql) or set VISITMATE_PG_BIN to their folder.",
    );
  }
}

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function runAs(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

async function waitConnectable(url: string, server: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (server.exitCode !== null) throw new Error(`PostgreSQL exited at start (code ${server.exitCode}): ${log()}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`PostgreSQL did not accept connections within 30 s: ${log()}`);
}

export interface StartPgOptions {
  /** Extra addresses to listen on (a bridge address for network-namespace tests). */
  listen?: string[];
  /** Extra pg_hba.conf lines (e.g. `host all all 10.231.0.0/24 trust`). */
  hba?: string[];
  /** The server's default session time zone (default Asia/Shanghai, to catch sessions that forget UTC). */
  timeZone?: string;
  maxConnections?: number;
}

export async function startPgCluster(opts: StartPgOptions = {}): Promise<PgCluster> {
  const bin = pgBinDir();
  const base = mkdtempSync(path.join(tmpdir(), "visitmate-pg-"));
  const dataDir = path.join(base, "data");
  const sockDir = path.join(base, "run");
  const logFile = path.join(base, "server.log");
  const as = runAs();
  execFileSync("mkdir", ["-p", dataDir, sockDir]);
  writeFileSync(logFile, "");
  if (as) for (const p of [base, dataDir, sockDir, logFile]) chownSync(p, as.uid, as.gid);
  execFileSync(path.join(bin, "initdb"), ["-D", dataDir, "-U", "visitmate", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"], {
    stdio: ["ignore", "ignore", "pipe"],
    ...(as ?? {}),
  });
  for (const line of opts.hba ?? []) appendFileSync(path.join(dataDir, "pg_hba.conf"), line + "\n");
  const port = await freePort();
  const host = "127.0.0.1";
  const listen = [host, ...(opts.listen ?? [])].join(",");
  const server = spawn(
    path.join(bin, "postgres"),
    [
      "-D", dataDir, "-p", String(port), "-k", sockDir,
      "-c", `listen_addresses=${listen}`,
      "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
      "-c", `timezone=${opts.timeZone ?? "Asia/Shanghai"}`,
      "-c", `max_connections=${opts.maxConnections ?? 300}`,
      "-c", "shared_buffers=64MB",
    ],
    { stdio: ["ignore", "ignore", "pipe"], ...(as ?? {}) },
  );
  let stderr = "";
  server.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const urlFor = (database: string, h = host) => `postgresql://visitmate@${h}:${port}/${database}`;
  const adminUrl = urlFor("postgres");
  try {
    await waitConnectable(adminUrl, server, () => stderr);
  } catch (err) {
    server.kill("SIGKILL");
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  return {
    adminUrl,
    host,
    port,
    dataDir,
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (server.exitCode === null) {
        const exited = new Promise<void>((r) => server.once("exit", () => r()));
        server.kill("SIGINT"); // fast shutdown
        const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Runs one statement on the cluster's admin database. */
export async function pgAdmin(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
