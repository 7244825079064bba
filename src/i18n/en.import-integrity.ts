import type { Catalogue } from "./i18n.ts";

/** Import beside the live bot, integrity checks of the staff import, database start-up problems (en). */
export const enImportIntegrity: Catalogue = {
  "cli.import.file-changed-partial": "{name} changed while it was being imported: {written} of {total} rows were written, the rest not. Import the file again (written rows are matched by code, nothing is doubled).",
  "cli.import.busy-partial": "The database stayed locked by another process ({tries} tries of {seconds} s each): {written} of {total} rows were written, the rest not. Import the file again later (written rows are matched by code, nothing is doubled).",

  "import.reason.team-members": "{code} still has {n} active team members ({members}) and cannot be {change}; move them to another supervisor first (the file's supervisor column, or in the system)",
  "import.reason.team-change.demote": "made a customer manager",
  "import.reason.team-change.deactivate": "deactivated",
  "import.reason.active": "status must be active or inactive (在职/离职)",
  "import.reason.inactive-supervisor": "supervisor {code} is inactive",
  "import.note.complaints-escalated-unreachable": "  · {n} open complaints stay open and were escalated to supervisor {supervisor} ({supervisorCode}), but {supervisor} has no chat binding and gets no notice: tell them to reassign them (/reassign)",
  "import.notice.complaints-handed-over": "📋 {name} ({code}) is now inactive; their {n} open complaints are yours to follow up: {ids}. Send /reassign ID to hand one to another manager.",
  "import.note.deactivated": "{code} {name} is now inactive:",
  "import.note.complaints-escalated": "  · {n} open complaints stay open and were escalated to supervisor {supervisor} ({supervisorCode}) now, who follows them up or reassigns them (/reassign)",
  "import.note.complaints-no-supervisor": "  · {n} open complaints stay open, but {code} has no supervisor to escalate to: an administrator must reassign them",
  "import.note.plan-removed": "  · {n} planned visits from {from} on were removed (done and skipped visits are kept); the customers still belong to {code}: reassign them to another manager and plan again",
  "import.note.customers-kept": "  · still owns {n} customers: reassign them to another manager",

  "db.open.parent-not-folder": "Cannot open the database: in DATABASE_URL={url}, {dir} is not a folder (a file of that name is in the way). Point DATABASE_URL at a path inside a folder (e.g. file:./data/visitmate.db), or move that file away.",
  "db.open.folder": "Cannot open the database: the folder {dir} of DATABASE_URL={url} does not exist and cannot be created ({code}). Create it, writable by the user running VisitMate, or point DATABASE_URL somewhere writable.",
  "db.open.read-only": "Cannot write the database: the file {file} of DATABASE_URL={url}, or its folder {dir}, is read-only ({code}). SQLite writes the file and creates -wal/-shm files beside it: make both writable by the user running VisitMate (check permissions, chattr +i, read-only mounts).",
  "db.open.cant-open": "Cannot open the database DATABASE_URL={url} ({file}) ({code}). Check that the path is a file, not a folder, and that the folder {dir} is writable.",
  "db.open.not-a-database": "{file} (DATABASE_URL={url}) is not an SQLite database ({code}). Check that DATABASE_URL names the right file; to start with a new empty database, move that file away and start again.",
  "db.open.corrupt": "The database file {file} (DATABASE_URL={url}) is damaged ({code}). Stop every VisitMate process, restore the file from a backup (or rescue what you can with sqlite3 {file} \".recover\"), then start again.",
  "db.open.locked": "The database of DATABASE_URL={url} is locked by another process and stayed locked for {seconds} s ({code}); it was not opened. Wait for the other process (an import, another instance, an sqlite3 shell) to finish, then start again.",
  "db.open.full": "The disk holding DATABASE_URL={url} is full ({code}). Free space on the disk of {dir}, then start again.",
};
