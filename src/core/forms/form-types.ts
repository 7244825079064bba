import type { z } from "zod";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { Translate } from "../../i18n/i18n.ts";
import type { Reply } from "../chat.ts";

/**
 * A conversation form is data: ordered steps, each with a prompt, an answer type and a zod schema.
 * The engine (form-engine.ts) asks them one at a time, stores the state per (platform, chat, user)
 * and runs `complete` once, in one transaction, when the last step is answered. Nothing here knows
 * about a chat platform: choices are rendered by the adapter as buttons or numbered options.
 */

export type Answers = Record<string, unknown>;
export type Awaitable<T> = T | Promise<T>;
export type Tx = Prisma.TransactionClient;

/** What every form needs from the outside world; apps extend it (deps, staff, …). */
export interface FormEnv {
  t: Translate;
  now: Date;
  /** Company-local YYYY-MM-DD, for date answers such as "明天". */
  today: string;
}

export interface StepContext<E extends FormEnv = FormEnv> {
  env: E;
  /** All answers so far (root object). */
  answers: Answers;
  /** The answers of the innermost repeatable-group item (the root at top level). */
  item: Answers;
  /** Data the form was started with (e.g. the plan entry it came from); never asked. */
  meta: Answers;
}

export interface Option {
  /**
   * What the option stands for; also accepted when typed. Its button does not carry it: the engine
   * binds every button to the stored question (form-tap.ts) and takes the value from there.
   */
  value: string;
  label: string;
  /** Other words accepted for this option. */
  aliases?: string[];
}

/** A search step's answer to free text: one match, several to choose from, or nothing. */
export type SearchResult = { value: string } | { options: Option[]; text: string } | { error: string };

/** A typed answer parsed by a step-specific parser. */
export type ParseResult = { value: unknown } | { error: string };

interface LeafBase<E extends FormEnv> {
  id: string;
  /** The step is asked only when this returns true (sections that can be opened or skipped). */
  when?: (ctx: StepContext<E>) => boolean;
  prompt: (ctx: StepContext<E>) => Awaitable<string>;
  /** May be skipped ("跳过"); the answer is then null. */
  optional?: boolean;
  /** Validates (and may transform) the parsed answer. Issue messages may be i18n keys. */
  schema?: z.ZodType;
  /** Specific hint for a bad answer (defaults to one per answer type). */
  hint?: (ctx: StepContext<E>) => string;
  /** Replaces the type's parser for typed text (e.g. "1小时" as minutes). */
  parse?: (text: string, ctx: StepContext<E>) => ParseResult;
  /** Shown before the next prompt once this step is answered. */
  note?: (value: unknown, ctx: StepContext<E>) => Awaitable<string | null>;
  /** How a stored answer reads ("当前：…" after going back). */
  format?: (value: unknown, ctx: StepContext<E>) => Awaitable<string>;
  /** The question asks for the user's location (Reply.askLocation: Telegram shows a location button). */
  askLocation?: (ctx: StepContext<E>) => boolean;
}

export interface ChoiceStep<E extends FormEnv> extends LeafBase<E> {
  type: "choice";
  options: (ctx: StepContext<E>) => Awaitable<Option[]>;
  /** Free text that matches no option (e.g. a shop name) is looked up here. */
  search?: (text: string, ctx: StepContext<E>) => Promise<SearchResult>;
  /** Under search results: how to search again (default: by shop name or customer code). */
  searchAgain?: (ctx: StepContext<E>) => string;
}

export interface MultiChoiceStep<E extends FormEnv> extends LeafBase<E> {
  type: "multi";
  options: (ctx: StepContext<E>) => Awaitable<Option[]>;
  /**
   * Several numbers in one message ("1 3") always answer the step. A single tap either toggles
   * the option and waits for "完成" (checklists), or answers at once (a menu: `finishOnSingle`).
   */
  finishOnSingle?: boolean;
  /** Minimum number of options (default 1). */
  min?: number;
}

export interface YesNoStep<E extends FormEnv> extends LeafBase<E> {
  type: "yesno";
}

export interface NumberStep<E extends FormEnv> extends LeafBase<E> {
  type: "number";
  /** Quick answers shown as buttons (their value is the number). */
  options?: (ctx: StepContext<E>) => Awaitable<Option[]>;
}

export interface TextStep<E extends FormEnv> extends LeafBase<E> {
  type: "text";
  /** Quick answers shown as buttons (their value is the text). */
  options?: (ctx: StepContext<E>) => Awaitable<Option[]>;
}

export interface DateStep<E extends FormEnv> extends LeafBase<E> {
  type: "date";
  /** Quick answers shown as buttons (their value is a YYYY-MM-DD date). */
  options?: (ctx: StepContext<E>) => Awaitable<Option[]>;
}

export type LeafStep<E extends FormEnv> = ChoiceStep<E> | MultiChoiceStep<E> | YesNoStep<E> | NumberStep<E> | TextStep<E> | DateStep<E>;

/**
 * A repeatable group: its steps are asked for item 0, 1, … Either the engine asks "another one?"
 * after each item (`ask`), or the group repeats until an item says stop (`until`, e.g. a section
 * menu that loops until "submit").
 */
export interface GroupStep<E extends FormEnv> {
  type: "group";
  id: string;
  when?: (ctx: StepContext<E>) => boolean;
  steps: Step<E>[];
  repeat: { ask: (ctx: StepContext<E>) => Awaitable<string> } | { until: (ctx: StepContext<E>) => boolean };
  /** At most this many items (default 30). */
  max?: number;
  /** Shown when an item is finished (ctx.item is that item). */
  itemNote?: (ctx: StepContext<E>) => Awaitable<string | null>;
  /** Shown when the group is left (ctx.item is the enclosing scope). */
  doneNote?: (ctx: StepContext<E>) => Awaitable<string | null>;
}

export type Step<E extends FormEnv> = LeafStep<E> | GroupStep<E>;

/** Where the form is when something that is not text arrives (a location, a photo). */
export interface AttachContext<E extends FormEnv> extends StepContext<E> {
  /** Id of the step being asked ("$more" for a repeat question). */
  stepId: string;
  /** The full cursor of that step ("sections.2/pick"), to tell which group item it is in. */
  cursor: string;
}

/** What the form makes of an attachment: a note above the question, an error, or an answer to the current step. */
export interface AttachResult {
  notes?: string[];
  error?: string;
  /** Answers the step being asked (as if typed and accepted), e.g. the check-in step with the location. */
  answer?: unknown;
}

export interface CompleteContext<E extends FormEnv> extends StepContext<E> {
  /** The transaction the whole completion runs in (the session is deleted in it too). */
  tx: Tx;
}

export interface FormDefinition<E extends FormEnv = FormEnv> {
  id: string;
  /** Bump when steps change incompatibly: stored sessions of another version are discarded. */
  version: number;
  steps: Step<E>[];
  /** Command that starts the form, named in "start again with …" messages. */
  command?: string;
  /** Short description of the form in progress ("拜访记录 · 赵记小卖部"). */
  describe?: (ctx: StepContext<E>) => Awaitable<string>;
  /**
   * Turns what was sent besides text (a location, pictures) into what `attach` records; may do I/O
   * (download, store) and runs before the session is read for the update, so a concurrent answer
   * does not make it run twice. Forms without `attach` refuse attachments.
   */
  prepareAttachment?: (ctx: AttachContext<E>, raw: unknown) => Promise<unknown>;
  /** Records a prepared attachment in `ctx.meta` / `ctx.item` (kept in the session) and says what to tell. */
  attach?: (ctx: AttachContext<E>, prepared: unknown) => Awaitable<AttachResult>;
  /** Side effects, all in `ctx.tx`; returns the confirmation. Answers of skipped steps are absent. */
  complete: (ctx: CompleteContext<E>) => Promise<Reply | Reply[]>;
}

/** (platform, chat, user): one open form each. */
export interface SessionKey {
  platform: string;
  chatId: string;
  userId: string;
}

export interface FormOutcome {
  replies: Reply[];
  /** The user chose to leave the form and run this command instead. */
  run?: string;
  /** The form finished (its `complete` ran). */
  completed?: boolean;
}
