import type { TPolicy } from "../../config/policy.ts";
import type { Clock } from "../../core/clock.ts";
import { addDays, addInterval, daysBetween, isoWeekday, localDate, zonedInstant } from "../../core/dates.ts";
import { pick, randInt, seededRandom } from "../../core/random.ts";
import type { Db } from "../../db/client.ts";
import { recomputeServiceClasses } from "../customers/customers.service.ts";
import { haversineMetres } from "../planning/route-ordering.ts";
import { counts } from "../visits/counting.ts";
import { productSearchText } from "../products/products.service.ts";
import { visitDaysOf } from "../staff/staff.service.ts";

/**
 * A realistic demo company around Tonglu County (桐庐县), Zhejiang: one supervisor, two customer
 * managers with ~300 shops each, a class mix close to the standard's shares, and visit history.
 * Deterministic, so screenshots and tests see the same shops.
 */

const TOWN_CENTRE = { lat: 29.7975, lng: 119.6914 };
const CITY_RADIUS_M = 3000;
const TOWN_RADIUS_M = 6500;

const SURNAMES = ["张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴", "徐", "孙", "朱", "胡", "郭", "何", "罗", "高", "林", "郑", "方", "叶", "钟", "俞", "章", "姚", "蒋", "沈", "汪", "钱"];
const GIVEN = ["建国", "丽华", "国强", "秀英", "志明", "海燕", "伟", "芳", "军", "敏", "静", "磊", "红梅", "小龙", "春生", "美玲", "永康", "桂兰"];
const STREETS = ["迎春南路", "迎春北路", "学圣路", "白云源路", "梅林路", "春江路", "富春路", "滨江路", "瑶琳路", "城南路", "洋洲路", "凤川大道", "江南路", "金东路", "桐君路", "圆通路", "广场路", "歌舞路", "横村大道", "分水大街"];
/**
 * The townships (乡镇/街道) the two territories cover, at the approximate position of each seat.
 * A shop is in the township whose seat is nearest: an address then names the township a map shows
 * at its coordinates. (Picking the township from a list by market type put "分水镇", 30 km away,
 * on shops a few kilometres from the town centre.)
 */
export const DEMO_TOWNSHIPS: readonly { name: string; lat: number; lng: number }[] = [
  { name: "桐君街道", lat: 29.8, lng: 119.685 },
  { name: "城南街道", lat: 29.775, lng: 119.69 },
  { name: "旧县街道", lat: 29.835, lng: 119.735 },
  { name: "凤川街道", lat: 29.87, lng: 119.79 },
  { name: "横村镇", lat: 29.865, lng: 119.63 },
  { name: "江南镇", lat: 29.745, lng: 119.755 },
  { name: "富春江镇", lat: 29.735, lng: 119.62 },
  { name: "莪山乡", lat: 29.905, lng: 119.7 },
  { name: "钟山乡", lat: 29.8, lng: 119.56 },
  { name: "瑶琳镇", lat: 29.915, lng: 119.58 },
];

/** The township a point is in (nearest seat; ties to the first listed). */
export function demoTownshipAt(p: { lat: number; lng: number }): string {
  let best = DEMO_TOWNSHIPS[0]!;
  let bestM = Infinity;
  for (const t of DEMO_TOWNSHIPS) {
    const m = haversineMetres(p, t);
    if (m < bestM) [best, bestM] = [t, m];
  }
  return best.name;
}

type Format = "mall" | "supermarket" | "tobacco-liquor" | "convenience" | "grocery" | "other";
const FORMAT_SUFFIX: Record<Format, string[]> = {
  mall: ["购物中心", "商厦"],
  supermarket: ["超市", "生活超市", "平价超市"],
  "tobacco-liquor": ["烟酒店", "烟酒商行", "名烟名酒"],
  convenience: ["便利店", "便民店", "24小时便利店"],
  grocery: ["食杂店", "副食店", "小卖部", "百货店"],
  other: ["水果店", "五金店", "茶叶店", "快餐店"],
};
/** Business customers of a lubricant distributor (key-account preset). */
const BUSINESS_SUFFIX = ["汽修厂", "汽车维修中心", "机械厂", "物流公司", "建材厂", "农机站", "公交车队", "纺织厂", "包装厂", "工程机械租赁"];
const BRAND_PREFIX = ["惠民", "好又多", "联华", "华润", "百佳", "便民", "兴旺", "富春", "桐江", "鑫源", "顺发", "福满"];

interface DemoCustomer {
  code: string;
  name: string;
  address: string;
  phone: string;
  lat: number;
  lng: number;
  marketType: string;
  retailFormat: Format;
  tier: number;
  modernTerminal: string;
  violationDate: Date | null;
  lowIncome: boolean;
  disabled: boolean;
  salesVolume: number;
  credit: boolean;
  keyPerson: string;
}

function offset(centre: { lat: number; lng: number }, northM: number, eastM: number) {
  return {
    lat: centre.lat + northM / 111_320,
    lng: centre.lng + eastM / (111_320 * Math.cos((centre.lat * Math.PI) / 180)),
  };
}

function generateCustomers(opts: { managerIndex: number; count: number; today: string; timeZone: string; business: boolean }): DemoCustomer[] {
  const rand = seededRandom(20261122 + opts.managerIndex * 7919);
  // The two territories sit side by side (west and east of the river town), each ~12 × 14 km.
  const territoryCentre = offset(TOWN_CENTRE, 0, opts.managerIndex === 0 ? -4500 : 4500);
  const out: DemoCustomer[] = [];
  const names = new Set<string>();
  // Exact shares (7% assistance, 5% core, 26% potential), shuffled: random rolls could land a
  // small territory outside the standard's ranges.
  const quota = (share: number) => Math.round(opts.count * share);
  const targets = [
    ...Array<string>(quota(0.07)).fill("assistance"),
    ...Array<string>(quota(0.05)).fill("core"),
    ...Array<string>(quota(0.26)).fill("potential"),
  ];
  while (targets.length < opts.count) targets.push("regular");
  for (let i = targets.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [targets[i], targets[j]] = [targets[j]!, targets[i]!];
  }
  for (let i = 0; i < opts.count; i++) {
    const target = targets[i]!;
    let point = offset(territoryCentre, (rand() - 0.5) * 14000, (rand() - 0.5) * 12000);
    // Core shops are in the city (town centre); potential ones in towns and villages.
    if (target === "core") {
      // Inside the city from either territory's side of the centre (±1,200 m), or it classifies as a town shop.
      const r = Math.sqrt(rand()) * (CITY_RADIUS_M - 1200 - 300);
      const a = rand() * 2 * Math.PI;
      point = offset(TOWN_CENTRE, Math.sin(a) * r, Math.cos(a) * r + (opts.managerIndex === 0 ? -1200 : 1200));
    }
    let dist = haversineMetres(point, TOWN_CENTRE);
    if (target === "potential" && dist < CITY_RADIUS_M) {
      point = offset(territoryCentre, 5000 * (rand() < 0.5 ? -1 : 1), (rand() - 0.5) * 12000);
      dist = haversineMetres(point, TOWN_CENTRE);
    }
    const marketType = dist < CITY_RADIUS_M ? "city" : dist < TOWN_RADIUS_M ? "town" : "rural";
    // Rounded as stored, so the township is the one of the coordinates the database holds.
    point = { lat: Number(point.lat.toFixed(6)), lng: Number(point.lng.toFixed(6)) };
    const area = demoTownshipAt(point);

    let format: Format;
    let tier: number;
    let modernTerminal: string;
    if (target === "core") {
      format = pick(rand, ["supermarket", "tobacco-liquor", "convenience", "tobacco-liquor", "mall"] as const);
      tier = randInt(rand, 25, 30);
      modernTerminal = rand() < 0.7 ? "built" : "building";
    } else if (target === "potential") {
      format = pick(rand, ["grocery", "convenience", "tobacco-liquor", "supermarket", "grocery"] as const);
      tier = randInt(rand, 15, 28);
      modernTerminal = rand() < 0.5 ? "built" : "potential";
    } else {
      format = pick(rand, ["grocery", "grocery", "grocery", "convenience", "tobacco-liquor", "supermarket", "other"] as const);
      tier = randInt(rand, 3, 22);
      modernTerminal = "none";
    }
    const surname = pick(rand, SURNAMES);
    const suffix = pick(rand, FORMAT_SUFFIX[format]);
    let name = opts.business
      ? `${area.replace(/街道|镇|乡/, "")}${pick(rand, ["顺达", "恒通", "鑫源", "宏达", "永兴", "富春", "金桥"])}${pick(rand, BUSINESS_SUFFIX)}`
      : format === "supermarket" || format === "mall" || (format === "convenience" && rand() < 0.5)
        ? `${pick(rand, BRAND_PREFIX)}${suffix}（${area.replace(/街道|镇|乡/, "")}${randInt(rand, 1, 9)}店）`
        : `${surname}${pick(rand, ["记", "家", "氏", "老"])}${suffix}`;
    const keyPerson = `${surname}${pick(rand, GIVEN)}`;

    let lowIncome = false;
    let disabled = false;
    let violationDate: Date | null = null;
    if (target === "assistance") {
      const why = rand();
      if (why < 0.4) lowIncome = true;
      else if (why < 0.7) disabled = true;
      else violationDate = zonedInstant(addDays(opts.today, -randInt(rand, 5, 80)), "10:00", opts.timeZone);
    } else if (rand() < 0.03) {
      // An old violation (over 3 months ago) no longer makes a shop an assistance case.
      violationDate = zonedInstant(addDays(opts.today, -randInt(rand, 120, 400)), "10:00", opts.timeZone);
    }
    // Drawn in the order the fields were always drawn, so every other value of the demo stays as it was.
    const street = pick(rand, STREETS);
    const address = `${area}${street}${randInt(rand, 1, 388)}号`;
    name = uniqueName(name, street, names);
    names.add(name);
    out.push({
      code: `${opts.managerIndex === 0 ? "TL-W" : "TL-E"}${String(i + 1).padStart(4, "0")}`,
      name,
      address,
      phone: `1${pick(rand, ["3", "5", "8", "7"])}${String(randInt(rand, 0, 999999999)).padStart(9, "0")}`,
      lat: Number(point.lat.toFixed(6)),
      lng: Number(point.lng.toFixed(6)),
      marketType,
      retailFormat: format,
      tier,
      modernTerminal,
      violationDate,
      lowIncome,
      disabled,
      salesVolume: Math.round(tier * tier * (5 + rand() * 20)),
      credit: rand() < 0.06,
      keyPerson,
    });
  }
  return out;
}

/**
 * Two shops of one manager never share a name: in a chat list "张记副食店" twice cannot be told
 * apart. A repeated name gets its street, the way such shops are told apart in real life
 * ("张记副食店（学圣路店）"), then a number if the street repeats too. No random draw is spent.
 */
function uniqueName(name: string, street: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  const base = name.replace(/（[^（）]*）$/, "");
  for (let k = 1; ; k++) {
    const candidate = `${base}（${street}${k === 1 ? "" : k}店）`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * The tobacco demo's product list: brands a Zhejiang shop carries, with retail guide prices
 * (yuan per pack / per carton of 10). Brand cultivation, the info-point prices and the brand KPIs
 * pick from these.
 */
export const DEMO_PRODUCTS: readonly { code: string; name: string; brand: string; spec: string; packPrice: number; cartonPrice: number }[] = [
  { code: "6901028315006", name: "利群(新版)", brand: "利群", spec: "硬盒 84mm", packPrice: 15, cartonPrice: 150 },
  { code: "6901028315105", name: "利群(阳光)", brand: "利群", spec: "硬盒 84mm", packPrice: 20, cartonPrice: 200 },
  { code: "6901028315204", name: "利群(软红长嘴)", brand: "利群", spec: "软盒 84mm", packPrice: 25, cartonPrice: 250 },
  { code: "6901028315303", name: "利群(休闲云端)", brand: "利群", spec: "硬盒 细支", packPrice: 35, cartonPrice: 350 },
  { code: "6901028315402", name: "利群(富春山居)", brand: "利群", spec: "硬盒 84mm", packPrice: 100, cartonPrice: 1000 },
  { code: "6901028075015", name: "中华(硬)", brand: "中华", spec: "硬盒 84mm", packPrice: 45, cartonPrice: 450 },
  { code: "6901028075022", name: "中华(软)", brand: "中华", spec: "软盒 84mm", packPrice: 65, cartonPrice: 650 },
  { code: "6901028075039", name: "中华(双中支)", brand: "中华", spec: "硬盒 中支", packPrice: 80, cartonPrice: 800 },
  { code: "6901028118010", name: "玉溪(软)", brand: "玉溪", spec: "软盒 84mm", packPrice: 23, cartonPrice: 230 },
  { code: "6901028118027", name: "玉溪(硬)", brand: "玉溪", spec: "硬盒 84mm", packPrice: 22, cartonPrice: 220 },
  { code: "6901028118034", name: "玉溪(软和谐)", brand: "玉溪", spec: "软盒 84mm", packPrice: 40, cartonPrice: 400 },
  { code: "6901028221017", name: "黄鹤楼(软蓝)", brand: "黄鹤楼", spec: "软盒 84mm", packPrice: 19, cartonPrice: 190 },
  { code: "6901028221024", name: "黄鹤楼(硬金砂)", brand: "黄鹤楼", spec: "硬盒 84mm", packPrice: 25, cartonPrice: 250 },
  { code: "6901028221031", name: "黄鹤楼(1916中支)", brand: "黄鹤楼", spec: "硬盒 中支", packPrice: 100, cartonPrice: 1000 },
  { code: "6901028100015", name: "云烟(紫)", brand: "云烟", spec: "硬盒 84mm", packPrice: 10, cartonPrice: 100 },
  { code: "6901028100022", name: "云烟(软珍品)", brand: "云烟", spec: "软盒 84mm", packPrice: 22, cartonPrice: 220 },
  { code: "6901028201019", name: "芙蓉王(硬)", brand: "芙蓉王", spec: "硬盒 84mm", packPrice: 25, cartonPrice: 250 },
  { code: "6901028201026", name: "芙蓉王(硬细支)", brand: "芙蓉王", spec: "硬盒 细支", packPrice: 30, cartonPrice: 300 },
  { code: "6901028089012", name: "南京(炫赫门)", brand: "南京", spec: "硬盒 细支", packPrice: 18, cartonPrice: 180 },
  { code: "6901028089029", name: "南京(雨花石)", brand: "南京", spec: "硬盒 84mm", packPrice: 50, cartonPrice: 500 },
  { code: "6901028089036", name: "南京(红)", brand: "南京", spec: "硬盒 84mm", packPrice: 12, cartonPrice: 120 },
  { code: "6901028176013", name: "黄金叶(乐途)", brand: "黄金叶", spec: "硬盒 84mm", packPrice: 12, cartonPrice: 120 },
  { code: "6901028176020", name: "黄金叶(天叶)", brand: "黄金叶", spec: "硬盒 84mm", packPrice: 100, cartonPrice: 1000 },
];

/** M001's shops that are 信息采集点 in the tobacco demo (a weekly price collection is due there). */
export const DEMO_INFO_POINTS: readonly string[] = ["TL-W0003", "TL-W0012", "TL-W0027"];

export const DEMO_META_KEY = "demo.seededAt";

/** No staff at all: nothing imported yet and the demo not seeded (what the CLI then explains). */
export async function isDatabaseEmpty(db: Db): Promise<boolean> {
  return (await db.staff.count()) === 0;
}

/** What the demo holds, for the terminal's notice. */
export async function demoSummary(db: Db): Promise<{ managers: number; customers: number }> {
  return { managers: await db.staff.count({ where: { role: "manager" } }), customers: await db.customer.count() };
}

/**
 * Seeds the demo company when the database has no staff at all. Returns true when it seeded.
 * Runs in one transaction, so an interrupted seed leaves an empty database that seeds again.
 */
export async function seedDemoIfEmpty(opts: { db: Db; policy: TPolicy; clock: Clock }): Promise<boolean> {
  const { db, policy, clock } = opts;
  if (!(await isDatabaseEmpty(db))) return false;
  const today = localDate(clock.now(), policy.timeZone);
  const rand = seededRandom(42);

  const seeded = await db.$transaction(async (tx) => {
    // Re-check inside the transaction: two processes starting together must not both seed.
    if ((await tx.staff.count()) > 0) return false;
    const supervisor = await tx.staff.create({
      data: { code: "S001", name: "王建国", role: "supervisor", startLat: TOWN_CENTRE.lat, startLng: TOWN_CENTRE.lng },
    });
    await tx.staff.create({ data: { code: "A001", name: "系统管理员", role: "admin" } });
    const managers = [
      await tx.staff.create({
        data: { code: "M001", name: "李明", role: "manager", supervisorId: supervisor.id, ...startOf(offset(TOWN_CENTRE, 300, -1800)), visitDays: "1,3,4" },
      }),
      await tx.staff.create({
        data: { code: "M002", name: "陈静", role: "manager", supervisorId: supervisor.id, ...startOf(offset(TOWN_CENTRE, -200, 1900)), visitDays: "1,3,4" },
      }),
    ];
    // A tobacco manager looks after ~300 shops; a key-account manager ~80 business customers whose
    // sales follow a Pareto curve (≈10% of them make 70% of sales), so ABC classes come out right.
    const business = policy.classification.kind === "abc-sales";
    for (const [index, manager] of managers.entries()) {
      const count = business ? 80 - index * 2 : 300 - index * 4;
      const customers = generateCustomers({ managerIndex: index, count, today, timeZone: policy.timeZone, business });
      if (business) {
        const ranks = customers.map((_, i) => i + 1).sort(() => rand() - 0.5);
        customers.forEach((c, i) => (c.salesVolume = Math.round(2_000_000 * ranks[i]! ** -1.3 * (0.9 + 0.2 * rand()))));
      }
      if (business) {
        await seedBusinessFiles(tx, customers, manager.id, { index, today, timeZone: policy.timeZone });
        continue;
      }
      await tx.customer.createMany({ data: customers.map((c) => ({ ...c, managerId: manager.id })) });
    }
    if (!business) {
      // No random draw is spent: every other value of the demo stays as it was.
      const now = clock.now();
      await tx.product.createMany({ data: DEMO_PRODUCTS.map((p) => ({ ...p, searchText: productSearchText(p), createdAt: now, updatedAt: now })) });
      await tx.customer.updateMany({ where: { code: { in: [...DEMO_INFO_POINTS] } }, data: { infoPoint: true } });
    }
    await tx.appMeta.create({ data: { key: DEMO_META_KEY, value: clock.now().toISOString() } });
    return true;
  });
  if (!seeded) return false;

  await recomputeServiceClasses({ db, policy, clock });
  await seedVisitHistory({ db, policy, today, rand });
  return true;
}

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** What a lubricant customer of each kind runs, uses and asks for (plausible, not real data). */
const BUSINESS_PROFILES: Record<string, { equipment: string[]; oil: string[]; needs: string[]; tech: string[] }> = {
  汽修: { equipment: ["举升机 6 台，月均维修 300 台次", "举升机 4 台、换油机 2 台"], oil: ["SN 5W-30 4L 每月约 {n} 箱", "CK-4 15W-40 18L 每月约 {n} 桶"], needs: ["希望供货及时、包装规格齐全", "想要门头和换油促销支持"], tech: ["API SN 以上，低灰分", "柴油车用 CK-4"] },
  机械: { equipment: ["数控机床 {k} 台、空压机 3 台", "冲床 20 台、液压站 6 套"], oil: ["L-HM46 抗磨液压油每月约 {n} 桶", "导轨油 68# 每月约 {n} 桶"], needs: ["换油周期想延长，减少停机", "要求提供油液检测"], tech: ["ISO VG46，抗磨、抗乳化", "导轨油防爬行"] },
  物流: { equipment: ["重卡 {k} 辆、叉车 8 台", "冷链车 {k} 辆"], oil: ["CI-4 15W-40 18L 每月约 {n} 桶", "CK-4 10W-40 每月约 {n} 桶"], needs: ["按月结算，送货到车队", "希望换油里程延长到 3 万公里"], tech: ["国六车辆用低灰分油", "长换油周期"] },
  建材: { equipment: ["球磨机 2 台、装载机 {k} 台", "搅拌站 2 套、装载机 6 台"], oil: ["齿轮油 L-CKD 220 每月约 {n} 桶", "液压油 68# 每月约 {n} 桶"], needs: ["粉尘大，要求密封好的包装", "希望技术员上门巡检"], tech: ["重负荷齿轮油", "抗磨液压油"] },
  农机: { equipment: ["拖拉机、收割机 {k} 台"], oil: ["CF-4 15W-40 每月约 {n} 桶（农忙翻倍）"], needs: ["农忙前集中备货"], tech: ["柴油机油 CF-4 以上"] },
  公交: { equipment: ["公交车 {k} 辆（含 LNG 车）"], oil: ["天然气发动机油每月约 {n} 桶"], needs: ["公开招标采购，关注资质"], tech: ["燃气发动机专用油"] },
  纺织: { equipment: ["织机 {k} 台、空压机 4 台"], oil: ["纺织机械油每月约 {n} 桶"], needs: ["怕油污染布面，要求清洁型油品"], tech: ["低挥发、防污染"] },
  包装: { equipment: ["印刷机 6 台、空压机 2 台"], oil: ["空压机油 46# 每月约 {n} 桶"], needs: ["小包装、少量多次送货"], tech: ["空压机油长寿命"] },
  租赁: { equipment: ["挖掘机 {k} 台、装载机 6 台"], oil: ["液压油 46# 每月约 {n} 桶", "CI-4 15W-40 每月约 {n} 桶"], needs: ["设备分散在工地，要求送到现场"], tech: ["高压抗磨液压油"] },
};
const ROLES = ["采购员", "采购主管", "设备员", "技术员", "车队长", "老板"];

function profileOf(name: string): (typeof BUSINESS_PROFILES)[string] {
  const key = Object.keys(BUSINESS_PROFILES).find((k) => name.includes(k) || (k === "汽修" && name.includes("汽车维修")) || (k === "农机" && name.includes("农机")) || (k === "租赁" && name.includes("工程机械")));
  return BUSINESS_PROFILES[key ?? "机械"]!;
}

/**
 * The key-account demo's customer files (润滑油规范 第三十三–三十七条): scale from the sales rank,
 * equipment and oil usage by trade, credit terms and receivables for credit customers, one or two
 * key people. A few mid-size customers have no key person yet and no file was updated this week,
 * so the checks have something to show. Its own random stream: the other demo values stay as they were.
 */
async function seedBusinessFiles(tx: Tx, customers: DemoCustomer[], managerId: number, o: { index: number; today: string; timeZone: string }): Promise<void> {
  const rand = seededRandom(33_000 + o.index);
  const bySales = [...customers].sort((a, b) => b.salesVolume - a.salesVolume);
  const rank = new Map(bySales.map((c, i) => [c.code, i / customers.length]));
  let withoutKeyPerson = 0;
  const people: { code: string; name: string; role: string; phone: string; primary: boolean }[] = [];
  const rows = customers.map((c) => {
    const r = rank.get(c.code)!;
    const scale = r < 0.15 ? "large" : r < 0.5 ? "mid" : "small";
    const p = profileOf(c.name);
    const k = String(randInt(rand, scale === "large" ? 30 : 8, scale === "large" ? 80 : 30));
    const n = String(randInt(rand, scale === "small" ? 2 : 10, scale === "large" ? 60 : 25));
    const fill = (s: string) => s.replace("{k}", k).replace("{n}", n);
    const receivables = c.credit ? (rand() < 0.25 ? 0 : randInt(rand, 5, 80) * 1000) : null;
    // Two mid-size customers per manager still lack a key person (第三十三条: the check shows them).
    const noKeyPerson = scale === "mid" && withoutKeyPerson < 2 && rand() < 0.3;
    if (noKeyPerson) withoutKeyPerson++;
    else {
      people.push({ code: c.code, name: c.keyPerson, role: pick(rand, ROLES), phone: `13${randInt(rand, 0, 9)}${String(randInt(rand, 0, 99_999_999)).padStart(8, "0")}`, primary: true });
      if (scale !== "small" && rand() < 0.5) people.push({ code: c.code, name: `${pick(rand, SURNAMES)}${pick(rand, GIVEN)}`, role: pick(rand, ["设备员", "技术员"]), phone: "", primary: false });
    }
    const filed = randInt(rand, 8, 120);
    return {
      ...c,
      managerId,
      keyPerson: noKeyPerson ? "" : c.keyPerson,
      scale,
      scaleNote: scale === "large" ? `年用油约 ${randInt(rand, 20, 90)} 吨` : "",
      equipment: fill(pick(rand, p.equipment)),
      oilUsage: fill(pick(rand, p.oil)) + (rand() < 0.5 ? `，现用${pick(rand, ["美孚", "壳牌", "昆仑", "嘉实多"])}` : ""),
      needs: pick(rand, p.needs),
      techRequirements: pick(rand, p.tech),
      registration: scale === "small" ? "" : `${c.name.replace(/（.*）$/, "")}有限公司，统一社会信用代码 91330${String(randInt(rand, 0, 9_999_999)).padStart(7, "0")}XX`,
      creditTermDays: c.credit ? pick(rand, [30, 45, 60]) : null,
      creditLimit: c.credit ? pick(rand, [50_000, 100_000, 200_000]) : null,
      receivables,
      receivablesDue: receivables ? addDays(o.today, randInt(rand, -5, 40)) : null,
      // Files last put in order 1–4 months ago: none this week yet.
      fileUpdatedAt: zonedInstant(addDays(o.today, -filed), "16:00", o.timeZone),
    };
  });
  await tx.customer.createMany({ data: rows });
  const ids = new Map((await tx.customer.findMany({ where: { managerId }, select: { id: true, code: true } })).map((c) => [c.code, c.id]));
  await tx.keyPerson.createMany({ data: people.map(({ code, ...p }) => ({ ...p, customerId: ids.get(code)! })) });
}

function startOf(p: { lat: number; lng: number }) {
  return { startLat: Number(p.lat.toFixed(6)), startLng: Number(p.lng.toFixed(6)) };
}

/**
 * Gives every customer a plausible last visit: most are within their class interval, some are
 * overdue, a few were never visited — so the first /today has real work in it.
 */
async function seedVisitHistory(opts: { db: Db; policy: TPolicy; today: string; rand: () => number }): Promise<void> {
  const { db, policy, today, rand } = opts;
  const customers = await db.customer.findMany({ orderBy: { id: "asc" } });
  // Visits happened on the manager's visit days (Mon/Wed/Thu), as a real history would: the
  // supervisor's last week then reads 3 visit days of ~20 shops, not 7 days of 6.
  const staff = await db.staff.findMany({ where: { id: { in: [...new Set(customers.map((c) => c.managerId))] } }, select: { id: true, visitDays: true } });
  const daysOf = new Map(staff.map((s) => [s.id, visitDaysOf(s, policy)]));
  const onVisitDay = (managerId: number, date: string): string => {
    const days = daysOf.get(managerId) ?? [];
    // The nearest visit day (the earlier one on a tie), never today or later.
    for (let k = 0; k <= 3; k++) {
      const before = addDays(date, -k);
      if (days.includes(isoWeekday(before))) return before;
      const after = addDays(date, k);
      if (after < today && days.includes(isoWeekday(after))) return after;
    }
    return date;
  };
  const visits: { customerId: number; managerId: number; visitedAt: Date; mode: string; durationMin: number; notes: string }[] = [];
  const lastVisit = new Map<number, Date>();
  for (const c of customers) {
    if (rand() < 0.02) continue; // never visited: new shops
    const cls = policy.classes.find((k) => k.id === c.serviceClass);
    const iv = cls?.visitEvery ?? { count: 3, unit: "month" as const };
    const span = daysBetween(today, addInterval(today, iv));
    // Up to 15% past due, so the list mixes overdue and due shops.
    const ago = 1 + Math.floor(rand() * span * 1.15);
    let date = addDays(today, -ago);
    for (let k = 0; k < 2; k++) {
      const at = zonedInstant(onVisitDay(c.managerId, date), `${String(randInt(rand, 9, 16)).padStart(2, "0")}:${String(randInt(rand, 0, 59)).padStart(2, "0")}`, policy.timeZone);
      const mode = rand() < 0.85 ? "field" : "phone";
      visits.push({
        customerId: c.id,
        managerId: c.managerId,
        visitedAt: at,
        mode,
        durationMin: randInt(rand, 10, 25),
        notes: k === 0 ? "" : "例行拜访",
      });
      // The customer's last visit is the last log that makes the class's visit (a key-account call does not).
      if (!lastVisit.has(c.id) && counts(policy, "classVisit", { mode, call: false })) lastVisit.set(c.id, at);
      date = addDays(date, -span);
    }
  }
  await db.$transaction(async (tx) => {
    for (let i = 0; i < visits.length; i += 500) await tx.visit.createMany({ data: visits.slice(i, i + 500) });
    for (const [id, at] of lastVisit) await tx.customer.update({ where: { id }, data: { lastVisitAt: at } });
  });
}

/**
 * The demo's staff get a terminal inbox each (console binding `terminal:<code>`): what is sent to
 * the supervisor or the other manager waits there and is shown after "/as S001". Only for the
 * demo company, and only when the terminal chat runs.
 */
export async function bindDemoTerminalInboxes(db: Db): Promise<void> {
  const staff = await db.staff.findMany({ where: { code: { in: ["S001", "A001", "M001", "M002"] }, active: true }, select: { id: true, code: true } });
  for (const s of staff) {
    await db.chatIdentity.upsert({
      where: { platform_platformUserId: { platform: "console", platformUserId: `terminal:${s.code}` } },
      create: { platform: "console", platformUserId: `terminal:${s.code}`, staffId: s.id },
      update: {},
    });
  }
}

/** Whether this database holds the seeded demo company (the terminal then says so). */
export async function isDemoSeeded(db: Db): Promise<boolean> {
  return (await db.appMeta.findUnique({ where: { key: DEMO_META_KEY } })) !== null;
}
