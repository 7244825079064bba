import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../../src/db/client.ts";
import { claimCardAnswer, findSentCard, recordSentCard } from "../../../src/modules/ops/sent-cards.service.ts";
import { createTestDb, type TestDb } from "../../helpers/db.ts";

const card = (messageId: string) => ({
  platform: "telegram",
  chatId: "4242",
  messageId,
  text: "记录哪家的拜访？",
  choices: [{ label: "1. 老王便利店", value: "f:1.1.0" }],
  askedTo: "4242",
  chatType: "private" as const,
  createdAt: new Date("2026-12-02T01:30:00Z"),
});

describe("a tap claims its card once", () => {
  let t: TestDb;
  let other: Db;
  beforeEach(async () => {
    t = await createTestDb();
    other = await openDb(t.url);
  });
  afterEach(async () => {
    await other.$disconnect();
    await t.close();
  });

  it("the first tap claims, a second (from any process) finds it taken, a card never stored is unknown", async () => {
    await recordSentCard({ db: t.db, card: card("4242:10") });
    expect(await claimCardAnswer({ db: t.db, platform: "telegram", messageId: "4242:10", answered: "f:1.1.0" })).toBe("claimed");
    expect(await claimCardAnswer({ db: other, platform: "telegram", messageId: "4242:10", answered: "f:1.1.0" })).toBe("taken");
    expect((await findSentCard({ db: t.db, platform: "telegram", messageId: "4242:10" }))!.answered).toBe("f:1.1.0");
    expect(await claimCardAnswer({ db: t.db, platform: "telegram", messageId: "4242:11", answered: "f:1.1.0" })).toBe("unknown");
  });

  // The CI failure of stop 24: the tap came in while the sender was still writing the card's row.
  // The claim's update saw no row, the row appeared, and the read then found a card: the old code
  // answered "already answered" to the first tap and dropped it.
  it("a tap whose card is recorded between the claim's update and its read is claimed, not refused as answered", async () => {
    let recorded = false;
    const racing = t.db.$extends({
      query: {
        sentCard: {
          async updateMany({ args, query }) {
            const r = await query(args);
            if (!recorded) {
              recorded = true;
              await recordSentCard({ db: other, card: card("4242:12") });
            }
            return r;
          },
        },
      },
    }) as unknown as Db;
    expect(await claimCardAnswer({ db: racing, platform: "telegram", messageId: "4242:12", answered: "f:1.1.0" })).toBe("claimed");
    expect(recorded).toBe(true);
    expect((await findSentCard({ db: t.db, platform: "telegram", messageId: "4242:12" }))!.answered).toBe("f:1.1.0");
  });
});
