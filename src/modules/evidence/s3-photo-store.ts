import { createHash, createHmac } from "node:crypto";
import type { PhotoStore } from "./photo-store.ts";

/**
 * Shop photos in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Aliyun OSS's S3 API, …), path
 * style (`endpoint/bucket/key`, which every one of them accepts, unlike virtual-hosted names), each
 * request signed with AWS Signature V4 computed here with node:crypto: no SDK, nothing to install.
 */

export interface S3Config {
  /** Base URL, e.g. https://s3.cn-north-1.amazonaws.com.cn or http://127.0.0.1:9000. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Prepended to every key, e.g. "visitmate/photos/". */
  prefix?: string;
  /** Per-request limit (default 30 s); tests pass small values. */
  timeoutMs?: number;
  /** Injected for signing times in tests; default the system clock (a signature is valid ±15 min). */
  now?: () => Date;
}

export const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** "20130524T000000Z" */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export interface SignInput {
  method: string;
  /** Full URL; its host is signed as `host` and its path and query are canonicalised. */
  url: string;
  /** Headers to sign besides host (names in any case); must include x-amz-date and, for S3, x-amz-content-sha256. */
  headers: Record<string, string>;
  payloadHash: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
}

/**
 * The Authorization header of a request (AWS Signature Version 4). Pure, so the fake server in the
 * tests checks a request by computing it again, and the AWS documentation's examples check it.
 * The path is used as sent (S3 does not normalise or double-encode it).
 */
export function signV4(input: SignInput): { authorization: string; signature: string; canonicalRequest: string } {
  const url = new URL(input.url);
  const headers = new Map<string, string>([["host", url.host]]);
  for (const [k, v] of Object.entries(input.headers)) headers.set(k.toLowerCase(), v.trim().replace(/\s+/g, " "));
  const names = [...headers.keys()].sort();
  const date = headers.get("x-amz-date");
  if (!date || !/^\d{8}T\d{6}Z$/.test(date)) throw new Error("signV4: x-amz-date header missing or malformed");
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalRequest = [input.method.toUpperCase(), url.pathname || "/", query, names.map((n) => `${n}:${headers.get(n)}\n`).join(""), names.join(";"), input.payloadHash].join("\n");
  const scope = `${date.slice(0, 8)}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", date, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, date.slice(0, 8)), input.region), input.service), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  return { authorization: `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`, signature, canonicalRequest };
}

/** A failed bucket request; its message names the operation and status, never a credential. */
export class S3Error extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "S3Error";
  }
}

export class S3PhotoStore implements PhotoStore {
  readonly describe: string;
  private readonly base: string;
  constructor(private readonly config: S3Config) {
    const endpoint = config.endpoint.replace(/\/+$/, "");
    this.base = `${endpoint}/${uriEncode(config.bucket)}/`;
    this.describe = `s3 bucket ${config.bucket} at ${new URL(endpoint).host}${config.prefix ? ` (prefix ${config.prefix})` : ""}`;
  }

  private url(key: string): string {
    if (!/^[0-9a-f]{64}\.[a-z]{3,4}$/.test(key)) throw new Error("photo store: bad key");
    const full = (this.config.prefix ?? "") + key;
    return this.base + full.split("/").map(uriEncode).join("/");
  }

  private async request(method: "PUT" | "GET" | "DELETE", key: string, body?: Buffer): Promise<Response> {
    const url = this.url(key);
    const payloadHash = body ? sha256Hex(body) : EMPTY_SHA256;
    const headers: Record<string, string> = { "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate((this.config.now ?? (() => new Date()))()) };
    if (body) headers["content-type"] = "application/octet-stream";
    const { authorization } = signV4({ method, url, headers, payloadHash, accessKeyId: this.config.accessKeyId, secretAccessKey: this.config.secretAccessKey, region: this.config.region, service: "s3" });
    try {
      return await fetch(url, { method, headers: { ...headers, authorization }, ...(body ? { body: new Uint8Array(body) } : {}), signal: AbortSignal.timeout(this.config.timeoutMs ?? 30_000) });
    } catch (err) {
      // The cause (a socket error, a timeout) carries no credential; the URL holds only bucket and hash.
      throw new S3Error(`s3 ${method} failed: ${err instanceof Error ? err.name + ": " + err.message : String(err)}`);
    }
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const res = await this.request("PUT", key, bytes);
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new S3Error(`s3 PUT failed: HTTP ${res.status}`, res.status);
  }

  async get(key: string): Promise<Buffer | null> {
    const res = await this.request("GET", key);
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return null;
    }
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new S3Error(`s3 GET failed: HTTP ${res.status}`, res.status);
    }
    return Buffer.from(await res.arrayBuffer());
  }

  async remove(key: string): Promise<void> {
    const res = await this.request("DELETE", key);
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok && res.status !== 404) throw new S3Error(`s3 DELETE failed: HTTP ${res.status}`, res.status);
  }
}
