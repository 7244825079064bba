-- CreateTable
CREATE TABLE "Staff" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "supervisorId" INTEGER,
    "startLat" DOUBLE PRECISION,
    "startLng" DOUBLE PRECISION,
    "visitDays" TEXT NOT NULL DEFAULT '',
    "locale" TEXT NOT NULL DEFAULT '',
    "notifyPlatform" TEXT,
    "mutedReminders" TEXT NOT NULL DEFAULT '',
    "quietStart" TEXT NOT NULL DEFAULT '',
    "quietEnd" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Staff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChatIdentity" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "staffId" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Customer" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL DEFAULT '',
    "phone" TEXT NOT NULL DEFAULT '',
    "lat" DOUBLE PRECISION NOT NULL,
    "lng" DOUBLE PRECISION NOT NULL,
    "marketType" TEXT NOT NULL DEFAULT 'city',
    "retailFormat" TEXT NOT NULL DEFAULT 'other',
    "tier" INTEGER,
    "modernTerminal" TEXT NOT NULL DEFAULT 'none',
    "violationDate" TIMESTAMPTZ(3),
    "lowIncome" BOOLEAN NOT NULL DEFAULT false,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "salesVolume" DOUBLE PRECISION,
    "credit" BOOLEAN NOT NULL DEFAULT false,
    "keyPerson" TEXT NOT NULL DEFAULT '',
    "registration" TEXT NOT NULL DEFAULT '',
    "scale" TEXT NOT NULL DEFAULT '',
    "scaleNote" TEXT NOT NULL DEFAULT '',
    "equipment" TEXT NOT NULL DEFAULT '',
    "oilUsage" TEXT NOT NULL DEFAULT '',
    "needs" TEXT NOT NULL DEFAULT '',
    "techRequirements" TEXT NOT NULL DEFAULT '',
    "creditTermDays" INTEGER,
    "creditLimit" DOUBLE PRECISION,
    "receivables" DOUBLE PRECISION,
    "receivablesDue" TEXT,
    "fileUpdatedAt" TIMESTAMPTZ(3),
    "located" BOOLEAN NOT NULL DEFAULT true,
    "infoPoint" BOOLEAN NOT NULL DEFAULT false,
    "serviceClass" TEXT NOT NULL DEFAULT 'regular',
    "classOverride" TEXT,
    "inventoryFactor" DOUBLE PRECISION,
    "managerId" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "lastVisitAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KeyPerson" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT '',
    "phone" TEXT NOT NULL DEFAULT '',
    "primary" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "KeyPerson_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PurchasePlan" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "managerId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "lines" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PurchasePlan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Visit" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "managerId" INTEGER NOT NULL,
    "visitedAt" TIMESTAMPTZ(3) NOT NULL,
    "mode" TEXT NOT NULL,
    "durationMin" INTEGER,
    "notes" TEXT NOT NULL DEFAULT '',
    "details" TEXT NOT NULL DEFAULT '{}',
    "plannedVisitId" INTEGER,
    "prevLastVisitAt" TIMESTAMPTZ(3),
    "checkinStatus" TEXT,
    "checkinAt" TIMESTAMPTZ(3),
    "checkinLat" DOUBLE PRECISION,
    "checkinLng" DOUBLE PRECISION,
    "checkinAccuracyM" DOUBLE PRECISION,
    "checkinDistanceM" INTEGER,
    "checkinReason" TEXT NOT NULL DEFAULT '',
    "checkoutAt" TIMESTAMPTZ(3),
    "checkoutLat" DOUBLE PRECISION,
    "checkoutLng" DOUBLE PRECISION,
    "measuredMin" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Visit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Complaint" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "managerId" INTEGER NOT NULL,
    "openedAt" TIMESTAMPTZ(3) NOT NULL,
    "text" TEXT NOT NULL,
    "category" TEXT NOT NULL DEFAULT 'other',
    "canResolve" BOOLEAN NOT NULL DEFAULT true,
    "status" TEXT NOT NULL DEFAULT 'open',
    "deadlineAt" TIMESTAMPTZ(3),
    "visitId" INTEGER,
    "acknowledgedAt" TIMESTAMPTZ(3),
    "acknowledgedById" INTEGER,
    "escalationLevel" INTEGER NOT NULL DEFAULT 0,
    "resolvedAt" TIMESTAMPTZ(3),
    "resolution" TEXT NOT NULL DEFAULT '',
    "customerInformed" BOOLEAN NOT NULL DEFAULT false,
    "breached" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Complaint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ComplaintEvent" (
    "id" SERIAL NOT NULL,
    "complaintId" INTEGER NOT NULL,
    "staffId" INTEGER,
    "kind" TEXT NOT NULL,
    "text" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ComplaintEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlannedVisit" (
    "id" SERIAL NOT NULL,
    "managerId" INTEGER NOT NULL,
    "customerId" INTEGER NOT NULL,
    "date" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL DEFAULT 'planned',
    "booked" BOOLEAN NOT NULL DEFAULT false,
    "stopNo" INTEGER,
    "note" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PlannedVisit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlanRun" (
    "id" SERIAL NOT NULL,
    "managerId" INTEGER NOT NULL,
    "fromDate" TEXT NOT NULL,
    "toDate" TEXT NOT NULL,
    "requiredVisits" INTEGER NOT NULL,
    "plannedVisits" INTEGER NOT NULL,
    "shortfallVisits" INTEGER NOT NULL,
    "shortfall" TEXT NOT NULL DEFAULT '{}',
    "reason" TEXT NOT NULL DEFAULT 'generate',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PlanRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DayOff" (
    "id" SERIAL NOT NULL,
    "staffId" INTEGER NOT NULL,
    "date" TEXT NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DayOff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AppMeta" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AppMeta_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "FormSession" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "staffId" INTEGER,
    "formId" TEXT NOT NULL,
    "formVersion" INTEGER NOT NULL,
    "stepId" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT '{}',
    "strikes" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "FormSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Outbox" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "staffId" INTEGER,
    "platform" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "address" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT NOT NULL DEFAULT '',
    "claimedBy" TEXT,
    "claimedUntil" TIMESTAMPTZ(3),
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" SERIAL NOT NULL,
    "jobId" TEXT NOT NULL,
    "slot" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "claimedBy" TEXT NOT NULL,
    "leaseUntil" TIMESTAMPTZ(3) NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "error" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BindCode" (
    "id" SERIAL NOT NULL,
    "codeHash" TEXT NOT NULL,
    "staffId" INTEGER NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BindCode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BindAttempt" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "ok" BOOLEAN NOT NULL,

    CONSTRAINT "BindAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BindSwitch" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "fromStaffId" INTEGER NOT NULL,
    "toStaffId" INTEGER NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BindSwitch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProcessedEvent" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StrangerNotice" (
    "id" SERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "date" TEXT NOT NULL,
    "chatType" TEXT NOT NULL DEFAULT 'private',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StrangerNotice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkSummary" (
    "id" SERIAL NOT NULL,
    "managerId" INTEGER NOT NULL,
    "period" TEXT NOT NULL,
    "periodStart" TEXT NOT NULL,
    "achievements" TEXT NOT NULL DEFAULT '',
    "problems" TEXT NOT NULL DEFAULT '',
    "focus" TEXT NOT NULL DEFAULT '',
    "goals" TEXT NOT NULL DEFAULT '',
    "deliveredAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkSummary_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlatformState" (
    "id" SERIAL NOT NULL,
    "instance" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "lastError" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PlatformState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SentCard" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SentCard_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "heartbeatAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ClassProposal" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "managerId" INTEGER NOT NULL,
    "classId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "pendingKey" INTEGER,
    "supervisorId" INTEGER,
    "decidedById" INTEGER,
    "decidedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ClassProposal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Product" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "brand" TEXT NOT NULL DEFAULT '',
    "spec" TEXT NOT NULL DEFAULT '',
    "packPrice" DOUBLE PRECISION,
    "cartonPrice" DOUBLE PRECISION,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "searchText" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PriceCollection" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "managerId" INTEGER NOT NULL,
    "productId" INTEGER NOT NULL,
    "week" TEXT NOT NULL,
    "stock" INTEGER,
    "cartonPrice" DOUBLE PRECISION,
    "packPrice" DOUBLE PRECISION,
    "marketPrice" DOUBLE PRECISION,
    "visitId" INTEGER,
    "collectedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PriceCollection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VisitPhoto" (
    "id" SERIAL NOT NULL,
    "hash" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "staffId" INTEGER NOT NULL,
    "visitId" INTEGER,
    "customerId" INTEGER,
    "section" TEXT,
    "platform" TEXT NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL,
    "duplicateOfId" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VisitPhoto_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CoordinateProposal" (
    "id" SERIAL NOT NULL,
    "customerId" INTEGER NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "lng" DOUBLE PRECISION NOT NULL,
    "kind" TEXT NOT NULL,
    "basis" INTEGER NOT NULL,
    "distanceM" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'open',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedById" INTEGER,
    "decidedAt" TIMESTAMPTZ(3),

    CONSTRAINT "CoordinateProposal_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Staff_code_key" ON "Staff"("code");

-- CreateIndex
CREATE UNIQUE INDEX "ChatIdentity_platform_platformUserId_key" ON "ChatIdentity"("platform", "platformUserId");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_code_key" ON "Customer"("code");

-- CreateIndex
CREATE INDEX "Customer_managerId_active_idx" ON "Customer"("managerId", "active");

-- CreateIndex
CREATE INDEX "Customer_managerId_fileUpdatedAt_idx" ON "Customer"("managerId", "fileUpdatedAt");

-- CreateIndex
CREATE INDEX "KeyPerson_customerId_idx" ON "KeyPerson"("customerId");

-- CreateIndex
CREATE INDEX "PurchasePlan_managerId_month_idx" ON "PurchasePlan"("managerId", "month");

-- CreateIndex
CREATE UNIQUE INDEX "PurchasePlan_customerId_month_key" ON "PurchasePlan"("customerId", "month");

-- CreateIndex
CREATE INDEX "Visit_managerId_visitedAt_idx" ON "Visit"("managerId", "visitedAt");

-- CreateIndex
CREATE INDEX "Visit_customerId_visitedAt_idx" ON "Visit"("customerId", "visitedAt");

-- CreateIndex
CREATE INDEX "Complaint_managerId_status_idx" ON "Complaint"("managerId", "status");

-- CreateIndex
CREATE INDEX "Complaint_status_deadlineAt_idx" ON "Complaint"("status", "deadlineAt");

-- CreateIndex
CREATE INDEX "ComplaintEvent_complaintId_idx" ON "ComplaintEvent"("complaintId");

-- CreateIndex
CREATE INDEX "PlannedVisit_managerId_date_idx" ON "PlannedVisit"("managerId", "date");

-- CreateIndex
CREATE UNIQUE INDEX "PlannedVisit_managerId_customerId_date_key" ON "PlannedVisit"("managerId", "customerId", "date");

-- CreateIndex
CREATE INDEX "PlanRun_managerId_createdAt_idx" ON "PlanRun"("managerId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "DayOff_staffId_date_key" ON "DayOff"("staffId", "date");

-- CreateIndex
CREATE UNIQUE INDEX "FormSession_platform_chatId_userId_key" ON "FormSession"("platform", "chatId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "Outbox_key_key" ON "Outbox"("key");

-- CreateIndex
CREATE INDEX "Outbox_status_nextAttemptAt_idx" ON "Outbox"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Outbox_platform_chatId_id_idx" ON "Outbox"("platform", "chatId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "JobRun_jobId_slot_key" ON "JobRun"("jobId", "slot");

-- CreateIndex
CREATE UNIQUE INDEX "BindCode_codeHash_key" ON "BindCode"("codeHash");

-- CreateIndex
CREATE INDEX "BindCode_staffId_idx" ON "BindCode"("staffId");

-- CreateIndex
CREATE INDEX "BindAttempt_platform_platformUserId_at_idx" ON "BindAttempt"("platform", "platformUserId", "at");

-- CreateIndex
CREATE INDEX "BindAttempt_at_idx" ON "BindAttempt"("at");

-- CreateIndex
CREATE INDEX "BindSwitch_toStaffId_idx" ON "BindSwitch"("toStaffId");

-- CreateIndex
CREATE UNIQUE INDEX "BindSwitch_platform_platformUserId_key" ON "BindSwitch"("platform", "platformUserId");

-- CreateIndex
CREATE UNIQUE INDEX "ProcessedEvent_platform_eventId_key" ON "ProcessedEvent"("platform", "eventId");

-- CreateIndex
CREATE INDEX "StrangerNotice_date_idx" ON "StrangerNotice"("date");

-- CreateIndex
CREATE UNIQUE INDEX "StrangerNotice_platform_platformUserId_date_chatType_key" ON "StrangerNotice"("platform", "platformUserId", "date", "chatType");

-- CreateIndex
CREATE INDEX "WorkSummary_period_periodStart_idx" ON "WorkSummary"("period", "periodStart");

-- CreateIndex
CREATE UNIQUE INDEX "WorkSummary_managerId_period_periodStart_key" ON "WorkSummary"("managerId", "period", "periodStart");

-- CreateIndex
CREATE UNIQUE INDEX "PlatformState_instance_platform_key" ON "PlatformState"("instance", "platform");

-- CreateIndex
CREATE INDEX "SentCard_platform_chatId_answered_idx" ON "SentCard"("platform", "chatId", "answered");

-- CreateIndex
CREATE INDEX "SentCard_createdAt_idx" ON "SentCard"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "SentCard_platform_messageId_key" ON "SentCard"("platform", "messageId");

-- CreateIndex
CREATE INDEX "Instance_heartbeatAt_idx" ON "Instance"("heartbeatAt");

-- CreateIndex
CREATE INDEX "Instance_host_idx" ON "Instance"("host");

-- CreateIndex
CREATE UNIQUE INDEX "ClassProposal_pendingKey_key" ON "ClassProposal"("pendingKey");

-- CreateIndex
CREATE INDEX "ClassProposal_managerId_status_idx" ON "ClassProposal"("managerId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Product_code_key" ON "Product"("code");

-- CreateIndex
CREATE INDEX "Product_brand_idx" ON "Product"("brand");

-- CreateIndex
CREATE INDEX "PriceCollection_week_productId_idx" ON "PriceCollection"("week", "productId");

-- CreateIndex
CREATE INDEX "PriceCollection_managerId_week_idx" ON "PriceCollection"("managerId", "week");

-- CreateIndex
CREATE UNIQUE INDEX "PriceCollection_customerId_productId_week_key" ON "PriceCollection"("customerId", "productId", "week");

-- CreateIndex
CREATE INDEX "VisitPhoto_hash_idx" ON "VisitPhoto"("hash");

-- CreateIndex
CREATE INDEX "VisitPhoto_visitId_idx" ON "VisitPhoto"("visitId");

-- CreateIndex
CREATE INDEX "VisitPhoto_staffId_receivedAt_idx" ON "VisitPhoto"("staffId", "receivedAt");

-- CreateIndex
CREATE INDEX "VisitPhoto_receivedAt_idx" ON "VisitPhoto"("receivedAt");

-- CreateIndex
CREATE INDEX "CoordinateProposal_status_customerId_idx" ON "CoordinateProposal"("status", "customerId");

-- CreateIndex
CREATE INDEX "CoordinateProposal_customerId_idx" ON "CoordinateProposal"("customerId");

-- AddForeignKey
ALTER TABLE "Staff" ADD CONSTRAINT "Staff_supervisorId_fkey" FOREIGN KEY ("supervisorId") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatIdentity" ADD CONSTRAINT "ChatIdentity_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KeyPerson" ADD CONSTRAINT "KeyPerson_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PurchasePlan" ADD CONSTRAINT "PurchasePlan_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PurchasePlan" ADD CONSTRAINT "PurchasePlan_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Visit" ADD CONSTRAINT "Visit_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Complaint" ADD CONSTRAINT "Complaint_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Complaint" ADD CONSTRAINT "Complaint_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ComplaintEvent" ADD CONSTRAINT "ComplaintEvent_complaintId_fkey" FOREIGN KEY ("complaintId") REFERENCES "Complaint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlannedVisit" ADD CONSTRAINT "PlannedVisit_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlannedVisit" ADD CONSTRAINT "PlannedVisit_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanRun" ADD CONSTRAINT "PlanRun_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DayOff" ADD CONSTRAINT "DayOff_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BindCode" ADD CONSTRAINT "BindCode_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkSummary" ADD CONSTRAINT "WorkSummary_managerId_fkey" FOREIGN KEY ("managerId") REFERENCES "Staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitPhoto" ADD CONSTRAINT "VisitPhoto_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitPhoto" ADD CONSTRAINT "VisitPhoto_visitId_fkey" FOREIGN KEY ("visitId") REFERENCES "Visit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoordinateProposal" ADD CONSTRAINT "CoordinateProposal_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

