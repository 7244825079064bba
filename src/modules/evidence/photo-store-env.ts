import type { TEnv } from "../../config/env.ts";
import { defaultPhotoDir, FsPhotoStore, type PhotoStore } from "./photo-store.ts";
import { S3PhotoStore } from "./s3-photo-store.ts";

/** The photo store the environment chooses: files (default) or an S3-compatible bucket. */
export function photoStoreFromEnv(env: TEnv): PhotoStore {
  if (env.VISITMATE_PHOTO_STORE === "s3") {
    // loadEnv has checked these are set when the store is s3.
    return new S3PhotoStore({
      endpoint: env.VISITMATE_S3_ENDPOINT!,
      bucket: env.VISITMATE_S3_BUCKET!,
      region: env.VISITMATE_S3_REGION ?? "us-east-1",
      accessKeyId: env.VISITMATE_S3_ACCESS_KEY_ID!,
      secretAccessKey: env.VISITMATE_S3_SECRET_ACCESS_KEY!,
      prefix: env.VISITMATE_S3_PREFIX,
      timeoutMs: env.VISITMATE_S3_TIMEOUT_MS,
    });
  }
  return new FsPhotoStore(env.VISITMATE_PHOTO_DIR ?? defaultPhotoDir(env.DATABASE_URL));
}
