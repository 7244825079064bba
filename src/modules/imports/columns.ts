/**
 * What the import understands: header aliases (English keys and the headers Chinese tobacco and
 * lubricant companies actually use) and the value vocabularies of the enumerated columns.
 * Everything is matched trimmed and case-insensitively.
 */

export const CUSTOMER_BASE_KEYS = [
  "code",
  "name",
  "manager",
  "address",
  "phone",
  "lat",
  "lng",
  "market_type",
  "format",
  "tier",
  "modern_terminal",
  "violation_date",
  "low_income",
  "disabled",
  "sales_volume",
  "credit",
  "key_person",
  "info_point",
  "service_class",
] as const;
/** The key-account customer file (润滑油规范 第三十三–三十七条). */
export const CUSTOMER_FILE_KEYS = [
  "registration",
  "scale",
  "scale_note",
  "equipment",
  "oil_usage",
  "needs",
  "tech_requirements",
  "credit_term_days",
  "credit_limit",
  "receivables",
  "receivables_due",
  "key_people",
] as const;
export const CUSTOMER_KEYS = [...CUSTOMER_BASE_KEYS, ...CUSTOMER_FILE_KEYS] as const;
export type TCustomerKey = (typeof CUSTOMER_KEYS)[number];

export const MANAGER_KEYS = ["code", "name", "role", "supervisor", "start_lat", "start_lng", "visit_days", "active"] as const;
export type TManagerKey = (typeof MANAGER_KEYS)[number];

export const CUSTOMER_REQUIRED: readonly TCustomerKey[] = ["code", "name", "manager", "lat", "lng"];
export const MANAGER_REQUIRED: readonly TManagerKey[] = ["code", "name", "role"];

/** Besides the canonical key itself. */
export const CUSTOMER_HEADER_ALIASES: Record<TCustomerKey, string[]> = {
  code: ["客户编码", "客户代码", "客户编号", "许可证号", "许可证编号", "customer_code"],
  name: ["客户名称", "店名", "店铺名称", "商户名称", "customer_name"],
  manager: ["客户经理", "客户经理编码", "客户经理工号", "所属客户经理", "manager_code"],
  address: ["地址", "经营地址", "详细地址"],
  phone: ["电话", "联系电话", "手机", "手机号", "tel"],
  lat: ["纬度", "latitude"],
  lng: ["经度", "longitude", "lon", "long"],
  market_type: ["市场类型", "market"],
  format: ["零售业态", "业态", "经营业态", "retail_format"],
  tier: ["档位", "客户档位"],
  modern_terminal: ["现代终端", "现代终端建设"],
  violation_date: ["违规日期", "最近违规日期", "last_violation"],
  low_income: ["低保", "低保户"],
  disabled: ["残疾", "残疾人"],
  sales_volume: ["销量", "销售额", "年销量", "sales"],
  credit: ["信用客户", "赊销"],
  key_person: ["关键人", "关键联系人"],
  info_point: ["信息采集点", "采集点", "是否信息采集点", "infopoint"],
  service_class: ["客户分类", "服务类别", "分类", "class"],
  registration: ["注册信息", "工商注册信息", "注册资料", "营业执照信息", "registration_info"],
  scale: ["规模", "企业规模", "客户规模", "customer_scale", "size"],
  scale_note: ["规模说明", "规模备注", "scale_notes"],
  equipment: ["设备", "用油设备", "设备情况", "主要设备"],
  oil_usage: ["用油情况", "用油量", "油品使用情况", "现用油品", "oil_use"],
  needs: ["需求", "客户需求", "用油需求"],
  tech_requirements: ["技术要求", "技术需求", "technical_requirements"],
  credit_term_days: ["信用期限", "账期", "账期天数", "信用期", "credit_term", "payment_terms"],
  credit_limit: ["信用额度", "授信额度", "赊销额度"],
  receivables: ["应收账款", "应收款", "欠款", "receivable", "accounts_receivable"],
  receivables_due: ["应收到期日", "回款日期", "到期日", "收款日期", "due_date"],
  key_people: ["关键人物", "关键人员", "contacts", "key_contacts"],
};

export const MANAGER_HEADER_ALIASES: Record<TManagerKey, string[]> = {
  code: ["工号", "编码", "员工编码", "员工工号", "staff_code"],
  name: ["姓名", "员工姓名"],
  role: ["角色", "岗位", "职务"],
  supervisor: ["上级", "主管", "上级工号", "直属上级", "supervisor_code"],
  start_lat: ["起点纬度"],
  start_lng: ["起点经度", "start_lon"],
  visit_days: ["拜访日", "拜访日期"],
  active: ["状态", "在职状态", "是否在职", "在职", "status"],
};

export const PRODUCT_KEYS = ["code", "name", "brand", "spec", "pack_price", "carton_price", "active"] as const;
export type TProductKey = (typeof PRODUCT_KEYS)[number];
export const PRODUCT_REQUIRED: readonly TProductKey[] = ["code", "name"];
/** A unit in brackets is dropped by normalizeHeader, so 零售价（元/盒） is 零售价: pack and carton prices are told apart by name. */
export const PRODUCT_HEADER_ALIASES: Record<TProductKey, string[]> = {
  code: ["卷烟编码", "商品编码", "产品编码", "品规编码", "卷烟代码", "product_code"],
  name: ["卷烟名称", "商品名称", "产品名称", "品规名称", "品规", "product_name"],
  brand: ["品牌", "牌号", "品牌名称"],
  spec: ["规格", "包装", "包装规格", "pack", "specification"],
  pack_price: ["盒价", "单盒价", "包价", "单包价", "零售价", "建议零售价", "零售指导价", "pack_retail_price", "retail_price"],
  carton_price: ["条价", "条零售价", "整条价", "条装价", "条装零售价", "carton_retail_price"],
  active: ["状态", "在销", "是否在销", "status"],
};
export const PRODUCT_COLUMN_LABELS: Record<TProductKey, string> = {
  code: "卷烟编码",
  name: "卷烟名称",
  brand: "品牌",
  spec: "规格",
  pack_price: "盒价",
  carton_price: "条价",
  active: "状态",
};

/** Column labels for reports. */
export const CUSTOMER_COLUMN_LABELS: Record<TCustomerKey, string> = {
  code: "客户编码",
  name: "客户名称",
  manager: "客户经理",
  address: "地址",
  phone: "电话",
  lat: "纬度",
  lng: "经度",
  market_type: "市场类型",
  format: "零售业态",
  tier: "档位",
  modern_terminal: "现代终端",
  violation_date: "违规日期",
  low_income: "低保",
  disabled: "残疾",
  sales_volume: "销量",
  credit: "信用客户",
  key_person: "关键人",
  info_point: "信息采集点",
  service_class: "客户分类",
  registration: "注册信息",
  scale: "规模",
  scale_note: "规模说明",
  equipment: "设备",
  oil_usage: "用油情况",
  needs: "需求",
  tech_requirements: "技术要求",
  credit_term_days: "信用期限",
  credit_limit: "信用额度",
  receivables: "应收账款",
  receivables_due: "应收到期日",
  key_people: "关键人物",
};

export const MANAGER_COLUMN_LABELS: Record<TManagerKey, string> = {
  code: "工号",
  name: "姓名",
  role: "角色",
  supervisor: "上级",
  start_lat: "起点纬度",
  start_lng: "起点经度",
  visit_days: "拜访日",
  active: "状态",
};

/**
 * Templates mark required columns with "*" and add units in brackets ("销量（条）"); "Market Type",
 * "market-type" and "market_type" are the same header.
 */
export function normalizeHeader(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/^\*+|\*+$/g, "")
    .replace(/\s*[(（][^()（）]*[)）]\s*$/, "")
    .trim()
    .replace(/[\s_-]+/g, "_");
}

export interface HeaderMapping<K extends string> {
  /** Raw header → canonical key, first occurrence of each key only. */
  columns: Map<string, K>;
  present: Set<K>;
  /** Keys named by more than one header (e.g. both 销量 and 销售额): ambiguous, reported as errors. */
  duplicates: { key: K; headers: string[] }[];
  /** Headers that mean nothing to the import; ignored, listed in the report. */
  unknown: string[];
}

export function mapHeaders<K extends string>(headers: string[], aliases: Record<K, string[]>): HeaderMapping<K> {
  const lookup = new Map<string, K>();
  for (const [key, names] of Object.entries(aliases) as [K, string[]][]) {
    for (const n of [key, ...names]) lookup.set(normalizeHeader(n), key);
  }
  const columns = new Map<string, K>();
  const seen = new Map<K, string[]>();
  const unknown: string[] = [];
  for (const h of headers) {
    if (h.trim() === "") continue;
    const key = lookup.get(normalizeHeader(h));
    if (!key) {
      // A merged title cell repeats in every column it spans: list it once.
      if (!unknown.includes(h)) unknown.push(h);
      continue;
    }
    const list = seen.get(key) ?? [];
    list.push(h);
    seen.set(key, list);
    if (list.length === 1) columns.set(h, key);
  }
  const duplicates = [...seen.entries()].filter(([, hs]) => hs.length > 1).map(([key, hs]) => ({ key, headers: hs }));
  return { columns, present: new Set(seen.keys()), duplicates, unknown };
}

/** A decoded row re-keyed by canonical key; absent columns stay undefined. */
export function canonicalRow<K extends string>(values: Record<string, string>, mapping: HeaderMapping<K>): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const [header, key] of mapping.columns) out[key] = values[header] ?? "";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Value vocabularies. Each returns the canonical value, or undefined when the text is not understood.

function vocab(table: Record<string, string[]>): (v: string) => string | undefined {
  const lookup = new Map<string, string>();
  for (const [id, names] of Object.entries(table)) for (const n of [id, ...names]) lookup.set(n.toLowerCase(), id);
  return (v) => lookup.get(v.trim().toLowerCase());
}

export const MARKET_TYPES = ["city", "town", "rural"] as const;
export const parseMarketType = vocab({
  city: ["城市", "城区"],
  town: ["城镇", "集镇"],
  rural: ["乡村", "农村"],
});

export const RETAIL_FORMATS = ["mall", "supermarket", "tobacco-liquor", "convenience", "grocery", "other"] as const;
export const parseRetailFormat = vocab({
  mall: ["商场", "购物中心", "shopping mall"],
  supermarket: ["超市"],
  "tobacco-liquor": ["烟酒店", "烟酒商店", "名烟名酒", "tobacco_liquor", "tobacco & liquor", "tobacco and liquor"],
  convenience: ["便利店", "convenience store"],
  grocery: ["食杂店", "副食店", "grocery store"],
  other: ["其他", "其它"],
});

export const MODERN_TERMINAL_STATES = ["built", "building", "potential", "none"] as const;
export const parseModernTerminal = vocab({
  built: ["已建成", "建成", "已建"],
  building: ["正在建设", "在建", "建设中"],
  potential: ["有潜力", "具有现代终端潜力", "潜力"],
  none: ["未建设", "无", "未建", "否"],
});

export const parseScale = vocab({
  small: ["小型", "小", "小型客户", "小型企业"],
  mid: ["中型", "中", "medium", "middle", "中型客户", "中型企业"],
  large: ["大型", "大", "big", "大型客户", "大型企业"],
});

export const STAFF_ROLES = ["manager", "supervisor", "admin"] as const;
export const parseRole = vocab({
  manager: ["客户经理", "customer manager"],
  supervisor: ["主管", "经理", "上级", "区域经理", "经营部经理"],
  admin: ["管理员", "administrator"],
});

/** A roster's status column: who still works here. */
export const parseActive = vocab({
  true: ["active", "在职", "正常", "启用", "yes", "y", "1", "是"],
  false: ["inactive", "离职", "已离职", "停用", "禁用", "no", "n", "0", "否"],
});

const parseBoolWord = vocab({
  true: ["yes", "y", "1", "是", "有", "√", "✓"],
  false: ["no", "n", "0", "否", "无", "×", "✗"],
});

/** Empty means false: the column is a checkbox in most templates. */
export function parseBoolean(v: string): boolean | undefined {
  if (v.trim() === "") return false;
  const r = parseBoolWord(v);
  return r === undefined ? undefined : r === "true";
}

const WEEKDAY_TOKENS: [RegExp, number][] = [
  [/^(monday|mon)/, 1],
  [/^(tuesday|tues|tue)/, 2],
  [/^(wednesday|wed)/, 3],
  [/^(thursday|thurs|thur|thu)/, 4],
  [/^(friday|fri)/, 5],
  [/^(saturday|sat)/, 6],
  [/^(sunday|sun)/, 7],
  [/^[1-7]/, 0],
  [/^一/, 1],
  [/^二/, 2],
  [/^三/, 3],
  [/^四/, 4],
  [/^五/, 5],
  [/^六/, 6],
  [/^[日天七]/, 7],
];

/**
 * "1,3,4", "Mon,Wed,Thu", "周一、周三、周四", "星期一 星期三" or "一三四" → "1,3,4" (ISO weekdays,
 * sorted, unique). Empty → "" (the policy's visit days). Undefined when any part is not a weekday.
 */
export function parseVisitDays(v: string): string | undefined {
  let s = v.trim().toLowerCase().replace(/星期|礼拜|周/g, "");
  if (s === "") return "";
  const days = new Set<number>();
  while (s.length > 0) {
    const sep = /^[\s,，、;；/|]+/.exec(s);
    if (sep) {
      s = s.slice(sep[0].length);
      continue;
    }
    const hit = WEEKDAY_TOKENS.map(([re, day]) => [re.exec(s), day] as const).find(([m]) => m !== null);
    if (!hit) return undefined;
    const [m, day] = hit;
    days.add(day === 0 ? Number(m![0]) : day);
    s = s.slice(m![0].length);
  }
  if (days.size === 0) return undefined;
  return [...days].sort((a, b) => a - b).join(",");
}

/** YYYY-MM-DD, YYYY/M/D (Chinese Excel's display), YYYY.M.D or YYYY年M月D日 → YYYY-MM-DD. */
export function parseDate(v: string): string | undefined {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(v.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return `${m[1]}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** A decimal number; thousands separators as Excel displays them are tolerated. */
export function parseNumber(v: string): number | undefined {
  const s = v.trim().replace(/(\d),(?=\d{3}(\D|$))/g, "$1");
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}
