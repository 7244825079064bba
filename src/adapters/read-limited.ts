import type { Readable } from "node:stream";
import { MediaError } from "../core/chat.ts";

/**
 * Reads a download into memory, refusing it as soon as it passes `maxBytes`: a platform may send a
 * file much larger than it declared (or declare nothing), and a visit photo must never fill the
 * process's memory. The stream is destroyed on refusal, so the rest is not fetched.
 */
export async function readLimited(stream: Readable, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      total += buf.length;
      if (total > maxBytes) {
        stream.destroy();
        throw new MediaError("too-large", `${what}: more than ${maxBytes} bytes`);
      }
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof MediaError) throw err;
    throw new MediaError("download-failed", `${what}: download interrupted`, { cause: err });
  }
  return Buffer.concat(chunks, total);
}
