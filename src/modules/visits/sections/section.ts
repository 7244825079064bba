import type { z } from "zod";
import type { ChatFormEnv } from "../../../core/forms/form-router.ts";
import type { Answers, Step, StepContext, Tx } from "../../../core/forms/form-types.ts";
import type { Translate } from "../../../i18n/i18n.ts";
import type { Customer } from "../../../generated/prisma/client.ts";
import type { ComplaintInput, LoggedVisit, VisitDetails } from "../visits.service.ts";

/**
 * A visit section is one module: the questions it asks when the manager opens it from the visit
 * menu, the typed answers of one round, how a round becomes part of the visit record, and what
 * the confirmation says about it. The visit form (visit.dialog.ts) knows no section by name: it
 * asks the sections the company's policy lists (`policy.visitSections`) in that order, taken from
 * the registry (sections/index.ts). Adding a section is one file here plus its i18n strings.
 *
 * Answers of a round live flat in the menu round's item (`item[step.id]`), as they always have
 * (stored forms and the answers /edit reopens keep working), so step ids are unique across sections.
 */
export type SectionEnv = ChatFormEnv;
export type SectionCtx = StepContext<SectionEnv>;

/** What the visit records, built up section by section. */
export interface VisitDraft {
  details: VisitDetails;
  complaints: ComplaintInput[];
  notes: string[];
  nextVisitDate: string | null;
  keyPersonMet: string | null;
  /** Customer details seen to have changed in the visit (written to the customer, old value kept in the visit). */
  customerChanges: CustomerChange[];
}

export interface CustomerChange {
  /** A field applyCustomerChanges writes ("phone", "keyPerson"); others are ignored. */
  field: string;
  value: string;
  /** Kept in the visit, not on the customer (a new key person's role and phone, until key people have a table). */
  detail?: Record<string, string>;
}

export interface SectionDraftContext {
  /** The customer's inventory factor (policy, class, own override). */
  factor: number;
  preset: string;
}

/** What a confirmation may need beyond the recorded details (optional third argument of `confirm`). */
export interface ConfirmContext {
  env: SectionEnv;
  /** The rows the visit wrote (complaints with their deadlines, the customer). */
  logged: LoggedVisit;
  /** The visit's notes as recorded. */
  notes: string;
  /** A time of day in the company's time zone ("17:00"). */
  time(d: Date): string;
}

export interface VisitSection<A extends Answers = Answers> {
  /** Menu value and the i18n label key `forms.visit.section.<id>`. */
  id: string;
  /** Presets whose standard has this section (the default policies list it); documentation and a check. */
  presets: readonly string[];
  /** Offered in the menu for this customer at all (e.g. the info-point price collection only at info points). Default: always. */
  available?: (ctx: SectionCtx) => boolean | Promise<boolean>;
  /** Asked after the section is picked; each step's own `when` still applies. */
  steps: Step<SectionEnv>[];
  /** One round's answers of this section (the item, typed); a round that does not parse is left out. */
  schema: z.ZodType<A>;
  /** Adds one round to the record. */
  toDetails(round: A, draft: VisitDraft, ctx: SectionDraftContext): void;
  /** Parts of the confirmation line ("上柜 2/3 个品规") read from the recorded details. */
  confirm?(details: VisitDetails, t: Translate, more?: ConfirmContext): string[];
  /** Lines under the confirmation's summary line (warnings: "请核对库存…"), read from the recorded details. */
  notices?(details: VisitDetails, t: Translate): string[];
  /**
   * Writes beyond the visit row, in the form's transaction, once the visit exists. May return
   * lines for the confirmation (what was sent to whom, honestly: only what was really queued).
   */
  afterLog?(ctx: { tx: Tx; env: SectionEnv; visitId: number; customer: Customer; rounds: A[]; edited: boolean }): Promise<string[] | void>;
  /** Adjusts this section's stored rounds (mutable) before they are saved for /edit, e.g. to remember the records they became. */
  forEdit?(items: Answers[], logged: LoggedVisit): void;
}
