import type { Catalogue } from "./i18n.ts";

/** visitmate status: each chat platform's connection state (en). */
export const enPlatformStatus: Catalogue = {
  "cli.status.none": "No chat platform state recorded yet: the bot has not run with any platform (set TELEGRAM_BOT_TOKEN, LARK_APP_ID or WECHATY_PUPPET and run npx visitmate start).",
  "cli.status.header": "instance|platform|state|since|attempts|last error|updated",
  "cli.status.state.up": "up",
  "cli.status.state.starting": "connecting",
  "cli.status.state.retrying": "retrying",
  "cli.status.state.stopped": "stopped",
  "cli.status.stale": "(not updated for {minutes} min: that instance may not be running)",
  "cli.status.summary": "{up} up, {down} not up.",
};
