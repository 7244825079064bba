import type { Choice, Reply } from "../chat.ts";
import type { Db } from "../../db/client.ts";
import type { FormSession } from "../../generated/prisma/client.ts";
import { controlWord, normalizeInput, parseNumber, parseYesNo, sameLabel, splitTokens } from "./form-input.ts";
import {
  FormNavigator,
  MORE,
  formatCursor,
  hasAnswer,
  parseCursor,
  projectAnswers,
  readAnswer,
  restoreMarkers,
  scopeAt,
  stripMarkers,
  writeAnswer,
  type Seg,
} from "./form-cursor.ts";
import type { Answers, AttachContext, FormDefinition, FormEnv, FormOutcome, LeafStep, Option, SessionKey, StepContext } from "./form-types.ts";
import { parseDateInput } from "../date-input.ts";
import { formTapValue, parseFormTap } from "./form-tap.ts";

/** Sessions untouched this long are discarded (with a message) on the next message. */
export const DEFAULT_FORM_TTL_MS = 2 * 60 * 60 * 1000;
/** Consecutive bad answers on one step before the bot offers to cancel. */
export const STRIKES_BEFORE_OFFER = 3;

/** What FormSession.state holds (JSON). */
export interface FormState {
  answers: Answers;
  /** Cursors answered, in order: `back` pops from here. */
  history: string[];
  meta: Answers;
  /** The choices last shown, so a typed "2" or a label means what the user saw. */
  shown: Choice[];
  /** A checklist being ticked one tap at a time. */
  draft?: string[];
  /** Search results being shown for the current step. */
  found?: Option[];
  /** A question about the form itself is pending. */
  offer?: { kind: "cancel" } | { kind: "leave"; command: string };
  /** When the form was started (ISO). */
  startedAt: string;
  /**
   * Number of the question last stored (bumped by every save): the buttons of that question name
   * it, so a button of any earlier question is refused (form-tap.ts). Absent in sessions stored
   * before buttons were bound: 0.
   */
  rev?: number;
}

type SessionStatus<E extends FormEnv> =
  | { kind: "none" }
  | { kind: "live"; row: FormSession; def: FormDefinition<E>; state: FormState }
  | { kind: "expired" | "changed" | "unknown"; row: FormSession; def?: FormDefinition<E>; state: FormState | null };

class FormConflict extends Error {}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string } | { ok: "pending"; reply: Reply };

export interface StartOptions {
  answers?: Answers;
  meta?: Answers;
  staffId?: number | null;
  /** Shown above the first prompt. */
  intro?: string;
}

export interface FormEngineOptions<E extends FormEnv> {
  db: Db;
  forms: FormDefinition<E>[];
  ttlMs?: number;
}

/**
 * Runs conversation forms: one open form per (platform, chat, user), stored in FormSession so a
 * restart resumes at the same step. Every step accepts back / skip (optional steps) / cancel, a bad
 * answer is re-asked with a specific hint, and after three bad answers the bot offers to cancel.
 * Side effects happen only in the form's `complete`, in one transaction that also deletes the
 * session (so a double submit cannot log twice).
 */
export class FormEngine<E extends FormEnv> {
  private readonly forms = new Map<string, FormDefinition<E>>();
  private readonly ttlMs: number;

  constructor(private readonly opts: FormEngineOptions<E>) {
    for (const f of opts.forms) this.forms.set(f.id, f);
    this.ttlMs = opts.ttlMs ?? DEFAULT_FORM_TTL_MS;
  }

  private get db(): Db {
    return this.opts.db;
  }

  private where(key: SessionKey) {
    return { platform_chatId_userId: { platform: key.platform, chatId: key.chatId, userId: key.userId } };
  }

  async status(key: SessionKey, now: Date): Promise<SessionStatus<E>> {
    const row = await this.db.formSession.findUnique({ where: this.where(key) });
    if (!row) return { kind: "none" };
    const def = this.forms.get(row.formId);
    let state: FormState | null = null;
    try {
      state = JSON.parse(row.state) as FormState;
      if (!state || !Array.isArray(state.history) || typeof state.answers !== "object") state = null;
    } catch {
      state = null;
    }
    if (!def) return { kind: "unknown", row, state };
    if (row.formVersion !== def.version || !state) return { kind: "changed", row, def, state };
    if (row.expiresAt.getTime() <= now.getTime()) return { kind: "expired", row, def, state };
    const nav = new FormNavigator(def, {} as E, state.answers, state.meta);
    if (!nav.stepAt(parseCursor(row.stepId))) return { kind: "changed", row, def, state };
    return { kind: "live", row, def, state };
  }

  /** True when a live (not expired, current version) form is open. */
  async isOpen(key: SessionKey, now: Date): Promise<boolean> {
    return (await this.status(key, now)).kind === "live";
  }

  /** Opens `def` (replacing any open form), fast-forwarding over steps already answered. */
  async start(key: SessionKey, def: FormDefinition<E>, env: E, opts: StartOptions = {}): Promise<Reply[]> {
    const state: FormState = {
      answers: structuredClone(opts.answers ?? {}),
      history: [],
      meta: structuredClone(opts.meta ?? {}),
      shown: [],
      startedAt: env.now.toISOString(),
      rev: 1,
    };
    restoreMarkers(def.steps, state.answers);
    const nav = new FormNavigator(def, env, state.answers, state.meta);
    let cursor = nav.first();
    while (cursor && hasAnswer(state.answers, cursor)) {
      state.history.push(formatCursor(cursor));
      cursor = nav.next(cursor);
    }
    if (!cursor) {
      // Everything is answered already (editing a finished record): re-ask the last step.
      const last = state.history.pop();
      if (!last) throw new Error(`Form ${def.id} has no steps to ask`);
      cursor = parseCursor(last);
    }
    state.answers = projectAnswers(state.answers, [...state.history, formatCursor(cursor)]);
    const reply = await this.render(def, env, state, cursor, { intro: opts.intro, first: true });
    const data = {
      staffId: opts.staffId ?? null,
      formId: def.id,
      formVersion: def.version,
      stepId: formatCursor(cursor),
      state: JSON.stringify(state),
      strikes: 0,
      expiresAt: new Date(env.now.getTime() + this.ttlMs),
    };
    // A new row, never an update of the one it replaces: the row's id names this form in its tap
    // tokens (ids are AUTOINCREMENT, never reused), so no button of the replaced form can answer it.
    const [, row] = await this.db.$transaction([
      this.db.formSession.deleteMany({ where: { platform: key.platform, chatId: key.chatId, userId: key.userId } }),
      this.db.formSession.create({ data: { ...key, ...data } }),
    ]);
    return [bindChoices(reply, row.id, state)];
  }

  /** Drops the open form, if any. */
  async discard(key: SessionKey): Promise<void> {
    await this.db.formSession.deleteMany({ where: { platform: key.platform, chatId: key.chatId, userId: key.userId } });
  }

  /**
   * "You are filling in X — continue, or leave and run /cmd?" Null when no live form is open (a dead
   * one is dropped silently: the user has moved on).
   */
  async askLeave(key: SessionKey, command: string, env: E): Promise<Reply[] | null> {
    const st = await this.status(key, env.now);
    if (st.kind === "none") return null;
    if (st.kind !== "live") {
      await this.discard(key);
      return null;
    }
    const { row, def, state } = st;
    const { t } = env;
    state.offer = { kind: "leave", command };
    const choices: Choice[] = [
      { label: t("forms.leave.continue"), value: "$continue" },
      { label: t("forms.leave.run", { command: shorten(command) }), value: "$leave" },
    ];
    state.shown = choices;
    const name = await this.describe(def, env, state);
    return [await this.save(row, state, row.stepId, row.strikes, env.now, { text: t("forms.leave.question", { form: name, command: shorten(command) }), choices })];
  }

  /** The current prompt again, for a channel that (re)starts while a form is open. */
  async resumePrompt(key: SessionKey, env: E): Promise<Reply[] | null> {
    const st = await this.status(key, env.now);
    if (st.kind === "none") return null;
    if (st.kind !== "live") return this.dead(key, st, env);
    const { row, def, state } = st;
    delete state.offer;
    const name = await this.describe(def, env, state);
    const reply = await this.render(def, env, state, parseCursor(row.stepId), { intro: env.t("forms.resume", { form: name }), first: true });
    return [await this.save(row, state, row.stepId, row.strikes, env.now, reply)];
  }

  /**
   * Feeds one message to the open form. Null when no form is open for this key and the message is
   * no form button. A tapped form button (form-tap.ts) is decoded first, before anything else: it
   * answers with the stored option only while its question is the one being asked; any other tap
   * (a finished form, an earlier step, a lost payload) is answered "this question is over" with
   * what is current, and changes nothing.
   */
  async handle(key: SessionKey, rawText: string, env: E): Promise<FormOutcome | null> {
    const st = await this.status(key, env.now);
    let text = rawText;
    const tap = parseFormTap(rawText);
    if (tap !== null) {
      const current = st.kind === "live" && tap !== "lost" && tap.sessionId === st.row.id && tap.rev === (st.state.rev ?? 0);
      const option = current ? st.state.shown[tap.index] : undefined;
      if (!option) return { replies: await this.tapOver(key, st, env) };
      text = option.value;
    }
    if (st.kind === "none") return null;
    if (st.kind !== "live") return { replies: await this.dead(key, st, env) };
    try {
      return await this.handleLive(key, st.row, st.def, st.state, text, env);
    } catch (err) {
      if (err instanceof FormConflict) {
        // Another message for the same form was handled meanwhile (double tap): show where it is now.
        const again = await this.status(key, env.now);
        if (again.kind !== "live") return { replies: [{ text: env.t("forms.conflict") }] };
        return { replies: await this.reask(again, env, {}) };
      }
      throw err;
    }
  }

  /**
   * Gives the open form something that is not text (a location, pictures): the form prepares it
   * once (download, store), then records it in the session and either answers the current
   * question with it or asks the same question again under a note. Null when no form is open.
   * A form that takes no attachments says so and asks its question again.
   */
  async attach(key: SessionKey, raw: unknown, env: E): Promise<FormOutcome | null> {
    let st = await this.status(key, env.now);
    if (st.kind === "none") return null;
    if (st.kind !== "live") return { replies: await this.dead(key, st, env) };
    const def = st.def;
    if (!def.attach) {
      const reply = await this.render(def, env, st.state, parseCursor(st.row.stepId), { error: env.t("forms.attach-not-here") });
      return { replies: [await this.save(st.row, st.state, st.row.stepId, st.row.strikes, env.now, reply)] };
    }
    const prepared = def.prepareAttachment ? await def.prepareAttachment(this.attachContext(def, env, st.state, st.row.stepId), raw) : raw;
    // A concurrent answer moves the form on: record the attachment where it is then (bounded retries).
    for (let attempt = 0; ; attempt++) {
      try {
        const { row, state } = st;
        const cursor = parseCursor(row.stepId);
        const result = await def.attach(this.attachContext(def, env, state, row.stepId), prepared);
        const nav = new FormNavigator(def, env, state.answers, state.meta);
        const step = nav.stepAt(cursor);
        if (result.answer !== undefined && step && step !== "more" && !result.error) {
          const out = await this.accept(key, row, def, env, state, cursor, result.answer);
          if (result.notes?.length && out.replies.length) out.replies[0] = { ...out.replies[0]!, text: [...result.notes, out.replies[0]!.text].join("\n") };
          return out;
        }
        delete state.offer;
        const reply = await this.render(def, env, state, cursor, { notes: result.notes, error: result.error });
        return { replies: [await this.save(row, state, row.stepId, row.strikes, env.now, reply)] };
      } catch (err) {
        if (!(err instanceof FormConflict) || attempt >= 2) throw err;
        const again = await this.status(key, env.now);
        if (again.kind !== "live" || again.def !== def) return { replies: [{ text: env.t("forms.conflict") }] };
        st = again;
      }
    }
  }

  private attachContext(def: FormDefinition<E>, env: E, state: FormState, stepId: string): AttachContext<E> {
    const nav = new FormNavigator(def, env, state.answers, state.meta);
    const cursor = parseCursor(stepId);
    return { ...nav.ctx(cursor.slice(0, -1)), stepId: cursor[cursor.length - 1]?.id ?? "", cursor: stepId };
  }

  /**
   * The answer to a tap whose question is over: says so, and what is current (the open form's
   * question again, or that none is open). Answers nothing; a dead form is dropped, as on any message.
   */
  private async tapOver(key: SessionKey, st: SessionStatus<E>, env: E): Promise<Reply[]> {
    const { t } = env;
    if (st.kind === "none") return [{ text: t("forms.tap.over-none") }];
    if (st.kind !== "live") {
      // The open form is dead anyway (expired, changed): the usual explanation follows.
      const [first, ...rest] = await this.dead(key, st, env);
      return [{ text: `${t("forms.tap.over")}\n${first!.text}` }, ...rest];
    }
    const name = await this.describe(st.def, env, st.state);
    return this.reask(st, env, { intro: t("forms.tap.over-current", { form: name }) });
  }

  /**
   * The current question again. Stored as a new question only if what it shows changed (a pending
   * "leave the form?" is dropped); otherwise bound to the stored one, so the buttons already on
   * screen for it stay valid.
   */
  private async reask(st: Extract<SessionStatus<E>, { kind: "live" }>, env: E, opts: { intro?: string }): Promise<Reply[]> {
    const { row, def, state } = st;
    const before = JSON.stringify([state.shown, state.offer ?? null]);
    delete state.offer;
    const reply = await this.render(def, env, state, parseCursor(row.stepId), { intro: opts.intro, first: Boolean(opts.intro) });
    if (JSON.stringify([state.shown, null]) === before) return [bindChoices(reply, row.id, state)];
    try {
      return [await this.save(row, state, row.stepId, row.strikes, env.now, reply)];
    } catch (err) {
      if (err instanceof FormConflict) return [{ text: env.t("forms.conflict") }];
      throw err;
    }
  }

  private async dead(key: SessionKey, st: Exclude<SessionStatus<E>, { kind: "none" } | { kind: "live" }>, env: E): Promise<Reply[]> {
    const { t } = env;
    await this.discard(key);
    const command = st.def?.command ?? "";
    let name = t("forms.a-form");
    if (st.def && st.state) {
      try {
        name = await this.describe(st.def, env, st.state);
      } catch {
        // The stored answers may not fit the new version of the form; the generic name will do.
      }
    }
    const restart = command ? t("forms.restart-with", { command }) : "";
    if (st.kind === "expired") {
      const hours = Math.round((this.ttlMs / 3600000) * 10) / 10;
      return [{ text: t("forms.expired", { form: name, hours }) + restart }];
    }
    return [{ text: t("forms.changed", { form: name }) + restart }];
  }

  private async describe(def: FormDefinition<E>, env: E, state: FormState): Promise<string> {
    if (!def.describe) return def.id;
    return def.describe({ env, answers: state.answers, item: state.answers, meta: state.meta });
  }

  private async handleLive(key: SessionKey, row: FormSession, def: FormDefinition<E>, state: FormState, rawText: string, env: E): Promise<FormOutcome> {
    const { t } = env;
    // Kept as typed (full-width ，（） stay in notes and shop names); matchers fold widths themselves.
    const text = rawText.trim();
    const nav = new FormNavigator(def, env, state.answers, state.meta);
    const cursor = parseCursor(row.stepId);
    const step = nav.stepAt(cursor)!;
    const ctx = nav.ctx(cursor.slice(0, -1));

    // A pending question about the form itself (leave it? cancel it?).
    const offer = state.offer;
    if (offer) {
      delete state.offer;
      const word = controlWord(text, ["continue", "leave", "cancel"]) ?? this.mapShownControl(text, state.shown);
      if (word === "cancel") return this.cancel(key, row, def, env, state);
      if (word === "leave" && offer.kind === "leave") {
        await this.deleteSession(row);
        return { replies: [{ text: t("forms.left", { form: await this.describe(def, env, state) }) }], run: offer.command };
      }
      if (word === "continue" || word === "leave") {
        const reply = await this.render(def, env, state, cursor, { first: true });
        return { replies: [await this.save(row, state, row.stepId, 0, env.now, reply)] };
      }
      // Anything else is an attempt at the step itself; the step's own choices apply again.
      state.shown = await this.choicesFor(step, ctx, state, env);
    }

    const word = controlWord(text, ["back", "skip", "cancel", "continue"]) ?? this.mapShownControl(text, state.shown);
    if (word === "cancel") return this.cancel(key, row, def, env, state);
    if (word === "continue") {
      const reply = await this.render(def, env, state, cursor, {});
      return { replies: [await this.save(row, state, row.stepId, row.strikes, env.now, reply)] };
    }
    if (word === "back") {
      const prev = state.history.pop();
      if (!prev) {
        const reply = await this.render(def, env, state, cursor, { error: t("forms.at-first-step") });
        return { replies: [await this.save(row, state, row.stepId, row.strikes, env.now, reply)] };
      }
      // Later answers are kept: after a corrected answer the form jumps back to where it was.
      delete state.draft;
      delete state.found;
      const reply = await this.render(def, env, state, parseCursor(prev), {});
      return { replies: [await this.save(row, state, prev, 0, env.now, reply)] };
    }
    if (word === "skip") {
      if (step === "more" || !step.optional) {
        return this.strike(row, def, env, state, cursor, t("forms.cannot-skip"));
      }
      return this.accept(key, row, def, env, state, cursor, null);
    }

    const parsed = step === "more" ? this.parseMore(text, state, env) : await this.parse(step, text, ctx, state, env);
    if (parsed.ok === "pending") {
      return { replies: [await this.save(row, state, row.stepId, row.strikes, env.now, parsed.reply)] };
    }
    if (!parsed.ok) return this.strike(row, def, env, state, cursor, parsed.error);
    return this.accept(key, row, def, env, state, cursor, parsed.value);
  }

  /** A typed number or label of a shown control choice ("$continue", "$cancel", …). */
  private mapShownControl(text: string, shown: Choice[]): "continue" | "leave" | "cancel" | "back" | "skip" | null {
    const picked = pickShown(text, shown);
    if (!picked || !picked.startsWith("$")) return null;
    const w = picked.slice(1);
    return w === "continue" || w === "leave" || w === "cancel" || w === "back" || w === "skip" ? w : null;
  }

  private async cancel(key: SessionKey, row: FormSession, def: FormDefinition<E>, env: E, state: FormState): Promise<FormOutcome> {
    await this.deleteSession(row);
    const name = await this.describe(def, env, state);
    return { replies: [{ text: env.t("forms.cancelled", { form: name }) }] };
  }

  private async strike(row: FormSession, def: FormDefinition<E>, env: E, state: FormState, cursor: Seg[], error: string): Promise<FormOutcome> {
    const strikes = row.strikes + 1;
    const { t } = env;
    if (strikes % STRIKES_BEFORE_OFFER === 0) {
      state.offer = { kind: "cancel" };
      const choices: Choice[] = [
        { label: t("forms.offer.continue"), value: "$continue" },
        { label: t("forms.offer.cancel"), value: "$cancel" },
      ];
      state.shown = choices;
      return { replies: [await this.save(row, state, row.stepId, strikes, env.now, { text: `⚠️ ${error}\n${t("forms.offer.question")}`, choices })] };
    }
    const reply = await this.render(def, env, state, cursor, { error, footer: true });
    return { replies: [await this.save(row, state, row.stepId, strikes, env.now, reply)] };
  }

  private async accept(key: SessionKey, row: FormSession, def: FormDefinition<E>, env: E, state: FormState, cursor: Seg[], value: unknown): Promise<FormOutcome> {
    const nav = new FormNavigator(def, env, state.answers, state.meta);
    writeAnswer(state.answers, cursor, value);
    state.history.push(formatCursor(cursor));
    delete state.draft;
    delete state.found;
    const notes: string[] = [];
    const step = nav.stepAt(cursor);
    if (step && step !== "more" && step.note) {
      const n = await step.note(value, nav.ctx(cursor.slice(0, -1)));
      if (n) notes.push(n);
    }
    const { next, notes: moved } = await this.advance(nav, state, cursor);
    for (const n of moved) if (!notes.includes(n)) notes.push(n);

    if (!next) {
      const answers = stripMarkers(projectAnswers(state.answers, state.history)) as Answers;
      const result = await this.db.$transaction(async (tx) => {
        const { count } = await tx.formSession.deleteMany({ where: { id: row.id, stepId: row.stepId, state: row.state } });
        if (count !== 1) throw new FormConflict();
        return def.complete({ env, answers, item: answers, meta: state.meta, tx });
      });
      const replies = Array.isArray(result) ? result : [result];
      if (notes.length && replies.length) replies[0] = { ...replies[0]!, text: [...notes, replies[0]!.text].join("\n") };
      else if (notes.length) replies.unshift({ text: notes.join("\n") });
      return { replies, completed: true };
    }
    // Whatever the new path no longer passes through is dropped now.
    state.answers = projectAnswers(state.answers, [...state.history, formatCursor(next)]);
    const reply = await this.render(def, env, state, next, { notes });
    return { replies: [await this.save(row, state, formatCursor(next), 0, env.now, reply)] };
  }

  /**
   * The next question after `cursor`. Steps still answered from before (the user went back to
   * correct something) are passed over, so a correction returns to where the user was. If that
   * would finish the form, the last of them is asked again instead: a form completes only on a
   * direct answer to its last question.
   */
  private async advance(nav: FormNavigator<E>, state: FormState, cursor: Seg[]): Promise<{ next: Seg[] | null; notes: string[] }> {
    const perMove: string[][] = [];
    let from = cursor;
    let next = nav.next(cursor);
    perMove.push(await this.transitionNotes(nav, from, next));
    let passed = 0;
    while (next && hasAnswer(state.answers, next)) {
      state.history.push(formatCursor(next));
      passed++;
      from = next;
      next = nav.next(next);
      perMove.push(await this.transitionNotes(nav, from, next));
    }
    if (!next && passed > 0) {
      next = parseCursor(state.history.pop()!);
      perMove.pop();
    }
    const notes: string[] = [];
    for (const n of perMove.flat()) if (!notes.includes(n)) notes.push(n);
    return { next, notes };
  }

  /** Notes of items and groups that the move from `from` to `to` finishes (innermost first). */
  private async transitionNotes(nav: FormNavigator<E>, from: Seg[], to: Seg[] | null): Promise<string[]> {
    const notes: string[] = [];
    for (let d = from.length - 2; d >= 0; d--) {
      const prefix = from.slice(0, d + 1);
      const gseg = prefix[d]!;
      const group = nav.groupAt(prefix);
      const samePrefix = (n: number) => !!to && to.length > n && to.slice(0, n).every((s, i) => s.id === prefix[i]!.id && s.index === prefix[i]!.index);
      const answeredMore = from[d + 1]!.id === MORE;
      const stillInItem = samePrefix(d + 1) && to![d + 1]!.id !== MORE;
      if (!answeredMore && !stillInItem && group.itemNote) {
        const n = await group.itemNote(nav.ctx(prefix));
        if (n) notes.push(n);
      }
      const stillInGroup = !!to && to.length > d && to.slice(0, d).every((s, i) => s.id === prefix[i]!.id && s.index === prefix[i]!.index) && to[d]!.id === gseg.id;
      if (!stillInGroup && group.doneNote) {
        const n = await group.doneNote(nav.ctx(prefix.slice(0, -1)));
        if (n) notes.push(n);
      }
    }
    return notes;
  }

  private parseMore(text: string, state: FormState, env: E): Parsed {
    const picked = pickShown(text, state.shown);
    const yn = picked === "$yes" ? true : picked === "$no" ? false : parseYesNo(text);
    if (yn === null) return { ok: false, error: env.t("forms.hint.yesno") };
    return { ok: true, value: yn };
  }

  private async parse(step: LeafStep<E>, text: string, ctx: StepContext<E>, state: FormState, env: E): Promise<Parsed> {
    const { t } = env;
    if (!text) return { ok: false, error: this.hintFor(step, ctx, state) };
    let raw: unknown;
    const picked = pickShown(text, state.shown);
    if (picked === "$skip") return { ok: false, error: t("forms.cannot-skip") };

    switch (step.type) {
      case "choice": {
        const options = state.found ?? (await step.options(ctx));
        const value = picked ?? pickOption(text, options);
        if (value !== null && value !== "$done") {
          raw = value;
          break;
        }
        if (step.search) {
          const r = await step.search(text, ctx);
          if ("value" in r) {
            raw = r.value;
            break;
          }
          if ("options" in r) {
            state.found = r.options;
            const reply = await this.renderLeaf(step, ctx, state, env, { lead: r.text });
            return { ok: "pending", reply };
          }
          return { ok: false, error: r.error };
        }
        return { ok: false, error: this.hintFor(step, ctx, state) };
      }
      case "multi": {
        const options = await step.options(ctx);
        const min = step.min ?? 1;
        if (picked === "$done" || controlWord(text, ["done"])) {
          const sel = state.draft ?? [];
          if (sel.length < min) return { ok: false, error: t("forms.hint.multi-empty", { min }) };
          raw = sel;
          break;
        }
        const whole = picked ?? pickOption(text, options);
        if (whole !== null) {
          if (step.finishOnSingle) {
            raw = [whole];
            break;
          }
          const sel = new Set(state.draft ?? []);
          if (sel.has(whole)) sel.delete(whole);
          else sel.add(whole);
          state.draft = options.map((o) => o.value).filter((v) => sel.has(v));
          const reply = await this.renderLeaf(step, ctx, state, env, {});
          return { ok: "pending", reply };
        }
        const tokens = splitTokens(text);
        const values: string[] = [];
        for (const tok of tokens) {
          const v = pickShown(tok, state.shown) ?? pickOption(tok, options);
          if (v === null || v.startsWith("$")) return { ok: false, error: this.hintFor(step, ctx, state) };
          if (!values.includes(v)) values.push(v);
        }
        if (values.length < Math.max(1, min)) return { ok: false, error: this.hintFor(step, ctx, state) };
        raw = options.map((o) => o.value).filter((v) => values.includes(v));
        break;
      }
      case "yesno": {
        const yn = picked === "$yes" ? true : picked === "$no" ? false : parseYesNo(text);
        if (yn === null) return { ok: false, error: this.hintFor(step, ctx, state) };
        raw = yn;
        break;
      }
      case "number": {
        const custom = step.parse ? step.parse(text, ctx) : null;
        if (picked !== null) raw = Number(picked);
        else if (custom && "value" in custom) raw = custom.value;
        else if (custom && "error" in custom) return { ok: false, error: custom.error };
        else {
          const n = parseNumber(text);
          if (n === null) return { ok: false, error: this.hintFor(step, ctx, state) };
          raw = n;
        }
        break;
      }
      case "text": {
        if (picked !== null) raw = picked;
        else if (step.parse) {
          const r = step.parse(text, ctx);
          if ("error" in r) return { ok: false, error: r.error };
          raw = r.value;
        } else raw = text;
        break;
      }
      case "date": {
        if (picked !== null) raw = picked;
        else {
          const custom = step.parse ? step.parse(text, ctx) : null;
          if (custom && "error" in custom) return { ok: false, error: custom.error };
          raw = custom ? custom.value : parseDateInput(normalizeInput(text), env.today);
          if (raw === null) return { ok: false, error: this.hintFor(step, ctx, state) };
        }
        break;
      }
    }
    if (!step.schema) return { ok: true, value: raw };
    const result = step.schema.safeParse(raw);
    if (result.success) return { ok: true, value: result.data };
    return { ok: false, error: this.issueText(result.error.issues[0], step, ctx, state, raw) };
  }

  private issueText(issue: { code: string; message: string; minimum?: unknown; maximum?: unknown } | undefined, step: LeafStep<E>, ctx: StepContext<E>, state: FormState, raw?: unknown): string {
    const { t } = ctx.env;
    if (!issue) return this.hintFor(step, ctx, state);
    // A text over the limit is shown back whole, so what the person wrote is not lost.
    const written = typeof raw === "string" ? raw.trim() : "";
    const params = { min: String(issue.minimum ?? ""), max: String(issue.maximum ?? ""), length: String([...written].length), text: written };
    // Definitions put i18n keys in their zod messages for specific hints.
    const own = t(issue.message, params);
    if (own !== issue.message) return own;
    if (step.hint) return step.hint(ctx);
    const isNumber = step.type === "number";
    if (issue.code === "too_small") return t(isNumber ? "forms.err.too-small" : "forms.err.too-short", params);
    if (issue.code === "too_big") return t(isNumber ? "forms.err.too-big" : "forms.err.too-long", params);
    if (issue.code === "invalid_type" && isNumber) return t("forms.err.not-int");
    return this.hintFor(step, ctx, state);
  }

  private hintFor(step: LeafStep<E>, ctx: StepContext<E>, state: FormState): string {
    const { t } = ctx.env;
    if (step.hint) return step.hint(ctx);
    switch (step.type) {
      case "choice":
        return t(step.search ? "forms.hint.choice-search" : "forms.hint.choice", { n: Math.max(1, state.shown.filter((c) => !c.value.startsWith("$")).length) });
      case "multi":
        return t("forms.hint.multi");
      case "yesno":
        return t("forms.hint.yesno");
      case "number":
        return t("forms.hint.number");
      case "date":
        return t("forms.hint.date");
      case "text":
        return t("forms.hint.text");
    }
  }

  private async choicesFor(step: LeafStep<E> | "more", ctx: StepContext<E>, state: FormState, env: E): Promise<Choice[]> {
    const { t } = env;
    if (step === "more") return [yes(t), no(t)];
    const skip = step.optional ? [{ label: t("forms.skip"), value: "$skip" }] : [];
    switch (step.type) {
      case "choice":
        return [...(state.found ?? (await step.options(ctx))).map(asChoice), ...(state.found ? [] : skip)];
      case "multi": {
        const sel = new Set(state.draft ?? []);
        const opts = (await step.options(ctx)).map((o) => ({ label: (sel.has(o.value) ? "✓ " : "") + o.label, value: o.value }));
        const done = step.finishOnSingle ? [] : [{ label: t("forms.done"), value: "$done" }];
        return [...opts, ...done, ...skip];
      }
      case "yesno":
        return [yes(t), no(t), ...skip];
      default:
        // Quick answers only: "跳过" is typed (a number here is an answer, not an option).
        return ((await step.options?.(ctx)) ?? []).map(asChoice);
    }
  }

  private async renderLeaf(step: LeafStep<E>, ctx: StepContext<E>, state: FormState, env: E, opts: { lead?: string }): Promise<Reply> {
    const choices = await this.choicesFor(step, ctx, state, env);
    state.shown = choices;
    const lines: string[] = [];
    if (opts.lead) lines.push(opts.lead);
    else lines.push(await step.prompt(ctx));
    if (step.type === "multi" && !step.finishOnSingle) lines.push(env.t("forms.multi-hint"));
    if (state.found) lines.push(step.type === "choice" && step.searchAgain ? step.searchAgain(ctx) : env.t("forms.search-again"));
    const ask = step.askLocation?.(ctx) ? { askLocation: true } : {};
    return choices.length ? { text: lines.join("\n"), choices, ...ask } : { text: lines.join("\n"), ...ask };
  }

  private async render(
    def: FormDefinition<E>,
    env: E,
    state: FormState,
    cursor: Seg[],
    opts: { notes?: string[]; error?: string; intro?: string; first?: boolean; footer?: boolean },
  ): Promise<Reply> {
    const { t } = env;
    const nav = new FormNavigator(def, env, state.answers, state.meta);
    const step = nav.stepAt(cursor);
    const ctx = nav.ctx(cursor.slice(0, -1));
    const lines: string[] = [];
    if (opts.intro) lines.push(opts.intro);
    if (opts.notes?.length) lines.push(...opts.notes);
    if (opts.error) lines.push(`⚠️ ${opts.error}`);
    let choices: Choice[];
    let askLocation = false;
    if (step === "more" || step === null) {
      const group = nav.groupAt(cursor.slice(0, -1));
      lines.push("ask" in group.repeat ? await group.repeat.ask(nav.ctx(cursor.slice(0, -1))) : "");
      choices = [yes(t), no(t)];
      state.shown = choices;
    } else {
      const body = await this.renderLeaf(step, ctx, state, env, {});
      lines.push(body.text);
      choices = body.choices ?? [];
      askLocation = Boolean(body.askLocation);
      if (hasAnswer(state.answers, cursor)) {
        const value = readAnswer(state.answers, cursor);
        lines.push(t("forms.current", { value: await this.formatValue(step, value, ctx, choices) }));
      }
      if (step.optional && step.type !== "choice" && step.type !== "multi" && step.type !== "yesno") lines.push(t("forms.can-skip"));
    }
    if (opts.first || opts.footer || state.history.length === 0) lines.push(t("forms.footer"));
    const ask = askLocation ? { askLocation: true } : {};
    return choices.length ? { text: lines.filter(Boolean).join("\n"), choices, ...ask } : { text: lines.filter(Boolean).join("\n"), ...ask };
  }

  private async formatValue(step: LeafStep<E>, value: unknown, ctx: StepContext<E>, choices: Choice[]): Promise<string> {
    const { t } = ctx.env;
    if (value === null || value === undefined) return t("forms.skipped");
    if (step.format) return step.format(value, ctx);
    if (typeof value === "boolean") return t(value ? "forms.yes" : "forms.no");
    const label = (v: string) => (labelOf(choices, v) ?? v).replace(/^✓ /, "");
    if (Array.isArray(value)) return value.map((v) => label(String(v))).join(t("list.separator"));
    return label(String(value));
  }

  /**
   * Stores the question `reply` asks (its choices are `state.shown`) as the session's next
   * question, and returns the reply with its buttons bound to it. Every question the engine shows
   * goes through here, so a question is never shown without its stored number.
   */
  private async save(row: FormSession, state: FormState, stepId: string, strikes: number, now: Date, reply: Reply): Promise<Reply> {
    state.rev = (state.rev ?? 0) + 1;
    const { count } = await this.db.formSession.updateMany({
      where: { id: row.id, stepId: row.stepId, state: row.state },
      data: { stepId, state: JSON.stringify(state), strikes, expiresAt: new Date(now.getTime() + this.ttlMs) },
    });
    if (count !== 1) throw new FormConflict();
    return bindChoices(reply, row.id, state);
  }

  private async deleteSession(row: FormSession): Promise<void> {
    const { count } = await this.db.formSession.deleteMany({ where: { id: row.id, stepId: row.stepId, state: row.state } });
    if (count !== 1) throw new FormConflict();
  }
}

/**
 * The reply with its buttons bound to the stored question: each choice's value becomes the tap
 * token of its place in `state.shown` (which the reply's choices always are).
 */
function bindChoices(reply: Reply, sessionId: number, state: FormState): Reply {
  if (!reply.choices?.length) return reply;
  const rev = state.rev ?? 0;
  const choices = reply.choices.map((c, index) => {
    // An invariant of the engine: a question's choices are what it stores as shown.
    if (state.shown[index]?.value !== c.value) throw new Error(`form question ${rev}: choice ${index} is not the stored one`);
    return { label: c.label, value: formTapValue({ sessionId, rev, index }) };
  });
  return { ...reply, choices };
}

/**
 * Whether a tapped button still does something for the person who tapped it, read from the stored
 * sessions without changing them:
 * - "current": a button of the question being asked of this person now;
 * - "foreign": a button of the question being asked of someone else now (a group chat): it does
 *   nothing for this person, and the buttons must be left alone for the one asked;
 * - "over": a form button of a question that is over, a lost payload, or a value that is neither
 *   a form button nor a command;
 * - "command": a command button such as `/team M001`, valid as a command.
 * Adapters use it to mark the tapped message truthfully; the engine decides again, for itself,
 * when the tap arrives.
 */
export async function classifyTap(db: Db, key: SessionKey, text: string, now: Date): Promise<"current" | "foreign" | "over" | "command"> {
  const tap = parseFormTap(text);
  if (tap === null) return /^[/／]/.test(text.trim()) ? "command" : "over";
  if (tap === "lost") return "over";
  const row = await db.formSession.findUnique({ where: { id: tap.sessionId } });
  if (!row || row.expiresAt.getTime() <= now.getTime()) return "over";
  let state: Partial<FormState> | null = null;
  try {
    state = JSON.parse(row.state) as Partial<FormState>;
  } catch {
    return "over";
  }
  if ((state?.rev ?? 0) !== tap.rev || !Array.isArray(state?.shown) || !state.shown[tap.index]) return "over";
  const mine = row.platform === key.platform && row.chatId === key.chatId && row.userId === key.userId;
  return mine ? "current" : "foreign";
}

function yes(t: FormEnv["t"]): Choice {
  return { label: t("forms.yes"), value: "$yes" };
}
function no(t: FormEnv["t"]): Choice {
  return { label: t("forms.no"), value: "$no" };
}

function asChoice(o: Option): Choice {
  return { label: o.label, value: o.value };
}

function labelOf(choices: Choice[], value: string): string | undefined {
  return choices.find((c) => c.value === value)?.label;
}

/** What a typed text means among the shown choices: exact value, 1-based number, or label. */
export function pickShown(text: string, shown: Choice[]): string | null {
  const s = normalizeInput(text);
  if (!s || !shown.length) return null;
  const exact = shown.find((c) => c.value === s);
  if (exact) return exact.value;
  // "2", also "2." / "2、" as WeChat users type an option number (the adapter's memory of the
  // options may be gone after a restart; the stored question is what the number answers).
  const n = /^(\d{1,3})\s*[.。、)）]?$/.exec(s);
  if (n) {
    const c = shown[Number(n[1]) - 1];
    if (c) return c.value;
  }
  const byLabel = shown.find((c) => sameLabel(c.label, s));
  return byLabel ? byLabel.value : null;
}

function pickOption(text: string, options: Option[]): string | null {
  const s = normalizeInput(text);
  const exact = options.find((o) => o.value === s);
  if (exact) return exact.value;
  const byLabel = options.find((o) => sameLabel(o.label, s) || (o.aliases ?? []).some((a) => sameLabel(a, s)));
  return byLabel ? byLabel.value : null;
}

function shorten(command: string): string {
  return command.length > 30 ? command.slice(0, 29) + "…" : command;
}

export { scopeAt };
