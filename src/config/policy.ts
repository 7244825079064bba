import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AppError } from "../core/errors.ts";

/**
 * Policy as data: everything the service standards quantify lives here, never as a constant in
 * code. A preset supplies defaults; a JSON/YAML file may override any field.
 */

const ZLabelSchema = z.object({ "zh-CN": z.string(), en: z.string() });
const ZIntervalSchema = z.object({ count: z.number().int().positive(), unit: z.enum(["day", "week", "month"]) });
export type TInterval = z.infer<typeof ZIntervalSchema>;

export const ZServiceClassSchema = z.object({
  id: z.string().min(1),
  label: ZLabelSchema,
  /** Chinese and English aliases accepted on import (besides id and labels). */
  aliases: z.array(z.string()).default([]),
  /** Field visit frequency; null = no scheduled visits (e.g. key-account C, reduced management). */
  visitEvery: ZIntervalSchema.nullable(),
  /** Phone contact frequency (key-account A/B weekly); null = none required. */
  phoneEvery: ZIntervalSchema.nullable().default(null),
  visitMinutes: z.object({ min: z.number().int().positive(), max: z.number().int().positive() }),
  /** When the visit must be booked with the customer. */
  appointment: z.enum(["day-before", "same-day", "none"]),
  /** Expected share of a manager's customers (0..1); outside → flagged by `classify`. */
  share: z.object({ min: z.number().min(0).max(1), max: z.number().min(0).max(1) }).nullable().default(null),
  /** Order in which classes keep their visits when capacity is short (lower = protected longer). */
  priority: z.number().int(),
});
export type TServiceClass = z.infer<typeof ZServiceClassSchema>;

const ZTobaccoRulesSchema = z.object({
  kind: z.literal("tobacco-rules"),
  assistance: z.object({
    classId: z.string(),
    violationWithinMonths: z.number().int().positive(),
    lowIncome: z.boolean(),
    disabled: z.boolean(),
  }),
  /** Tried in order; the first class whose criteria all match wins. Unmatched → fallbackClass. */
  tiers: z.array(
    z.object({
      classId: z.string(),
      marketTypes: z.array(z.string()),
      retailFormats: z.array(z.string()),
      tierMin: z.number().int(),
      tierMax: z.number().int(),
      modernTerminal: z.array(z.string()),
    }),
  ),
  fallbackClass: z.string(),
});

const ZAbcRulesSchema = z.object({
  kind: z.literal("abc-sales"),
  /** Classes in descending value with the cumulative share of sales each one closes at. */
  bands: z.array(z.object({ classId: z.string(), cumulativeShare: z.number().min(0).max(1) })),
});

const ZReminderSchema = z.object({
  enabled: z.boolean(),
  /** HH:MM in the company time zone */
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
  /** A run missed while the process was down is still useful until this time the same day. */
  catchUpUntil: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).optional(),
  /** Optional reminders can be muted by the manager. */
  optional: z.boolean().default(true),
  /** Full 5-field cron expression replacing the reminder's default days and `time` (company time zone). */
  cron: z.string().optional(),
});

const ZTradeWordsSchema = z.object({
  product: z.string().min(1),
  productExample: z.string().min(1),
  unit: z.string().min(1),
  priceExample: z.string().min(1),
  forecastExample: z.string().min(1),
  forecastNote: z.string().default(""),
});

/** How a log was made: a visit's mode, or a /call contact (stored in phone mode, told apart by its details). */
export const CONTACT_MODES = ["field", "online", "phone", "call"] as const;
export type TContactMode = (typeof CONTACT_MODES)[number];
const ZContactModesSchema = z.array(z.enum(CONTACT_MODES)).min(1);

/**
 * Which logs each duty counts (the one rule every counter reads: src/modules/visits/counting.ts).
 * The two standards differ: tobacco lists 实地、网络、电话拜访 as ways of making the class's visit,
 * while the key-account rules keep 出访 apart from 电话(或网上)沟通, each its own quota.
 */
export const ZCountingSchema = z.object({
  /** Logs that satisfy a class's visit frequency: the customer's last visit, the plan stop done, coverage. */
  classVisit: ZContactModesSchema,
  /** Logs that count as a field outing: visit days a week, visits a day, customers per outing. */
  fieldVisit: ZContactModesSchema,
  /** Logs that count as a phone contact: the daily minimum (distinct customers) and the weekly A/B call. */
  phoneContact: ZContactModesSchema,
});
export type TCounting = z.infer<typeof ZCountingSchema>;

const INBOUND_DEFAULTS = { messagesPerMinute: 20, maxTextChars: 4000, maxSearchChars: 100, maxReasonChars: 200 };

const ZInboundSchema = z.object({
  /** Messages (and button taps) one chat account may send per minute; more get one "slow down" notice, then silence. */
  messagesPerMinute: z.number().int().positive().default(INBOUND_DEFAULTS.messagesPerMinute),
  /** Longest message text handled; a longer one is answered "too long" and nothing else is done. */
  maxTextChars: z.number().int().positive().default(INBOUND_DEFAULTS.maxTextChars),
  /** Longest customer search (a name or code fragment). */
  maxSearchChars: z.number().int().positive().default(INBOUND_DEFAULTS.maxSearchChars),
  /** Longest free-text reason (/skip). */
  maxReasonChars: z.number().int().positive().default(INBOUND_DEFAULTS.maxReasonChars),
});

export const CHECK_IN_MODES = ["off", "optional", "required"] as const;
export type TCheckInMode = (typeof CHECK_IN_MODES)[number];
const ZCheckInModeSchema = z.enum(CHECK_IN_MODES);

const EVIDENCE_DEFAULTS = {
  checkIn: { mode: "optional" as TCheckInMode, byClass: {}, radiusM: 300, maxAgeMinutes: 10 },
  photos: { requiredSections: [] as string[], byClass: {}, maxBytes: 10 * 1024 * 1024, maxPerVisit: 12 },
  retentionDays: 180,
  coordinates: { agreeing: 3, withinM: 100 },
};

/**
 * Visit evidence: check-in by location and shop photos (what field-sales products record), and
 * how long it is kept. Location is asked only while a field visit's form is open.
 */
export const ZEvidenceSchema = z.object({
  checkIn: z
    .object({
      /** off: never asked; optional: offered (any step accepts a location); required: a field visit asks and waits for it (or a reason). */
      mode: ZCheckInModeSchema.default("optional"),
      /** Per service class (class id → mode), e.g. core shops required. */
      byClass: z.record(z.string(), ZCheckInModeSchema).default(() => ({})),
      /** A check-in farther than this from the shop's coordinates asks the manager why. */
      radiusM: z.number().int().positive().default(300),
      /** A location sent longer ago than this (its message's date) is not a check-in. */
      maxAgeMinutes: z.number().int().positive().default(10),
    })
    .default(() => structuredClone(EVIDENCE_DEFAULTS.checkIn)),
  photos: z
    .object({
      /** Visit sections whose round asks for a photo before it ends (e.g. guidance: the display check). */
      requiredSections: z.array(z.string().min(1)).default(() => []),
      /** Per service class (class id → sections), replacing requiredSections for that class. */
      byClass: z.record(z.string(), z.array(z.string().min(1))).default(() => ({})),
      /** Largest photo accepted, in bytes (platform limits may be lower). */
      maxBytes: z.number().int().positive().default(EVIDENCE_DEFAULTS.photos.maxBytes),
      /** Photos one visit may carry. */
      maxPerVisit: z.number().int().positive().default(EVIDENCE_DEFAULTS.photos.maxPerVisit),
    })
    .default(() => structuredClone(EVIDENCE_DEFAULTS.photos)),
  /** Photos and check-in coordinates older than this many days are deleted by the cleanup job. */
  retentionDays: z.number().int().positive().default(180),
  coordinates: z
    .object({
      /** Check-ins (distinct visits) that must agree before a new shop position is proposed. */
      agreeing: z.number().int().min(2).default(3),
      /** How close those check-ins must be to each other, in metres. */
      withinM: z.number().int().positive().default(100),
    })
    .default(() => structuredClone(EVIDENCE_DEFAULTS.coordinates)),
});
export type TEvidence = z.infer<typeof ZEvidenceSchema>;

export const ZPolicySchema = z
  .object({
    preset: z.string(),
    timeZone: z.string().default("Asia/Shanghai"),
    locale: z.enum(["zh-CN", "en"]).default("zh-CN"),
    classes: z.array(ZServiceClassSchema).min(1),
    classification: z.discriminatedUnion("kind", [ZTobaccoRulesSchema, ZAbcRulesSchema]),
    /** ISO weekdays, 1 = Monday */
    visitDays: z.array(z.number().int().min(1).max(7)).min(1),
    minVisitDaysPerWeek: z.number().int().min(0).max(7),
    dailyMinimum: z.number().int().min(0),
    dailyCap: z.number().int().positive(),
    minCustomersPerOuting: z.number().int().min(0).default(0),
    phoneContactsPerDay: z.number().int().min(0).default(0),
    planningHorizonMonths: z.number().int().positive().default(2),
    inventoryFactor: z.number().positive(),
    counting: ZCountingSchema,
    /**
     * The visit form's sections, in menu order (the standard's own list for this trade): ids of
     * registered section modules (src/modules/visits/sections), checked against the registry at start-up.
     */
    visitSections: z.array(z.string().min(1)).min(1),
    /** The trade's words in forms: what a product is called, its unit, examples. */
    trade: z.record(z.enum(["zh-CN", "en"]), ZTradeWordsSchema),
    complaint: z.object({
      slaMinutes: z.number().int().positive(),
      managerRemindAt: z.array(z.number().gt(0).lt(1)),
      supervisorWarnAt: z.number().gt(0).lt(1),
      escalateUnacknowledgedMinutes: z.number().int().positive(),
      businessHours: z
        .object({
          workingDays: z.array(z.number().int().min(1).max(7)),
          start: z.string(),
          end: z.string(),
          lunch: z.object({ start: z.string(), end: z.string() }).nullable().default(null),
          /** YYYY-MM-DD dates that are not working days (public holidays). */
          holidays: z.array(z.string()).default([]),
        })
        .nullable()
        .default(null),
    }),
    reminders: z.record(z.string(), ZReminderSchema),
    /** Average travel speed used to turn route metres into minutes. */
    travelKmh: z.number().positive().default(20),
    /** Limits on what people send the bot (floods, pasted megabytes). */
    inbound: ZInboundSchema.default(INBOUND_DEFAULTS),
    /** Visit evidence: location check-in, photos, retention. */
    // A function default: each policy gets its own copy (a shared default object would carry one
    // company's (or test's) change to every policy loaded after it).
    evidence: ZEvidenceSchema.default(() => structuredClone(EVIDENCE_DEFAULTS)),
  })
  .superRefine((p, ctx) => {
    const ids = new Set(p.classes.map((c) => c.id));
    const refs =
      p.classification.kind === "tobacco-rules"
        ? [p.classification.assistance.classId, p.classification.fallbackClass, ...p.classification.tiers.map((t) => t.classId)]
        : p.classification.bands.map((b) => b.classId);
    for (const r of refs) {
      if (!ids.has(r)) ctx.addIssue({ code: "custom", message: `classification refers to unknown class "${r}"`, path: ["classification"] });
    }
    for (const id of [...Object.keys(p.evidence.checkIn.byClass), ...Object.keys(p.evidence.photos.byClass)]) {
      if (!ids.has(id)) ctx.addIssue({ code: "custom", message: `evidence refers to unknown class "${id}"`, path: ["evidence"] });
    }
    if (p.dailyCap < p.dailyMinimum) {
      ctx.addIssue({ code: "custom", message: "dailyCap must be ≥ dailyMinimum", path: ["dailyCap"] });
    }
    try {
      new Intl.DateTimeFormat("en", { timeZone: p.timeZone });
    } catch {
      ctx.addIssue({ code: "custom", message: `unknown time zone "${p.timeZone}"`, path: ["timeZone"] });
    }
  });
export type TPolicy = z.infer<typeof ZPolicySchema>;

const complaintDefaults = {
  slaMinutes: 480,
  managerRemindAt: [0.5, 0.75],
  supervisorWarnAt: 0.75,
  escalateUnacknowledgedMinutes: 60,
  businessHours: null,
};

const reminderDefaults = {
  morningList: { enabled: true, time: "07:30", catchUpUntil: "12:00", optional: false },
  appointments: { enabled: true, time: "17:00", catchUpUntil: "20:00", optional: true },
  unloggedVisits: { enabled: true, time: "18:30", catchUpUntil: "22:00", optional: true },
  weeklyPhoneContacts: { enabled: false, time: "09:00", catchUpUntil: "17:00", optional: true },
  dailyPhoneMinimum: { enabled: false, time: "16:30", catchUpUntil: "20:00", optional: true },
  monthEnd: { enabled: true, time: "09:00", catchUpUntil: "17:00", optional: true },
  purchasePlans: { enabled: false, time: "09:00", catchUpUntil: "17:00", optional: true },
  creditFollowUp: { enabled: false, time: "09:30", catchUpUntil: "17:00", optional: true },
  weeklySummary: { enabled: true, time: "16:00", catchUpUntil: "20:00", optional: true },
  // Before the working day (not at 2 a.m.: it messages the manager), ahead of the 07:30 morning list.
  classChanges: { enabled: true, time: "06:30", catchUpUntil: "20:00", optional: true },
  // Only managers with 信息采集点 shops get it (none under the key-account standard).
  infoPoints: { enabled: true, time: "16:00", catchUpUntil: "20:00", optional: true },
  // To supervisors: the day's digest, the week's and month's reports, and alerts.
  supervisorDigest: { enabled: true, time: "19:00", catchUpUntil: "22:00", optional: true },
  weeklyReport: { enabled: true, time: "17:30", catchUpUntil: "21:00", optional: true },
  monthlyReport: { enabled: true, time: "17:30", catchUpUntil: "21:00", optional: true },
  weeklyMinimumAlert: { enabled: true, time: "18:00", catchUpUntil: "21:00", optional: true },
  overdueAlert: { enabled: true, time: "08:30", catchUpUntil: "12:00", optional: true },
};

/** Raw preset objects (input to the schema, so defaults apply). */
export const PRESETS: Record<string, unknown> = {
  "tobacco-retail": {
    preset: "tobacco-retail",
    classes: [
      {
        id: "core",
        label: { "zh-CN": "核心客户", en: "core" },
        aliases: ["核心"],
        visitEvery: { count: 2, unit: "week" },
        visitMinutes: { min: 15, max: 20 },
        appointment: "day-before",
        // 所占比例：总客户数5% — a target, not a cap: ±1 point before `classify` flags the mix.
        share: { min: 0.04, max: 0.06 },
        priority: 1,
      },
      {
        id: "potential",
        label: { "zh-CN": "潜力客户", en: "potential" },
        aliases: ["潜力"],
        visitEvery: { count: 1, unit: "month" },
        visitMinutes: { min: 15, max: 20 },
        appointment: "same-day",
        share: { min: 0.15, max: 0.35 },
        priority: 2,
      },
      {
        id: "regular",
        label: { "zh-CN": "常规客户", en: "regular" },
        aliases: ["常规"],
        visitEvery: { count: 2, unit: "month" },
        visitMinutes: { min: 10, max: 15 },
        appointment: "none",
        priority: 3,
      },
      {
        id: "assistance",
        label: { "zh-CN": "帮扶客户", en: "assistance" },
        aliases: ["帮扶"],
        visitEvery: { count: 2, unit: "week" },
        visitMinutes: { min: 15, max: 30 },
        appointment: "same-day",
        share: { min: 0.05, max: 0.1 },
        priority: 0,
      },
    ],
    classification: {
      kind: "tobacco-rules",
      assistance: { classId: "assistance", violationWithinMonths: 3, lowIncome: true, disabled: true },
      tiers: [
        {
          classId: "core",
          marketTypes: ["city"],
          retailFormats: ["mall", "supermarket", "tobacco-liquor", "convenience"],
          tierMin: 25,
          tierMax: 30,
          modernTerminal: ["built", "building"],
        },
        {
          classId: "potential",
          marketTypes: ["town", "rural"],
          retailFormats: ["mall", "supermarket", "tobacco-liquor", "convenience", "grocery"],
          tierMin: 15,
          tierMax: 30,
          modernTerminal: ["built", "potential"],
        },
      ],
      fallbackClass: "regular",
    },
    visitDays: [1, 3, 4],
    minVisitDaysPerWeek: 3,
    dailyMinimum: 15,
    dailyCap: 20,
    minCustomersPerOuting: 0,
    phoneContactsPerDay: 0,
    inventoryFactor: 1.5,
    // 拜访方式：实地拜访、网络拜访、电话拜访 (every class): any of the three makes the class's visit;
    // the outing figures (visit days, 15 a day) count only 实地.
    counting: { classVisit: ["field", "online", "phone"], fieldVisit: ["field"], phoneContact: ["phone", "call"] },
    // New sections go after the ones managers already know by number; the info-point collection (only at info points) last, so the others keep their numbers at every shop.
    visitSections: ["info", "brand", "inventory", "market", "forecast", "problems", "manual", "note", "guidance", "prices"],
    trade: {
      "zh-CN": { product: "品规", productExample: "利群(新版)", unit: "条", priceExample: "红双喜 8 元/包", forecastExample: "利群 20 条、中华 5 条", forecastNote: "注意紧俏品牌的虚报。" },
      en: { product: "brand", productExample: "Liqun (new)", unit: "cartons", priceExample: "Double Happiness 8 yuan a pack", forecastExample: "Liqun 20 cartons, Zhonghua 5", forecastNote: "Watch for over-reporting of scarce brands." },
    },
    complaint: complaintDefaults,
    reminders: reminderDefaults,
  },
  "key-account": {
    preset: "key-account",
    classes: [
      {
        id: "A",
        label: { "zh-CN": "A类客户", en: "class A" },
        aliases: ["A类", "a"],
        visitEvery: { count: 1, unit: "month" },
        phoneEvery: { count: 1, unit: "week" },
        visitMinutes: { min: 30, max: 60 },
        appointment: "day-before",
        share: { min: 0.05, max: 0.2 },
        priority: 0,
      },
      {
        id: "B",
        label: { "zh-CN": "B类客户", en: "class B" },
        aliases: ["B类", "b"],
        visitEvery: { count: 2, unit: "month" },
        phoneEvery: { count: 1, unit: "week" },
        visitMinutes: { min: 30, max: 45 },
        appointment: "day-before",
        share: { min: 0.1, max: 0.3 },
        priority: 1,
      },
      {
        id: "C",
        label: { "zh-CN": "C类客户", en: "class C" },
        aliases: ["C类", "c"],
        visitEvery: null,
        visitMinutes: { min: 20, max: 30 },
        appointment: "same-day",
        share: { min: 0.5, max: 0.85 },
        priority: 2,
      },
    ],
    classification: {
      kind: "abc-sales",
      bands: [
        { classId: "A", cumulativeShare: 0.7 },
        { classId: "B", cumulativeShare: 0.9 },
        { classId: "C", cumulativeShare: 1 },
      ],
    },
    visitDays: [1, 3, 4],
    minVisitDaysPerWeek: 3,
    // Business customers take 30–60 minutes each: a visit day holds a handful, not 15.
    dailyMinimum: 2,
    dailyCap: 6,
    minCustomersPerOuting: 2,
    phoneContactsPerDay: 5,
    inventoryFactor: 1.5,
    // 第二十、二十一条: 出访 (a visit in person) is the class's visit; 电话(或网上)沟通 is its own
    // quota (5 customers a day, A/B weekly), so a field visit is not the week's call and a call is no visit.
    counting: { classVisit: ["field"], fieldVisit: ["field"], phoneContact: ["phone", "online", "call"] },
    // 润滑油客户经理规范: supplier, price, equipment, concerns and key person come first; no brand
    // cultivation or service-manual signing (tobacco duties).
    visitSections: ["key", "info", "inventory", "market", "forecast", "problems", "note"],
    trade: {
      "zh-CN": { product: "油品型号", productExample: "长城金吉星 SN 5W-30 4L", unit: "桶", priceExample: "某品牌 CI-4 15W-40 18L 420 元/桶", forecastExample: "金吉星 SN 5W-30 4L 40 桶、尊龙 CI-4 18L 10 桶", forecastNote: "按设备保养周期估算，注意季节性用量。" },
      en: { product: "lubricant grade", productExample: "Great Wall SN 5W-30 4 L", unit: "drums", priceExample: "a CI-4 15W-40 18 L drum at 420 yuan", forecastExample: "SN 5W-30 4 L 40 drums, CI-4 18 L 10 drums", forecastNote: "Estimate from the equipment's service intervals; mind seasonal use." },
    },
    complaint: complaintDefaults,
    reminders: {
      ...reminderDefaults,
      weeklyPhoneContacts: { ...reminderDefaults.weeklyPhoneContacts, enabled: true },
      dailyPhoneMinimum: { ...reminderDefaults.dailyPhoneMinimum, enabled: true },
      purchasePlans: { ...reminderDefaults.purchasePlans, enabled: true },
      creditFollowUp: { ...reminderDefaults.creditFollowUp, enabled: true },
      // The lubricant standard has no 信息采集点.
      infoPoints: { ...reminderDefaults.infoPoints, enabled: false },
    },
  },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars in the override replace the preset's. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v);
  return out;
}

export interface LoadPolicyOptions {
  preset?: string;
  file?: string;
  /** Extra in-code overrides (tests). */
  overrides?: unknown;
  timeZone?: string;
}

export function loadPolicy(opts: LoadPolicyOptions = {}): TPolicy {
  const presetName = opts.preset ?? "tobacco-retail";
  const preset = PRESETS[presetName];
  if (!preset) {
    throw new AppError("policy.unknown-preset", {
      message: `Unknown policy preset "${presetName}". Known presets: ${Object.keys(PRESETS).join(", ")}`,
    });
  }
  let raw: unknown = preset;
  if (opts.timeZone) raw = deepMerge(raw, { timeZone: opts.timeZone });
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, "utf8");
    } catch (e) {
      throw new AppError("policy.file", { message: `Cannot read policy file ${opts.file}: ${(e as Error).message}` });
    }
    let parsed: unknown;
    try {
      parsed = /\.ya?ml$/i.test(opts.file) ? parseYaml(text) : JSON.parse(text);
    } catch (e) {
      throw new AppError("policy.file", { message: `Policy file ${opts.file} is not valid ${/\.ya?ml$/i.test(opts.file) ? "YAML" : "JSON"}: ${(e as Error).message}` });
    }
    raw = deepMerge(raw, parsed ?? {});
  }
  if (opts.overrides) raw = deepMerge(raw, opts.overrides);
  const result = ZPolicySchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new AppError("policy.invalid", { message: `Invalid policy${opts.file ? ` (${opts.file})` : ""}:\n${lines.join("\n")}` });
  }
  return result.data;
}

export function classById(policy: TPolicy, id: string): TServiceClass | undefined {
  return policy.classes.find((c) => c.id === id);
}

/** Maps an imported/typed class name (id, label or alias, any case) to the class id. */
export function resolveClassName(policy: TPolicy, name: string): string | undefined {
  const n = name.trim().toLowerCase();
  if (!n) return undefined;
  for (const c of policy.classes) {
    const names = [c.id, c.label["zh-CN"], c.label.en, ...c.aliases].map((s) => s.toLowerCase());
    if (names.includes(n)) return c.id;
  }
  return undefined;
}
