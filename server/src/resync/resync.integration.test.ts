// Compare and resync through the operator API, with the built-in emulator as Clerk (real HTTP both ways).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import type { TestServer } from '../test/harness.ts';
import { closeClerkAndServer, startClerkAndServer } from '../test/clerk-and-server.ts';
import type { Emulator } from '../../../emulator/emulator.ts';
import type { ResyncResult, UserComparison, UserDetail } from '../contract.ts';
import { createClerkClient } from '../clerk/clerk-client.ts';

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;

describe.each(TEST_PROVIDERS)('compare and resync on %s', (provider) => {
  let s: TestServer;
  let clerk: Emulator;
  /** runs after Clerk answered a GET /users/{id} and before the resync writes it (a webhook racing the resync) */
  let whileFetching: (() => Promise<void>) | null = null;
  beforeAll(async () => {
    ({ clerk, s } = await startClerkAndServer(provider, {
      server: (emulator, url) => {
        const api = createClerkClient({ apiUrl: url, secretKey: emulator.secretKey });
        const getUser: typeof api.getUser = async (id) => {
          const user = await api.getUser(id);
          await whileFetching?.();
          return user;
        };
        return { clerk: { ...api, getUser } };
      },
    }));
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));

  it('finds a user in sync after its webhooks', async () => {
    const user = clerk.createUser({ first_name: 'Grace' });
    await clerk.settled();
    const cmp = await json<UserComparison>(s.api(`/api/users/${user.id}/compare`));
    expect(cmp).toMatchObject({ userId: user.id, status: 'in_sync', diff: [], localDeleted: false });
    expect(cmp.clerk).toMatchObject({ id: user.id, first_name: 'Grace' });
    // a compare (a GET) answers the status without storing it; a resync stores what it finds
    expect((await json<UserDetail>(s.api(`/api/users/${user.id}`))).syncStatus).toBe('never_compared');
    expect((await json<ResyncResult>(s.api(`/api/users/${user.id}/resync`, { method: 'POST' }))).user.syncStatus).toBe(
      'in_sync',
    );
    expect((await json<UserDetail>(s.api(`/api/users/${user.id}`))).syncStatus).toBe('in_sync');
  });

  it('shows drift made without a webhook, and a resync clears it and tells every dashboard', async () => {
    const user = clerk.createUser({ first_name: 'Alan' });
    await clerk.settled();
    clerk.updateUser(
      user.id,
      { first_name: 'Drifted', public_metadata: { ...user.public_metadata, tier: 'gold' } },
      { sendWebhook: false },
    );
    const cmp = await json<UserComparison>(s.api(`/api/users/${user.id}/compare`));
    expect(cmp.status).toBe('drifted');
    expect(cmp.diff).toEqual(
      expect.arrayContaining([
        { path: 'first_name', kind: 'changed', local: 'Alan', clerk: 'Drifted' },
        { path: 'public_metadata.tier', kind: 'added', local: undefined, clerk: 'gold' },
      ]),
    );
    const res = await json<ResyncResult>(s.api(`/api/users/${user.id}/resync`, { method: 'POST' }));
    expect(res).toMatchObject({ userId: user.id, result: 'updated' });
    expect(res.changedFields).toEqual(expect.arrayContaining(['first_name', 'public_metadata.tier', 'updated_at']));
    expect(res.user).toMatchObject({ firstName: 'Drifted', syncStatus: 'in_sync', source: 'resync' });
    expect(s.published.resyncs.at(-1)).toMatchObject({ userId: user.id, result: 'updated' });
    expect(s.published.users.at(-1)).toMatchObject({ id: user.id, firstName: 'Drifted', syncStatus: 'in_sync' });
    expect((await json<UserComparison>(s.api(`/api/users/${user.id}/compare`))).status).toBe('in_sync');
    // resync again: nothing to change
    expect((await json<ResyncResult>(s.api(`/api/users/${user.id}/resync`, { method: 'POST' }))).result).toBe(
      'unchanged',
    );
  });

  it('tombstones a user Clerk deleted without telling us (404)', async () => {
    const user = clerk.createUser();
    await clerk.settled();
    clerk.deleteUser(user.id, { sendWebhook: false });
    const cmp = await json<UserComparison>(s.api(`/api/users/${user.id}/compare`));
    expect(cmp).toMatchObject({ status: 'drifted', clerk: null });
    const res = await json<ResyncResult>(s.api(`/api/users/${user.id}/resync`, { method: 'POST' }));
    expect(res).toMatchObject({ result: 'tombstoned', user: { deleted: true, syncStatus: 'deleted' } });
    expect((await json<UserComparison>(s.api(`/api/users/${user.id}/compare`))).status).toBe('deleted');
  });

  it('backfills a user the webhooks never delivered', async () => {
    const user = clerk.createUser({ last_name: 'Backfilled' }, { sendWebhook: false });
    expect((await s.api(`/api/users/${user.id}`)).status).toBe(404);
    const cmp = await json<UserComparison>(s.api(`/api/users/${user.id}/compare`));
    expect(cmp).toMatchObject({ local: null, status: 'drifted' });
    const res = await json<ResyncResult>(s.api(`/api/users/${user.id}/resync`, { method: 'POST' }));
    expect(res).toMatchObject({ result: 'created', user: { lastName: 'Backfilled', syncStatus: 'in_sync' } });
  });

  it('answers 404 for a user nobody knows', async () => {
    expect((await s.api('/api/users/user_unknown/compare')).status).toBe(404);
    expect((await s.api('/api/users/user_unknown/resync', { method: 'POST' })).status).toBe(404);
  });

  it('does not step back behind a newer webhook version written meanwhile', async () => {
    const user = clerk.createUser();
    await clerk.settled();
    // the local copy comes to hold a version newer than what Clerk's API returned (a webhook raced the resync)
    const row = await s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    whileFetching = async () => {
      whileFetching = null;
      await s.db.prisma.user.update({
        where: { id: user.id },
        data: { clerkUpdatedAt: new Date(row.clerkUpdatedAt!.getTime() + 60_000), firstName: 'Newer' },
      });
    };
    const res = await json<ResyncResult>(s.api(`/api/users/${user.id}/resync`, { method: 'POST' }));
    expect(res.result).toBe('unchanged');
    expect(res.user.firstName).toBe('Newer');
  });
});
