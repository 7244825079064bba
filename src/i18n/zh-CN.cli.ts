import type { Catalogue } from "./i18n.ts";

/** 命令行（npx visitmate …）：管理员和运维看到的文字。 */
export const zhCNCli: Catalogue = {
  "cli.usage":
    "visitmate — 客户经理的聊天助手\n\n用法：npx visitmate <命令> [选项]\n\n" +
    "  start                              运行机器人（终端聊天 + 已配置的平台）\n" +
    "  import managers 文件               导入员工（CSV UTF-8/GBK 或 .xlsx），有错则全部不写入\n" +
    "  import customers 文件              导入客户（CSV UTF-8/GBK 或 .xlsx），有错则全部不写入\n" +
    "  classify                           重新计算客户分类，并列出每位客户经理的分类构成\n" +
    "  plan generate [--manager 编码] [--month YYYY-MM]\n" +
    "                                     （重新）生成该月和下月的拜访计划\n" +
    "  plan export --manager 编码 --from 日期 --weeks N --format json|csv\n" +
    "                                     输出已存的计划，每次拜访一行（只读）\n" +
    "  report team [--supervisor 编码] --from 日期 --to 日期 --format xlsx|csv|json [--out 文件]\n" +
    "                                     团队报表：每位客户经理一行（只读）\n" +
    "  report visits --manager 编码 --from 日期 --to 日期 --format xlsx|csv|json [--out 文件]\n" +
    "                                     拜访明细：每次拜访一行（只读）\n" +
    "  route 文件                         排路线：TSPLIB .tsp（闭合回路）或 .json（开放路径）\n" +
    "  jobs list                          定时任务：时间表、下次运行、上次运行\n" +
    "  jobs run-due                       把到点的任务各运行一次（含仍在补发窗口内的），然后退出\n" +
    "  jobs run 任务 [--again]            现在运行一个任务；--again 已运行过也再运行（只补发缺的消息）\n" +
    "  outbox [--failed] [--limit N]      定时消息及发送状态\n" +
    "  outbox retry 编号                  重新发送一条失败的消息\n" +
    "  db backup 文件 [--force]           在线备份数据库到该文件（机器人运行时也安全）\n" +
    "  db copy --from 地址 --to 地址      把整个数据库复制到另一个空数据库（如 SQLite → PostgreSQL），编号不变\n" +
    "  status                             各聊天平台的状态（已连接 / 重试中、自何时、最近的错误），机器人运行时也可查看\n" +
    "  staff bind-code 编码 [--hours N]   生成一次性绑定码，把聊天账号关联到该员工（24 小时有效，只显示一次；旧的未用绑定码作废）\n" +
    "  staff bindings [编码]              列出聊天账号绑定：全部，或某位员工的\n" +
    "  staff unbind 编码 --platform 平台  解除该员工在某平台（telegram|lark|wechat）的绑定\n" +
    "  help                               显示本说明\n",
  "cli.unknown-command": "没有“{command}”这个命令。",
  "cli.import.busy": "数据库一直被另一个进程占用（试了 {tries} 次，每次等 {seconds} 秒），没有写入任何数据。请稍后重新导入这个文件。",
  "cli.import.file-changed": "导入过程中文件 {name} 被修改了，没有写入任何数据。请重新导入。",
  "cli.import.usage": "用法：visitmate import managers|customers|products 文件 [--sheet 名称|序号]   （UTF-8/GBK 编码的 CSV，或 .xlsx；--sheet 选择 .xlsx 的工作表，默认第 1 张）",
  "cli.db-empty": "数据库里还没有任何员工。先导入员工和客户：\n  npx visitmate import managers 员工.csv\n  npx visitmate import customers 客户.csv\n或者先用演示数据试用：运行一次 npm start（VISITMATE_DEMO=1 时，空数据库会自动生成演示公司）。",
  "cli.import.progress": "  {done}/{total} 行（{pct}%）",
  "cli.jobs.usage": "用法：\n  visitmate jobs list        每个任务的下次运行时间\n  visitmate jobs run-due     把到点的任务各运行一次（含补发），然后退出\n  visitmate jobs run 任务 [--again]  现在运行一个任务（--again：已运行过也再运行，只补发缺的消息）",
  "cli.outbox.usage": "用法：\n  visitmate outbox [--failed] [--limit N]   最近的定时消息（或只看失败的）\n  visitmate outbox retry 编号               重新发送一条失败的消息\n  visitmate outbox retry --all-failed [--kind 类型]   重新发送所有（某一类型的）失败消息",
  "cli.jobs.unknown": "没有“{id}”这个任务。可用的任务：{ids}",
  "cli.jobs.already-done": "{slot} 这一次已经运行过。要补发给之后才绑定账号或才有计划的人，运行 npx visitmate jobs run {id} --again：已进入发件箱的消息不会重复。",
  "cli.jobs.missed": "最近一次（{slot}）已过补发窗口，不再运行：过时的提醒（如昨天的清单）没有用处。",
  "cli.jobs.running-elsewhere": "这个任务正在另一个实例上运行，请稍后再查看：npx visitmate jobs list",
  "cli.jobs.disabled": "这个任务被服务标准（策略）关闭了。",
  "cli.jobs.header": "任务|时间表（{tz}）|下次运行|上次运行|状态",
  "cli.jobs.off": "关闭（策略）",
  "cli.jobs.invalid": "无效：{error}",
  "cli.jobs.due": "现在到点",
  "cli.jobs.catch-up": "（补发）",
  "cli.jobs.ran": "运行了 {ran} 个任务，失败 {failed} 个。消息已进入发件箱，由运行中的机器人发送（npx visitmate outbox 查看）。",
  "cli.outbox.retried": "消息 {id} 已重新排队，运行中的机器人几秒内发送。",
  "cli.outbox.not-found": "发件箱里没有编号为 {id} 的消息。",
  "cli.outbox.already-sent": "消息 {id} 已经发送过，不会重复发送。",
  "cli.outbox.in-progress": "消息 {id} 正在发送。",
  "cli.outbox.counts": "发件箱：待发 {pending}，发送中 {sending}，已发 {sent}，失败 {failed}",
  "cli.outbox.no-failed": "没有失败的消息。",
  "cli.outbox.none": "没有消息。",
  "cli.outbox.header": "编号|状态|类型|员工|发往|次数|时间|键 / 最近错误",
  "cli.outbox.retry-hint": "重新发送：npx visitmate outbox retry 编号",
  "cli.plan.usage": "用法：\n  visitmate plan generate [--manager 编码] [--month YYYY-MM]\n  visitmate plan export --manager 编码 --from 日期 --weeks N --format json|csv",
  "cli.plan.line": "{code} {name}：{from} – {to}，{days} 个拜访日共 {visits} 次拜访，频次达标 {compliance}%，覆盖 {coverage}%，不均衡 {imbalance}，{km} km{kept}（{ms} ms）",
  "cli.plan.kept": "，保留已有 {n} 次",
  "cli.plan.shortfall": "  ⚠ 排不开：{visits} 次拜访排不到期限内（{byClass}）；最先逾期：{first}",
  "cli.plan.bad-month": "--month 要写成 2026-12 这样的年月，收到的是“{month}”。",
  "cli.plan.past-month": "{month} 已经过去了，没有可排的计划。",
  "cli.report.usage": "用法：\n  visitmate report team [--supervisor 编码] --from 日期 --to 日期 --format xlsx|csv|json [--out 文件]\n  visitmate report visits --manager 编码 --from 日期 --to 日期 --format xlsx|csv|json [--out 文件]\n  visitmate report brands [--supervisor 编码] [--month 2026-12] --format xlsx|csv|json [--out 文件]   品牌培育上柜率/再购率\n  visitmate report prices [--supervisor 编码] [--week 2026-W49] --format xlsx|csv|json [--out 文件]   信息采集点价格\n不写 --from/--to 时为本月 1 日到今天；不写 --supervisor 时为全公司。",
  "cli.report.bad-date": "{option} 要写成 2026-12-01 这样的日期，收到的是“{value}”。",
  "cli.report.from-after-to": "--from {from} 晚于 --to {to}。",
  "cli.report.bad-format": "--format 只能是 xlsx、csv 或 json，收到的是“{format}”。",
  "cli.report.xlsx-needs-out": "xlsx 是文件，请用 --out 指定保存位置，例如 --out 团队报表.xlsx。",
  "cli.report.needs-manager": "请用 --manager 指定客户经理编码。",
  "cli.report.written": "已写入 {file}（{n} 行）。",
  "cli.route.usage": "用法：visitmate route 文件   （TSPLIB .tsp，或 .json { start: {lat,lng}, stops: [{id,lat,lng}] }）",
  "cli.staff.usage":
    "用法：\n  npx visitmate staff bind-code 员工编码 [--hours N]   生成一次性绑定码（只显示一次）\n" +
    "  npx visitmate staff bindings [员工编码]               列出聊天账号绑定\n" +
    "  npx visitmate staff unbind 员工编码 --platform 平台   解除该员工在 telegram、lark 或 wechat 的绑定",
  "cli.staff.bad-hours": "--hours 必须是 0 到 720 之间的小时数。",
  "cli.staff.unknown": "没有编码为“{code}”的在职员工。",
  "cli.staff.not-found": "没有编码为“{code}”的员工。",
  "cli.staff.code":
    "{name}（{code}）的绑定码：{bindCode}\n只能用一次，{until}（{tz}）前有效。\n请对方在 Telegram、飞书或微信里向机器人发送：/bind {bindCode}\n" +
    "这个绑定码只显示这一次（数据库只保存它的摘要），请现在转交。",
  "cli.staff.revoked": "该员工之前 {n} 个未使用的绑定码已作废。",
  "cli.staff.bindings.header": "员工编码|姓名|平台|账号|绑定时间（{tz}）",
  "cli.staff.bindings.inactive": "（已停用）",
  "cli.staff.bindings.none": "没有任何聊天账号绑定。",
  "cli.staff.bindings.none-for": "{name}（{code}）没有绑定聊天账号。",
  "cli.staff.bindings.count": "共 {n} 个绑定。解除：npx visitmate staff unbind 员工编码 --platform 平台",
  "cli.staff.needs-platform": "请用 --platform 指定平台：telegram、lark 或 wechat。",
  "cli.staff.unbind.none": "{name}（{code}）在{platform}没有绑定，什么也没有改。",
  "cli.staff.unbind.done": "已解除 {name}（{code}）在{platform}的 {n} 个绑定：{accounts}。",
  "cli.staff.unbind.notice": "已排队通知被解除的账号，由运行中的机器人发送（npx visitmate outbox 查看）。",
  "cli.classify.header": "已重新计算客户分类（{preset}）：{changed} 家客户的分类有变化。",
  "cli.classify.manager": "{code} {name} — 在册客户 {total} 家",
  "cli.classify.expected": "标准 {min}–{max}",
  "cli.classify.out-of-range": "  ⚠ 超出标准范围",
  "cli.classify.flagged": "⚠ 有 {n} 项占比超出标准范围：{list}",
  "cli.classify.all-ok": "各类客户占比都在标准范围内。",
  "cli.db.usage":
    "用法：npx visitmate db backup 文件 [--force]\n" +
    "  用 SQLite 的备份接口把数据库（DATABASE_URL）完整、一致地复制一份，机器人运行时也安全。\n" +
    "  --force   文件已存在时覆盖它\n" +
    "  恢复：停止机器人，把数据库文件及其 -wal/-shm 文件移走，把备份复制到数据库的位置，再启动机器人（见 README“Running in production”）。\n" +
    "用法：npx visitmate db copy --from 源地址 --to 目标地址\n" +
    "  把源数据库的所有表原样（编号不变）复制到一个空的目标数据库，例如 --from file:./data/visitmate.db --to postgresql://用户@主机/visitmate（也可反向）。\n" +
    "  在一个事务里完成，并核对两边每张表的行数：出错或不一致时目标库保持为空。请先停止机器人。",
  "cli.db.unknown-subcommand": "没有“db {sub}”这个命令。",
  "cli.db.unknown-option": "未知选项 {option}。",
  "cli.db.backup.no-database": "{file} 没有数据库（DATABASE_URL），无可备份。请在机器人运行的目录、用它的 .env 或 DATABASE_URL 运行本命令。",
  "cli.db.backup.exists": "{file} 已存在，没有写入任何内容。请换一个文件名，或加 --force 覆盖它。",
  "cli.db.backup.is-folder": "{file} 是文件夹，请写出备份文件名，例如 {file}/visitmate.db。",
  "cli.db.backup.same-file": "{file} 就是数据库本身（或它的附属文件），请为备份另选一个文件。",
  "cli.db.backup.no-folder": "{file} 所在的文件夹不存在，请先创建。",
  "cli.db.backup.check-failed": "备份没有通过完整性检查（{check}），没有保存到 {file}。请用 PRAGMA integrity_check 检查数据库。",
  "cli.db.backup.done": "已把 {source} 备份到 {file}：{size}（{bytes} 字节，{pages} 页），用时 {ms} 毫秒，完整性检查通过。",
};
