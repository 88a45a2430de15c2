import { describe, expect, it } from 'vitest';
import { providerFromUrl, redactUrl } from './url.ts';

describe('database URLs', () => {
  it('picks the provider from the URL', () => {
    expect(providerFromUrl('file:./data/x.db')).toBe('sqlite');
    expect(providerFromUrl('postgres://u@h/db')).toBe('postgresql');
    expect(providerFromUrl('postgresql://u@h/db')).toBe('postgresql');
    expect(() => providerFromUrl('mysql://u:secret@h/db')).toThrow(
      /unsupported DATABASE_URL "mysql:\/\/u:\*\*\*@h\/db"/,
    );
    expect(redactUrl('postgresql://u:pw@h:5432/db')).toBe('postgresql://u:***@h:5432/db');
  });
});
