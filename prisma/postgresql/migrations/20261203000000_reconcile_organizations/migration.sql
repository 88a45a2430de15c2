-- AlterTable
ALTER TABLE "ReconcileRun" ADD COLUMN     "membershipsChecked" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "membershipsExtra" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "membershipsInSync" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "membershipsMissing" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "membershipsRole" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "membershipsStale" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "membershipsTotal" INTEGER,
ADD COLUMN     "orgWalk" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "organizationsChecked" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "organizationsDeleted" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "organizationsInSync" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "organizationsMissing" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "organizationsStale" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "organizationsTotal" INTEGER;

-- CreateTable
CREATE TABLE "ReconcileOrganizationFinding" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "subject" TEXT NOT NULL,
    "objectId" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "userId" TEXT,
    "class" TEXT NOT NULL,
    "diff" TEXT NOT NULL DEFAULT '[]',
    "label" TEXT,
    "fixedAt" TIMESTAMP(3),
    "fixResult" TEXT,

    CONSTRAINT "ReconcileOrganizationFinding_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReconcileOrganizationFinding_runId_subject_class_id_idx" ON "ReconcileOrganizationFinding"("runId", "subject", "class", "id");

-- CreateIndex
CREATE INDEX "ReconcileOrganizationFinding_runId_fixedAt_id_idx" ON "ReconcileOrganizationFinding"("runId", "fixedAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ReconcileOrganizationFinding_runId_objectId_key" ON "ReconcileOrganizationFinding"("runId", "objectId");

-- CreateIndex
CREATE INDEX "OrganizationMembership_clerkCreatedAt_idx" ON "OrganizationMembership"("clerkCreatedAt");

-- AddForeignKey
ALTER TABLE "ReconcileOrganizationFinding" ADD CONSTRAINT "ReconcileOrganizationFinding_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ReconcileRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
