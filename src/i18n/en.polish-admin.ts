import type { Catalogue } from "./i18n.ts";

/** Import messages an admin can act on: the sheet read, the header row, caps, NUL bytes (en). */
export const enPolishAdmin: Catalogue = {
  "import.note.sheet": "Sheet read: “{name}”.",
  "import.note.sheet-of": "Sheet read: no. {index} “{name}” (of {count}; to import another sheet, add --sheet NAME or NUMBER).",
  "import.note.header-row": "The header is row {row}; the title rows above it were skipped ({above}).",
  "import.note.no-header": "Row {row} has no column name the import knows. The header (column names) must be within the first {rows} rows, best row 1; see the example files in test/fixtures/import/ for the names.",
  "import.reason.other-sheet": "this sheet lacks the required columns, but sheet {index} “{name}” has them: add --sheet {index} to import it",
  "import.reason.header-nul": "the header contains NUL (\\0) characters: the file is probably UTF-16 text without a byte-order mark, or damaged. Save it from Excel/WPS as “CSV UTF-8” or .xlsx and import that",
  "import.reason.cell-nul": "{column} contains NUL (\\0) characters, the file may be damaged; remove them or export the file again",
  "import.sheet.unknown": "{name} has no sheet “{sheet}” (it has {sheets}). Give --sheet a sheet name or number (from 1).",
  "import.sheet.not-xlsx": "--sheet applies to .xlsx workbooks only; {name} is not one.",
};
