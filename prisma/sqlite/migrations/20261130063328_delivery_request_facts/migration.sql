-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN "bodySha256" TEXT;
ALTER TABLE "Delivery" ADD COLUMN "headerBytes" INTEGER;
ALTER TABLE "Delivery" ADD COLUMN "sourceIp" TEXT;
