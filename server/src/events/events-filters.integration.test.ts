// The event list's filters through real HTTP: types by prefix and several at once, the user by email or name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { makeEvent, makeSession, makeUser } from '../../../emulator/factories.ts';
import type { EventSummary, Page } from '../contract.ts';

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;

describe.each(TEST_PROVIDERS)('event filters on %s', (provider) => {
  let s: TestServer;
  const ada = makeUser({ first_name: 'Ada', last_name: 'Lovelace' });
  const bob = makeUser({ first_name: 'Bob', last_name: 'Builder' });
  const adaEmail = ada.email_addresses[0]!.email_address;
  const list = async (query: string) =>
    (await json<Page<EventSummary>>(s.api(`/api/events?${query}`))).items.map((e) => e.svixId);

  beforeAll(async () => {
    s = await startTestServer(provider);
    const steps: [string, object][] = [
      ['msg_f1', makeEvent('user.created', ada)],
      ['msg_f2', makeEvent('user.created', bob)],
      ['msg_f3', makeEvent('session.created', makeSession(ada))],
      ['msg_f4', makeEvent('session.ended', makeSession(bob))],
    ];
    for (const [svixId, body] of steps) expect((await s.deliver(body, { svixId })).status).toBe(200);
  });
  afterAll(async () => s?.close());

  it('matches event types by prefix and several at once', async () => {
    expect(await list('type=session.')).toEqual(['msg_f4', 'msg_f3']);
    expect(await list(`type=${encodeURIComponent('session.ended,user.')}`)).toEqual(['msg_f4', 'msg_f2', 'msg_f1']);
    expect(await list('type=user.created')).toEqual(['msg_f2', 'msg_f1']);
    const bad = await s.api(`/api/events?type=${encodeURIComponent("user.created' OR 1=1")}`);
    expect(bad.status).toBe(400);
  });

  it('takes the user as an id, an email or a name', async () => {
    expect(await list(`userId=${ada.id}`)).toEqual(['msg_f3', 'msg_f1']);
    expect(await list(`userId=${encodeURIComponent(adaEmail.toUpperCase())}`)).toEqual(['msg_f3', 'msg_f1']);
    expect(await list('userId=lovelace')).toEqual(['msg_f3', 'msg_f1']);
    expect(await list('userId=builder&type=session.')).toEqual(['msg_f4']);
    expect(await list('userId=nobody-has-this-name')).toEqual([]);
    // names beside ids
    const page = await json<Page<EventSummary>>(s.api('/api/events?type=user.'));
    expect(page.items.find((e) => e.svixId === 'msg_f1')?.userLabel).toBe(adaEmail);
  });

  it('limits to a time range', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    expect(await list(`from=${hourAgo}&type=user.`)).toEqual(['msg_f2', 'msg_f1']);
    expect(await list(`to=${hourAgo}`)).toEqual([]);
  });
});
