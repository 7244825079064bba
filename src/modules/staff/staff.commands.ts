import { localDate } from "../../core/dates.ts";
import { type Command, unknownUserReply } from "../../core/router.ts";
import { isLocale, translator } from "../../i18n/i18n.ts";
import { countActiveCustomers } from "../customers/customers.service.ts";
import { bindIdentity, countDirectReports, findStaffByCode, findStaffById, hasTeam, listActiveStaff, setStaffLocale, visitDaysOf } from "./staff.service.ts";

export const staffCommands: Command[] = [
  {
    name: "help",
    aliases: ["帮助", "help", "?", "？"],
    helpKey: "help.help",
    // Lists command names only, so it also answers in a group (where nothing else does). Not
    // public: a stranger's /help gets the router's once-a-day refusal.
    privateOnly: false,
    async run(ctx) {
      const { t } = ctx;
      if (!ctx.staff) return unknownUserReply(t, ctx.msg.platform);
      // Show what this person can use: field commands to managers, team actions to supervisors.
      const isManager = ctx.staff.role === "manager";
      const isAdmin = ctx.staff.role === "admin";
      const isSupervisor = ctx.staff.role === "supervisor" || (await hasTeam({ db: ctx.deps.db, staffId: ctx.staff.id }));
      const visible = ctx.commands
        .filter((c) => c.helpKey && (!c.platforms || c.platforms.includes(ctx.msg.platform)) && (!c.listedWhen || c.listedWhen(ctx.deps.policy)))
        .filter((c) => !c.audience || (c.audience === "manager" ? isManager : isSupervisor))
        .map((c) => `/${c.name} — ${t(c.helpKey!)}`);
      // An admin runs the company's set-up from the command line; say what is there.
      const admin = isAdmin ? [t("help.admin")] : [];
      const group = ctx.msg.chatType === "group" ? [t("help.group-note")] : [];
      return { text: [t("help.header"), ...visible, ...admin, ...(isAdmin ? [] : [t("help.footer")]), ...group].join("\n") };
    },
  },
  {
    name: "whoami",
    aliases: ["我是谁"],
    helpKey: "help.whoami",
    async run(ctx) {
      const { t, deps } = ctx;
      const staff = ctx.staff!;
      const supervisor = staff.supervisorId ? await findStaffById(deps.db, staff.supervisorId) : null;
      const customers = await countActiveCustomers({ db: deps.db, managerId: staff.id });
      const team = await countDirectReports(deps.db, staff.id);
      const days = visitDaysOf(staff, deps.policy).map((d) => t(`weekday.${d}`)).join(t("list.separator"));
      const lines = [
        t("whoami.name", { name: staff.name, code: staff.code, role: t(`role.${staff.role}`) }),
        supervisor ? t("whoami.supervisor", { name: supervisor.name, code: supervisor.code }) : null,
        customers ? t("whoami.customers", { count: customers }) : null,
        team ? t("whoami.team", { count: team }) : null,
        staff.role === "manager" ? t("whoami.visit-days", { days }) : null,
        t("whoami.policy", { preset: deps.policy.preset, today: localDate(deps.clock.now(), deps.policy.timeZone), tz: deps.policy.timeZone }),
        t("whoami.platform", { platform: t(`platform.${ctx.msg.platform}`) }),
      ];
      return { text: lines.filter(Boolean).join("\n") };
    },
  },
  {
    name: "as",
    helpKey: "help.as",
    public: true,
    platforms: ["console"],
    async run(ctx) {
      const { t, deps } = ctx;
      const code = ctx.args[0];
      if (!code) {
        const staff = await listActiveStaff(deps.db, 30);
        return { text: [t("as.usage"), ...staff.map((s) => `  ${s.code}  ${s.name}（${t(`role.${s.role}`)}）`)].join("\n") };
      }
      const target = await findStaffByCode(deps.db, code);
      if (!target || !target.active) return { text: t("as.unknown", { code }) };
      await bindIdentity({ db: deps.db, platform: ctx.msg.platform, platformUserId: ctx.msg.userId, staffId: target.id });
      const tt = translator(isLocale(target.locale) ? target.locale : deps.policy.locale);
      return { text: tt("as.now", { name: target.name, code: target.code, role: tt(`role.${target.role}`) }) };
    },
  },
  {
    name: "lang",
    aliases: ["语言", "language"],
    helpKey: "help.lang",
    async run(ctx) {
      const { t, deps } = ctx;
      const wanted = (ctx.args[0] ?? "").toLowerCase();
      const locale = wanted.startsWith("en") ? "en" : wanted.startsWith("zh") || wanted === "中文" ? "zh-CN" : null;
      if (!locale) return { text: t("lang.usage") };
      await setStaffLocale(deps.db, ctx.staff!.id, locale);
      return { text: translator(locale)("lang.set") };
    },
  },
];
