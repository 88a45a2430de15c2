-- CreateTable
CREATE TABLE "ReplayJob" (
    "id" SERIAL NOT NULL,
    "status" TEXT NOT NULL,
    "runningKey" TEXT,
    "startedBy" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
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
    "heartbeatAt" TIMESTAMP(3),

    CONSTRAINT "ReplayJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReplayJob_runningKey_key" ON "ReplayJob"("runningKey");

-- CreateIndex
CREATE INDEX "ReplayJob_startedAt_idx" ON "ReplayJob"("startedAt");
