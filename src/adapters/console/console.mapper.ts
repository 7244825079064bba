import { readFile } from "node:fs/promises";
import { statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { MediaError, plainText, type Choice, type InboundMedia, type InboundMessage, type Reply } from "../../core/chat.ts";
import { isFormTap } from "../../core/forms/form-tap.ts";

/** Plain-text rendering: choices become numbered options the user answers by number. */
export function renderConsoleReply(reply: Reply): string {
  const text = plainText(reply.text);
  if (!reply.choices?.length) return text;
  const options = reply.choices.map((c, i) => `  ${i + 1}) ${c.label}`);
  return [text, ...options].join("\n");
}

/**
 * A bare number answers the last numbered options; anything else passes through. A form's options
 * are the exception: the number goes on as typed, and the form resolves it against the options it
 * stored for the question it is asking now (so it never answers for an earlier question).
 */
export function resolveConsoleInput(text: string, lastChoices: Choice[] | undefined): { text: string; isAction: boolean } {
  const n = /^\s*(\d{1,2})\s*$/.exec(text);
  if (n && lastChoices?.length) {
    const choice = lastChoices[Number(n[1]) - 1];
    if (choice && isFormTap(choice.value)) return { text: String(Number(n[1])), isAction: false };
    if (choice) return { text: choice.value, isAction: true };
  }
  return { text, isAction: false };
}

/**
 * The terminal's stand-ins for a phone's location and camera: `/loc LAT,LNG` and `/photo PATH` (or a
 * bare path to an image file) become the location / picture a chat platform would deliver, so the
 * whole visit flow can be tried locally. Anything malformed stays text: the /loc and /photo
 * commands then explain the usage.
 */
export function consoleEvidence(line: string, opts: { cwd?: string } = {}): Pick<InboundMessage, "location" | "media"> | null {
  const s = line.trim().replace(/，/g, ",");
  const loc = /^[/／]loc\s+(-?\d{1,3}(?:\.\d+)?)\s*[,\s]\s*(-?\d{1,3}(?:\.\d+)?)$/i.exec(s);
  if (loc) {
    const lat = Number(loc[1]);
    const lng = Number(loc[2]);
    if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
    return { location: { lat, lng } };
  }
  const photo = /^[/／]photo\s+(.+)$/i.exec(s)?.[1]?.trim() ?? (IMAGE_PATH.test(s) ? s : null);
  if (!photo) return null;
  const file = path.resolve(opts.cwd ?? process.cwd(), photo.replace(/^~(?=\/)/, homedir()).replace(/^["']|["']$/g, ""));
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return null;
    size = st.size;
  } catch {
    return null;
  }
  const media: InboundMedia = {
    kind: "file",
    name: path.basename(file),
    bytes: size,
    async download(maxBytes) {
      if (size > maxBytes) throw new MediaError("too-large", "file larger than the limit");
      try {
        return await readFile(file);
      } catch (err) {
        throw new MediaError("download-failed", "file could not be read", { cause: err });
      }
    },
  };
  return { media: [media] };
}

const IMAGE_PATH = /^(?:\/|\.{1,2}\/|~\/)\S.*\.(?:jpe?g|png|webp|gif|heic)$/i;
