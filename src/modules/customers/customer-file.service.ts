import { z } from "zod";
import type { TPolicy } from "../../config/policy.ts";
import { chunks, inChunks } from "../../core/batch.ts";
import { addDays, localDate, rangeBounds, startOfMonth, startOfWeek, zonedInstant } from "../../core/dates.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import type { Db } from "../../db/client.ts";
import type { Customer, KeyPerson } from "../../generated/prisma/client.ts";
import {
  CUSTOMER_SCALES,
  FILE_TEXT_MAX,
  KEY_PERSON_LIMITS,
  MAX_KEY_PEOPLE,
  isPhoneNumber,
  type CustomerFileValue,
  type KeyPersonValue,
} from "./customer-file.ts";
import { listMissingPurchasePlans } from "./purchase-plans.service.ts";
import { countedWhere } from "../visits/counting.ts";

/** 第二十一条: 每周至少整理两份客户档案. */
export const FILES_PER_WEEK = 2;
/** 第二十二条: 每月对信用客户至少跟踪访问两次. */
export const CREDIT_CONTACTS_PER_MONTH = 2;

const text = z.string().trim().max(FILE_TEXT_MAX, "forms.err.too-long");
const money = z.number().min(0).max(1e10).nullable();

export const ZKeyPersonInputSchema = z.object({
  name: z.string().trim().min(1).max(KEY_PERSON_LIMITS.name),
  role: z.string().trim().max(KEY_PERSON_LIMITS.role).default(""),
  phone: z
    .string()
    .trim()
    .max(KEY_PERSON_LIMITS.phone)
    .refine((p) => p === "" || isPhoneNumber(p), "file.err.phone")
    .default(""),
  primary: z.boolean().optional(),
});
export type TKeyPersonInput = z.input<typeof ZKeyPersonInputSchema>;

/**
 * What a visit or the /file form may change. Key people are upserted by name (a known name gets
 * the new role/phone); `removeKeyPeople` names the ones to drop. Absent fields are left alone.
 */
export const ZCustomerFileChangesSchema = z
  .object({
    registration: text,
    scale: z.enum([...CUSTOMER_SCALES, ""]),
    scaleNote: text,
    equipment: text,
    oilUsage: text,
    needs: text,
    techRequirements: text,
    creditTermDays: z.number().int().min(0).max(3650).nullable(),
    creditLimit: money,
    receivables: money,
    receivablesDue: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
    keyPeople: z.array(ZKeyPersonInputSchema).max(MAX_KEY_PEOPLE),
    removeKeyPeople: z.array(z.string().trim().min(1)).max(MAX_KEY_PEOPLE),
  })
  .partial()
  .strict();
export type TCustomerFileChanges = z.input<typeof ZCustomerFileChangesSchema>;

const SCALAR_FIELDS = ["registration", "scale", "scaleNote", "equipment", "oilUsage", "needs", "techRequirements", "creditTermDays", "creditLimit", "receivables", "receivablesDue"] as const;
type ScalarField = (typeof SCALAR_FIELDS)[number];

export type CustomerFileOld = Partial<Pick<CustomerFileValue, ScalarField | "keyPeople">>;

function fileOf(c: Customer, people: KeyPerson[]): CustomerFileValue {
  return {
    name: c.name,
    code: c.code,
    credit: c.credit,
    registration: c.registration,
    scale: c.scale,
    scaleNote: c.scaleNote,
    equipment: c.equipment,
    oilUsage: c.oilUsage,
    needs: c.needs,
    techRequirements: c.techRequirements,
    creditTermDays: c.creditTermDays,
    creditLimit: c.creditLimit,
    receivables: c.receivables,
    receivablesDue: c.receivablesDue,
    fileUpdatedAt: c.fileUpdatedAt,
    keyPeople: basePeople(c, people).map((p) => ({ name: p.name, role: p.role, phone: p.phone, primary: p.primary })),
  };
}

/**
 * The stored key people, primary first. A customer imported with only the old single key_person
 * column has the name and no rows: that name is their (primary) key person until a list is written.
 */
function basePeople(c: Pick<Customer, "keyPerson">, people: KeyPerson[]): PersonRow[] {
  if (people.length || !c.keyPerson) return orderPeople(people).map((p) => ({ id: p.id, name: p.name, role: p.role, phone: p.phone, primary: p.primary }));
  return [{ name: c.keyPerson, role: "", phone: "", primary: true }];
}

function orderPeople<T extends { primary: boolean; id?: number }>(people: T[]): T[] {
  return [...people].sort((a, b) => Number(b.primary) - Number(a.primary) || (a.id ?? 0) - (b.id ?? 0));
}

/** One of the manager's own customers, read in the caller's transaction (a form completing); null when not theirs. */
export async function findOwnCustomerIn(opts: { tx: Tx; customerId: number; managerId: number }): Promise<Pick<Customer, "id" | "name"> | null> {
  return opts.tx.customer.findFirst({ where: { id: opts.customerId, managerId: opts.managerId }, select: { id: true, name: true } });
}

/** A customer's file with its key people (primary first); null when the customer does not exist. */
export async function readCustomerFile(opts: { db: Db | Tx; customerId: number }): Promise<(CustomerFileValue & { customer: Customer }) | null> {
  const c = await opts.db.customer.findUnique({ where: { id: opts.customerId }, include: { keyPeople: true } });
  if (!c) return null;
  return { ...fileOf(c, c.keyPeople), customer: c };
}

/**
 * Applies changes to a customer's file in the caller's transaction (the visit form, /file 改). Only
 * values that really differ are written; `fileUpdatedAt` is set only then, so re-saving the same
 * answers does not count as one of the week's two files. Returns the old values of what changed
 * (the visit keeps them) and whether anything did.
 */
export async function updateCustomerFile(opts: { tx: Tx; customerId: number; changes: TCustomerFileChanges; at: Date }): Promise<{ changed: boolean; old: CustomerFileOld; file: CustomerFileValue }> {
  const { tx, customerId, at } = opts;
  const changes = ZCustomerFileChangesSchema.parse(opts.changes);
  const current = await tx.customer.findUnique({ where: { id: customerId }, include: { keyPeople: true } });
  if (!current) throw new Error(`customer ${customerId} not found`);
  const old: CustomerFileOld = {};
  const data: Record<string, unknown> = {};
  for (const f of SCALAR_FIELDS) {
    const v = changes[f];
    if (v === undefined || v === current[f]) continue;
    (old as Record<string, unknown>)[f] = current[f];
    data[f] = v;
  }

  let people = current.keyPeople;
  if (changes.keyPeople?.length || changes.removeKeyPeople?.length) {
    const base = basePeople(current, people);
    const next = mergeKeyPeople(base, changes.keyPeople ?? [], changes.removeKeyPeople ?? []);
    if (!samePeople(base, next)) {
      old.keyPeople = fileOf(current, people).keyPeople;
      people = await writeKeyPeople(tx, customerId, next, at);
      data.keyPerson = people.find((p) => p.primary)?.name ?? "";
    }
  }
  const changed = Object.keys(data).length > 0;
  if (changed) {
    await tx.customer.update({ where: { id: customerId }, data: { ...data, fileUpdatedAt: at } });
  }
  const after = changed ? await tx.customer.findUniqueOrThrow({ where: { id: customerId } }) : current;
  return { changed, old, file: fileOf(after, people) };
}

type PersonRow = Pick<KeyPerson, "name" | "role" | "phone" | "primary"> & { id?: number };

/** Upsert by name, then removals; exactly one primary (the newly marked one, else the old one, else the first). */
function mergeKeyPeople(current: PersonRow[], upserts: z.output<typeof ZKeyPersonInputSchema>[], removals: string[]): PersonRow[] {
  const out: PersonRow[] = current.map((p) => ({ ...p }));
  let newPrimary: string | null = null;
  for (const u of upserts) {
    const hit = out.find((p) => p.name === u.name);
    if (hit) {
      if (u.role) hit.role = u.role;
      if (u.phone) hit.phone = u.phone;
    } else out.push({ name: u.name, role: u.role, phone: u.phone, primary: false });
    if (u.primary) newPrimary = u.name;
  }
  const kept = out.filter((p) => !removals.includes(p.name)).slice(0, MAX_KEY_PEOPLE);
  const primary = newPrimary && kept.some((p) => p.name === newPrimary) ? newPrimary : (kept.find((p) => p.primary)?.name ?? kept[0]?.name ?? null);
  for (const p of kept) p.primary = p.name === primary;
  return orderPeople(kept);
}

function samePeople(a: PersonRow[], b: PersonRow[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.role === b[i]!.role && p.phone === b[i]!.phone && p.primary === b[i]!.primary);
}

async function writeKeyPeople(tx: Tx, customerId: number, people: PersonRow[], at: Date): Promise<KeyPerson[]> {
  const keep = people.filter((p) => p.id !== undefined).map((p) => p.id!);
  await tx.keyPerson.deleteMany({ where: { customerId, id: { notIn: keep } } });
  for (const p of people) {
    if (p.id !== undefined) await tx.keyPerson.update({ where: { id: p.id }, data: { role: p.role, phone: p.phone, primary: p.primary, updatedAt: at } });
    else await tx.keyPerson.create({ data: { customerId, name: p.name, role: p.role, phone: p.phone, primary: p.primary, createdAt: at, updatedAt: at } });
  }
  return tx.keyPerson.findMany({ where: { customerId } });
}

/**
 * The import's key_people column: each listed customer's key people become exactly the file's
 * list (the first primary), and Customer.keyPerson follows. Bounded: one chunk of customers per
 * statement.
 */
export async function replaceKeyPeople(opts: { tx: Tx; people: Map<number, KeyPersonValue[]>; at: Date }): Promise<void> {
  const { tx, at } = opts;
  for (const part of chunks([...opts.people.keys()])) {
    await tx.keyPerson.deleteMany({ where: { customerId: { in: part } } });
    const rows = part.flatMap((customerId) => opts.people.get(customerId)!.map((p) => ({ customerId, ...p, createdAt: at, updatedAt: at })));
    for (const batch of chunks(rows)) await tx.keyPerson.createMany({ data: batch });
    for (const customerId of part) {
      const primary = opts.people.get(customerId)!.find((p) => p.primary)?.name ?? "";
      await tx.customer.update({ where: { id: customerId }, data: { keyPerson: primary } });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The standard's minimums (第二十一、二十二、三十三条), counted from the stored rows.

export interface CreditFollowUp {
  customer: Pick<Customer, "id" | "code" | "name" | "serviceClass" | "phone" | "address" | "receivables" | "receivablesDue">;
  /** Follow-ups this month (field visits and phone contacts, as the policy counts them). */
  contacts: number;
  /** Local date of the last contact this month, or null. */
  last: string | null;
}

/** A follow-up (跟踪访问) is a field visit or a phone contact, as the policy counts them. */
function followUpWhere(policy: TPolicy) {
  return { OR: [countedWhere(policy, "fieldVisit"), countedWhere(policy, "phoneContact")] };
}

/** Credit customers with receivables outstanding (null = not on file counts as outstanding; 0 = collected). */
const OUTSTANDING = { credit: true, OR: [{ receivables: null }, { receivables: { gt: 0 } }] };

/**
 * Every credit customer of a manager with receivables outstanding and how often they were
 * contacted this month up to `date` (field visits and phone contacts as the policy counts them). Those short
 * of two come first, fewest contacts first.
 */
export async function listCreditFollowUps(opts: { db: Db; policy: TPolicy; managerId: number; date: string }): Promise<CreditFollowUp[]> {
  const { db, policy } = opts;
  const customers = await db.customer.findMany({
    where: { managerId: opts.managerId, active: true, ...OUTSTANDING },
    select: { id: true, code: true, name: true, serviceClass: true, phone: true, address: true, receivables: true, receivablesDue: true },
    orderBy: { id: "asc" },
  });
  const visitedAt = rangeBounds(startOfMonth(opts.date), opts.date, policy.timeZone);
  const groups = await inChunks(customers.map((c) => c.id), (part) =>
    db.visit.groupBy({ by: ["customerId"], where: { customerId: { in: part }, visitedAt, ...followUpWhere(policy) }, _count: { _all: true }, _max: { visitedAt: true } }),
  );
  const byId = new Map(groups.map((g) => [g.customerId, g]));
  return customers
    .map((customer) => {
      const g = byId.get(customer.id);
      return { customer, contacts: g?._count._all ?? 0, last: g?._max.visitedAt ? localDate(g._max.visitedAt, policy.timeZone) : null };
    })
    .sort((a, b) => Math.min(a.contacts, CREDIT_CONTACTS_PER_MONTH) - Math.min(b.contacts, CREDIT_CONTACTS_PER_MONTH) || a.customer.id - b.customer.id);
}

/** Mid/large customers of a manager without any key person, in code order (at most `take`), and how many. */
export async function listMissingKeyPeople(opts: { db: Db; managerId: number; take: number }): Promise<{ count: number; customers: Pick<Customer, "id" | "code" | "name">[] }> {
  const where = { managerId: opts.managerId, active: true, scale: { in: ["mid", "large"] }, keyPerson: "", keyPeople: { none: {} } };
  const [count, customers] = await Promise.all([
    opts.db.customer.count({ where }),
    opts.db.customer.findMany({ where, select: { id: true, code: true, name: true }, orderBy: { code: "asc" }, take: opts.take }),
  ]);
  return { count, customers };
}

/** Files a manager updated in the week of `date` (Monday on), the ones named (at most `take`). */
export async function listFilesUpdatedThisWeek(opts: { db: Db; policy: TPolicy; managerId: number; date: string; take: number }): Promise<{ count: number; customers: Pick<Customer, "id" | "code" | "name">[] }> {
  const where = { managerId: opts.managerId, active: true, fileUpdatedAt: weekBounds(opts.policy, opts.date) };
  const [count, customers] = await Promise.all([
    opts.db.customer.count({ where }),
    opts.db.customer.findMany({ where, select: { id: true, code: true, name: true }, orderBy: { fileUpdatedAt: "desc" }, take: opts.take }),
  ]);
  return { count, customers };
}

function weekBounds(policy: TPolicy, date: string): { gte: Date; lt: Date } {
  const from = startOfWeek(date);
  return { gte: zonedInstant(from, "00:00", policy.timeZone), lt: zonedInstant(addDays(from, 7), "00:00", policy.timeZone) };
}

export interface KeyAccountFigures {
  filesThisWeek: number;
  missingKeyPerson: number;
  credit: { customers: number; met: number };
  /** Next month's purchase plans: customers and plans in. */
  plans: { month: string; customers: number; collected: number };
}

/** The key-account checks of many managers in bounded, grouped queries (the /team block). */
export async function keyAccountFiguresFor(opts: { db: Db; policy: TPolicy; managerIds: number[]; date: string; planMonth: string }): Promise<Map<number, KeyAccountFigures>> {
  const { db, policy, date } = opts;
  const out = new Map<number, KeyAccountFigures>();
  for (const id of opts.managerIds) out.set(id, { filesThisWeek: 0, missingKeyPerson: 0, credit: { customers: 0, met: 0 }, plans: { month: opts.planMonth, customers: 0, collected: 0 } });
  const visitedAt = rangeBounds(startOfMonth(date), date, policy.timeZone);
  for (const part of chunks(opts.managerIds, 50)) {
    const active = { managerId: { in: part }, active: true };
    const [files, missing, customers, plans] = await Promise.all([
      db.customer.groupBy({ by: ["managerId"], where: { ...active, fileUpdatedAt: weekBounds(policy, date) }, _count: { _all: true } }),
      db.customer.groupBy({ by: ["managerId"], where: { ...active, scale: { in: ["mid", "large"] }, keyPerson: "", keyPeople: { none: {} } }, _count: { _all: true } }),
      db.customer.groupBy({ by: ["managerId"], where: active, _count: { _all: true } }),
      db.purchasePlan.groupBy({ by: ["managerId"], where: { managerId: { in: part }, month: opts.planMonth, customer: { active: true } }, _count: { _all: true } }),
    ]);
    for (const g of files) out.get(g.managerId)!.filesThisWeek = g._count._all;
    for (const g of missing) out.get(g.managerId)!.missingKeyPerson = g._count._all;
    for (const g of customers) out.get(g.managerId)!.plans.customers = g._count._all;
    for (const g of plans) out.get(g.managerId)!.plans.collected = g._count._all;
    const credit = await db.customer.findMany({ where: { ...active, ...OUTSTANDING }, select: { id: true, managerId: true } });
    const contacts = await inChunks(credit.map((c) => c.id), (ids) => db.visit.groupBy({ by: ["customerId"], where: { customerId: { in: ids }, visitedAt, ...followUpWhere(policy) }, _count: { _all: true } }));
    const n = new Map(contacts.map((g) => [g.customerId, g._count._all]));
    for (const c of credit) {
      const f = out.get(c.managerId)!;
      f.credit.customers++;
      if ((n.get(c.id) ?? 0) >= CREDIT_CONTACTS_PER_MONTH) f.credit.met++;
    }
  }
  return out;
}

export interface KeyAccountDetails {
  date: string;
  files: { count: number; customers: Pick<Customer, "id" | "code" | "name">[] };
  missingKeyPerson: { count: number; customers: Pick<Customer, "id" | "code" | "name">[] };
  credit: CreditFollowUp[];
  plans: { month: string; total: number; missing: number; customers: Pick<Customer, "id" | "code" | "name" | "serviceClass">[] };
}

/** One manager's key-account checks with the customers named (/me); at most `take` names per check. */
export async function keyAccountDetailsOf(opts: { db: Db; policy: TPolicy; managerId: number; date: string; planMonth: string; take: number }): Promise<KeyAccountDetails> {
  const { db, policy, managerId, date, take } = opts;
  const [files, missingKeyPerson, credit, plans] = await Promise.all([
    listFilesUpdatedThisWeek({ db, policy, managerId, date, take }),
    listMissingKeyPeople({ db, managerId, take }),
    listCreditFollowUps({ db, policy, managerId, date }),
    listMissingPurchasePlans({ db, managerId, month: opts.planMonth, take }),
  ]);
  return { date, files, missingKeyPerson, credit, plans: { month: opts.planMonth, ...plans } };
}
