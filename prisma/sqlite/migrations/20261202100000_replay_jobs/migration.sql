-- CreateTable
CREATE TABLE "ReplayJob" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "status" TEXT NOT NULL,
    "runningKey" TEXT,
    "startedBy" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "request" TEXT NOT NULL,
    "maxDeliveryId" INTEGER NOT NULL,
    "matched" INTEGER NOT NULL,
    "cursor" INTEGER NOT NULL DEFAULT 0,
    "replayed" INTEGER NOT NULL DEFAULT 0,
    "skippedBy" TEXT NOT NULL DEFAULT '{}',
    "notRun" INTEGER NOT NULL DEFAULT 0,
    "outcomes" TEXT NOT NULL DEFAULT '{}',
    "failures" TEXT NOT NULL DEFAULT '[]',
    "cancelledBy" TEXT,
    "error" TEXT,
    "lockedBy" TEXT,
    "heartbeatAt" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "ReplayJob_runningKey_key" ON "ReplayJob"("runningKey");

-- CreateIndex
CREATE INDEX "ReplayJob_startedAt_idx" ON "ReplayJob"("startedAt");
