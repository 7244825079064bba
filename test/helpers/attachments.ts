import type { Attachment, ChatPort, InboundMessage, Reply } from "../../src/core/chat.ts";
import type { Router } from "../../src/core/router.ts";

/**
 * Content that trips a careless multipart parser: CR LF, "--" runs that look like a boundary,
 * every byte value, NUL bytes.
 */
function awkwardBytes(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 17 + (i >> 7)) % 256;
  Buffer.from("\r\n--\r\n------boundary--\r\n\r\n").copy(b, Math.floor(length / 2));
  return b;
}

/** A PNG header then awkward bytes: a "chart". */
export const CHART_BYTES = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), awkwardBytes(4000, 1)]);
/** Zip magic then awkward bytes: an "xlsx export". */
export const EXPORT_BYTES = Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), awkwardBytes(6000, 2)]);

export const CHART: Attachment = { kind: "image", name: "团队周报-2026-12-07.png", mime: "image/png", base64: CHART_BYTES.toString("base64") };
export const EXPORT: Attachment = { kind: "file", name: "team-2026-12.xlsx", mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", base64: EXPORT_BYTES.toString("base64") };

/** A supervisor report: text with a choice, a chart and an export. */
export function reportReply(opts: { text?: string; choices?: boolean } = {}): Reply {
  return {
    text: opts.text ?? "📊 团队周报（12月1日–12月7日）",
    ...(opts.choices === false ? {} : { choices: [{ label: "下载明细", value: "/report details" }] }),
    attachments: [CHART, EXPORT],
  };
}

/** The app's router, except that "/report" answers with `reply` (no module sends files yet). */
export function reportRouter(inner: Router, reply: () => Reply = () => reportReply()): Router {
  return {
    commands: () => inner.commands(),
    handle: async (msg: InboundMessage) => (msg.text.trim() === "/report" ? [reply()] : inner.handle(msg)),
  };
}

/** A port that counts how often the whole reply was handed to it (attempts of deliver()). */
export function countingPort(port: ChatPort): ChatPort & { calls: number } {
  const counting = {
    platform: port.platform,
    calls: 0,
    send: (...args: Parameters<ChatPort["send"]>) => {
      counting.calls++;
      return port.send(...args);
    },
  };
  return counting;
}
