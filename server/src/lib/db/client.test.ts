import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, TEST_PROVIDERS } from '../../test/db.ts';
import type { Db } from './client.ts';
import { isStorageUnavailable, isUniqueViolation } from './errors.ts';

describe.each(TEST_PROVIDERS)('createDb on %s', (provider) => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb(provider);
  });
  afterEach(async () => {
    await db.close();
  });

  it('round-trips rows, DateTimes (ms precision) and relations', async () => {
    expect(db.provider).toBe(provider);
    const occurredAt = new Date('2026-11-26T01:02:03.456Z');
    const event = await db.prisma.event.create({
      data: { svixId: 'msg_1', type: 'user.created', payload: '{}', outcome: 'applied', occurredAt },
    });
    expect(event.occurredAt).toEqual(occurredAt);
    expect(event.receivedAt).toBeInstanceOf(Date);
    expect(Math.abs(event.receivedAt.getTime() - Date.now())).toBeLessThan(60_000);

    await db.prisma.delivery.create({
      data: {
        svixId: 'msg_1',
        eventId: event.id,
        outcome: 'applied',
        httpStatus: 200,
        durationMs: 1.5,
        headers: '{}',
        body: '{}',
        bodyBytes: 2,
        verified: true,
      },
    });
    const read = await db.prisma.event.findUniqueOrThrow({ where: { svixId: 'msg_1' }, include: { deliveries: true } });
    expect(read.occurredAt).toEqual(occurredAt);
    expect(read.deliveries).toHaveLength(1);
    expect(read.deliveries[0]).toMatchObject({ httpStatus: 200, durationMs: 1.5, failed: false, verified: true });

    // Ordering and range filters on DateTime work the same on both providers.
    const later = new Date(occurredAt.getTime() + 1);
    await db.prisma.event.create({
      data: { svixId: 'msg_2', type: 'user.updated', payload: '{}', outcome: 'applied', occurredAt: later },
    });
    const after = await db.prisma.event.findMany({
      where: { occurredAt: { gt: occurredAt } },
      orderBy: { occurredAt: 'desc' },
    });
    expect(after.map((e) => e.svixId)).toEqual(['msg_2']);

    const user = await db.prisma.user.upsert({
      where: { id: 'user_1' },
      create: { id: 'user_1', primaryEmail: 'a@example.com', clerkUpdatedAt: occurredAt },
      update: {},
    });
    expect(user).toMatchObject({ syncStatus: 'never_compared', source: 'webhook', deleted: false, emails: '' });
    expect(user.updatedAt).toBeInstanceOf(Date);

    const op = await db.prisma.operator.create({ data: { email: 'op@example.com', passwordHash: 'x' } });
    await db.prisma.operatorSession.create({
      data: { tokenHash: 'h1', operatorId: op.id, expiresAt: new Date(Date.now() + 60_000) },
    });
    await db.prisma.operator.delete({ where: { id: op.id } });
    expect(await db.prisma.operatorSession.count()).toBe(0); // onDelete: Cascade
  });

  it('reports unique violations as such, not as storage unavailability', async () => {
    await db.prisma.operator.create({ data: { email: 'dup@example.com', passwordHash: 'x' } });
    const err = await db.prisma.operator
      .create({ data: { email: 'dup@example.com', passwordHash: 'y' } })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect(isStorageUnavailable(err)).toBe(false);

    // Duplicate primary key inside an interactive transaction.
    const inTx = await db.prisma
      .$transaction(async (tx) => {
        await tx.user.create({ data: { id: 'user_dup' } });
        await tx.user.create({ data: { id: 'user_dup' } });
      })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(inTx)).toBe(true);
    expect(isStorageUnavailable(inTx)).toBe(false);
    expect(await db.prisma.user.count()).toBe(0); // rolled back

    // Other logic errors are neither.
    const missing = await db.prisma.user
      .update({ where: { id: 'nope' }, data: { deleted: true } })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Error);
    expect(isUniqueViolation(missing)).toBe(false);
    expect(isStorageUnavailable(missing)).toBe(false);
    const fk = await db.prisma.operatorSession
      .create({ data: { tokenHash: 'h', operatorId: 999, expiresAt: new Date() } })
      .catch((e: unknown) => e);
    expect(fk).toBeInstanceOf(Error);
    expect(isUniqueViolation(fk)).toBe(false);
    expect(isStorageUnavailable(fk)).toBe(false);
  });
});
