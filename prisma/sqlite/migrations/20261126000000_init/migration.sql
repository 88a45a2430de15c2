-- CreateTable
CREATE TABLE "Delivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "svixId" TEXT,
    "eventType" TEXT,
    "outcome" TEXT NOT NULL,
    "failed" BOOLEAN NOT NULL DEFAULT false,
    "httpStatus" INTEGER NOT NULL,
    "errorCode" TEXT,
    "error" TEXT,
    "durationMs" REAL NOT NULL,
    "headers" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "bodyBytes" INTEGER NOT NULL,
    "bodyTruncated" BOOLEAN NOT NULL DEFAULT false,
    "verified" BOOLEAN NOT NULL DEFAULT false,
    "replayOf" INTEGER,
    "eventId" INTEGER,
    CONSTRAINT "Delivery_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "svixId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "objectId" TEXT,
    "userId" TEXT,
    "occurredAt" DATETIME,
    "payload" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appliedAt" DATETIME
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" DATETIME,
    "clerkUpdatedAt" DATETIME,
    "clerkCreatedAt" DATETIME,
    "primaryEmail" TEXT,
    "emails" TEXT NOT NULL DEFAULT '',
    "firstName" TEXT,
    "lastName" TEXT,
    "username" TEXT,
    "imageUrl" TEXT,
    "data" TEXT,
    "lastEventSvixId" TEXT,
    "syncStatus" TEXT NOT NULL DEFAULT 'never_compared',
    "lastComparedAt" DATETIME,
    "source" TEXT NOT NULL DEFAULT 'webhook',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "clientId" TEXT,
    "status" TEXT NOT NULL,
    "clerkUpdatedAt" DATETIME NOT NULL,
    "clerkCreatedAt" DATETIME,
    "lastActiveAt" DATETIME,
    "expireAt" DATETIME,
    "data" TEXT NOT NULL,
    "lastEventSvixId" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Operator" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'operator',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "OperatorSession" (
    "tokenHash" TEXT NOT NULL PRIMARY KEY,
    "operatorId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "OperatorSession_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "Operator" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Delivery_receivedAt_idx" ON "Delivery"("receivedAt");

-- CreateIndex
CREATE INDEX "Delivery_failed_id_idx" ON "Delivery"("failed", "id");

-- CreateIndex
CREATE INDEX "Delivery_outcome_id_idx" ON "Delivery"("outcome", "id");

-- CreateIndex
CREATE INDEX "Delivery_httpStatus_id_idx" ON "Delivery"("httpStatus", "id");

-- CreateIndex
CREATE INDEX "Delivery_svixId_idx" ON "Delivery"("svixId");

-- CreateIndex
CREATE INDEX "Delivery_eventId_idx" ON "Delivery"("eventId");

-- CreateIndex
CREATE UNIQUE INDEX "Event_svixId_key" ON "Event"("svixId");

-- CreateIndex
CREATE INDEX "Event_receivedAt_idx" ON "Event"("receivedAt");

-- CreateIndex
CREATE INDEX "Event_type_id_idx" ON "Event"("type", "id");

-- CreateIndex
CREATE INDEX "Event_outcome_id_idx" ON "Event"("outcome", "id");

-- CreateIndex
CREATE INDEX "Event_userId_id_idx" ON "Event"("userId", "id");

-- CreateIndex
CREATE INDEX "User_primaryEmail_idx" ON "User"("primaryEmail");

-- CreateIndex
CREATE INDEX "User_syncStatus_idx" ON "User"("syncStatus");

-- CreateIndex
CREATE INDEX "User_updatedAt_idx" ON "User"("updatedAt");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Operator_email_key" ON "Operator"("email");

-- CreateIndex
CREATE INDEX "OperatorSession_operatorId_idx" ON "OperatorSession"("operatorId");
