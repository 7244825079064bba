-- /assist: a manager's 帮扶 proposal for a shop, decided by the supervisor (one pending per shop).
CREATE TABLE "ClassProposal" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" INTEGER NOT NULL,
    "managerId" INTEGER NOT NULL,
    "classId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "pendingKey" INTEGER,
    "supervisorId" INTEGER,
    "decidedById" INTEGER,
    "decidedAt" DATETIME,
    "createdAt" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "ClassProposal_pendingKey_key" ON "ClassProposal"("pendingKey");
CREATE INDEX "ClassProposal_managerId_status_idx" ON "ClassProposal"("managerId", "status");
