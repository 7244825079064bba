import type { Catalogue } from "./i18n.ts";

/** Visit evidence (#16): check-in and photos in the visit form (zh-CN). */
export const zhCNEvidence: Catalogue = {
  "evidence.location-outside-visit": "📍 位置只在拜访记录中用于签到，这次的位置没有保存。到店后发送站号（或 /log）开始拜访，再发送位置。",
  "evidence.photo-outside-visit": "📷 照片需要在拜访记录中发送，这张没有保存。发送站号（或 /log）开始拜访后再发照片。",
};
