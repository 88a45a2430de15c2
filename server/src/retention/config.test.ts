// The hardening settings in config.ts: defaults, parsing, and clear errors.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config.ts';

describe('hardening configuration', () => {
  it('defaults to 30 days, no purge of deleted users, no trusted proxy', () => {
    const c = parseConfig({});
    expect(c.retention).toEqual({ days: 30, purgeDeletedUserPayloads: false });
    expect(c.trustProxy).toBe(false);
  });

  it('parses the variables', () => {
    const c = parseConfig({ RETENTION_DAYS: '7', PURGE_DELETED_USER_PAYLOADS: 'true', TRUST_PROXY: '1' });
    expect(c.retention).toEqual({ days: 7, purgeDeletedUserPayloads: true });
    expect(c.trustProxy).toBe(1);
    expect(parseConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(parseConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('names a wrong value', () => {
    expect(() => parseConfig({ RETENTION_DAYS: '0' })).toThrow(ConfigError);
    expect(() => parseConfig({ RETENTION_DAYS: 'soon' })).toThrow(/RETENTION_DAYS/);
    expect(() => parseConfig({ PURGE_DELETED_USER_PAYLOADS: 'yes' })).toThrow(
      /PURGE_DELETED_USER_PAYLOADS: must be true or false/,
    );
  });
});
