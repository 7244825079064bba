/** One part of a multipart/form-data body: a field value, or a file with its name and bytes. */
export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * Parses a multipart/form-data body as the fake platform servers receive it. Tolerant the way the
 * real servers must be: grammY writes lowercase headers without spaces and an unquoted filename
 * (`content-disposition:form-data;name="x";filename=a b.png`); form-data (the Lark SDK through
 * axios) writes `Content-Disposition: form-data; name="image"` and no filename for a Buffer.
 */
export function parseMultipart(body: Buffer, contentType: string): FormPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]!.trim()}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    let start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    if (body.subarray(start, start + 2).toString() === "\r\n") start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    // The part ends with CRLF before the next delimiter.
    const part = body.subarray(start, next - 2);
    const headerEnd = part.indexOf("\r\n\r\n");
    const headerText = part.subarray(0, headerEnd).toString("utf8");
    const data = Buffer.from(part.subarray(headerEnd + 4));
    const headers = new Map(headerText.split("\r\n").map((l) => [l.slice(0, l.indexOf(":")).trim().toLowerCase(), l.slice(l.indexOf(":") + 1).trim()] as const));
    const disposition = headers.get("content-disposition") ?? "";
    const name = /(?:^|;)\s*name="([^"]*)"/.exec(disposition)?.[1] ?? "";
    const filename = /;\s*filename=(?:"([^"]*)"|(.*))$/.exec(disposition);
    parts.push({ name, filename: filename ? (filename[1] ?? filename[2]!.trim()) : undefined, contentType: headers.get("content-type"), data });
    at = next;
  }
  return parts;
}
