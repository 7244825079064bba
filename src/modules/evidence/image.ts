/** Image types a shop photo may be, told by the bytes (a declared MIME type is not trusted). */
export type PhotoMime = "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/heic";

/** The image type the content really is, or null (a PDF, a text file, a truncated download). */
export function sniffImage(buf: Buffer): PhotoMime | null {
  if (buf.length < 12) return null;
  if (buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return "image/jpeg";
  if (buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (buf.toString("latin1", 0, 4) === "RIFF" && buf.toString("latin1", 8, 12) === "WEBP") return "image/webp";
  if (buf.toString("latin1", 0, 6) === "GIF87a" || buf.toString("latin1", 0, 6) === "GIF89a") return "image/gif";
  // ISO BMFF: "ftyp" then a HEIF brand (iPhone photos sent as files).
  if (buf.toString("latin1", 4, 8) === "ftyp" && /^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(buf.toString("latin1", 8, 12))) return "image/heic";
  return null;
}

export function photoExtension(mime: string): string {
  return { "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif", "image/heic": ".heic" }[mime] ?? ".bin";
}
