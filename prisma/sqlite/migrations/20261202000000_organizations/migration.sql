-- AlterTable
ALTER TABLE "Event" ADD COLUMN "organizationId" TEXT;

-- CreateTable
CREATE TABLE "Organization" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" DATETIME,
    "clerkUpdatedAt" DATETIME,
    "clerkCreatedAt" DATETIME,
    "name" TEXT,
    "slug" TEXT,
    "search" TEXT NOT NULL DEFAULT '',
    "imageUrl" TEXT,
    "membersCount" INTEGER,
    "data" TEXT,
    "lastEventSvixId" TEXT,
    "syncStatus" TEXT NOT NULL DEFAULT 'never_compared',
    "lastComparedAt" DATETIME,
    "source" TEXT NOT NULL DEFAULT 'webhook',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "OrganizationMembership" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT NOT NULL,
    "userId" TEXT,
    "role" TEXT NOT NULL,
    "roleName" TEXT,
    "permissions" TEXT NOT NULL DEFAULT '[]',
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" DATETIME,
    "endedBy" TEXT,
    "clerkUpdatedAt" DATETIME NOT NULL,
    "clerkCreatedAt" DATETIME,
    "data" TEXT NOT NULL,
    "lastEventSvixId" TEXT,
    "source" TEXT NOT NULL DEFAULT 'webhook',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "OrganizationInvitation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organizationId" TEXT,
    "emailAddress" TEXT,
    "role" TEXT NOT NULL,
    "roleName" TEXT,
    "status" TEXT NOT NULL,
    "endedBy" TEXT,
    "userId" TEXT,
    "inviterId" TEXT,
    "expiresAt" DATETIME,
    "clerkUpdatedAt" DATETIME NOT NULL,
    "clerkCreatedAt" DATETIME,
    "data" TEXT NOT NULL,
    "lastEventSvixId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
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
