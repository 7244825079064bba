import type { Answers, FormDefinition, FormEnv, GroupStep, LeafStep, Step, StepContext } from "./form-types.ts";

/**
 * Where a form is: a path through (possibly nested) repeatable groups down to one leaf step, e.g.
 * `mode`, `sections#1/inventory#0/current`, `sections#1/inventory#0/$more`. Stored as a string in
 * FormSession.stepId. Pure navigation over a definition and the answers so far.
 */

export interface Seg {
  id: string;
  /** Item index, for group segments. */
  index?: number;
}

/** The pseudo-step "another one?" at the end of an item of an `ask` group. */
export const MORE = "$more";
const DEFAULT_MAX_ITEMS = 30;

export function parseCursor(s: string): Seg[] {
  return s.split("/").map((part) => {
    const m = /^(.+)#(\d+)$/.exec(part);
    return m ? { id: m[1]!, index: Number(m[2]) } : { id: part };
  });
}

export function formatCursor(segs: Seg[]): string {
  return segs.map((s) => (s.index === undefined ? s.id : `${s.id}#${s.index}`)).join("/");
}

const EMPTY: Answers = Object.freeze({}) as Answers;

function isObject(v: unknown): v is Answers {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The item object at `prefix` (group segments only); a frozen empty object when not there yet. */
export function scopeAt(answers: Answers, prefix: Seg[]): Answers {
  let scope: Answers = answers;
  for (const seg of prefix) {
    const arr = scope[seg.id];
    const item = Array.isArray(arr) ? arr[seg.index ?? 0] : undefined;
    if (!isObject(item)) return EMPTY;
    scope = item;
  }
  return scope;
}

/** Like scopeAt, creating arrays and items on the way. */
export function ensureScope(answers: Answers, prefix: Seg[]): Answers {
  let scope: Answers = answers;
  for (const seg of prefix) {
    let arr = scope[seg.id];
    if (!Array.isArray(arr)) {
      arr = [];
      scope[seg.id] = arr;
    }
    const list = arr as unknown[];
    const i = seg.index ?? 0;
    while (list.length <= i) list.push({});
    if (!isObject(list[i])) list[i] = {};
    scope = list[i] as Answers;
  }
  return scope;
}

export class FormNavigator<E extends FormEnv> {
  constructor(
    private readonly def: FormDefinition<E>,
    private readonly env: E,
    private readonly answers: Answers,
    private readonly meta: Answers,
  ) {}

  ctx(prefix: Seg[]): StepContext<E> {
    return { env: this.env, answers: this.answers, item: scopeAt(this.answers, prefix), meta: this.meta };
  }

  /** The steps of the group at the end of `prefix` (the form's steps for an empty prefix). */
  listAt(prefix: Seg[]): Step<E>[] {
    let list: Step<E>[] = this.def.steps;
    for (const seg of prefix) {
      const g = list.find((s) => s.id === seg.id);
      if (!g || g.type !== "group") throw new Error(`Form ${this.def.id}: no group "${seg.id}"`);
      list = g.steps;
    }
    return list;
  }

  groupAt(prefix: Seg[]): GroupStep<E> {
    const parent = this.listAt(prefix.slice(0, -1));
    const g = parent.find((s) => s.id === prefix[prefix.length - 1]!.id);
    if (!g || g.type !== "group") throw new Error(`Form ${this.def.id}: no group at ${formatCursor(prefix)}`);
    return g;
  }

  /** The leaf step at a cursor, or "more" for the "another one?" pseudo-step; null if unknown. */
  stepAt(cursor: Seg[]): LeafStep<E> | "more" | null {
    try {
      const leaf = cursor[cursor.length - 1]!;
      if (leaf.id === MORE) {
        this.groupAt(cursor.slice(0, -1));
        return "more";
      }
      const step = this.listAt(cursor.slice(0, -1)).find((s) => s.id === leaf.id);
      return step && step.type !== "group" ? step : null;
    } catch {
      return null;
    }
  }

  first(): Seg[] | null {
    return this.firstIn([], 0);
  }

  /** The cursor after answering `cursor`; null when the form is finished. */
  next(cursor: Seg[]): Seg[] | null {
    const leaf = cursor[cursor.length - 1]!;
    const prefix = cursor.slice(0, -1);
    if (leaf.id === MORE) {
      const group = this.groupAt(prefix);
      const gseg = prefix[prefix.length - 1]!;
      const grand = prefix.slice(0, -1);
      if (scopeAt(this.answers, prefix)[MORE] === true) return this.enterGroup(group, (gseg.index ?? 0) + 1, grand);
      return this.continueAfter(grand, group.id);
    }
    return this.continueAfter(prefix, leaf.id);
  }

  private firstIn(prefix: Seg[], from: number): Seg[] | null {
    const list = this.listAt(prefix);
    const ctx = this.ctx(prefix);
    for (let i = from; i < list.length; i++) {
      const step = list[i]!;
      if (step.when && !step.when(ctx)) continue;
      if (step.type === "group") return this.enterGroup(step, 0, prefix);
      return [...prefix, { id: step.id }];
    }
    return this.finishItem(prefix);
  }

  private enterGroup(group: GroupStep<E>, index: number, prefix: Seg[]): Seg[] | null {
    return this.firstIn([...prefix, { id: group.id, index }], 0);
  }

  private continueAfter(prefix: Seg[], stepId: string): Seg[] | null {
    const list = this.listAt(prefix);
    const i = list.findIndex((s) => s.id === stepId);
    return this.firstIn(prefix, i + 1);
  }

  /** End of the item at the end of `prefix` (or of the whole form for an empty prefix). */
  private finishItem(prefix: Seg[]): Seg[] | null {
    if (!prefix.length) return null;
    const group = this.groupAt(prefix);
    const index = prefix[prefix.length - 1]!.index ?? 0;
    const grand = prefix.slice(0, -1);
    const max = group.max ?? DEFAULT_MAX_ITEMS;
    if ("ask" in group.repeat) {
      if (index + 1 < max) return [...prefix, { id: MORE }];
      return this.continueAfter(grand, group.id);
    }
    if (group.repeat.until(this.ctx(prefix)) || index + 1 >= max) return this.continueAfter(grand, group.id);
    return this.enterGroup(group, index + 1, grand);
  }
}

/**
 * Prefilled answers (reopening a saved record) lack the "another one?" answers of `ask` groups:
 * every item but the last had one more after it.
 */
export function restoreMarkers<E extends FormEnv>(steps: Step<E>[], scope: Answers): void {
  for (const s of steps) {
    if (s.type !== "group") continue;
    const arr = scope[s.id];
    if (!Array.isArray(arr)) continue;
    arr.forEach((item: unknown, i) => {
      if (!isObject(item)) return;
      restoreMarkers(s.steps, item);
      if ("ask" in s.repeat && item[MORE] === undefined) item[MORE] = i < arr.length - 1;
    });
  }
}

export function hasAnswer(answers: Answers, cursor: Seg[]): boolean {
  const scope = scopeAt(answers, cursor.slice(0, -1));
  return Object.prototype.hasOwnProperty.call(scope, cursor[cursor.length - 1]!.id);
}

export function readAnswer(answers: Answers, cursor: Seg[]): unknown {
  return scopeAt(answers, cursor.slice(0, -1))[cursor[cursor.length - 1]!.id];
}

export function writeAnswer(answers: Answers, cursor: Seg[], value: unknown): void {
  ensureScope(answers, cursor.slice(0, -1))[cursor[cursor.length - 1]!.id] = value;
}

/**
 * Only the answers on the walked path (plus every item's hidden `_keys`): what the user sees as
 * their answers after going back and changing course. `$more` markers are kept.
 */
export function projectAnswers(answers: Answers, path: string[]): Answers {
  const out: Answers = {};
  for (const c of path) {
    const segs = parseCursor(c);
    // Carry hidden keys of every item on the way (e.g. the id of a record an item stands for).
    for (let d = 0; d <= segs.length - 1; d++) {
      const prefix = segs.slice(0, d);
      const from = scopeAt(answers, prefix);
      const to = d === 0 ? out : ensureScope(out, prefix);
      for (const [k, v] of Object.entries(from)) if (k.startsWith("_")) to[k] = v;
    }
    if (hasAnswer(answers, segs)) writeAnswer(out, segs, readAnswer(answers, segs));
  }
  return out;
}

/** Removes `$more` markers: what `complete` receives. */
export function stripMarkers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripMarkers);
  if (isObject(value)) {
    const out: Answers = {};
    for (const [k, v] of Object.entries(value)) if (k !== MORE) out[k] = stripMarkers(v);
    return out;
  }
  return value;
}
