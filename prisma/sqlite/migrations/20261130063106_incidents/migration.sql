-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "fingerprint" TEXT NOT NULL,
    "openKey" TEXT,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "cause" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'open',
    "firstSeenAt" DATETIME NOT NULL,
    "lastSeenAt" DATETIME NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "affected" TEXT NOT NULL DEFAULT '{}',
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "acknowledgedAt" DATETIME,
    "acknowledgedBy" TEXT,
    "resolvedAt" DATETIME,
    "resolvedBy" TEXT,
    "note" TEXT,
    "lastAlertAt" DATETIME
);

-- CreateTable
CREATE TABLE "IncidentAlert" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "incidentId" TEXT,
    "channel" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "error" TEXT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "IncidentAlert_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Incident_openKey_key" ON "Incident"("openKey");

-- CreateIndex
CREATE INDEX "Incident_firstSeenAt_id_idx" ON "Incident"("firstSeenAt", "id");

-- CreateIndex
CREATE INDEX "Incident_state_firstSeenAt_idx" ON "Incident"("state", "firstSeenAt");

-- CreateIndex
CREATE INDEX "IncidentAlert_incidentId_id_idx" ON "IncidentAlert"("incidentId", "id");

-- CreateIndex
CREATE INDEX "IncidentAlert_channel_id_idx" ON "IncidentAlert"("channel", "id");
