-- A run left running by the previous version kept one cursor, which this version cannot resume from: it
-- ends here. The next run starts afresh, and the findings so far stay.
UPDATE "ReconcileRun" SET "status" = 'failed', "finishedAt" = CURRENT_TIMESTAMP, "error" = 'Interrupted by an upgrade of the reconcile: start a new run' WHERE "status" = 'running';

-- AlterTable
ALTER TABLE "ReconcileRun" DROP COLUMN "anchors",
DROP COLUMN "cursor",
DROP COLUMN "cursorCreatedAt",
ADD COLUMN     "windows" TEXT NOT NULL DEFAULT '[]';
