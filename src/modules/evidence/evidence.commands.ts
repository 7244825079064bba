import type { Attachment, Reply } from "../../core/chat.ts";
import { addDays, isValidDate } from "../../core/dates.ts";
import { AppError } from "../../core/errors.ts";
import { formatDay } from "../../core/format.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import { today } from "../planning/planning.service.ts";
import { dayPhotosOf, findStaffForPhotos, maySeePhotos } from "./evidence-report.service.ts";
import { readPhoto } from "./evidence.service.ts";
import { photoExtension } from "./image.ts";

/** Photos sent in one reply: more would be a wall of images (and Telegram groups at most 10). */
export const PHOTOS_PER_REPLY = 10;

/**
 * Bytes of photos in one reply: a reply is stored whole (base64) in the outbox until sent, so ten
 * photos at the 10 MB limit would make one row of over 130 MB. A page ends early instead.
 */
export const PHOTO_BYTES_PER_REPLY = 16 * 1024 * 1024;

/**
 * The day's photos cut into pages: at most `perPage` each, and no more than `maxBytes` of stored
 * size unless a single photo is larger alone. From the rows only, so page N is the same every time.
 */
export function photoPages<T extends { bytes: number }>(photos: T[], opts: { perPage?: number; maxBytes?: number } = {}): T[][] {
  const perPage = opts.perPage ?? PHOTOS_PER_REPLY;
  const maxBytes = opts.maxBytes ?? PHOTO_BYTES_PER_REPLY;
  const pages: T[][] = [];
  let page: T[] = [];
  let bytes = 0;
  for (const p of photos) {
    if (page.length && (page.length >= perPage || bytes + p.bytes > maxBytes)) {
      pages.push(page);
      page = [];
      bytes = 0;
    }
    page.push(p);
    bytes += p.bytes;
  }
  if (page.length) pages.push(page);
  return pages;
}

const TODAY_WORDS = new Set(["今天", "today", "今日"]);
const YESTERDAY_WORDS = new Set(["昨天", "yesterday", "昨日"]);

/** A date word or YYYY-MM-DD as a local date; null when the word is not a date. */
function dateWord(word: string, todayDate: string): string | null {
  const w = word.toLowerCase();
  if (TODAY_WORDS.has(w)) return todayDate;
  if (YESTERDAY_WORDS.has(w)) return addDays(todayDate, -1);
  return /^\d{4}-\d{2}-\d{2}$/.test(w) && isValidDate(w) ? w : null;
}

function usage(ctx: CommandContext): Reply {
  return { text: ctx.t("evidence-sup.photos.usage") };
}

/**
 * /photos [CODE] [date|今天|昨天] [page]: the photos of a manager's visits that day, as images. Only
 * the manager, their supervisor chain and admins may see them; anyone else (and any code nobody has)
 * gets the same refusal, so it tells nothing about who exists or whether there are photos.
 */
async function photosCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const viewer = ctx.staff!;
  const now = today(deps);
  const args = [...ctx.args];
  let code = viewer.code;
  if (args.length && dateWord(args[0]!, now) === null && !/^\d+$/.test(args[0]!)) code = args.shift()!;
  let date = now;
  if (args.length && dateWord(args[0]!, now) !== null) date = dateWord(args.shift()!, now)!;
  let page = 1;
  if (args.length && /^\d{1,4}$/.test(args[0]!) && Number(args[0]) >= 1) page = Number(args.shift());
  if (args.length || !/^[\w-]{1,32}$/.test(code)) return usage(ctx);

  const manager = await findStaffForPhotos(deps.db, code);
  if (!manager || !(await maySeePhotos(deps.db, viewer, manager))) {
    throw new AppError("evidence.photos-access", { message: "photos: not the manager, their supervisor chain or an admin", userMessage: { key: "evidence-sup.photos.denied", params: { code } } });
  }
  if (!deps.photos) return { text: t("evidence-sup.photos.no-store") };
  const store = deps.photos;
  const who = { name: manager.name, code: manager.code, day: formatDay(date, t) };
  const all = await dayPhotosOf({ db: deps.db, policy: deps.policy, managerId: manager.id, date });
  if (!all.length) {
    // The retention job deletes old photos' rows with their content: an old day reads as expired, not as "none sent".
    const expired = date < addDays(now, -deps.policy.evidence.retentionDays);
    return { text: t(expired ? "evidence-sup.photos.expired" : "evidence-sup.photos.none", { ...who, days: deps.policy.evidence.retentionDays }) };
  }
  const cut = photoPages(all.map((p) => ({ ...p, bytes: p.photo.bytes })));
  const pages = cut.length;
  if (page > pages) return { text: t("evidence-sup.photos.past-end", { ...who, n: all.length, page }) };
  const first = cut.slice(0, page - 1).reduce((n, p) => n + p.length, 0);
  const shown = cut[page - 1]!;
  const lines = [t("evidence-sup.photos.title", { ...who, n: all.length }) + (pages > 1 ? t("evidence-sup.photos.page", { page, pages }) : "")];
  const attachments: Attachment[] = [];
  for (const [i, p] of shown.entries()) {
    // Read one at a time: the page's size is bounded by photoPages.
    const bytes = await readPhoto(store, p.photo);
    const n = first + i + 1;
    const flags = (p.photo.duplicateOfId !== null ? t("evidence-sup.photos.duplicate") : "") + (bytes ? "" : t("evidence-sup.photos.deleted", { days: deps.policy.evidence.retentionDays }));
    lines.push(t("evidence-sup.photos.item", { i: n, shop: p.shop, time: p.time, section: p.photo.section ? t("evidence-sup.photos.section", { section: sectionName(ctx, p.photo.section) }) : "", flags }));
    if (bytes) attachments.push({ kind: "image", name: `${manager.code}-${date}-${n}${photoExtension(p.photo.mime)}`, mime: p.photo.mime, base64: bytes.toString("base64") });
  }
  const left = all.length - (first + shown.length);
  if (left > 0) lines.push(t("evidence-sup.photos.more", { n: left, command: `/photos ${manager.code} ${date} ${page + 1}` }));
  return { text: lines.join("\n"), attachments };
}

/** The visit menu's name of a section ("经营指导…"), or its id when no catalogue names it. */
function sectionName(ctx: CommandContext, section: string): string {
  const key = `forms.visit.section.${section}`;
  const name = ctx.t(key);
  return name === key ? section : name;
}

export const evidenceCommands: Command[] = [{ name: "photos", aliases: ["拜访照片"], helpKey: "help.photos", run: photosCommand }];
