-- CreateTable
CREATE TABLE "ReconcileRun" (
    "id" SERIAL NOT NULL,
    "status" TEXT NOT NULL,
    "startedBy" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "cursor" TEXT,
    "cursorCreatedAt" TIMESTAMP(3),
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
    "heartbeatAt" TIMESTAMP(3),

    CONSTRAINT "ReconcileRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconcileFinding" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "class" TEXT NOT NULL,
    "diff" TEXT NOT NULL DEFAULT '[]',
    "label" TEXT,
    "fixedAt" TIMESTAMP(3),
    "fixResult" TEXT,

    CONSTRAINT "ReconcileFinding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconcileLock" (
    "id" TEXT NOT NULL,
    "holder" TEXT,
    "runId" INTEGER,
    "heartbeatAt" TIMESTAMP(3),

    CONSTRAINT "ReconcileLock_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "summary" TEXT NOT NULL DEFAULT '{}',

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "ReconcileFinding" ADD CONSTRAINT "ReconcileFinding_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ReconcileRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
