// GET /v1/users as the spec describes it: cursor paging (starting_after) only with a created_at ordering and
// never with an offset, created_at_after / created_at_before in milliseconds (either bound semantics, by a
// switch), users sharing one created_at millisecond, a cursor user deleted between two pages, and deep
// offsets that time out while a cursor at the same depth does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, generateSecretKey, generateSigningSecret, type Emulator } from './emulator.ts';
import { DEFAULT_USER_LIST_BEHAVIOUR } from './backend-api.ts';

const secretKey = generateSecretKey();
let emulator: Emulator & { url: string };
const T = 1_730_000_000_000;
/** created_at of each user: ten in T, five in T + 1, ten more in T + 2 (bulk imports), one each in T + 3 … T + 9 */
const createdAts = [
  ...Array(10).fill(T),
  ...Array(5).fill(T + 1),
  ...Array(10).fill(T + 2),
  ...Array.from({ length: 7 }, (_, i) => T + 3 + i),
] as number[];
/** every user's id, ascending by created_at (insertion order within a millisecond) */
let ids: string[];

beforeAll(async () => {
  emulator = await startEmulator({
    signingSecret: generateSigningSecret(),
    secretKey,
    targets: [],
    seed: 41,
    rateLimit: null,
  });
  // inserted out of order: the created_at index does not rely on sign-ups coming last
  const order = createdAts.map((at, i) => ({ at, i })).sort((a, b) => (a.i % 3) - (b.i % 3) || a.i - b.i);
  const made = new Map<number, string>();
  for (const { at, i } of order) made.set(i, emulator.createUser({ created_at: at }, { sendWebhook: false }).id);
  ids = createdAts
    .map((at, i) => ({ at, id: made.get(i)!, seq: order.findIndex((o) => o.i === i) }))
    .sort((a, b) => a.at - b.at || a.seq - b.seq)
    .map((x) => x.id);
});
afterAll(() => emulator.close());

const get = (path: string) => fetch(`${emulator.url}/v1${path}`, { headers: { authorization: `Bearer ${secretKey}` } });
const page = async (query: string): Promise<string[]> => {
  const res = await get(`/users?${query}`);
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }[]).map((u) => u.id);
};
const errorOf = async (query: string) => {
  const res = await get(`/users?${query}`);
  const body = (await res.json()) as {
    errors: { code: string; long_message: string; meta?: { param_name?: string } }[];
  };
  return { status: res.status, ...body.errors[0]! };
};
/** every page of a cursor walk with these parameters */
const walk = async (query: string, limit: number): Promise<string[]> => {
  const seen: string[] = [];
  for (let after: string | undefined; ;) {
    const p = await page(`${query}&limit=${limit}${after ? `&starting_after=${after}` : ''}`);
    seen.push(...p);
    if (p.length < limit) return seen;
    after = p.at(-1);
  }
};

describe('GET /v1/users by cursor and created_at', () => {
  it('walks by starting_after in either created_at direction, each user once, ties included', async () => {
    expect(await walk('order_by=%2Bcreated_at', 4)).toEqual(ids);
    expect(await walk('order_by=-created_at', 3)).toEqual([...ids].reverse());
    expect(await walk('order_by=created_at', 7)).toEqual(ids);
  });

  it('refuses a cursor with another ordering or with a non-zero offset (422), and limits outside 1..500', async () => {
    for (const [q, param] of [
      [`starting_after=${ids[0]}&order_by=-updated_at`, 'starting_after'],
      [`starting_after=${ids[0]}&order_by=username`, 'starting_after'],
      [`starting_after=${ids[0]}&offset=3`, 'starting_after'],
      [`starting_after=${ids[0]}&limit=501`, 'limit'],
      [`starting_after=${ids[0]}&limit=0`, 'limit'],
      ['created_at_after=yesterday', 'created_at_after'],
      ['created_at_before=1.5', 'created_at_before'],
    ] as const) {
      const e = await errorOf(q);
      expect(e, q).toMatchObject({ status: 422, code: 'form_param_value_invalid', meta: { param_name: param } });
    }
    // offset=0 is no offset
    expect(await page(`starting_after=${ids[0]}&offset=0&order_by=%2Bcreated_at&limit=2`)).toEqual(ids.slice(1, 3));
  });

  it('created_at_after / created_at_before are exclusive, or inclusive with the switch', async () => {
    const q = `order_by=%2Bcreated_at&limit=500&created_at_after=${T}&created_at_before=${T + 2}`;
    expect(await page(q)).toEqual(ids.slice(10, 15));
    emulator.setUserList({ createdAtBounds: 'inclusive' });
    try {
      expect(await page(q)).toEqual(ids.slice(0, 25));
    } finally {
      emulator.setUserList({ createdAtBounds: 'exclusive' });
    }
    // a window walked by cursor, with ties on both bounds, newest first too
    const window = `created_at_after=${T - 1}&created_at_before=${T + 3}`;
    expect(await walk(`order_by=%2Bcreated_at&${window}`, 4)).toEqual(ids.slice(0, 25));
    expect(await walk(`order_by=-created_at&${window}`, 6)).toEqual(ids.slice(0, 25).reverse());
    // offset and the created_at filter together, and a count with no users in range
    expect(await page(`order_by=%2Bcreated_at&${window}&offset=8&limit=4`)).toEqual(ids.slice(8, 12));
    expect(await page(`created_at_after=${T + 100}`)).toEqual([]);
  });

  it('answers a cursor whose user was deleted as the switch says: an empty page, 404 or 422', async () => {
    const victim = emulator.createUser({ created_at: T + 50 }, { sendWebhook: false });
    emulator.createUser({ created_at: T + 51 }, { sendWebhook: false });
    emulator.deleteUser(victim.id, { sendWebhook: false });
    const q = `order_by=%2Bcreated_at&starting_after=${victim.id}`;
    expect(DEFAULT_USER_LIST_BEHAVIOUR.deletedCursor).toBe('empty');
    expect(await page(q)).toEqual([]);
    try {
      emulator.setUserList({ deletedCursor: 'not_found' });
      expect(await errorOf(q)).toMatchObject({ status: 404, code: 'resource_not_found' });
      emulator.setUserList({ deletedCursor: 'unprocessable' });
      expect(await errorOf(q)).toMatchObject({
        status: 422,
        code: 'form_param_value_invalid',
        meta: { param_name: 'starting_after' },
      });
    } finally {
      emulator.setUserList({ deletedCursor: 'empty' });
    }
  });
});

describe('deep offsets', () => {
  it('time out (504) past the depth the switch sets, while a cursor at that depth answers', async () => {
    emulator.setUserList({ deepOffset: { slowAfter: 5, msPerRow: 10, timeoutMs: 100 } });
    try {
      // 10 rows past `slowAfter`: slower, and still answered
      expect(await page('order_by=%2Bcreated_at&offset=15&limit=3')).toEqual(ids.slice(15, 18));
      const e = await errorOf('order_by=%2Bcreated_at&offset=25&limit=3');
      expect(e).toMatchObject({ status: 504, code: 'request_timeout' });
      expect(e.long_message).toMatch(/starting_after/);
      expect(await page(`order_by=%2Bcreated_at&limit=3&starting_after=${ids[24]}`)).toEqual(ids.slice(25, 28));
      emulator.setUserList({ deepOffset: null });
      expect(await page('order_by=%2Bcreated_at&offset=25&limit=3')).toEqual(ids.slice(25, 28));
    } finally {
      emulator.setUserList({ deepOffset: DEFAULT_USER_LIST_BEHAVIOUR.deepOffset });
    }
  });
});
