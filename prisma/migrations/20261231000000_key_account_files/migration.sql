-- Key-account customer file (润滑油规范 第三十三–三十七条), key people and monthly purchase plans.
-- Columns are added with ALTER TABLE rather than a table rebuild: other migrations of the same
-- release add Customer columns too, and a rebuild listing today's columns would drop theirs.
ALTER TABLE "Customer" ADD COLUMN "registration" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Customer" ADD COLUMN "scale" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Customer" ADD COLUMN "scaleNote" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Customer" ADD COLUMN "equipment" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Customer" ADD COLUMN "oilUsage" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Customer" ADD COLUMN "needs" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Customer" ADD COLUMN "techRequirements" TEXT NOT NULL DEFAULT '';
ALTER TABLE "Customer" ADD COLUMN "creditTermDays" INTEGER;
ALTER TABLE "Customer" ADD COLUMN "creditLimit" REAL;
ALTER TABLE "Customer" ADD COLUMN "receivables" REAL;
ALTER TABLE "Customer" ADD COLUMN "receivablesDue" TEXT;
ALTER TABLE "Customer" ADD COLUMN "fileUpdatedAt" DATETIME;
CREATE INDEX "Customer_managerId_fileUpdatedAt_idx" ON "Customer"("managerId", "fileUpdatedAt");

CREATE TABLE "KeyPerson" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT '',
    "phone" TEXT NOT NULL DEFAULT '',
    "primary" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "KeyPerson_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "KeyPerson_customerId_idx" ON "KeyPerson"("customerId");

CREATE TABLE "PurchasePlan" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" INTEGER NOT NULL,
    "managerId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "lines" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "PurchasePlan_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "PurchasePlan_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Staff" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "PurchasePlan_managerId_month_idx" ON "PurchasePlan"("managerId", "month");
CREATE UNIQUE INDEX "PurchasePlan_customerId_month_key" ON "PurchasePlan"("customerId", "month");
