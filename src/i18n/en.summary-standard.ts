/** The monthly summary as the standards write it (the five-step method's monthly market analysis). */
export const enSummaryStandard: Record<string, string> = {
  "summary.month.brands": "📈 Brand cultivation this month (each shop's latest record):",
  "summary.form.problems-month": "What problems did the month have, and why? What do you need from your supervisor? If none, choose \"None\".",
  "summary.form.goals-month": "Next month's targets? (e.g. shops visited, listing and re-order rates of key products)",
  "summary.form.goals-label": "Next month's targets: ",
};
