import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConsoleAdapter, consoleFilesDir } from "../../src/adapters/console/console.adapter.ts";
import type { Router } from "../../src/core/router.ts";
import { openDb } from "../../src/db/client.ts";
import { translator } from "../../src/i18n/i18n.ts";
import { CHART, EXPORT } from "../helpers/attachments.ts";

const mode = (p: string) => statSync(p).mode & 0o777;

describe("files holding customer data are owner-only", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "visitmate-perms-"));
    // mkdtemp makes 0700 folders; the parent of data/ is an ordinary shared one, as a checkout is.
    chmodSync(root, 0o755);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("a new database: data/ is created 0700, the database file and its -wal / -shm 0600", async () => {
    const file = path.join(root, "data", "visitmate.db");
    const db = await openDb(`file:${file}`);
    try {
      await db.appMeta.create({ data: { key: "probe", value: "x" } });
      expect(mode(path.join(root, "data"))).toBe(0o700);
      expect(readdirSync(path.join(root, "data")).sort()).toEqual(["visitmate.db", "visitmate.db-shm", "visitmate.db-wal"]);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f), f).toBe(0o600);
      // The parent folder that already existed keeps its mode.
      expect(mode(root)).toBe(0o755);
    } finally {
      await db.$disconnect();
    }
  });

  it("a database an older version made readable by everyone is tightened at the next start", async () => {
    const file = path.join(root, "data", "visitmate.db");
    const first = await openDb(`file:${file}`);
    await first.appMeta.create({ data: { key: "kept", value: "yes" } });
    await first.$disconnect();
    chmodSync(file, 0o644);
    const db = await openDb(`file:${file}`);
    try {
      expect(mode(file)).toBe(0o600);
      // Same data: tightening never recreated the file.
      expect(await db.appMeta.findUnique({ where: { key: "kept" } })).toMatchObject({ value: "yes" });
    } finally {
      await db.$disconnect();
    }
  });

  it("the terminal's exports/ folder is created 0700 and each saved chart or export 0600", async () => {
    const dir = consoleFilesDir(path.join(root, "data", "visitmate.db"));
    mkdirSync(path.dirname(dir), { recursive: true });
    const input = new PassThrough();
    const output = new PassThrough();
    let out = "";
    output.on("data", (c: Buffer) => (out += c.toString("utf8")));
    const router: Router = { commands: () => [], handle: async () => [{ text: "周报", attachments: [CHART, EXPORT] }] };
    const adapter = new ConsoleAdapter({ router, input, output, filesDir: dir, translate: async () => translator("en") });
    const done = adapter.run();
    input.end("/report\n");
    await done;
    expect(out).toContain(path.join(dir, CHART.name));
    expect(mode(dir)).toBe(0o700);
    for (const name of [CHART.name, EXPORT.name]) expect(mode(path.join(dir, name)), name).toBe(0o600);
  });

  it("an existing folder chosen by the operator keeps its mode; the database inside is still 0600", async () => {
    const dir = path.join(root, "srv");
    mkdirSync(dir, { mode: 0o750 });
    chmodSync(dir, 0o750);
    writeFileSync(path.join(dir, "README"), "ops notes");
    const file = path.join(dir, "visitmate.db");
    const db = await openDb(`file:${file}`);
    await db.$disconnect();
    expect(mode(dir)).toBe(0o750);
    expect(mode(file)).toBe(0o600);
  });
});
