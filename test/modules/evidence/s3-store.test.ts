import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loadEnv } from "../../../src/config/env.ts";
import { FsPhotoStore, photoKey } from "../../../src/modules/evidence/photo-store.ts";
import { photoStoreFromEnv } from "../../../src/modules/evidence/photo-store-env.ts";
import { EMPTY_SHA256, S3PhotoStore, signV4 } from "../../../src/modules/evidence/s3-photo-store.ts";

const ACCESS = "AKIDEXAMPLE";
const SECRET = "s3cr3t/KEY+for-the-fake-server";

/**
 * A small S3 on loopback: path-style objects in memory, every request's SigV4 signature computed
 * again from what arrived (method, path, signed headers, body hash) and refused with 403 when it
 * differs, as S3 does.
 */
async function fakeS3(opts: { failWith?: number } = {}) {
  const objects = new Map<string, Buffer>();
  const seen: { method: string; path: string; authorized: boolean }[] = [];
  const verify = (req: IncomingMessage, body: Buffer, base: string): boolean => {
    const auth = String(req.headers.authorization ?? "");
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m || m[1] !== ACCESS) return false;
    const payloadHash = String(req.headers["x-amz-content-sha256"] ?? "");
    if (payloadHash !== createHash("sha256").update(body).digest("hex")) return false;
    const headers: Record<string, string> = {};
    for (const name of m[4]!.split(";")) if (name !== "host") headers[name] = String(req.headers[name] ?? "");
    const again = signV4({ method: req.method!, url: base + req.url, headers, payloadHash, accessKeyId: ACCESS, secretAccessKey: SECRET, region: m[3]!, service: "s3" });
    return again.signature === m[5];
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const authorized = verify(req, body, `http://${req.headers.host}`);
      seen.push({ method: req.method!, path: req.url!, authorized });
      if (!authorized) return res.writeHead(403).end("<Error><Code>SignatureDoesNotMatch</Code></Error>");
      if (opts.failWith) return res.writeHead(opts.failWith).end();
      const key = decodeURIComponent(req.url!);
      if (req.method === "PUT") {
        objects.set(key, body);
        return res.writeHead(200).end();
      }
      if (req.method === "GET") {
        const o = objects.get(key);
        return o ? res.writeHead(200, { "content-type": "application/octet-stream" }).end(o) : res.writeHead(404).end("<Error><Code>NoSuchKey</Code></Error>");
      }
      if (req.method === "DELETE") {
        objects.delete(key);
        return res.writeHead(204).end();
      }
      res.writeHead(405).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, objects, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const hashOf = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("S3-compatible photo store", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("signs like AWS: the GET Object example of the S3 SigV4 documentation", () => {
    const r = signV4({
      method: "GET",
      url: "https://examplebucket.s3.amazonaws.com/test.txt",
      headers: { range: "bytes=0-9", "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": "20130524T000000Z" },
      payloadHash: EMPTY_SHA256,
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      region: "us-east-1",
      service: "s3",
    });
    expect(r.signature).toBe("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    expect(r.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });

  it("puts, gets and deletes objects path-style under the prefix; a missing object is null; a wrong secret is refused", async () => {
    const s3 = await fakeS3();
    close = s3.close;
    const store = new S3PhotoStore({ endpoint: s3.endpoint + "/", bucket: "visit-photos", region: "cn-north-1", accessKeyId: ACCESS, secretAccessKey: SECRET, prefix: "vm/photos/", timeoutMs: 2000 });
    expect(store.describe).toBe(`s3 bucket visit-photos at ${new URL(s3.endpoint).host} (prefix vm/photos/)`);
    expect(store.describe).not.toContain(SECRET);
    const bytes = Buffer.from("\x89PNG\r\n\x1a\n a shelf photo");
    const key = photoKey(hashOf(bytes), "image/png");
    await store.put(key, bytes);
    expect([...s3.objects.keys()]).toEqual([`/visit-photos/vm/photos/${key}`]);
    expect(await store.get(key)).toEqual(bytes);
    await store.remove(key);
    expect(s3.objects.size).toBe(0);
    expect(await store.get(key)).toBeNull();
    await store.remove(key);
    expect(s3.seen.every((r) => r.authorized)).toBe(true);
    expect(s3.seen.map((r) => r.method)).toEqual(["PUT", "GET", "DELETE", "GET", "DELETE"]);

    const wrong = new S3PhotoStore({ endpoint: s3.endpoint, bucket: "visit-photos", region: "cn-north-1", accessKeyId: ACCESS, secretAccessKey: "not-the-secret", timeoutMs: 2000 });
    const err = await wrong.put(key, bytes).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toBe("s3 PUT failed: HTTP 403");
    expect(s3.seen.at(-1)!.authorized).toBe(false);
    expect(s3.objects.size).toBe(0);
  });

  it("a server error is an error, never a silent null", async () => {
    const s3 = await fakeS3({ failWith: 503 });
    close = s3.close;
    const store = new S3PhotoStore({ endpoint: s3.endpoint, bucket: "visit-photos", region: "us-east-1", accessKeyId: ACCESS, secretAccessKey: SECRET, timeoutMs: 2000 });
    const key = photoKey(hashOf(Buffer.from("x")), "image/jpeg");
    await expect(store.get(key)).rejects.toThrow("s3 GET failed: HTTP 503");
    await expect(store.remove(key)).rejects.toThrow("s3 DELETE failed: HTTP 503");
  });

  it("is chosen by VISITMATE_PHOTO_STORE=s3, whose variables are then required; files stay the default", () => {
    expect(photoStoreFromEnv(loadEnv({ DATABASE_URL: "file:/tmp/x/visitmate.db" }))).toBeInstanceOf(FsPhotoStore);
    const env = { VISITMATE_PHOTO_STORE: "s3", VISITMATE_S3_ENDPOINT: "http://127.0.0.1:9000", VISITMATE_S3_BUCKET: "photos", VISITMATE_S3_ACCESS_KEY_ID: ACCESS, VISITMATE_S3_SECRET_ACCESS_KEY: SECRET };
    const store = photoStoreFromEnv(loadEnv(env));
    expect(store).toBeInstanceOf(S3PhotoStore);
    expect(store.describe).toBe("s3 bucket photos at 127.0.0.1:9000");
    let message = "";
    try {
      loadEnv({ VISITMATE_PHOTO_STORE: "s3", VISITMATE_S3_BUCKET: "photos", VISITMATE_S3_SECRET_ACCESS_KEY: SECRET });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("VISITMATE_S3_ENDPOINT: required when VISITMATE_PHOTO_STORE=s3");
    expect(message).toContain("VISITMATE_S3_ACCESS_KEY_ID: required when VISITMATE_PHOTO_STORE=s3");
    expect(message).not.toContain(SECRET);
  });
});
