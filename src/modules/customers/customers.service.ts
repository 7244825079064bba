import type { TPolicy } from "../../config/policy.ts";
import { chunks, inChunks } from "../../core/batch.ts";
import type { Clock } from "../../core/clock.ts";
import { localDate } from "../../core/dates.ts";
import type { Db } from "../../db/client.ts";
import type { Tx } from "../../core/forms/form-types.ts";
import type { Customer } from "../../generated/prisma/client.ts";
import { classifyCustomers, type ClassifiableCustomer } from "./classification.ts";
import { readCustomerFile, updateCustomerFile, type TCustomerFileChanges, type TKeyPersonInput } from "./customer-file.service.ts";
import { isPhoneNumber } from "./customer-file.ts";

/** Active customers whose stored class the policy does not know (the preset was switched). */
export async function countCustomersOutsideClasses(db: Db, classIds: string[]): Promise<number> {
  return db.customer.count({ where: { active: true, serviceClass: { notIn: classIds } } });
}

export function toClassifiable(
  c: Pick<Customer, "id" | "managerId" | "marketType" | "retailFormat" | "tier" | "modernTerminal" | "violationDate" | "lowIncome" | "disabled" | "salesVolume" | "classOverride">,
  timeZone: string,
): ClassifiableCustomer {
  return {
    id: c.id,
    managerId: c.managerId,
    marketType: c.marketType,
    retailFormat: c.retailFormat,
    tier: c.tier,
    modernTerminal: c.modernTerminal,
    violationDate: c.violationDate ? localDate(c.violationDate, timeZone) : null,
    lowIncome: c.lowIncome,
    disabled: c.disabled,
    salesVolume: c.salesVolume,
    classOverride: c.classOverride,
  };
}

/**
 * Recomputes every active customer's service class from the policy and stores the effective
 * class. Returns how many changed. Classification is per manager, so it runs one manager at a
 * time (owners read in pages, never the whole customer table at once), each in one transaction
 * so readers never see a half-updated mix of that manager's territory.
 */
export async function recomputeServiceClasses(opts: { db: Db; policy: TPolicy; clock: Clock; managerIds?: number[] }): Promise<number> {
  const { db } = opts;
  let changed = 0;
  if (opts.managerIds) {
    for (const managerId of opts.managerIds) changed += await reclassifyTerritory(opts, managerId);
    return changed;
  }
  for (let afterId = 0; ; ) {
    const owners = await db.customer.groupBy({ by: ["managerId"], where: { active: true, managerId: { gt: afterId } }, orderBy: { managerId: "asc" }, take: OWNER_PAGE });
    for (const o of owners) changed += await reclassifyTerritory(opts, o.managerId);
    if (owners.length < OWNER_PAGE) return changed;
    afterId = owners[owners.length - 1]!.managerId;
  }
}

const OWNER_PAGE = 200;

async function reclassifyTerritory(opts: { db: Db; policy: TPolicy; clock: Clock }, managerId: number): Promise<number> {
  return applyClassChanges({ db: opts.db, changes: await findClassChanges({ ...opts, managerId }) });
}

/** A customer whose stored class is not what the policy says today. */
export interface ClassChange {
  customerId: number;
  code: string;
  name: string;
  from: string;
  to: string;
}

/**
 * What reclassifying one manager's territory today would change (read only): violations older than
 * the policy's months drop out of 帮扶, ABC shares follow the current sales, overrides stay.
 */
export async function findClassChanges(opts: { db: Db; policy: TPolicy; clock: Clock; managerId: number }): Promise<ClassChange[]> {
  const { db, policy, clock } = opts;
  const today = localDate(clock.now(), policy.timeZone);
  const customers = await db.customer.findMany({ where: { active: true, managerId: opts.managerId }, orderBy: { id: "asc" } });
  const result = classifyCustomers(customers.map((c) => toClassifiable(c, policy.timeZone)), policy, today);
  return customers
    .filter((c) => result.get(c.id)!.effective !== c.serviceClass)
    .map((c) => ({ customerId: c.id, code: c.code, name: c.name, from: c.serviceClass, to: result.get(c.id)!.effective }));
}

/**
 * Stores the new classes in one transaction (readers never see half a territory), one UPDATE per
 * target class; each row is guarded by its old class, so a change made meanwhile (an /assist
 * approval) is not overwritten with a stale one. Returns how many rows changed.
 */
export async function applyClassChanges(opts: { db: Db; changes: ClassChange[] }): Promise<number> {
  if (!opts.changes.length) return 0;
  const groups = new Map<string, number[]>();
  for (const c of opts.changes) {
    const key = `${c.from}\u0000${c.to}`;
    groups.set(key, [...(groups.get(key) ?? []), c.customerId]);
  }
  const updates = [...groups.entries()].flatMap(([key, ids]) => {
    const [from, serviceClass] = key.split("\u0000") as [string, string];
    return chunks(ids).map((part) => opts.db.customer.updateMany({ where: { id: { in: part }, serviceClass: from }, data: { serviceClass } }));
  });
  const results = await opts.db.$transaction(updates);
  return results.reduce((s, r) => s + r.count, 0);
}

/** A manager's active customers on credit, in id order (the credit follow-up reminder). */
export async function listCreditCustomers(opts: { db: Db; managerId: number }): Promise<Customer[]> {
  return opts.db.customer.findMany({ where: { managerId: opts.managerId, active: true, credit: true }, orderBy: { id: "asc" } });
}

/** A manager's active customers of the given classes (e.g. those with a phone-contact duty). */
export async function listCustomersOfClasses(opts: { db: Db; managerId: number; classIds: string[] }): Promise<Customer[]> {
  return opts.db.customer.findMany({ where: { managerId: opts.managerId, active: true, serviceClass: { in: opts.classIds } } });
}

/** The `take` active customers with a phone number who were visited longest ago (never first). */
export async function listLongestUnvisited(opts: { db: Db; managerId: number; take: number }): Promise<Customer[]> {
  return opts.db.customer.findMany({ where: { managerId: opts.managerId, active: true, phone: { not: "" } }, orderBy: [{ lastVisitAt: "asc" }, { id: "asc" }], take: opts.take });
}

/** A manager's active customers counted per service class. */
export async function countCustomersByClass(opts: { db: Db; managerId: number }): Promise<Map<string, number>> {
  const groups = await opts.db.customer.groupBy({ by: ["serviceClass"], where: { managerId: opts.managerId, active: true }, _count: { _all: true } });
  return new Map(groups.map((g) => [g.serviceClass, g._count._all]));
}

/** `countCustomersByClass` for many managers in bounded queries (a manager with none is missing). */
export async function countCustomersByClassFor(opts: { db: Db; managerIds: number[] }): Promise<Map<number, Map<string, number>>> {
  const groups = await inChunks(opts.managerIds, (part) => opts.db.customer.groupBy({ by: ["managerId", "serviceClass"], where: { managerId: { in: part }, active: true }, _count: { _all: true } }));
  const out = new Map<number, Map<string, number>>();
  for (const g of groups) {
    const byClass = out.get(g.managerId) ?? new Map<string, number>();
    byClass.set(g.serviceClass, g._count._all);
    out.set(g.managerId, byClass);
  }
  return out;
}

export async function countActiveCustomers(opts: { db: Db; managerId: number }): Promise<number> {
  return opts.db.customer.count({ where: { managerId: opts.managerId, active: true } });
}

/** Names by id (batched IN lists; unknown ids absent). */
export async function customerNames(opts: { db: Db; ids: number[] }): Promise<Map<number, string>> {
  const rows = await inChunks(opts.ids, (part) => opts.db.customer.findMany({ where: { id: { in: part } }, select: { id: true, name: true } }));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** "CODE name" per id, in the order given (unknown ids left out). */
export async function customerLabels(opts: { db: Db; ids: number[] }): Promise<string[]> {
  const rows = await inChunks(opts.ids, (part) => opts.db.customer.findMany({ where: { id: { in: part } }, select: { id: true, code: true, name: true } }));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return opts.ids.flatMap((id) => {
    const r = byId.get(id);
    return r ? [`${r.code} ${r.name}`] : [];
  });
}

/**
 * Customer details a visit can change. The key person is the primary one's name (`Customer.keyPerson`,
 * kept in step with the file's KeyPerson rows); `keyPersonMet` adds a person met who is not on file
 * yet (primary only when the file has none); `equipment` is the key-account file's equipment.
 */
export const CHANGEABLE_FIELDS = ["phone", "keyPerson", "keyPersonMet", "equipment"] as const;
export type ChangeableField = (typeof CHANGEABLE_FIELDS)[number];

export interface CustomerChangeInput {
  field: string;
  value: string;
  /** What the visit learnt besides the value (a key person's role and phone): kept in the visit, and given to the file's key person. */
  detail?: Record<string, string>;
}

/** A change as the visit keeps it: the value before and after, so /undo can put it back. */
export interface AppliedCustomerChange {
  field: ChangeableField;
  old: string;
  new: string;
  detail?: Record<string, string>;
  /** The key person the visit named was not on file before (an /undo removes them again). */
  created?: boolean;
}

function isChangeable(field: string): field is ChangeableField {
  return (CHANGEABLE_FIELDS as readonly string[]).includes(field);
}

/** The file's key people, read on first use and only once per call. */
function onceKeyPeople(tx: Tx, customerId: number): () => Promise<{ name: string }[]> {
  let read: Promise<{ name: string }[]> | null = null;
  return () => (read ??= readCustomerFile({ db: tx, customerId }).then((f) => f?.keyPeople ?? []));
}

/** A key person as the file takes them: a phone the file would refuse stays in the visit only. */
function filePerson(name: string, detail: Record<string, string> | undefined, primary: boolean): TKeyPersonInput {
  const phone = detail?.phone && isPhoneNumber(detail.phone) ? detail.phone : "";
  return { name, role: detail?.role ?? "", phone, primary };
}

/**
 * Writes the changed details to the customer, in the caller's transaction, and returns each with
 * the value it replaced. The last change of a field wins; a value equal to the current one, or a
 * field the customer record does not have, is left out. Key people and equipment go through the
 * customer file (its KeyPerson rows and "file updated" date follow).
 */
export async function applyCustomerChanges(opts: { tx: Tx; customerId: number; changes: CustomerChangeInput[]; at: Date }): Promise<{ customer: Customer; applied: AppliedCustomerChange[] }> {
  const { tx } = opts;
  const { at } = opts;
  const customer = await tx.customer.findUniqueOrThrow({ where: { id: opts.customerId } });
  const last = new Map<ChangeableField, CustomerChangeInput>();
  for (const c of opts.changes) if (isChangeable(c.field) && c.value.trim()) last.set(c.field, c);
  const applied: AppliedCustomerChange[] = [];
  const file: TCustomerFileChanges = {};
  const keyPeopleOnFile = onceKeyPeople(tx, customer.id);
  for (const [field, c] of last) {
    const value = c.value.trim();
    const detail = c.detail && Object.keys(c.detail).length ? c.detail : undefined;
    if (field === "keyPersonMet") {
      const onFile = await keyPeopleOnFile();
      if (onFile.some((p) => p.name === value) || last.get("keyPerson")?.value.trim() === value) continue;
      (file.keyPeople ??= []).push(filePerson(value, detail, onFile.length === 0));
      applied.push({ field, old: "", new: value, ...(detail ? { detail } : {}) });
      continue;
    }
    if (customer[field] === value) continue;
    let created = false;
    if (field === "keyPerson") {
      created = !(await keyPeopleOnFile()).some((p) => p.name === value);
      (file.keyPeople ??= []).unshift(filePerson(value, detail, true));
    } else if (field === "equipment") file.equipment = value;
    applied.push({ field, old: customer[field], new: value, ...(detail ? { detail } : {}), ...(created ? { created } : {}) });
  }
  if (!applied.length) return { customer, applied };
  const phone = last.get("phone");
  if (phone && applied.some((a) => a.field === "phone")) await tx.customer.update({ where: { id: customer.id }, data: { phone: phone.value.trim() } });
  if (Object.keys(file).length) await updateCustomerFile({ tx, customerId: customer.id, changes: file, at });
  return { customer: await tx.customer.findUniqueOrThrow({ where: { id: customer.id } }), applied };
}

/**
 * Puts back the values a visit replaced (its /undo, or an edit that took the change out), each only
 * while the customer still has the value the visit set: a later correction is never overwritten.
 * Returns the fields restored.
 */
export async function revertCustomerChanges(opts: { tx: Tx; customerId: number; changes: AppliedCustomerChange[]; at: Date }): Promise<ChangeableField[]> {
  const { tx } = opts;
  const { at } = opts;
  const customer = await tx.customer.findUnique({ where: { id: opts.customerId } });
  if (!customer) return [];
  const fields: ChangeableField[] = [];
  const file: TCustomerFileChanges = {};
  const keyPeopleOnFile = onceKeyPeople(tx, customer.id);
  for (const c of opts.changes) {
    if (!isChangeable(c.field)) continue;
    if (c.field === "keyPersonMet") {
      if (!(await keyPeopleOnFile()).some((p) => p.name === c.new)) continue;
      (file.removeKeyPeople ??= []).push(c.new);
    } else if (customer[c.field] !== c.new) continue;
    else if (c.field === "phone") await tx.customer.update({ where: { id: customer.id }, data: { phone: c.old } });
    else if (c.field === "equipment") file.equipment = c.old;
    else {
      // The person the visit made primary steps back; the one before is primary again.
      if (c.old) (file.keyPeople ??= []).push({ name: c.old, primary: true });
      if (c.created) (file.removeKeyPeople ??= []).push(c.new);
    }
    fields.push(c.field);
  }
  if (Object.keys(file).length) await updateCustomerFile({ tx, customerId: customer.id, changes: file, at });
  return fields;
}
