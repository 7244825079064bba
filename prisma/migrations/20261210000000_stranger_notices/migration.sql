-- One answer per unbound chat account per day (and chat type): the day it was told is stored, so a restart does not repeat it.
CREATE TABLE "StrangerNotice" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "platform" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "date" TEXT NOT NULL,
    "chatType" TEXT NOT NULL DEFAULT 'private',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "StrangerNotice_platform_platformUserId_date_chatType_key" ON "StrangerNotice"("platform", "platformUserId", "date", "chatType");
CREATE INDEX "StrangerNotice_date_idx" ON "StrangerNotice"("date");
