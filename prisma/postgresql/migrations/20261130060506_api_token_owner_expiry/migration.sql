-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "expiresAt" TIMESTAMP(3),
ADD COLUMN     "ownerId" INTEGER;

-- CreateTable
CREATE TABLE "ServerSecret" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServerSecret_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "ApiToken_ownerId_idx" ON "ApiToken"("ownerId");

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Operator"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Backfill: a token made before tokens had owners belongs to the operator who created it (createdBy is their
-- email). One another token created ("token:…") has no operator behind it, so it is left without an owner and
-- refused from now on.
UPDATE "ApiToken" SET "ownerId" = (SELECT "Operator"."id" FROM "Operator" WHERE "Operator"."email" = "ApiToken"."createdBy") WHERE "ownerId" IS NULL;
