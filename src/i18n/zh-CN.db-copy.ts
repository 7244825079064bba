import type { Catalogue } from "./i18n.ts";

/** PostgreSQL (#17): db-copy (zh-CN). */
export const zhCNDbCopy: Catalogue = {
  "cli.db.copy.no-source": "源数据库 {from} 不存在，没有复制任何内容。请检查 --from（例如 file:./data/visitmate.db，相对于当前目录）。",
  "cli.db.copy.same-database": "--from 和 --to 是同一个数据库（{to}），没有复制任何内容。目标必须是另一个空数据库。",
  "cli.db.copy.target-not-empty": "目标数据库 {to} 不是空的（{tables}），没有写入任何内容。请指定一个新建的空数据库（例如 createdb visitmate），db copy 不会覆盖已有数据。",
  "cli.db.copy.foreign-tables": "目标数据库 {to} 里有不属于 VisitMate 的表（{tables}），可能是别的应用的数据库，没有复制任何内容。请为 VisitMate 新建一个空数据库。",
  "cli.db.copy.mismatch": "复制后核对不一致（{tables}），已全部撤销，目标数据库 {to} 仍为空。复制期间源数据库可能被修改：请先停止机器人再重试。",
  "cli.db.copy.failed": "复制表 {table} 时出错，已全部撤销，目标数据库 {to} 仍为空：{reason}",
  "cli.db.copy.open-source": "无法打开源数据库（--from）：",
  "cli.db.copy.open-target": "无法打开目标数据库（--to）：",
  "cli.db.copy.migrated-source": "打开源数据库时应用了 {n} 个待执行的迁移：{names}（除此之外源数据库只被读取）。",
  "cli.db.copy.header": "表\t源\t目标\t最大编号\t核对",
  "cli.db.copy.row": "{table}\t{source}\t{target}\t{max}\t{mark}",
  "cli.db.copy.done": "已把 {from} 复制到 {to}：{tables} 张表、{rows} 行，编号不变，每张表行数一致；用时 {seconds} 秒（{rate} 行/秒）。新记录的编号从各表最大编号之后开始。",
  "cli.db.copy.progress": "  {table}：已复制 {rows} 行",
};
