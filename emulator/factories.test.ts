import { describe, expect, it } from 'vitest';
import { clerkId, createFactories, makeEvent, makeSession, makeUser } from './factories.ts';

const NOW = Date.UTC(2026, 10, 1, 12);

describe('clerkId', () => {
  it('makes Clerk-format ids: prefix + 27 base62 chars, time-sortable', () => {
    expect(clerkId('user')).toMatch(/^user_[0-9A-Za-z]{27}$/);
    expect(clerkId('sess')).toMatch(/^sess_[0-9A-Za-z]{27}$/);
    const f = createFactories({ seed: 1 });
    const older = f.clerkId('user', NOW - 10_000);
    const newer = f.clerkId('user', NOW);
    expect(older < newer).toBe(true);
    expect(newer.startsWith('user_3')).toBe(true); // current Clerk ids start with 2 or 3
  });
});

describe('makeUser', () => {
  it('produces the full snake_case Clerk user JSON', () => {
    const u = makeUser();
    for (const key of [
      'id',
      'object',
      'external_id',
      'username',
      'first_name',
      'last_name',
      'image_url',
      'has_image',
      'primary_email_address_id',
      'primary_phone_number_id',
      'email_addresses',
      'phone_numbers',
      'external_accounts',
      'web3_wallets',
      'passkeys',
      'public_metadata',
      'private_metadata',
      'unsafe_metadata',
      'password_enabled',
      'two_factor_enabled',
      'banned',
      'locked',
      'created_at',
      'updated_at',
      'last_sign_in_at',
      'last_active_at',
    ]) {
      expect(u).toHaveProperty(key);
    }
    expect(u.object).toBe('user');
    expect(u.id).toMatch(/^user_/);
    expect(u.email_addresses[0]!.id).toMatch(/^idn_/);
    expect(u.email_addresses[0]!.email_address).toContain('@');
    expect(u.primary_email_address_id).toBe(u.email_addresses[0]!.id);
    expect(u.created_at).toBeGreaterThan(1_600_000_000_000); // ms, not seconds
    expect(u.updated_at).toBeGreaterThanOrEqual(u.created_at);
    expect(u.image_url).toMatch(/^https:\/\/img\.clerk\.com\//);
  });

  it('is deterministic for a seed and a clock', () => {
    const a = createFactories({ seed: 99, now: () => NOW });
    const b = createFactories({ seed: 99, now: () => NOW });
    expect(a.makeUser()).toEqual(b.makeUser());
    expect(a.makeUser()).toEqual(b.makeUser());
    expect(createFactories({ seed: 100, now: () => NOW }).makeUser()).not.toEqual(
      createFactories({ seed: 99, now: () => NOW }).makeUser(),
    );
  });

  it('applies overrides and varies realistically (OAuth accounts, phones)', () => {
    const f = createFactories({ seed: 5, now: () => NOW });
    expect(f.makeUser({ first_name: 'Ada', banned: true })).toMatchObject({ first_name: 'Ada', banned: true });
    const many = Array.from({ length: 60 }, () => f.makeUser());
    const oauth = many.filter((u) => u.external_accounts.length > 0);
    expect(oauth.length).toBeGreaterThan(5);
    for (const u of oauth) {
      const eac = u.external_accounts[0]!;
      expect(eac.provider).toMatch(/^oauth_/);
      expect(u.email_addresses[0]!.verification!.strategy).toBe(`from_${eac.provider}`);
      expect(u.email_addresses[0]!.linked_to[0]!.id).toBe(eac.identification_id);
    }
    expect(many.some((u) => u.phone_numbers.length > 0)).toBe(true);
    expect(new Set(many.map((u) => u.id)).size).toBe(60);
  });
});

describe('makeSession / makeEvent', () => {
  it('makes an active session for the user', () => {
    const u = makeUser();
    const s = makeSession(u);
    expect(s).toMatchObject({ object: 'session', user_id: u.id, status: 'active' });
    expect(s.id).toMatch(/^sess_/);
    expect(s.client_id).toMatch(/^client_/);
    expect(s.expire_at).toBeGreaterThan(s.created_at);
    expect(s.latest_activity).toMatchObject({ object: 'session_activity' });
  });

  it('wraps data in the Clerk event envelope with a ms timestamp', () => {
    const u = makeUser();
    const e = makeEvent('user.created', u, NOW);
    expect(e).toMatchObject({ object: 'event', type: 'user.created', timestamp: NOW, data: u });
    expect(e.instance_id).toMatch(/^ins_/);
    expect(e.event_attributes!.http_request).toMatchObject({
      client_ip: expect.any(String),
      user_agent: expect.any(String),
    });
    expect(makeEvent('user.updated', u).timestamp).toBeGreaterThan(1_600_000_000_000);
  });
});
