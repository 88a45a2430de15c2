import { describe, expect, it } from 'vitest';
import { diffUsers } from './diff.ts';

describe('diffUsers', () => {
  it('is empty for equal users, whatever the key order', () => {
    expect(diffUsers({ id: 'u', a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1, id: 'u' })).toEqual([]);
  });
  it('reports changed, added and removed fields by path', () => {
    const local = { id: 'u', first_name: 'Ada', email_addresses: [{ email_address: 'a@x.io' }], gone: true };
    const clerk = {
      id: 'u',
      first_name: 'Grace',
      email_addresses: [{ email_address: 'g@x.io' }],
      public_metadata: { plan: 'pro' },
    };
    expect(diffUsers(local, clerk)).toEqual(
      expect.arrayContaining([
        { path: 'first_name', kind: 'changed', local: 'Ada', clerk: 'Grace' },
        { path: 'email_addresses.0.email_address', kind: 'changed', local: 'a@x.io', clerk: 'g@x.io' },
        { path: 'gone', kind: 'removed', local: true, clerk: undefined },
        { path: 'public_metadata', kind: 'added', local: undefined, clerk: { plan: 'pro' } },
      ]),
    );
  });
  it('ignores activity timestamps Clerk changes without a webhook', () => {
    expect(
      diffUsers({ id: 'u', last_active_at: 1, last_sign_in_at: 1 }, { id: 'u', last_active_at: 2, last_sign_in_at: 3 }),
    ).toEqual([]);
  });
  it('treats a missing side as everything added', () => {
    expect(diffUsers(null, { id: 'u' })).toEqual([{ path: 'id', kind: 'added', local: undefined, clerk: 'u' }]);
  });
});
