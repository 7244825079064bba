import type { Catalogue } from "./i18n.ts";

/** PostgreSQL (#17): opening, migrating, backups (zh-CN). */
export const zhCNPostgres: Catalogue = {
  "db.open.pg.unreachable": "连不上 DATABASE_URL={url} 的 PostgreSQL 服务器（{code}）。请确认 {host} 上的服务器在运行，并允许本机连接（listen_addresses、pg_hba.conf、防火墙），然后重新启动。",
  "db.open.pg.auth": "{host} 上的 PostgreSQL 服务器拒绝了 DATABASE_URL={url} 中的用户（{code}）。请检查 DATABASE_URL 里的用户名和密码，以及服务器的 pg_hba.conf。",
  "db.open.pg.no-database": "{host} 上的 PostgreSQL 服务器没有数据库“{database}”（DATABASE_URL={url}，{code}）。请先创建它（createdb {database}，属主为 DATABASE_URL 中的用户）；VisitMate 启动时会自己建表。",
  "db.open.pg.read-only": "DATABASE_URL={url} 的 PostgreSQL 数据库是只读的（{code}）：这是备库或只读用户。请把 DATABASE_URL 指向主库。",
  "db.open.pg.locked": "DATABASE_URL={url} 的 PostgreSQL 数据库一直被另一个会话锁住（{code}），没有完成迁移。请等另一个会话（另一个正在迁移的实例，或管理员的长事务）结束后重新启动。",
  "db.open.pg.full": "DATABASE_URL={url} 的 PostgreSQL 服务器磁盘已满（{code}）。请让管理员腾出空间后重新启动。",
  "cli.db.backup.postgres": "DATABASE_URL 是 PostgreSQL 数据库（{file}）：请用服务器自带的工具备份（pg_dump -Fc，或你们的基础备份和备库）。`visitmate db backup` 只复制 SQLite 文件。",
};
