-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "bodySha256" TEXT,
ADD COLUMN     "headerBytes" INTEGER,
ADD COLUMN     "sourceIp" TEXT;
