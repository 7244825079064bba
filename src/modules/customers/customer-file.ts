import type { Translate } from "../../i18n/i18n.ts";
import { formatDay } from "../../core/format.ts";

/**
 * The key-account customer file (润滑油客户经理规范 第三十三–三十七条) as pure data and wording:
 * what a manager reads before a visit and what the import accepts for key people. No I/O here.
 */

export const CUSTOMER_SCALES = ["small", "mid", "large"] as const;
export type CustomerScale = (typeof CUSTOMER_SCALES)[number];

/** The file's text fields, in the order /file shows them. */
export const FILE_TEXT_FIELDS = ["registration", "equipment", "oilUsage", "needs", "techRequirements"] as const;
export type FileTextField = (typeof FILE_TEXT_FIELDS)[number];

export const FILE_TEXT_MAX = 500;
export const KEY_PERSON_LIMITS = { name: 50, role: 30, phone: 40 } as const;
/** More than this is a pasted list, not the people a manager works with at one customer. */
export const MAX_KEY_PEOPLE = 10;

export interface KeyPersonValue {
  name: string;
  role: string;
  phone: string;
  primary: boolean;
}

export interface CustomerFileValue {
  name: string;
  code: string;
  credit: boolean;
  registration: string;
  scale: string;
  scaleNote: string;
  equipment: string;
  oilUsage: string;
  needs: string;
  techRequirements: string;
  creditTermDays: number | null;
  creditLimit: number | null;
  receivables: number | null;
  receivablesDue: string | null;
  fileUpdatedAt: Date | null;
  keyPeople: KeyPersonValue[];
}

/** 大中型终端客户 must have at least one key person (第三十三条). */
export function needsKeyPerson(scale: string): boolean {
  return scale === "mid" || scale === "large";
}

/** Outstanding receivables: a credit customer stays on the follow-up list until they are 0. Unknown counts as outstanding. */
export function hasOutstandingReceivables(c: { credit: boolean; receivables: number | null }): boolean {
  return c.credit && (c.receivables === null || c.receivables > 0);
}

const PHONE = /^\+?[\d\s()-]{5,20}$/;

/** A phone number as people write it (138 0000 0000, 0571-88888888, +86…): digits, spaces, - ( ). */
export function isPhoneNumber(v: string): boolean {
  return PHONE.test(v.trim()) && /\d{5,}/.test(v.replace(/\D/g, ""));
}

export type KeyPeopleParse = { people: KeyPersonValue[] } | { error: string };

/**
 * "张伟/采购主管/13800000000；李强/设备员" → key people, the first one primary. Entries are split by
 * ；, ; or |, parts by / (or ／). Errors are English import reasons naming the entry and the part.
 */
export function parseKeyPeople(text: string): KeyPeopleParse {
  const entries = text
    .split(/[；;|｜]/)
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length > MAX_KEY_PEOPLE) return { error: `key_people lists ${entries.length} people (at most ${MAX_KEY_PEOPLE})` };
  const people: KeyPersonValue[] = [];
  for (const [i, entry] of entries.entries()) {
    const parts = entry.split(/[/／]/).map((p) => p.trim());
    const where = `key_people entry ${i + 1} "${entry.slice(0, 60)}"`;
    if (parts.length > 3) return { error: `${where}: use name/role/phone (found ${parts.length} parts)` };
    const [name = "", role = "", phone = ""] = parts;
    if (!name) return { error: `${where}: the name is missing` };
    if (name.length > KEY_PERSON_LIMITS.name) return { error: `${where}: the name is longer than ${KEY_PERSON_LIMITS.name} characters` };
    if (role.length > KEY_PERSON_LIMITS.role) return { error: `${where}: the role is longer than ${KEY_PERSON_LIMITS.role} characters` };
    if (phone && !isPhoneNumber(phone)) return { error: `${where}: "${phone.slice(0, 40)}" is not a phone number` };
    if (people.some((p) => p.name === name)) return { error: `${where}: ${name} is listed twice` };
    people.push({ name, role, phone, primary: i === 0 });
  }
  return { people };
}

/** Yuan as field staff say it: 5万元, 8,000元 (zh-CN); ¥50,000 (en). */
export function formatAmount(n: number, t: Translate): string {
  const wan = String(Math.round(n / 100) / 100);
  return t(n >= 10_000 ? "file.amount.large" : "file.amount", { wan, n: Math.round(n).toLocaleString("en-US") });
}

export function primaryKeyPerson(file: Pick<CustomerFileValue, "keyPeople">): KeyPersonValue | null {
  return file.keyPeople.find((p) => p.primary) ?? file.keyPeople[0] ?? null;
}

function personText(p: KeyPersonValue, t: Translate): string {
  return [p.role ? t("file.person-role", { name: p.name, role: p.role }) : p.name, p.phone].filter(Boolean).join(" ");
}

function scaleText(file: Pick<CustomerFileValue, "scale" | "scaleNote">, t: Translate): string {
  const label = file.scale ? t(`file.scale.${file.scale}`) : "";
  return [label, file.scaleNote].filter(Boolean).join(" · ");
}

function creditText(file: CustomerFileValue, t: Translate, today?: string): string[] {
  const out: string[] = [];
  const terms = [
    file.creditLimit !== null ? t("file.credit-limit", { amount: formatAmount(file.creditLimit, t) }) : "",
    file.creditTermDays !== null ? t("file.credit-term", { days: file.creditTermDays }) : "",
  ].filter(Boolean);
  if (terms.length) out.push(t("file.line.credit", { terms: terms.join(t("file.sep")) }));
  if (file.receivables !== null && file.receivables > 0) {
    const due = file.receivablesDue
      ? t(today && file.receivablesDue < today ? "file.due-overdue" : "file.due-on", { day: formatDay(file.receivablesDue, t, today) })
      : "";
    out.push(t("file.line.receivables", { amount: formatAmount(file.receivables, t), due }).trim());
  } else if (file.receivables === 0 && file.credit) out.push(t("file.line.receivables-clear"));
  return out;
}

/**
 * The essentials before a visit (第三十五条 资料准备): scale, equipment, oil usage, credit limit and
 * term, receivables due, and the primary key person with role and phone. Lines without a value are
 * left out; an empty file says so and how to fill it in. With `today` a due date already passed
 * reads as overdue.
 */
export function customerFileBrief(file: CustomerFileValue, t: Translate, today?: string): string {
  const lines: string[] = [];
  const scale = scaleText(file, t);
  if (scale) lines.push(t("file.line.scale", { value: scale }));
  if (file.equipment) lines.push(t("file.line.equipment", { value: file.equipment }));
  if (file.oilUsage) lines.push(t("file.line.oilUsage", { value: file.oilUsage }));
  lines.push(...creditText(file, t, today));
  const primary = primaryKeyPerson(file);
  if (primary) lines.push(t("file.line.key-person", { value: personText(primary, t) }));
  else if (needsKeyPerson(file.scale)) lines.push(t("file.line.key-person-missing"));
  if (!lines.length) return t("file.brief-empty", { name: file.name });
  return [t("file.brief-header", { name: file.name }), ...lines.map((l) => `· ${l}`)].join("\n");
}

/** The whole file as /file shows it: every field (— when empty), all key people, when it was last updated. */
export function customerFileText(file: CustomerFileValue, t: Translate, today: string, updatedDay: string | null): string {
  const dash = t("file.none");
  const lines = [t("file.header", { name: file.name, code: file.code })];
  lines.push(t("file.line.registration", { value: file.registration || dash }));
  lines.push(t("file.line.scale", { value: scaleText(file, t) || dash }));
  lines.push(t("file.line.equipment", { value: file.equipment || dash }));
  lines.push(t("file.line.oilUsage", { value: file.oilUsage || dash }));
  lines.push(t("file.line.needs", { value: file.needs || dash }));
  lines.push(t("file.line.techRequirements", { value: file.techRequirements || dash }));
  const credit = creditText(file, t, today);
  lines.push(...(credit.length ? credit : [t("file.line.credit", { terms: file.credit ? dash : t("file.no-credit") })]));
  if (file.keyPeople.length) {
    lines.push(t("file.line.key-people", { n: file.keyPeople.length }));
    for (const p of file.keyPeople) lines.push(`  ${p.primary ? "★" : "·"} ${personText(p, t)}`);
  } else lines.push(t(needsKeyPerson(file.scale) ? "file.line.key-person-missing" : "file.line.key-people-none"));
  lines.push(updatedDay ? t("file.updated", { day: formatDay(updatedDay, t, today) }) : t("file.never-updated"));
  lines.push(t("file.edit-hint", { name: file.name }));
  return lines.join("\n");
}
