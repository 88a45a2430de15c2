-- AlterTable
ALTER TABLE "Session" ADD COLUMN "abandonAt" DATETIME;
