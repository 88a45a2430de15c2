-- A run left running by the previous version kept one cursor, which this version cannot resume from: it
-- ends here. The next run starts afresh, and the findings so far stay.
UPDATE "ReconcileRun" SET "status" = 'failed', "finishedAt" = CURRENT_TIMESTAMP, "error" = 'Interrupted by an upgrade of the reconcile: start a new run' WHERE "status" = 'running';

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
    "error" TEXT,
    "lockedBy" TEXT,
    "heartbeatAt" DATETIME
);
INSERT INTO "new_ReconcileRun" ("checked", "deleted", "error", "finishedAt", "heartbeatAt", "id", "inSync", "lockedBy", "missing", "pages", "stale", "startedAt", "startedBy", "status", "totalEstimate") SELECT "checked", "deleted", "error", "finishedAt", "heartbeatAt", "id", "inSync", "lockedBy", "missing", "pages", "stale", "startedAt", "startedBy", "status", "totalEstimate" FROM "ReconcileRun";
DROP TABLE "ReconcileRun";
ALTER TABLE "new_ReconcileRun" RENAME TO "ReconcileRun";
CREATE INDEX "ReconcileRun_status_idx" ON "ReconcileRun"("status");
CREATE INDEX "ReconcileRun_startedAt_idx" ON "ReconcileRun"("startedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
