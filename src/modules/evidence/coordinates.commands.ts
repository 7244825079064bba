import type { Reply } from "../../core/chat.ts";
import type { Command, CommandContext } from "../../core/router.ts";
import { coordinateLine, decideChoices } from "./coordinates.render.ts";
import { decideCoordinateProposal, listOpenCoordinateProposals } from "./coordinates.service.ts";

/**
 * /coords: shop positions proposed from check-ins, for the supervisor above the shop's manager (the
 * whole chain) or an admin to confirm or dismiss. `/coords ok N` / `/coords no N` answer one by its
 * id, which stays the same while the list changes around it.
 */
async function coordsCommand(ctx: CommandContext): Promise<Reply> {
  const { t, deps } = ctx;
  const viewer = ctx.staff!;
  const sub = (ctx.args[0] ?? "").toLowerCase();
  if (sub === "ok" || sub === "no" || sub === "确认" || sub === "忽略") {
    const m = /^#?(\d{1,9})$/.exec(ctx.args[1] ?? "");
    if (!m) return { text: t("coords.id-usage") };
    const id = Number(m[1]);
    const accept = sub === "ok" || sub === "确认";
    const r = await decideCoordinateProposal({ db: deps.db, viewer, id, accept, now: deps.clock.now() });
    if (r.kind === "not-found") return { text: t("coords.not-found", { id }) };
    if (r.kind === "forbidden") return { text: t("coords.forbidden", { id }) };
    if (r.kind === "decided-before") return { text: t("coords.decided-before", { id, name: r.customer.name, status: t(`coords.status.${r.proposal.status}`) }) };
    return { text: t(r.accepted ? "coords.accepted" : "coords.dismissed", { id, name: r.customer.name, code: r.customer.code }) };
  }
  if (sub) return { text: t("coords.usage") };
  const { rows, total } = await listOpenCoordinateProposals({ db: deps.db, viewer });
  if (!rows.length) return { text: t("coords.none") };
  const lines = [t("coords.header", { count: total }), ...rows.map((r) => coordinateLine(t, r))];
  if (total > rows.length) lines.push(t("coords.more", { n: total - rows.length }));
  lines.push(t("coords.footer"));
  return { text: lines.join("\n"), choices: rows.slice(0, 5).flatMap((r) => decideChoices(t, r.id)) };
}

export const coordinateCommands: Command[] = [{ name: "coords", aliases: ["坐标"], audience: "supervisor", helpKey: "help.coords", run: coordsCommand }];
