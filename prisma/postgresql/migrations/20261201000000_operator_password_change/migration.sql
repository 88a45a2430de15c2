-- AlterTable
ALTER TABLE "Operator" ADD COLUMN     "mustChangePassword" BOOLEAN NOT NULL DEFAULT false;
