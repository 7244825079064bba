import type { Catalogue } from "./i18n.ts";

/** Import beside the live bot, integrity checks of the staff import, database start-up problems (zh-CN). */
export const zhCNImportIntegrity: Catalogue = {
  "cli.import.file-changed-partial": "导入过程中文件 {name} 被修改了：已写入 {written}/{total} 行，其余未写入。请重新导入这个文件（已写入的行按编码对应，不会重复）。",
  "cli.import.busy-partial": "数据库一直被另一个进程占用（试了 {tries} 次，每次等 {seconds} 秒）：已写入 {written}/{total} 行，其余未写入。请稍后重新导入这个文件（已写入的行按编码对应，不会重复）。",

  "import.reason.team-members": "{code} 名下还有 {n} 名在职下属（{members}），不能{change}；请先在文件的“上级”列或系统里把他们调到其他主管名下",
  "import.reason.team-change.demote": "改为客户经理",
  "import.reason.team-change.deactivate": "设为离职",
  "import.reason.active": "状态必须是 在职/离职（active/inactive）",
  "import.reason.inactive-supervisor": "上级 {code} 已离职",
  "import.note.complaints-escalated-unreachable": "  · {n} 条未结投诉保持未结，已升级给主管 {supervisor}（{supervisorCode}），但 {supervisor} 没有绑定聊天账号、收不到通知：请直接告诉他用 /reassign 改派",
  "import.notice.complaints-handed-over": "📋 {name}（{code}）已设为离职，其 {n} 条未结投诉转给您跟进：{ids}。发送 /reassign 编号 改派给其他客户经理。",
  "import.note.deactivated": "{code} {name} 已设为离职：",
  "import.note.complaints-escalated": "  · {n} 条未结投诉保持未结，已立即升级给主管 {supervisor}（{supervisorCode}），由其跟进或用 /reassign 改派",
  "import.note.complaints-no-supervisor": "  · {n} 条未结投诉保持未结，但 {code} 没有上级可升级：请管理员尽快改派",
  "import.note.plan-removed": "  · 从 {from} 起的 {n} 个计划拜访已删除（已完成和已跳过的记录保留）；这些客户仍归 {code}，请把客户改派给其他客户经理后重新生成计划",
  "import.note.customers-kept": "  · 名下仍有 {n} 家客户，请改派给其他客户经理",

  "db.open.parent-not-folder": "无法打开数据库：DATABASE_URL={url} 的路径中 {dir} 不是文件夹（有同名文件挡住了）。请把 DATABASE_URL 改到一个文件夹里的路径（如 file:./data/visitmate.db），或移走那个文件。",
  "db.open.folder": "无法打开数据库：DATABASE_URL={url} 所在的文件夹 {dir} 不存在且无法创建（{code}）。请先创建该文件夹并让运行 VisitMate 的用户可写，或把 DATABASE_URL 改到可写的位置。",
  "db.open.read-only": "无法写入数据库：DATABASE_URL={url} 的文件 {file} 或其文件夹 {dir} 是只读的（{code}）。SQLite 要写这个文件，并在同一文件夹里建 -wal/-shm 文件：请让运行 VisitMate 的用户对两者都可写（检查权限、chattr +i、只读挂载）。",
  "db.open.cant-open": "无法打开数据库：DATABASE_URL={url}（{file}）打不开（{code}）。请确认该路径是文件而不是文件夹，且文件夹 {dir} 可写。",
  "db.open.not-a-database": "DATABASE_URL={url} 指向的 {file} 不是 SQLite 数据库（{code}）。请检查 DATABASE_URL 是否指错了文件；若要新建空数据库，把该文件移走后重新启动。",
  "db.open.corrupt": "DATABASE_URL={url} 的数据库文件 {file} 已损坏（{code}）。请停止所有 VisitMate 进程，从备份恢复该文件（或用 sqlite3 {file} \".recover\" 抢救数据）后重新启动。",
  "db.open.locked": "DATABASE_URL={url} 的数据库被另一个进程锁住，等了 {seconds} 秒仍未释放（{code}），数据库没有打开。请等另一个进程（导入、另一个实例或 sqlite3 窗口）结束后重新启动。",
  "db.open.full": "DATABASE_URL={url} 所在的磁盘已满（{code}）。请腾出 {dir} 所在磁盘的空间后重新启动。",
};
