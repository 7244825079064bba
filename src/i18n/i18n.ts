import { en } from "./en.ts";
import { enCli } from "./en.cli.ts";
import { enComplaints } from "./en.complaints.ts";
import { enForms } from "./en.forms.ts";
import { enImportIntegrity } from "./en.import-integrity.ts";
import { enPlatforms } from "./en.platforms.ts";
import { enPolishAdmin } from "./en.polish-admin.ts";
import { enPlanningPool } from "./en.planning-pool.ts";
import { enReplies } from "./en.replies.ts";
import { enReminders } from "./en.reminders.ts";
import { enReports } from "./en.reports.ts";
import { enSecurityBindcodes } from "./en.security-bindcodes.ts";
import { enSecurityButtons } from "./en.security-buttons.ts";
import { enVisitSections } from "./en.visit-sections.ts";
import { enPolishPlan } from "./en.polish-plan.ts";
import { enSecurityStrangers } from "./en.security-strangers.ts";
import { zhCN } from "./zh-CN.ts";
import { zhCNCli } from "./zh-CN.cli.ts";
import { zhCNComplaints } from "./zh-CN.complaints.ts";
import { zhCNForms } from "./zh-CN.forms.ts";
import { zhCNImportIntegrity } from "./zh-CN.import-integrity.ts";
import { zhCNPlatforms } from "./zh-CN.platforms.ts";
import { zhCNPolishAdmin } from "./zh-CN.polish-admin.ts";
import { zhCNPlatformStatus } from "./zh-CN.platform-status.ts";
import { enPlatformStatus } from "./en.platform-status.ts";
import { zhCNPlanningPool } from "./zh-CN.planning-pool.ts";
import { zhCNReplies } from "./zh-CN.replies.ts";
import { zhCNReminders } from "./zh-CN.reminders.ts";
import { zhCNReports } from "./zh-CN.reports.ts";
import { zhCNSecurityBindcodes } from "./zh-CN.security-bindcodes.ts";
import { zhCNSecurityButtons } from "./zh-CN.security-buttons.ts";
import { zhCNVisitSections } from "./zh-CN.visit-sections.ts";
import { zhCNPolishPlan } from "./zh-CN.polish-plan.ts";
import { zhCNSecurityStrangers } from "./zh-CN.security-strangers.ts";
import { enWords } from "./en.words.ts";
import { enCounting } from "./en.counting.ts";
import { zhCNCounting } from "./zh-CN.counting.ts";
import { zhCNKeyVisit } from "./zh-CN.key-visit.ts";
import { zhCNSummaryStandard } from "./zh-CN.summary-standard.ts";
import { enSummaryStandard } from "./en.summary-standard.ts";
import { enKeyVisit } from "./en.key-visit.ts";
import { enKeyAccount } from "./en.key-account.ts";
import { zhCNKeyAccount } from "./zh-CN.key-account.ts";
import { zhCNWords } from "./zh-CN.words.ts";
import { zhCNTobacco } from "./zh-CN.tobacco.ts";
import { enTobacco } from "./en.tobacco.ts";
import { zhCNEvidence } from "./zh-CN.evidence.ts";
import { enEvidence } from "./en.evidence.ts";
import { zhCNEvidenceTelegram } from "./zh-CN.evidence-telegram.ts";
import { enEvidenceTelegram } from "./en.evidence-telegram.ts";
import { zhCNEvidenceChat } from "./zh-CN.evidence-chat.ts";
import { enEvidenceChat } from "./en.evidence-chat.ts";
import { zhCNEvidenceSupervisor } from "./zh-CN.evidence-supervisor.ts";
import { enEvidenceSupervisor } from "./en.evidence-supervisor.ts";
import { zhCNEvidenceCoords } from "./zh-CN.evidence-coords.ts";
import { enEvidenceCoords } from "./en.evidence-coords.ts";
import { zhCNPostgres } from "./zh-CN.postgres.ts";
import { enPostgres } from "./en.postgres.ts";
import { zhCNDbCopy } from "./zh-CN.db-copy.ts";
import { enDbCopy } from "./en.db-copy.ts";

export type Locale = "zh-CN" | "en";
export const LOCALES: Locale[] = ["zh-CN", "en"];
export const DEFAULT_LOCALE: Locale = "zh-CN";

export type Params = Record<string, string | number>;
/** A catalogue entry: plain text with {name} placeholders. */
export type Catalogue = Record<string, string>;

// Catalogues are split by area so parallel work on a module does not collide in one file.
const catalogues: Record<Locale, Catalogue> = {
"zh-CN": { ...zhCN, ...zhCNForms, ...zhCNReminders, ...zhCNPlatforms, ...zhCNComplaints, ...zhCNCli, ...zhCNReports, ...zhCNSecurityBindcodes, ...zhCNSecurityStrangers, ...zhCNSecurityButtons, ...zhCNPlanningPool, ...zhCNImportIntegrity, ...zhCNPlatformStatus, ...zhCNReplies, ...zhCNPolishAdmin, ...zhCNPolishPlan, ...zhCNWords, ...zhCNVisitSections, ...zhCNCounting, ...zhCNKeyVisit, ...zhCNSummaryStandard, ...zhCNKeyAccount, ...zhCNTobacco, ...zhCNEvidence, ...zhCNEvidenceTelegram, ...zhCNEvidenceChat, ...zhCNEvidenceSupervisor, ...zhCNEvidenceCoords, ...zhCNPostgres, ...zhCNDbCopy },
  en: { ...en, ...enForms, ...enReminders, ...enPlatforms, ...enComplaints, ...enCli, ...enReports, ...enSecurityBindcodes, ...enSecurityStrangers, ...enSecurityButtons, ...enPlanningPool, ...enImportIntegrity, ...enPlatformStatus, ...enReplies, ...enPolishAdmin, ...enPolishPlan, ...enWords, ...enVisitSections, ...enCounting, ...enKeyVisit, ...enSummaryStandard, ...enKeyAccount, ...enTobacco, ...enEvidence, ...enEvidenceTelegram, ...enEvidenceChat, ...enEvidenceSupervisor, ...enEvidenceCoords, ...enPostgres, ...enDbCopy },
};

export function isLocale(s: string | null | undefined): s is Locale {
  return s === "zh-CN" || s === "en";
}

/** Looks a key up in the locale, falling back to zh-CN, then to the key itself (visible in tests). */
export function t(locale: Locale, key: string, params: Params = {}): string {
  const own = catalogues[locale][key];
  const template = own ?? catalogues[DEFAULT_LOCALE][key] ?? key;
  const chinese = own === undefined || locale === "zh-CN";
  return template.replace(/\{(\w+)\}/g, (m, name: string, at: number) => {
    if (!(name in params)) return m;
    const value = String(params[name]);
    return chinese ? spacedAtSeam(value, template[at - 1], template[at + m.length]) : value;
  });
}

const HAN = /\p{Script=Han}/u;
// A Latin word at the value's start or end, not glued to Chinese inside the value: "Telegram" is
// a word, "A类客户" is a Chinese term that happens to begin with a letter.
const LEADING_WORD = /^[A-Za-z][A-Za-z0-9]*(?![A-Za-z0-9\p{Script=Han}])/u;
const TRAILING_WORD = /(?<![A-Za-z0-9\p{Script=Han}])[A-Za-z0-9]*[A-Za-z]$/u;

/**
 * The catalogues write "在 Telegram 绑定" (a space between Chinese and a Latin word); a value
 * interpolated next to Chinese ("本{platform}账号") gets the same space, so one style holds whatever
 * the value is ("本 Telegram 账号", "本飞书账号"). Only the seams are touched, never the value itself.
 */
function spacedAtSeam(value: string, before: string | undefined, after: string | undefined): string {
  if (!value) return value;
  const lead = before && HAN.test(before) && LEADING_WORD.test(value) ? " " : "";
  const trail = after && HAN.test(after) && TRAILING_WORD.test(value) ? " " : "";
  return lead + value + trail;
}

export type Translate = (key: string, params?: Params) => string;
export function translator(locale: Locale): Translate {
  return (key, params) => t(locale, key, params);
}

export function catalogueKeys(locale: Locale): string[] {
  return Object.keys(catalogues[locale]);
}
