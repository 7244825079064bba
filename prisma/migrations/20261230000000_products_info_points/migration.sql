-- Products as data (brand cultivation per product, KPIs), info points and their weekly price collection.
ALTER TABLE "Customer" ADD COLUMN "infoPoint" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "Product" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "brand" TEXT NOT NULL DEFAULT '',
    "spec" TEXT NOT NULL DEFAULT '',
    "packPrice" REAL,
    "cartonPrice" REAL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "searchText" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "Product_code_key" ON "Product"("code");
CREATE INDEX "Product_brand_idx" ON "Product"("brand");

CREATE TABLE "PriceCollection" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "customerId" INTEGER NOT NULL,
    "managerId" INTEGER NOT NULL,
    "productId" INTEGER NOT NULL,
    "week" TEXT NOT NULL,
    "stock" INTEGER,
    "cartonPrice" REAL,
    "packPrice" REAL,
    "marketPrice" REAL,
    "visitId" INTEGER,
    "collectedAt" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "PriceCollection_customerId_productId_week_key" ON "PriceCollection"("customerId", "productId", "week");
CREATE INDEX "PriceCollection_week_productId_idx" ON "PriceCollection"("week", "productId");
CREATE INDEX "PriceCollection_managerId_week_idx" ON "PriceCollection"("managerId", "week");
