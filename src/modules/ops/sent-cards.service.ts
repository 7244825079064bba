import type { Choice } from "../../core/chat.ts";
import { parseFormTap } from "../../core/forms/form-tap.ts";
import type { Db } from "../../db/client.ts";
import { inChunks } from "../../core/batch.ts";

/**
 * Messages with buttons we sent (a Lark card, a Telegram inline keyboard), stored so that a tap
 * after a restart finds what the card asked and whom, and so that a card no longer live can be
 * closed. The memory of an adapter is only a shortcut in front of this table.
 */
export interface TSentCard {
  platform: string;
  chatId: string;
  messageId: string;
  text: string;
  choices: Choice[];
  /** FormSession.id / rev of a form question's card (from its tap tokens); null for command buttons. */
  sessionId: number | null;
  rev: number | null;
  askedTo: string | null;
  chatType: "private" | "group";
  /** The chosen label (or closing note); null while its buttons are live. */
  answered: string | null;
  createdAt: Date;
}

type Row = { platform: string; chatId: string; messageId: string; text: string; choices: string; sessionId: number | null; rev: number | null; askedTo: string | null; chatType: string; answered: string | null; createdAt: Date };

function toCard(r: Row): TSentCard {
  let choices: Choice[] = [];
  try {
    const parsed = JSON.parse(r.choices) as unknown;
    if (Array.isArray(parsed)) choices = parsed as Choice[];
  } catch {
    choices = [];
  }
  return { ...r, choices, chatType: r.chatType === "group" ? "group" : "private" };
}

/** The form question a card's buttons answer (all form buttons of one card carry the same session and rev). */
export function formQuestionOf(choices: Choice[]): { sessionId: number; rev: number } | null {
  for (const c of choices) {
    const tap = parseFormTap(c.value);
    if (tap && tap !== "lost") return { sessionId: tap.sessionId, rev: tap.rev };
  }
  return null;
}

/** Records a card just sent (a second record of the same message id keeps the first). */
export async function recordSentCard(opts: { db: Db; card: Omit<TSentCard, "answered" | "sessionId" | "rev"> }): Promise<void> {
  const { db, card } = opts;
  const q = formQuestionOf(card.choices);
  await db.sentCard.upsert({
    where: { platform_messageId: { platform: card.platform, messageId: card.messageId } },
    create: { ...card, choices: JSON.stringify(card.choices), sessionId: q?.sessionId ?? null, rev: q?.rev ?? null },
    update: {},
  });
}

export async function findSentCard(opts: { db: Db; platform: string; messageId: string }): Promise<TSentCard | null> {
  const row = await opts.db.sentCard.findUnique({ where: { platform_messageId: { platform: opts.platform, messageId: opts.messageId } } });
  return row ? toCard(row) : null;
}

/**
 * Marks a card answered unless it was already, so a double tap (also across processes) is counted
 * once: "claimed" when this call did it, "taken" when the card was answered before, "unknown" when
 * no such card is stored (sent before cards were kept, or not recorded yet: a tap can arrive while
 * the sender is still writing the card's row). A card recorded between the update and the read
 * is claimed on a second try, never reported as answered.
 */
export async function claimCardAnswer(opts: { db: Db; platform: string; messageId: string; answered: string }): Promise<"claimed" | "taken" | "unknown"> {
  const { db, platform, messageId, answered } = opts;
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await db.sentCard.updateMany({ where: { platform, messageId, answered: null }, data: { answered } });
    if (r.count === 1) return "claimed";
    const row = await db.sentCard.findUnique({ where: { platform_messageId: { platform, messageId } }, select: { answered: true } });
    if (!row) return "unknown";
    if (row.answered !== null) return "taken";
  }
  return "taken";
}

/**
 * The live form cards in a chat, for one person, whose question is not `current` any more (a
 * newer question of the form was sent, or the form ended): they are closed by the caller. A
 * chat has a handful of live cards at most; `limit` bounds a chat that somehow has more.
 */
export async function staleFormCards(opts: { db: Db; platform: string; chatId: string; askedTo: string | null; except: string; limit?: number }): Promise<TSentCard[]> {
  const rows = await opts.db.sentCard.findMany({
    where: { platform: opts.platform, chatId: opts.chatId, askedTo: opts.askedTo, answered: null, sessionId: { not: null }, messageId: { not: opts.except } },
    orderBy: { id: "asc" },
    take: opts.limit ?? 20,
  });
  return rows.map(toCard);
}

/** Marks many cards closed at once (a bounded list from staleFormCards). */
export async function closeSentCards(opts: { db: Db; platform: string; messageIds: string[]; note: string }): Promise<number> {
  const counts = await inChunks(opts.messageIds, async (ids) => {
    const r = await opts.db.sentCard.updateMany({ where: { platform: opts.platform, messageId: { in: ids }, answered: null }, data: { answered: opts.note } });
    return [r.count];
  });
  return counts.reduce((a, b) => a + b, 0);
}

/** Forgets cards sent before `before`: a tap on one older than that reads as a question that is over. */
export async function pruneSentCards(opts: { db: Db; before: Date }): Promise<number> {
  const r = await opts.db.sentCard.deleteMany({ where: { createdAt: { lt: opts.before } } });
  return r.count;
}
