import type { Catalogue } from "./i18n.ts";

/** Bind codes: one answer for every refused code, attempt limits, confirming a switch, notices (en). */
export const enSecurityBindcodes: Catalogue = {
  // One text for a wrong, used, expired or revoked code and a deactivated person: the reply must not tell which codes exist.
  "bind.refused": "That code is not valid or no longer works. Check it and send it again (case does not matter), or ask your administrator for a new one.",
  "bind.limited-account": "Too many wrong codes from this account (at most {max} an hour). Try again after {time}, or check the code with your administrator.",
  "bind.limited-global": "Too many wrong codes were sent in the last hour, so linking is paused for safety. Try again after {time}, or contact your administrator.",
  "bind.switch-ask":
    "This {platform} account is linked to {current} ({currentCode}). Link it to {name} ({code}, {role}) instead?\n" +
    "After the switch, {current}'s reminders no longer come here. Choose within {minutes} minutes (before {time}); otherwise nothing changes. You can also send /bind confirm or /bind cancel.",
  "bind.switch-confirm": "Confirm switch",
  "bind.switch-cancel": "Cancel",
  "bind.switch-done": "✅ Switched: this {platform} account is now linked to {name} ({code}, {role}), no longer to {previous} ({previousCode}).",
  "bind.switch-cancelled": "Cancelled: this account stays linked to {name} ({code}). The code you sent is used up; ask your administrator for a new one to switch.",
  "bind.switch-none": "There is no switch waiting for confirmation (it was cancelled, is older than {minutes} minutes, or the link changed meanwhile); nothing was changed. To switch, ask your administrator for a new code and send /bind CODE.",
  "bind.told-previous": "Telling {name} (on {platform}).",
  "bind.untold-previous": "⚠ {name} has no other linked chat account, so they could not be told; please let them or your administrator know.",
  "bind.told-self": "Telling your {platform} account too.",
  "bind.notice-added": "🔔 A {platform} account ({account}) was linked to your staff identity {name} ({code}) at {time}.\nIf this was not you, contact your administrator now to remove it.",
  "bind.notice-moved": "🔔 Your linked {platform} account ({account}) was switched to {name} ({code}) at {time}; your reminders no longer go there.\nIf you did not know about this, contact your administrator now.",
  "bind.notice-removed": "🔔 At {time} the administrator removed the link between this {platform} account and {name} ({code}); reminders no longer come here. Contact your administrator with any questions.",
};
