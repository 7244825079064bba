import type { ChatFormEnv } from "../../core/forms/form-router.ts";
import type { StepContext } from "../../core/forms/form-types.ts";
import type { Customer } from "../../generated/prisma/client.ts";
import { dayStops, findOwnCustomer, findOwnPlannedVisit, type DayStopRef } from "./visits.service.ts";
import { readCustomerFile } from "../customers/customer-file.service.ts";
import type { CustomerFileValue } from "../customers/customer-file.ts";

/**
 * What the visit form's steps (and its section modules) read about the visit in progress: the
 * customer and the day's stops. Prompts and options of one render ask for the same things, so
 * each is loaded once per message (the env object lives for one message).
 */

type Env = ChatFormEnv;
type Ctx = StepContext<Env>;

const cache = new WeakMap<object, Map<string, unknown>>();
export async function cached<T>(env: Env, key: string, load: () => Promise<T>): Promise<T> {
  let m = cache.get(env);
  if (!m) cache.set(env, (m = new Map()));
  if (!m.has(key)) m.set(key, await load());
  return m.get(key) as T;
}

export function stopsOf(env: Env) {
  return cached(env, "stops", () => dayStops({ deps: env.deps, staff: env.staff }));
}

export interface CustomerRef {
  customer: Customer;
  plannedVisitId: number | null;
  stop: DayStopRef | null;
}

/** "p:<plan entry id>" (a stop of the list) or "c:<customer id>" (found by search). */
export async function resolveCustomerRef(env: Env, ref: unknown): Promise<CustomerRef | null> {
  if (typeof ref !== "string") return null;
  return cached(env, `ref:${ref}`, async () => {
    const m = /^([pc]):(\d+)$/.exec(ref);
    if (!m) return null;
    const id = Number(m[2]);
    if (m[1] === "p") {
      const p = await findOwnPlannedVisit({ db: env.deps.db, staff: env.staff, id });
      if (!p) return null;
      const stop = (await stopsOf(env)).stops.find((s) => s.plannedVisitId === p.id) ?? null;
      return { customer: p.customer, plannedVisitId: p.id, stop };
    }
    const customer = await findOwnCustomer({ db: env.deps.db, staff: env.staff, id });
    return customer ? { customer, plannedVisitId: null, stop: null } : null;
  });
}

/** The customer answer, or the one fixed by the record being edited (not asked again). */
export function customerAnswer(ctx: Pick<Ctx, "answers" | "meta">): unknown {
  return ctx.answers.customer ?? ctx.meta.customer;
}

export async function customerOf(ctx: Ctx): Promise<Customer | null> {
  return (await resolveCustomerRef(ctx.env, customerAnswer(ctx)))?.customer ?? null;
}

export async function customerName(ctx: Ctx): Promise<string> {
  return (await customerOf(ctx))?.name ?? "";
}

/** The customer's file (key accounts: scale, equipment, key people…), for prompts that show or propose it. */
export async function customerFileOf(ctx: Ctx): Promise<CustomerFileValue | null> {
  const customer = await customerOf(ctx);
  if (!customer) return null;
  return cached(ctx.env, `file:${customer.id}`, () => readCustomerFile({ db: ctx.env.deps.db, customerId: customer.id }));
}
