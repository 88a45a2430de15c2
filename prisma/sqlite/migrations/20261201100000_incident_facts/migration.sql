-- AlterTable
ALTER TABLE "Incident" ADD COLUMN "facts" TEXT;
