import { link, type Reply } from "../../core/chat.ts";
import { formatDistance } from "../../core/format.ts";
import type { CoordinateProposal, Customer, Staff } from "../../generated/prisma/client.ts";
import type { Translate } from "../../i18n/i18n.ts";
import { navigationLink } from "../planning/plan.commands.ts";

/** A proposal with what its texts name: the shop and its manager. */
export type CoordinateProposalView = CoordinateProposal & { customer: Customer; manager: Staff | null };

/** "#12 钟氏小卖部（C001）· 新位置，距原坐标 420 米，3 次签到 · 李明 · 地图" — one line of /coords and of the notice. */
export function coordinateLine(t: Translate, p: CoordinateProposalView): string {
  const what = p.kind === "missing" ? t("coords.kind.missing") : t("coords.kind.moved", { distance: formatDistance(p.distanceM ?? 0, t), basis: p.basis });
  const map = link(t("coords.map"), navigationLink({ lat: p.lat, lng: p.lng, name: p.customer.name }));
  return t("coords.line", { id: p.id, name: p.customer.name, code: p.customer.code, what, manager: p.manager?.name ?? "—", map });
}

export function decideChoices(t: Translate, id: number): { label: string; value: string }[] {
  return [
    { label: `#${id} ${t("coords.ok")}`, value: `/coords ok ${id}` },
    { label: `#${id} ${t("coords.no")}`, value: `/coords no ${id}` },
  ];
}

/** The question to a supervisor or admin, in their language, with the two one-tap answers. */
export function coordinateNotice(t: Translate, p: CoordinateProposalView): Reply {
  return { text: [t("coords.notice.title"), coordinateLine(t, p), t("coords.notice.footer")].join("\n"), choices: decideChoices(t, p.id) };
}
