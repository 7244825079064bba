-- Managers' written daily/weekly/monthly summaries, delivered to the supervisor and kept for reports.
CREATE TABLE "WorkSummary" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "managerId" INTEGER NOT NULL,
    "period" TEXT NOT NULL,
    "periodStart" TEXT NOT NULL,
    "achievements" TEXT NOT NULL DEFAULT '',
    "problems" TEXT NOT NULL DEFAULT '',
    "focus" TEXT NOT NULL DEFAULT '',
    "deliveredAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "WorkSummary_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Staff" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "WorkSummary_managerId_period_periodStart_key" ON "WorkSummary"("managerId", "period", "periodStart");
CREATE INDEX "WorkSummary_period_periodStart_idx" ON "WorkSummary"("period", "periodStart");
