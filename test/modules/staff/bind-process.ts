// A fresh VisitMate process against an existing SQLite file (what a restart is): handles one chat
// message with the real router at a given instant and prints the replies as JSON. Nothing from
// the test process (module state, caches) reaches it.
import { createAppRouter } from "../../../src/app.ts";
import type { Platform } from "../../../src/core/chat.ts";
import { loadPolicy } from "../../../src/config/policy.ts";
import { FakeClock } from "../../../src/core/clock.ts";
import { createLogger } from "../../../src/core/logger.ts";
import { openDb } from "../../../src/db/client.ts";

const [url, at, platform, userId, text, how] = process.argv.slice(2) as [string, string, Platform, string, string, string?];
const db = await openDb(url);
const router = createAppRouter({ db, policy: loadPolicy({ preset: "tobacco-retail" }), clock: new FakeClock(at), log: createLogger("error") });
const replies = await router.handle({ platform, chatId: userId, userId, text, isAction: how === "tap" });
await db.$disconnect();
process.stdout.write(JSON.stringify(replies));
