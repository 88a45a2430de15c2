-- AlterTable
ALTER TABLE "Event" ADD COLUMN     "organizationId" TEXT;

-- CreateTable
CREATE TABLE "Organization" (
    "id" TEXT NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" TIMESTAMP(3),
    "clerkUpdatedAt" TIMESTAMP(3),
    "clerkCreatedAt" TIMESTAMP(3),
    "name" TEXT,
    "slug" TEXT,
    "search" TEXT NOT NULL DEFAULT '',
    "imageUrl" TEXT,
    "membersCount" INTEGER,
    "data" TEXT,
    "lastEventSvixId" TEXT,
    "syncStatus" TEXT NOT NULL DEFAULT 'never_compared',
    "lastComparedAt" TIMESTAMP(3),
    "source" TEXT NOT NULL DEFAULT 'webhook',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrganizationMembership" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "userId" TEXT,
    "role" TEXT NOT NULL,
    "roleName" TEXT,
    "permissions" TEXT NOT NULL DEFAULT '[]',
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" TIMESTAMP(3),
    "endedBy" TEXT,
    "clerkUpdatedAt" TIMESTAMP(3) NOT NULL,
    "clerkCreatedAt" TIMESTAMP(3),
    "data" TEXT NOT NULL,
    "lastEventSvixId" TEXT,
    "source" TEXT NOT NULL DEFAULT 'webhook',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OrganizationMembership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrganizationInvitation" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT,
    "emailAddress" TEXT,
    "role" TEXT NOT NULL,
    "roleName" TEXT,
    "status" TEXT NOT NULL,
    "endedBy" TEXT,
    "userId" TEXT,
    "inviterId" TEXT,
    "expiresAt" TIMESTAMP(3),
    "clerkUpdatedAt" TIMESTAMP(3) NOT NULL,
    "clerkCreatedAt" TIMESTAMP(3),
    "data" TEXT NOT NULL,
    "lastEventSvixId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OrganizationInvitation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Organization_slug_idx" ON "Organization"("slug");

-- CreateIndex
CREATE INDEX "Organization_syncStatus_idx" ON "Organization"("syncStatus");

-- CreateIndex
CREATE INDEX "Organization_updatedAt_idx" ON "Organization"("updatedAt");

-- CreateIndex
CREATE INDEX "Organization_clerkCreatedAt_idx" ON "Organization"("clerkCreatedAt");

-- CreateIndex
CREATE INDEX "OrganizationMembership_organizationId_deleted_idx" ON "OrganizationMembership"("organizationId", "deleted");

-- CreateIndex
CREATE INDEX "OrganizationMembership_userId_idx" ON "OrganizationMembership"("userId");

-- CreateIndex
CREATE INDEX "OrganizationInvitation_organizationId_status_idx" ON "OrganizationInvitation"("organizationId", "status");

-- CreateIndex
CREATE INDEX "OrganizationInvitation_userId_idx" ON "OrganizationInvitation"("userId");

-- CreateIndex
CREATE INDEX "OrganizationInvitation_inviterId_idx" ON "OrganizationInvitation"("inviterId");

-- CreateIndex
CREATE INDEX "OrganizationInvitation_emailAddress_idx" ON "OrganizationInvitation"("emailAddress");

-- CreateIndex
CREATE INDEX "Event_organizationId_id_idx" ON "Event"("organizationId", "id");
