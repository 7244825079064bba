-- Running instances and their heartbeat: claims of a dead instance are taken over in seconds, not when the claim expires.
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "heartbeatAt" DATETIME NOT NULL
);
CREATE INDEX "Instance_heartbeatAt_idx" ON "Instance"("heartbeatAt");
CREATE INDEX "Instance_host_idx" ON "Instance"("host");
