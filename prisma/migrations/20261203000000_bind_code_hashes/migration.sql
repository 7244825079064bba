-- Bind codes: only a SHA-256 digest is stored; failed attempts and pending account switches are
-- stored so the limits and the "confirm the switch" question survive a restart.
--
-- Existing codes cannot be hashed here (SQLite has no SHA-256 function, and this file must also
-- run under `prisma migrate deploy`), so every row is kept for history with a placeholder digest
-- that no code can match ('retired:<id>'), and codes that were still unused are marked revoked.
-- Effect: a code issued before this migration and not yet redeemed stops working; the admin issues
-- a new one (npx visitmate staff bind-code CODE). Existing bindings (ChatIdentity) are untouched.
CREATE TABLE "new_BindCode" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "codeHash" TEXT NOT NULL,
    "staffId" INTEGER NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "revokedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "BindCode_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_BindCode" ("id", "codeHash", "staffId", "expiresAt", "usedAt", "revokedAt", "createdAt")
SELECT "id", 'retired:' || "id", "staffId", "expiresAt", "usedAt", CASE WHEN "usedAt" IS NULL THEN CURRENT_TIMESTAMP END, "createdAt"
FROM "BindCode";
DROP TABLE "BindCode";
ALTER TABLE "new_BindCode" RENAME TO "BindCode";
CREATE UNIQUE INDEX "BindCode_codeHash_key" ON "BindCode"("codeHash");
CREATE INDEX "BindCode_staffId_idx" ON "BindCode"("staffId");

CREATE TABLE "BindAttempt" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "platform" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "ok" BOOLEAN NOT NULL
);
CREATE INDEX "BindAttempt_platform_platformUserId_at_idx" ON "BindAttempt"("platform", "platformUserId", "at");
CREATE INDEX "BindAttempt_at_idx" ON "BindAttempt"("at");

CREATE TABLE "BindSwitch" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "platform" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "fromStaffId" INTEGER NOT NULL,
    "toStaffId" INTEGER NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "BindSwitch_platform_platformUserId_key" ON "BindSwitch"("platform", "platformUserId");
CREATE INDEX "BindSwitch_toStaffId_idx" ON "BindSwitch"("toStaffId");
