import { enCli } from "../i18n/en.cli.ts";
import type { Catalogue, Params, Translate } from "../i18n/i18n.ts";
import { zhCNCli } from "../i18n/zh-CN.cli.ts";
import { enPostgres } from "../i18n/en.postgres.ts";
import { zhCNPostgres } from "../i18n/zh-CN.postgres.ts";

/**
 * The command line's own messages (usage, refusals) from its catalogue alone. `help` and `route`
 * print from it without loading every area's catalogue (`cliT`), which is a sizeable part of their
 * start-up. Same lookup as `t()`: the locale, then zh-CN, then the key; placeholders as there.
 */
const CLI: Record<"zh-CN" | "en", Catalogue> = { "zh-CN": { ...zhCNCli, ...zhCNPostgres }, en: { ...enCli, ...enPostgres } };

export function cliUsageT(env: NodeJS.ProcessEnv = process.env): Translate {
  const wanted = env.VISITMATE_LOCALE;
  const locale = wanted === "en" || wanted === "zh-CN" ? wanted : "zh-CN";
  return (key: string, params: Params = {}) => {
    const template = CLI[locale][key] ?? CLI["zh-CN"][key] ?? key;
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
}

/** Whether the message is the command line's own (printable by `cliUsageT`). */
export function isCliMessage(key: string): boolean {
  return key in CLI["zh-CN"];
}
