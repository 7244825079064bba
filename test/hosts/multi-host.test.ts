import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, onTestFailed } from "vitest";
import { loadPolicy } from "../../src/config/policy.ts";
import { FakeClock } from "../../src/core/clock.ts";
import { InstanceRegistry } from "../../src/core/instances.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { enqueue } from "../../src/core/outbox.ts";
import { openDb, type Db } from "../../src/db/client.ts";
import { seedDemoIfEmpty } from "../../src/modules/demo/demo.service.ts";
import { closePlanPool } from "../../src/modules/planning/plan-pool.ts";
import { planDayList } from "../../src/modules/planning/planning.service.ts";
import { FakeLarkApi, messageEvent, postLarkEvent } from "../helpers/fake-lark.ts";
import { FakeTelegram } from "../helpers/fake-telegram.ts";
import { createHostNet, netnsAvailable, type HostNet, type TestHost } from "../helpers/netns.ts";
import { freePort, pgAdmin, startPgCluster, type PgCluster } from "../helpers/pg-cluster.ts";
import { local } from "../helpers/reminders.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const script = path.join(repoRoot, "test/helpers/host-instance-main.ts");
const TOKEN = "123456789:AAEhostsTESTtokenTESTtoken";
const SECRET = "multi-host-secret";
const HEARTBEAT_MS = 500;
const STALE_MS = 5_000;
const IN_FLIGHT = 4;
const BULK = 120;
const BURST = 60;
const USERS = { M001: 9001, M002: 9002 } as const;
const LARK = { appId: "cli_a1b2c3d4e5f60718", appSecret: "s3cretS3cretS3cretS3cretS3cret12", encryptKey: "hosts-encrypt-key", verificationToken: "hosts-verification" };
/** The supervisor, on Lark only (the managers' reminders stay on Telegram). */
const SUPERVISOR = { code: "S001", openId: "ou_s001hosts00000000000000000001", chatId: "oc_s001hosts0000000000000000001" };
// VISITMATE_TEST_HOSTS=loopback runs the fallback on purpose (to check it where ip netns works).
const FORCED = process.env.VISITMATE_TEST_HOSTS === "loopback";
const NETNS = !FORCED && netnsAvailable();
const MODE = NETNS
  ? "three network namespaces (ip netns + veth + bridge, own pid namespaces)"
  : `three loopback ports (fallback: ${FORCED ? "VISITMATE_TEST_HOSTS=loopback" : "ip netns needs root, this run is not root"})`;

interface Line {
  ready?: boolean;
  instanceId?: string;
  pid?: number;
  drill?: "holding" | "ran";
  slot?: string;
  takeover?: { reason: string; instances: number; outbox: number; jobRuns: number };
  at?: string;
}

interface Instance {
  host: TestHost;
  child: ChildProcess;
  lines: Line[];
  stderr: () => string;
  id: string;
  webhook: string;
  larkEvents: string;
}

/** Resolves when `check` holds; the bound only turns a hang into a readable failure. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe(`instances on ${MODE} against one PostgreSQL`, () => {
  let net: HostNet | undefined;
  let cluster: PgCluster | undefined;
  let db: Db | undefined;
  let tg: FakeTelegram | undefined;
  let lark: FakeLarkApi | undefined;
  let work: string | undefined;
  const instances: Instance[] = [];
  afterAll(async () => {
    for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill("SIGKILL");
    await Promise.all(instances.map((i) => (i.child.exitCode === null && i.child.signalCode === null ? new Promise((r) => i.child.once("exit", r)) : null)));
    await tg?.close();
    await lark?.close();
    await db?.$disconnect();
    await closePlanPool();
    await cluster?.stop();
    net?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("each reminder and message sent once, webhooks answered once on any host, a killed instance's claims taken over within 30 s", async () => {
    process.stderr.write(`multi-host: running on ${MODE}\n`);
    onTestFailed(() => {
      for (const i of instances) process.stderr.write(`--- instance on ${i.host.name} (${i.id}) stderr:\n${i.stderr().slice(-4000)}\n`);
    });
    net = createHostNet(3, { forceLoopback: FORCED });
    expect(net.mode).toBe(NETNS ? "netns" : "loopback");
    cluster = await startPgCluster({ listen: net.mode === "netns" ? [net.bridgeIp] : [], hba: [`host all all ${net.subnet} trust`] });
    await pgAdmin(cluster.adminUrl, "CREATE DATABASE visitmate");
    work = mkdtempSync(path.join(tmpdir(), "visitmate-hosts-"));
    const releaseFile = path.join(work, "release-drill");

    // The company, as on any morning but the first: plans made, managers on Telegram, a backlog queued.
    db = await openDb(cluster.urlFor("visitmate"));
    const policy = loadPolicy();
    const seedClock = new FakeClock(local("2026-11-23", "07:00"));
    await seedDemoIfEmpty({ db, policy, clock: seedClock });
    for (const [code, uid] of Object.entries(USERS)) {
      const s = await db.staff.findUniqueOrThrow({ where: { code } });
      await db.chatIdentity.create({ data: { platform: "telegram", platformUserId: String(uid), staffId: s.id } });
      await planDayList({ deps: { db, policy, clock: seedClock, log: silentLogger }, staff: s, date: "2026-11-23" });
    }
    const supervisor = await db.staff.findUniqueOrThrow({ where: { code: SUPERVISOR.code } });
    await db.chatIdentity.create({ data: { platform: "lark", platformUserId: SUPERVISOR.openId, staffId: supervisor.id } });
    for (let i = 0; i < BULK; i++) await enqueue({ db, key: `bulk:${i}`, kind: "bulk", platform: "telegram", chatId: String(7000 + (i % 40)), reply: { text: `bulk ${i}` }, clock: seedClock });

    tg = new FakeTelegram(TOKEN);
    const apiRoot = await tg.start(net.bridgeIp);
    lark = new FakeLarkApi(LARK);
    const larkApi = await lark.start(net.bridgeIp);
    // Every instance's clock: real time shifted to 07:30 that Monday, so heartbeats age for real.
    const offsetMs = local("2026-11-23", "07:30").getTime() - Date.now();
    const shifted = { now: () => new Date(Date.now() + offsetMs) };

    const launch = async (host: TestHost): Promise<Instance> => {
      const port = await freePort();
      const child = spawn(host.command([process.execPath, "--import", "tsx", script]).file, host.command([process.execPath, "--import", "tsx", script]).args, {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          DATABASE_URL: cluster!.urlFor("visitmate", net!.bridgeIp),
          VISITMATE_PG_POOL: "4",
          VISITMATE_PLAN_WORKERS: "1",
          LOG_LEVEL: "warn",
          TELEGRAM_BOT_TOKEN: TOKEN,
          TELEGRAM_API_ROOT: apiRoot,
          TELEGRAM_WEBHOOK_URL: "https://bot.example.com/telegram",
          TELEGRAM_WEBHOOK_SECRET: SECRET,
          LARK_APP_ID: LARK.appId,
          LARK_APP_SECRET: LARK.appSecret,
          LARK_ENCRYPT_KEY: LARK.encryptKey,
          LARK_VERIFICATION_TOKEN: LARK.verificationToken,
          LARK_DOMAIN: larkApi,
          LARK_CONNECTION: "webhook",
          VISITMATE_HTTP_HOST: host.ip,
          VISITMATE_HTTP_PORT: String(port),
          VM_CLOCK_OFFSET_MS: String(offsetMs),
          VM_HEARTBEAT_MS: String(HEARTBEAT_MS),
          VM_STALE_MS: String(STALE_MS),
          VM_IN_FLIGHT: String(IN_FLIGHT),
          VM_DRILL_RELEASE: releaseFile,
        },
      });
      const lines: Line[] = [];
      let buf = "";
      let err = "";
      child.stdout!.on("data", (c: Buffer) => {
        buf += c.toString();
        for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
          lines.push(JSON.parse(buf.slice(0, nl)) as Line);
          buf = buf.slice(nl + 1);
        }
      });
      child.stderr!.on("data", (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
      const inst: Instance = { host, child, lines, stderr: () => err, id: "", webhook: `http://${host.ip}:${port}/telegram`, larkEvents: `http://${host.ip}:${port}/lark/events` };
      instances.push(inst);
      await until(() => {
        if (child.exitCode !== null) throw new Error(`instance on ${host.name} exited ${child.exitCode}: ${err}`);
        return lines.some((l) => l.ready);
      }, `instance on ${host.name} to start`).catch((e: Error) => {
        throw new Error(`${e.message}: ${err.slice(-3000)}`);
      });
      inst.id = lines.find((l) => l.ready)!.instanceId!;
      return inst;
    };
    // All three start together: each runs the catch-up for 07:30 at the same moment.
    const [a, b, c] = await Promise.all(net.hosts.map(launch));
    const all = [a!, b!, c!];
    // Registration runs just after start-up, in the background.
    await until(async () => (await db!.instance.count()) === 3, "three instance rows");
    // Each host its own pid space (netns mode: own pid namespaces, one shared host name), so none
    // takes another's live pid for a crashed one.
    if (net.mode === "netns") expect(new Set((await db.instance.findMany({ select: { host: true } })).map((r) => r.host)).size).toBe(3);

    // ---- chat traffic on every host: each update POSTed to one instance, two of them to two at once ----
    const update = (id: number, uid: number) => ({
      update_id: id,
      message: { message_id: id, date: Math.floor((Date.now() + offsetMs) / 1000), chat: { id: uid, type: "private", first_name: "M" }, from: { id: uid, is_bot: false, first_name: "M" }, text: "/help", entities: [{ type: "bot_command", offset: 0, length: 5 }] },
    });
    const post = async (inst: Instance, body: unknown) => {
      const r = await fetch(inst.webhook, { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET }, body: JSON.stringify(body) });
      return r.status;
    };
    const updateIds: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const id = 5000 + i;
      updateIds.push(id);
      statuses.push(await post(all[i % 3]!, update(id, i % 2 ? USERS.M002 : USERS.M001)));
    }
    // The same update delivered to two instances at once (Telegram retrying through another host).
    for (const [id, x, y] of [[5100, a!, b!], [5101, b!, c!]] as const) {
      updateIds.push(id);
      const u = update(id, id % 2 ? USERS.M002 : USERS.M001);
      statuses.push(...(await Promise.all([post(x, u), post(y, u)])));
    }
    // Lark events the same way: signed and encrypted, one per host, one delivered to two hosts at once.
    const larkEvent = (eventId: string) => messageEvent({ token: LARK.verificationToken, openId: SUPERVISOR.openId, chatId: SUPERVISOR.chatId, text: "/help", eventId });
    const postLark = async (inst: Instance, ev: unknown) => (await postLarkEvent(inst.larkEvents, ev, { encryptKey: LARK.encryptKey, now: shifted.now() })).status;
    const larkIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      larkIds.push(`ev_hosts_${i}`);
      statuses.push(await postLark(all[i]!, larkEvent(`ev_hosts_${i}`)));
    }
    larkIds.push("ev_hosts_dup");
    const dup = larkEvent("ev_hosts_dup");
    statuses.push(...(await Promise.all([postLark(b!, dup), postLark(c!, dup)])));
    expect(statuses.every((s) => s === 200)).toBe(true);

    // ---- phase A settles: every due job ran, everything queued was sent ----
    const replyKeys = [...updateIds.map((id) => `reply:telegram:${id}:0`), ...larkIds.map((id) => `reply:lark:${id}:0`)];
    await until(async () => (await db!.outbox.count({ where: { key: { in: replyKeys }, status: "sent" } })) === replyKeys.length, "each update's and event's reply to be sent");
    await until(async () => (await db!.outbox.count({ where: { status: { not: "sent" } } })) === 0, "the outbox to drain");
    expect(await db.jobRun.count({ where: { status: { not: "done" } } })).toBe(1); // the drill, held by one instance

    const allRows = await db.outbox.findMany({ select: { key: true, chatId: true, kind: true, platform: true } });
    const sentRows = allRows.filter((r) => r.platform === "telegram");
    const larkRows = allRows.filter((r) => r.platform === "lark");
    const calls = tg.sent();
    // Each message went to Telegram exactly once: per chat as many sendMessage calls as sent rows.
    const perChat = (xs: { chatId: string }[]) => xs.reduce((m, x) => m.set(x.chatId, (m.get(x.chatId) ?? 0) + 1), new Map<string, number>());
    expect(Object.fromEntries(perChat(calls.map((c) => ({ chatId: String(c.payload.chat_id) }))))).toEqual(Object.fromEntries(perChat(sentRows)));
    const morning = calls.filter((c) => String(c.payload.__plain).startsWith("☀️"));
    expect(morning.map((c) => String(c.payload.chat_id)).sort()).toEqual([String(USERS.M001), String(USERS.M002)]);
    expect(await db.jobRun.count({ where: { jobId: "morning-list" } })).toBe(1);
    expect(sentRows.filter((r) => r.kind === "bulk")).toHaveLength(BULK);
    // Each update handled once wherever it arrived: one once-only mark, one reply.
    expect(await db.processedEvent.count({ where: { platform: "telegram" } })).toBe(updateIds.length);
    expect(sentRows.filter((r) => r.kind === "reply")).toHaveLength(updateIds.length);
    expect(await db.processedEvent.count({ where: { platform: "lark" } })).toBe(larkIds.length);
    expect(larkRows.filter((r) => r.kind === "reply")).toHaveLength(larkIds.length);
    expect(Object.fromEntries(perChat(lark.sent.map((m) => ({ chatId: m.receive_id }))))).toEqual(Object.fromEntries(perChat(larkRows)));
    const sentBy = await db.outbox.groupBy({ by: ["claimedBy"], where: { status: "sent" }, _count: true });
    const spread = all.map((i) => sentBy.find((g) => g.claimedBy === i.id)?._count ?? 0);
    const phaseA = { sendMessage: calls.length, morning: morning.length, bulk: BULK, replies: updateIds.length, larkReplies: larkIds.length, larkSent: lark.sent.length, posts: statuses.length, sentPerInstance: spread };

    // ---- phase B: the instance holding the drill job's lease also holds outbox claims; kill -9 it ----
    const holder = all.find((i) => i.lines.some((l) => l.drill === "holding"));
    expect(holder).toBeDefined();
    const victim = holder!;
    const drillSlot = victim.lines.find((l) => l.drill === "holding")!.slot!;
    const burstChats = Array.from({ length: BURST }, (_, i) => 8000 + i);
    // Sends to these chats arrive at "Telegram" and wait there: claims stay in flight.
    const holds = burstChats.map((chat) => tg!.holdSends(chat));
    for (const [i, chat] of burstChats.entries()) await enqueue({ db, key: `burst:${i}`, kind: "burst", platform: "telegram", chatId: String(chat), reply: { text: `burst ${i}` }, clock: shifted });
    // More rows than three dispatchers hold (4 in flight + 10 queued each): every instance fills up.
    const claimsOf = async (id: string) => db!.outbox.count({ where: { kind: "burst", status: "sending", claimedBy: id } });
    await until(async () => {
      for (const i of all) if ((await claimsOf(i.id)) <= IN_FLIGHT) return false;
      return holds.reduce((n, h) => n + h.arrived(), 0) >= IN_FLIGHT * 3;
    }, "every instance to hold claims with sends in flight", 60_000).catch(async (e: Error) => {
      const rows = await db!.outbox.groupBy({ by: ["status", "claimedBy"], where: { kind: "burst" }, _count: true });
      throw new Error(`${e.message}: ${JSON.stringify(rows)}, arrived ${holds.reduce((n, h) => n + h.arrived(), 0)}`);
    });

    victim.child.kill("SIGKILL");
    await new Promise((r) => victim.child.once("exit", r));
    const killedAt = Date.now() + offsetMs;
    const deadClaims = await db.outbox.count({ where: { kind: "burst", status: "sending", claimedBy: victim.id } });
    const deadRow = await db.instance.findUniqueOrThrow({ where: { id: victim.id } });
    expect(deadClaims).toBeGreaterThan(0);
    expect(await db.jobRun.findFirstOrThrow({ where: { jobId: "drill" } })).toMatchObject({ status: "running", claimedBy: victim.id });
    // Telegram answers the held requests now: the dead process's answers go nowhere.
    writeFileSync(releaseFile, "");
    for (const h of holds) h.release();

    const survivors = all.filter((i) => i !== victim);
    await until(() => survivors.some((i) => i.lines.some((l) => l.takeover)), "a survivor to take over the dead instance's claims", 60_000);
    const taker = survivors.find((i) => i.lines.some((l) => l.takeover))!;
    const takeover = taker.lines.find((l) => l.takeover)!;
    const takeoverAt = new Date(takeover.at!).getTime();
    expect(takeover.takeover).toEqual({ reason: "heartbeat-stale", instances: 1, outbox: deadClaims, jobRuns: 1 });
    // Registry time: from the dead instance's last heartbeat to the takeover. Never before it is stale,
    // and within a heartbeat of it (the defaults, 10 s + 20 s, keep that inside 30 s).
    const sinceHeartbeatMs = takeoverAt - deadRow.heartbeatAt.getTime();
    const sinceKillMs = takeoverAt - killedAt;
    expect(sinceHeartbeatMs).toBeGreaterThanOrEqual(STALE_MS);
    expect(sinceHeartbeatMs).toBeLessThanOrEqual(30_000);
    const defaults = new InstanceRegistry({ db, clock: seedClock, log: silentLogger, instanceId: "probe" });
    expect(defaults.heartbeatMs + defaults.staleAfterMs).toBeLessThanOrEqual(30_000);

    // Everything the dead instance held is finished by the others: its messages, its job slot.
    await until(async () => (await db!.outbox.count({ where: { status: { not: "sent" } } })) === 0, "the burst to be sent");
    await until(async () => (await db!.jobRun.findFirst({ where: { jobId: "drill" } }))?.status === "done", "the drill slot to be finished by a survivor");
    const drillRun = await db.jobRun.findFirstOrThrow({ where: { jobId: "drill" } });
    expect(drillRun.slot).toBe(drillSlot);
    expect(survivors.map((s) => s.id)).toContain(drillRun.claimedBy);
    expect(await db.jobRun.count({ where: { jobId: "drill" } })).toBe(1);

    const burstCalls = tg.sent().filter((c) => burstChats.includes(Number(c.payload.chat_id)));
    const burstTexts = burstCalls.map((c) => String(c.payload.__plain));
    expect(new Set(burstTexts).size).toBe(BURST);
    // At-least-once (src/core/instances.ts): only the sends the dead instance had in flight can repeat.
    const duplicates = burstTexts.length - BURST;
    expect(duplicates).toBeLessThanOrEqual(IN_FLIGHT);
    // Nothing else was sent twice, and no live instance was ever taken for dead.
    const others = (await db.outbox.findMany({ where: { kind: { not: "burst" }, platform: "telegram" }, select: { chatId: true } })).filter((r) => !burstChats.includes(Number(r.chatId)));
    const otherCalls = tg.sent().filter((c) => !burstChats.includes(Number(c.payload.chat_id)));
    expect(Object.fromEntries(perChat(otherCalls.map((c) => ({ chatId: String(c.payload.chat_id) }))))).toEqual(Object.fromEntries(perChat(others)));
    expect(all.flatMap((i) => i.lines.filter((l) => l.takeover))).toEqual([takeover]);
    expect(survivors.every((s) => s.child.exitCode === null)).toBe(true);

    if (process.env.VISITMATE_TEST_FIGURES) {
      for (const i of instances) process.stderr.write(`--- instance on ${i.host.name} stderr:\n${i.stderr().slice(-4000)}\n`);
    }
    process.stderr.write(
      `multi-host figures (${net.mode}): phase A ${JSON.stringify(phaseA)}; kill: dead held ${deadClaims} outbox claims + 1 job lease, ` +
        `taken over ${sinceHeartbeatMs} ms after its last heartbeat (${sinceKillMs} ms after the kill; heartbeat ${HEARTBEAT_MS} ms, stale ${STALE_MS} ms), ` +
        `burst ${BURST} messages in ${burstCalls.length} sends (${duplicates} repeated)\n`,
    );
  }, 300_000);
});
