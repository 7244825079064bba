import type { TestProject } from "vitest/node";
import { applyPgMigrations } from "../../src/db/pg-migrate.ts";
import { pgAdmin, startPgCluster, type PgCluster } from "../helpers/pg-cluster.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The throw-away cluster's admin URL (database `postgres`). */
    pgAdminUrl: string;
    /** A database holding every committed migration; test databases are created from it. */
    pgTemplate: string;
  }
}

/**
 * One throw-away PostgreSQL cluster for the whole run (initdb ~0.5 s), removed afterwards. The
 * storage suites create a database per test from a migrated template (CREATE DATABASE … TEMPLATE).
 */
let cluster: PgCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  cluster = await startPgCluster();
  const template = "vm_template";
  await pgAdmin(cluster.adminUrl, `CREATE DATABASE ${template}`);
  await applyPgMigrations(cluster.urlFor(template));
  project.provide("pgAdminUrl", cluster.adminUrl);
  project.provide("pgTemplate", template);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
