-- CreateTable
CREATE TABLE "ReconcileOrganizationFinding" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" INTEGER NOT NULL,
    "subject" TEXT NOT NULL,
    "objectId" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "userId" TEXT,
    "class" TEXT NOT NULL,
    "diff" TEXT NOT NULL DEFAULT '[]',
    "label" TEXT,
    "fixedAt" DATETIME,
    "fixResult" TEXT,
    CONSTRAINT "ReconcileOrganizationFinding_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ReconcileRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ReconcileRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "status" TEXT NOT NULL,
    "startedBy" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "windows" TEXT NOT NULL DEFAULT '[]',
    "pages" INTEGER NOT NULL DEFAULT 0,
    "checked" INTEGER NOT NULL DEFAULT 0,
    "missing" INTEGER NOT NULL DEFAULT 0,
    "stale" INTEGER NOT NULL DEFAULT 0,
    "deleted" INTEGER NOT NULL DEFAULT 0,
    "inSync" INTEGER NOT NULL DEFAULT 0,
    "totalEstimate" INTEGER,
    "orgWalk" TEXT NOT NULL DEFAULT '',
    "organizationsTotal" INTEGER,
    "organizationsChecked" INTEGER NOT NULL DEFAULT 0,
    "organizationsInSync" INTEGER NOT NULL DEFAULT 0,
    "organizationsMissing" INTEGER NOT NULL DEFAULT 0,
    "organizationsStale" INTEGER NOT NULL DEFAULT 0,
    "organizationsDeleted" INTEGER NOT NULL DEFAULT 0,
    "membershipsTotal" INTEGER,
    "membershipsChecked" INTEGER NOT NULL DEFAULT 0,
    "membershipsInSync" INTEGER NOT NULL DEFAULT 0,
    "membershipsMissing" INTEGER NOT NULL DEFAULT 0,
    "membershipsExtra" INTEGER NOT NULL DEFAULT 0,
    "membershipsRole" INTEGER NOT NULL DEFAULT 0,
    "membershipsStale" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "lockedBy" TEXT,
    "heartbeatAt" DATETIME
);
INSERT INTO "new_ReconcileRun" ("checked", "deleted", "error", "finishedAt", "heartbeatAt", "id", "inSync", "lockedBy", "missing", "pages", "stale", "startedAt", "startedBy", "status", "totalEstimate", "windows") SELECT "checked", "deleted", "error", "finishedAt", "heartbeatAt", "id", "inSync", "lockedBy", "missing", "pages", "stale", "startedAt", "startedBy", "status", "totalEstimate", "windows" FROM "ReconcileRun";
DROP TABLE "ReconcileRun";
ALTER TABLE "new_ReconcileRun" RENAME TO "ReconcileRun";
CREATE INDEX "ReconcileRun_status_idx" ON "ReconcileRun"("status");
CREATE INDEX "ReconcileRun_startedAt_idx" ON "ReconcileRun"("startedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ReconcileOrganizationFinding_runId_subject_class_id_idx" ON "ReconcileOrganizationFinding"("runId", "subject", "class", "id");

-- CreateIndex
CREATE INDEX "ReconcileOrganizationFinding_runId_fixedAt_id_idx" ON "ReconcileOrganizationFinding"("runId", "fixedAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ReconcileOrganizationFinding_runId_objectId_key" ON "ReconcileOrganizationFinding"("runId", "objectId");

-- CreateIndex
CREATE INDEX "OrganizationMembership_clerkCreatedAt_idx" ON "OrganizationMembership"("clerkCreatedAt");
