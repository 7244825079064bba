/** The key-account visit proposing updates to the customer file. */
export const zhCNKeyVisit: Record<string, string> = {
  "key-visit.equipment-on-file": "设备情况（档案：{value}）有变化吗？没变点「不变」，有变化直接写新的。",
  "key-visit.unchanged": "不变",
  "visit-sections.changed.equipment": "设备 {old} → {new}",
  "visit-sections.changed.keyPersonMet": "关键人新增 {new}",
};
