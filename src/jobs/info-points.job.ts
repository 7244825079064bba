import { isoWeekOf, missingInfoPoints, stopNumbersOn } from "../modules/products/info-point.service.ts";
import { reminderJob } from "./reminder-job.ts";

/** Shops named per message; the count says how many more. */
const LISTED = 15;

/**
 * Thursday and Friday afternoon: the week's price collection at the manager's 信息采集点 is still
 * missing at these shops (standard §5: collected weekly). Nothing is sent once every point is done,
 * so Friday's reminder goes only to those still missing some.
 */
export const infoPointsJob = reminderJob({
  id: "info-points",
  reminder: "infoPoints",
  days: () => ({ dow: "4,5" }),
  async build({ job, staff, view }) {
    const { deps, date } = job;
    const { t } = view;
    const week = isoWeekOf(date);
    const missing = await missingInfoPoints({ db: deps.db, managerId: staff.id, week });
    if (!missing.length) return null;
    const stops = await stopNumbersOn({ db: deps.db, managerId: staff.id, date, customerIds: missing.map((c) => c.id) });
    const lines = missing.slice(0, LISTED).map((c) => {
      const n = stops.get(c.id);
      return n !== undefined ? t("info-points.reminder.shop-stop", { name: c.name, n }) : t("info-points.reminder.shop", { name: c.name });
    });
    if (missing.length > LISTED) lines.push(t("info-points.reminder.more", { n: missing.length - LISTED }));
    return {
      reply: { text: [t("info-points.reminder.header", { n: missing.length, week }), ...lines, t("info-points.reminder.footer")].join("\n") },
      // Once per day and week: Thursday's and Friday's are separate messages, a retry is not.
      subject: `${week}:${date}`,
    };
  },
});
