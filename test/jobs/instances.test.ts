import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { enqueue } from "../../src/core/outbox.ts";
import { planDayList } from "../../src/modules/planning/planning.service.ts";
import { createWorld, local, type World } from "../helpers/reminders.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const script = path.join(repoRoot, "test/helpers/instance-main.ts");

interface InstanceOutput {
  instanceId: string;
  ran: string[];
  sent: { chatId: string; text: string }[];
}

function runInstance(url: string, id: string, at: Date): Promise<InstanceOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, url, id, at.toISOString(), "4"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => (err && process.stderr.write(`[${id}] ${err}\n`), code === 0 ? resolve(JSON.parse(out) as InstanceOutput) : reject(new Error(`instance ${id} exited ${code}: ${err}`))));
  });
}

describe("two instances on one database file", () => {
  let w: World;
  afterEach(async () => w?.t.close());

  it("run the morning job once and send each message once", async () => {
    w = await createWorld({ start: local("2026-11-23", "07:00") });
    // Plans exist already (as on any day but the first), and a backlog of other messages waits.
    for (const s of [w.m1, w.m2]) await planDayList({ deps: w.deps, staff: s, date: "2026-11-23" });
    for (let i = 0; i < 120; i++) {
      await enqueue({ db: w.t.db, key: `bulk:${i}`, kind: "bulk", platform: "telegram", chatId: `chat-${i % 40}`, reply: { text: `bulk ${i}` }, clock: w.clock });
    }

    const at = local("2026-11-23", "07:30");
    const [a, b] = await Promise.all([runInstance(w.t.url, "A", at), runInstance(w.t.url, "B", at)]);

    // Every job's slot ran once in one of the two (other jobs may be due at 07:30 too).
    const ran = [...a.ran, ...b.ran];
    expect(ran.filter((r) => r.startsWith("morning-list:"))).toEqual(["morning-list:ran"]);
    expect(new Set(ran).size).toBe(ran.length);
    const sent = [...a.sent, ...b.sent].map((m) => `${m.chatId}|${m.text}`);
    expect(sent).toHaveLength(122);
    expect(new Set(sent).size).toBe(122);
    expect(sent.filter((m) => m.startsWith("tg-M001|☀️"))).toHaveLength(1);
    expect(sent.filter((m) => m.startsWith("tg-M002|☀️"))).toHaveLength(1);
    expect(await w.t.db.outbox.count({ where: { status: "sent" } })).toBe(122);
    expect(await w.t.db.jobRun.count({ where: { jobId: "morning-list" } })).toBe(1);
  });
});
