-- Per-platform state of each running instance (visitmate status, /healthz) and the cards/keyboards
-- we sent, so taps after a restart are answered and old cards updated.
CREATE TABLE "PlatformState" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "instance" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "since" DATETIME NOT NULL,
    "lastError" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "PlatformState_instance_platform_key" ON "PlatformState"("instance", "platform");

CREATE TABLE "SentCard" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "platform" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "choices" TEXT NOT NULL,
    "sessionId" INTEGER,
    "rev" INTEGER,
    "askedTo" TEXT,
    "chatType" TEXT NOT NULL DEFAULT 'private',
    "answered" TEXT,
    "createdAt" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "SentCard_platform_messageId_key" ON "SentCard"("platform", "messageId");
CREATE INDEX "SentCard_platform_chatId_answered_idx" ON "SentCard"("platform", "chatId", "answered");
CREATE INDEX "SentCard_createdAt_idx" ON "SentCard"("createdAt");
