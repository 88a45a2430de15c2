-- CreateTable
CREATE TABLE "ReconcileRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "status" TEXT NOT NULL,
    "startedBy" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "cursor" TEXT,
    "cursorCreatedAt" DATETIME,
    "anchors" TEXT NOT NULL DEFAULT '[]',
    "pages" INTEGER NOT NULL DEFAULT 0,
    "checked" INTEGER NOT NULL DEFAULT 0,
    "missing" INTEGER NOT NULL DEFAULT 0,
    "stale" INTEGER NOT NULL DEFAULT 0,
    "deleted" INTEGER NOT NULL DEFAULT 0,
    "inSync" INTEGER NOT NULL DEFAULT 0,
    "totalEstimate" INTEGER,
    "error" TEXT,
    "lockedBy" TEXT,
    "heartbeatAt" DATETIME
);

-- CreateTable
CREATE TABLE "ReconcileFinding" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "class" TEXT NOT NULL,
    "diff" TEXT NOT NULL DEFAULT '[]',
    "label" TEXT,
    "fixedAt" DATETIME,
    "fixResult" TEXT,
    CONSTRAINT "ReconcileFinding_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ReconcileRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ReconcileLock" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT,
    "runId" INTEGER,
    "heartbeatAt" DATETIME
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "summary" TEXT NOT NULL DEFAULT '{}'
);

-- CreateIndex
CREATE INDEX "ReconcileRun_status_idx" ON "ReconcileRun"("status");

-- CreateIndex
CREATE INDEX "ReconcileRun_startedAt_idx" ON "ReconcileRun"("startedAt");

-- CreateIndex
CREATE INDEX "ReconcileFinding_runId_class_id_idx" ON "ReconcileFinding"("runId", "class", "id");

-- CreateIndex
CREATE INDEX "ReconcileFinding_runId_fixedAt_id_idx" ON "ReconcileFinding"("runId", "fixedAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ReconcileFinding_runId_userId_key" ON "ReconcileFinding"("runId", "userId");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");

-- CreateIndex
CREATE INDEX "AuditEntry_action_id_idx" ON "AuditEntry"("action", "id");

-- CreateIndex
CREATE INDEX "AuditEntry_actor_id_idx" ON "AuditEntry"("actor", "id");

-- CreateIndex
CREATE INDEX "User_clerkCreatedAt_idx" ON "User"("clerkCreatedAt");
