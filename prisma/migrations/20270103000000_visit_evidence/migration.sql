-- Visit evidence (#16): check-in by location with the distance to the shop, check-out and the
-- measured duration on the visit; shop photos by content hash; better shop coordinates proposed
-- from check-ins. Columns are added with ALTER TABLE (no rebuild: other migrations add columns too).
ALTER TABLE "Visit" ADD COLUMN "checkinStatus" TEXT;
ALTER TABLE "Visit" ADD COLUMN "checkinAt" DATETIME;
ALTER TABLE "Visit" ADD COLUMN "checkinLat" REAL;
ALTER TABLE "Visit" ADD COLUMN "checkinLng" REAL;
ALTER TABLE "Visit" ADD COLUMN "checkinAccuracyM" REAL;
ALTER TABLE "Visit" ADD COLUMN "checkinDistanceM" INTEGER;
ALTER TABLE "Visit" ADD COLUMN "checkinReason" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Visit" ADD COLUMN "checkoutAt" DATETIME;
ALTER TABLE "Visit" ADD COLUMN "checkoutLat" REAL;
ALTER TABLE "Visit" ADD COLUMN "checkoutLng" REAL;
ALTER TABLE "Visit" ADD COLUMN "measuredMin" INTEGER;
ALTER TABLE "Customer" ADD COLUMN "located" BOOLEAN NOT NULL DEFAULT true;

CREATE TABLE "VisitPhoto" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "hash" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "staffId" INTEGER NOT NULL,
    "visitId" INTEGER,
    "customerId" INTEGER,
    "section" TEXT,
    "platform" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL,
    "duplicateOfId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "VisitPhoto_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "VisitPhoto_visitId_fkey" FOREIGN KEY ("visitId") REFERENCES "Visit" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX "VisitPhoto_hash_idx" ON "VisitPhoto"("hash");
CREATE INDEX "VisitPhoto_visitId_idx" ON "VisitPhoto"("visitId");
CREATE INDEX "VisitPhoto_staffId_receivedAt_idx" ON "VisitPhoto"("staffId", "receivedAt");
CREATE INDEX "VisitPhoto_receivedAt_idx" ON "VisitPhoto"("receivedAt");

CREATE TABLE "CoordinateProposal" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" INTEGER NOT NULL,
    "lat" REAL NOT NULL,
    "lng" REAL NOT NULL,
    "kind" TEXT NOT NULL,
    "basis" INTEGER NOT NULL,
    "distanceM" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'open',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedById" INTEGER,
    "decidedAt" DATETIME,
    CONSTRAINT "CoordinateProposal_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "CoordinateProposal_status_customerId_idx" ON "CoordinateProposal"("status", "customerId");
CREATE INDEX "CoordinateProposal_customerId_idx" ON "CoordinateProposal"("customerId");
