import type { Readable } from "node:stream";
import { MediaError } from "../core/chat.ts";

/**
 * Reads a download into memory, refusing it as soon as it passes `maxBytes`: a platform may send a
 * file much larger than it declared (or declare nothing), and a visit photo must never fill the
 * process's memory. The stream is destroyed on refusal, so the rest is not fetched. `signal`
 * (the download's deadline) ends a transfer that stalls: the manager's chat waits on it.
 */
export async function readLimited(stream: Readable, maxBytes: number, what: string, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const stop = () => stream.destroy(new Error(`${what}: download timed out`));
  if (signal?.aborted) stop();
  signal?.addEventListener("abort", stop, { once: true });
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
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The platform call that starts a download, given up at the deadline (the SDKs take no abort
 * signal). A result that arrives later is handed to `discard`, so its stream is not left open.
 */
export function beforeDeadline<T>(start: Promise<T>, signal: AbortSignal, what: string, discard: (late: T) => void): Promise<T> {
  if (signal.aborted) {
    void start.then(discard, () => undefined);
    return Promise.reject(new MediaError("download-failed", `${what}: download timed out`));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new MediaError("download-failed", `${what}: download timed out`));
    signal.addEventListener("abort", onAbort, { once: true });
    start.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) discard(v);
        else resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/** Default deadline for fetching one received picture or file. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;
