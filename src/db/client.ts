import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyMigrations } from "./migrate.ts";

export type Db = PrismaClient;
export { PrismaClient };

export const DEFAULT_DATABASE_URL = "file:./data/visitmate.db";

/** Opens the database, applying pending migrations first. */
export async function openDb(url: string = DEFAULT_DATABASE_URL): Promise<Db> {
  applyMigrations(url);
  const db = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url }) });
  await db.$connect();
  // WAL lets a second process (CLI, another instance) read while the bot writes.
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  return db;
}
