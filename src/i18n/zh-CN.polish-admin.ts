import type { Catalogue } from "./i18n.ts";

/** Import messages an admin can act on: the sheet read, the header row, caps, NUL bytes (zh-CN). */
export const zhCNPolishAdmin: Catalogue = {
  "import.note.sheet": "读取的工作表：“{name}”。",
  "import.note.sheet-of": "读取的工作表：第 {index} 张“{name}”（共 {count} 张；要导入其他工作表，加 --sheet 名称或序号）。",
  "import.note.header-row": "表头在第 {row} 行，上方的标题行已跳过（{above}）。",
  "import.note.no-header": "第 {row} 行里没有一个能识别的列名。表头（列名）必须在前 {rows} 行之内，最好就是第 1 行；列名可参照 test/fixtures/import/ 里的示例文件。",
  "import.reason.other-sheet": "这张工作表里没有必需的列，但第 {index} 张表“{name}”有这些列，加 --sheet {index} 导入",
  "import.reason.header-nul": "表头里有 NUL（\\0）字符：文件可能是不带 BOM 的 UTF-16 文本，或已损坏。请在 Excel/WPS 里另存为“CSV UTF-8”或 .xlsx 后再导入",
  "import.reason.cell-nul": "{column} 里有 NUL（\\0）字符，文件可能已损坏；请删掉这些字符或重新导出文件",
  "import.sheet.unknown": "{name} 里没有工作表“{sheet}”（有：{sheets}）。--sheet 后面写工作表名称或序号（从 1 开始）。",
  "import.sheet.not-xlsx": "--sheet 只用于 .xlsx 工作簿，{name} 不是 .xlsx 文件。",
};
