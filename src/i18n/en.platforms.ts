import type { Catalogue } from "./i18n.ts";

/** Chat platforms: account binding, reminder channel, buttons and cards (en). */
export const enPlatforms: Catalogue = {
  "help.bind": "link your account: /bind CODE",
  "help.notify": "where reminders go: /notify telegram|lark|wechat",
  "help.unbind": "unlink this chat account",

  "bind.usage": "Send: /bind CODE\nYour administrator creates the code (npx visitmate staff bind-code STAFF_CODE); it works once, within 24 hours.",
  "bind.usage-bound": "You are linked as {name} ({code}). To link a different person, ask your administrator for a new code and send: /bind CODE",
  "bind.ok": "✅ Linked: {name} ({code}, {role}) now uses this {platform} account.",
  "bind.already": "✅ This {platform} account is already linked to {name} ({code}, {role}).",
  "bind.reminders-to": "Reminders go to: {platform} (change with /notify).",
  "bind.next": "Send /today for today's visit list, /help for all commands.",

  "notify.status": "Linked platforms: {platforms}\nReminders go to: {platform}",
  "notify.usage": "Change where reminders go: /notify telegram, /notify lark or /notify wechat (link that platform first).",
  "notify.choose": "Tap where reminders should go:",
  "notify.set": "✅ Reminders will go to {platform} from now on.",
  "notify.not-bound": "You have not linked a {platform} account yet. Send /bind CODE in {platform} first, then choose it here.",
  "notify.unknown-platform": "Unknown platform “{name}”. Choose telegram, lark or wechat.",

  "start.welcome": "Hello, {name}! Send /today for today's visit list, /help for all commands.",

  "unbind.ok": "This {platform} account is no longer linked to {name} ({code}). A new code links it again.",
  "unbind.not-bound": "This account is not linked to anyone.",

  "chat.already-answered": "This question has already been answered.",
  "chat.button-expired": "This button has expired. Please send the command again.",

  "console.attachment-saved": "📎 {name} saved: {path}",
  "console.attachment-failed": "📎 Could not save {name} to {dir}",
};
