import type { Catalogue } from "./i18n.ts";

/** Visit sections: customer details changed in a visit, violation reports to the supervisor. */
export const zhCNVisitSections: Catalogue = {
  "visit-sections.change.prompt": "客户哪些信息变了？",
  "visit-sections.change.field.phone": "电话",
  "visit-sections.change.field.keyPerson": "关键人（负责人）",
  "visit-sections.change.field.other": "其他",
  "visit-sections.change.phone": "新的电话号码？",
  "visit-sections.change.key-person": "新的关键人叫什么？",
  "visit-sections.change.key-person-role": "{name} 是什么职务？（如：店主、采购经理）",
  "visit-sections.change.key-person-phone": "{name} 的电话？",
  "visit-sections.phone.invalid": "“{input}”不是有效的电话号码：手机号是 1 开头的 11 位数字，座机要带区号（如 0571-64612345）。",
  "visit-sections.changed": "📇 客户资料已更新：{changes}",
  "visit-sections.changed.phone": "电话 {old} → {new}",
  "visit-sections.changed.keyPerson": "关键人 {old} → {new}",
  "visit-sections.changed.none": "（无）",
  "visit-sections.violation.notice": "⚠️ 违规经营举报：{manager} 拜访 {customer} 时反映：{text}",
  "visit-sections.violation.told": "📣 违规情况已转告主管 {supervisor}。",
  "visit-sections.violation.unreachable": "⚠️ 违规情况没有发出去：主管 {supervisor} 还没绑定聊天。请直接电话告诉 {supervisor}，或请管理员给他发绑定码。",
  "visit-sections.violation.no-supervisor": "⚠️ 违规情况没有发出去：您还没有设主管。请联系管理员处理。",
  "visit-sections.violation.withdrawn": "↩️ 违规情况已从这次拜访中删除，给主管 {supervisor} 的提醒已撤回（还没发出）。",
  "visit-sections.violation.already-sent": "⚠️ 违规情况已从这次拜访中删除，但主管 {supervisor} 已经收到先前的提醒。如有误，请直接告诉 {supervisor}。",
};
