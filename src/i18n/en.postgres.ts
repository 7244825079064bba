import type { Catalogue } from "./i18n.ts";

/** PostgreSQL (#17): opening, migrating, backups (en). */
export const enPostgres: Catalogue = {
  "db.open.pg.unreachable": "Cannot reach the PostgreSQL server of DATABASE_URL={url} ({code}). Check that the server at {host} runs and accepts connections from this host (listen_addresses, pg_hba.conf, firewall), then start again.",
  "db.open.pg.auth": "The PostgreSQL server at {host} refused the user of DATABASE_URL={url} ({code}). Check the user name and password in DATABASE_URL and the server's pg_hba.conf.",
  "db.open.pg.no-database": "The PostgreSQL server at {host} has no database \"{database}\" (DATABASE_URL={url}, {code}). Create it (createdb {database}, owned by the user in DATABASE_URL); VisitMate creates its tables on start.",
  "db.open.pg.read-only": "The PostgreSQL database of DATABASE_URL={url} is read-only ({code}): this is a standby or a read-only user. Point DATABASE_URL at the primary server.",
  "db.open.pg.locked": "The PostgreSQL database of DATABASE_URL={url} stayed locked by another session ({code}); it was not migrated. Wait for the other session (another instance migrating, a DBA's long transaction) to finish, then start again.",
  "db.open.pg.full": "The PostgreSQL server of DATABASE_URL={url} is out of disk space ({code}). Ask its administrator to free space, then start again.",
  "cli.db.backup.postgres": "DATABASE_URL is a PostgreSQL database ({file}): back it up with the server's own tools (pg_dump -Fc, or your base backups and replicas). `visitmate db backup` copies SQLite files.",
};
