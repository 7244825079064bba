import { z } from "zod";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../db/client.ts";
import { PRODUCT_HEADER_ALIASES, PRODUCT_REQUIRED, parseActive, parseNumber, type TProductKey } from "../imports/columns.ts";
import { openImportFile, type ImportFile } from "../imports/decode.ts";
import {
  codeText,
  examineFile,
  failure,
  issue,
  optionalText,
  recogniser,
  requiredText,
  validateRow,
  type ImportError,
  type ImportReport,
  type ProgressFn,
} from "../imports/import.service.ts";
import { canonicalRow } from "../imports/columns.ts";
import { upsertProducts, type ProductFields } from "./products.service.ts";

/**
 * `visitmate import products FILE`: the company's product list (卷烟品规), all or nothing like the
 * other imports; re-importing updates products by code, columns the file lacks stay as stored.
 * A list is hundreds of rows, so the rows are held in memory.
 */

const cell = z.string().optional();

/** Yuan; a price list writes "23.00" or "¥230" or "230元". */
function price(key: string) {
  return cell.transform((v, ctx): number | null => {
    const t = (v ?? "").trim().replace(/^[¥￥]/, "").replace(/元$/, "").trim();
    if (t === "") return null;
    const n = parseNumber(t);
    if (n === undefined || n < 0 || n > 100_000) return issue(ctx, `${key} must be a non-negative number`);
    return Math.round(n * 100) / 100;
  });
}

export const ZProductImportRowSchema = z.object({
  code: codeText("code"),
  name: requiredText("name", 60),
  brand: optionalText("brand", 30),
  spec: optionalText("spec", 60),
  pack_price: price("pack_price"),
  carton_price: price("carton_price"),
  active: cell.transform((v, ctx) => {
    const t = (v ?? "").trim();
    if (t === "") return true;
    const r = parseActive(t) ?? ({ 在销: "true", 停售: "false", 停产: "false", 下架: "false" } as Record<string, string>)[t];
    return r === undefined ? issue(ctx, "status must be active or inactive (在销/停售)") : r === "true";
  }),
} satisfies Record<TProductKey, z.ZodType>);
export type TProductImportRow = z.output<typeof ZProductImportRowSchema>;

const FIELD_COLUMN: Record<keyof ProductFields, TProductKey> = {
  code: "code",
  name: "name",
  brand: "brand",
  spec: "spec",
  packPrice: "pack_price",
  cartonPrice: "carton_price",
  active: "active",
};

/** A brand column is optional: most lists start the name with it ("利群(新版)"); the known brands are read off the name then. */
const KNOWN_BRANDS = ["利群", "中华", "玉溪", "黄鹤楼", "云烟", "芙蓉王", "南京", "黄金叶", "红塔山", "苏烟", "贵烟", "钻石", "七匹狼", "娇子", "长白山", "双喜", "红双喜", "真龙", "泰山", "好猫", "白沙", "红河", "天子", "五叶神", "冬虫夏草", "大重九", "荷花", "红旗渠", "兰州", "金圣", "人民大会堂", "牡丹", "中南海", "大前门", "白将", "将军", "哈德门", "爱喜", "宽窄"];

export function brandOf(name: string): string {
  return KNOWN_BRANDS.filter((b) => name.startsWith(b)).sort((a, b) => b.length - a.length)[0] ?? "";
}

export async function importProducts(opts: { db: Db; clock: Clock; file: ImportFile; sheet?: string; onProgress?: ProgressFn }): Promise<ImportReport> {
  const source = await openImportFile(opts.file, { sheet: opts.sheet, recognise: recogniser(PRODUCT_HEADER_ALIASES) });
  const found = examineFile(source, PRODUCT_HEADER_ALIASES, PRODUCT_REQUIRED, opts.sheet !== undefined);
  const { mapping, errors, notes } = found;
  if (found.fatal) return failure("products", 0, errors, [], notes);
  const rows: TProductImportRow[] = [];
  const firstRow = new Map<string, number>();
  let total = 0;
  for await (const r of source.rows()) {
    total++;
    const raw = canonicalRow(r.values, mapping) as Record<string, string | undefined>;
    const data = validateRow(r.rowNumber, raw, mapping, PRODUCT_REQUIRED, ZProductImportRowSchema, errors);
    const code = (raw.code ?? "").trim();
    const seen = code ? firstRow.get(code) : undefined;
    if (seen !== undefined) errors.push({ row: r.rowNumber, column: "code", value: raw.code ?? "", reason: `duplicate code (first seen in row ${seen})` } satisfies ImportError);
    else if (code) firstRow.set(code, r.rowNumber);
    if (data) rows.push(data);
  }
  if (total === 0) errors.push({ row: source.headerRow, column: "", value: "", reason: "the file has no data rows" });
  if (errors.length) return failure("products", total, errors, mapping.unknown, notes);

  const hasBrand = mapping.present.has("brand");
  const keep = new Set((Object.entries(FIELD_COLUMN) as [keyof ProductFields, TProductKey][]).filter(([, c]) => !mapping.present.has(c)).map(([f]) => f));
  // Without a brand column the brand comes from the name: it is what the KPIs and the weekly price report group by.
  if (!hasBrand) keep.delete("brand");
  const fields: ProductFields[] = rows.map((d) => ({
    code: d.code,
    name: d.name,
    brand: hasBrand && d.brand ? d.brand : brandOf(d.name),
    spec: d.spec,
    packPrice: d.pack_price,
    cartonPrice: d.carton_price,
    active: d.active,
  }));
  opts.onProgress?.(0, total);
  const counts = await upsertProducts({ db: opts.db, rows: fields, keep, now: opts.clock.now() });
  opts.onProgress?.(total, total);
  return { kind: "products", ok: true, total, ...counts, errors: [], ignoredColumns: mapping.unknown, ...(notes.length ? { notes } : {}) };
}
