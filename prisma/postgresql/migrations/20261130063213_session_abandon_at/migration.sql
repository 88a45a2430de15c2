-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "abandonAt" TIMESTAMP(3);
