import type { ChatAddress, ChatPort, InboundMessage, Reply } from "../core/chat.ts";
import type { Logger } from "../core/logger.ts";
import type { Router } from "../core/router.ts";

/** A chat platform the process connects to: a ChatPort that also receives. */
export interface PlatformAdapter extends ChatPort {
  /**
   * Connects and receives until `stop()`: resolves when stopped, rejects when the connection fails
   * (bad token, network down); the supervisor then retries with backoff.
   */
  run(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The one catch boundary of an adapter: route the message, send every reply in order, log what
 * fails. Nothing thrown here may reach the SDK (grammY would stop polling, wechaty would emit
 * `error`, Lark would see a 500 and redeliver).
 */
export async function answer(opts: { router: Router; port: ChatPort; msg: InboundMessage; log: Logger }): Promise<void> {
  const { router, port, msg, log } = opts;
  let replies: Reply[];
  try {
    replies = await router.handle(msg);
  } catch (err) {
    log.error("router failed", { platform: msg.platform, error: (err as Error).stack ?? String(err) });
    return;
  }
  const to: ChatAddress = { platform: msg.platform, chatId: msg.chatId };
  for (const r of replies) {
    try {
      await port.send(to, r);
    } catch (err) {
      log.error("reply failed", { platform: msg.platform, chatId: msg.chatId, error: (err as Error).message });
      return;
    }
  }
}
