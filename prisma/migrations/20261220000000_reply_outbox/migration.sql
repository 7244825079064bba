-- Chat replies go through the outbox: what the inline send knew about its chat (who was asked, chat type, @mention) is stored with the row.
ALTER TABLE "Outbox" ADD COLUMN "address" TEXT NOT NULL DEFAULT '';
-- The dispatcher keeps each chat's messages in order: it looks for an earlier unsent row of the same chat.
CREATE INDEX "Outbox_platform_chatId_id_idx" ON "Outbox"("platform", "chatId", "id");
