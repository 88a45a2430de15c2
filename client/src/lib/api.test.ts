import { describe, expect, it } from 'vitest';
import { csrfToken, requestHeaders } from './api.ts';

describe('CSRF header', () => {
  it('reads the csm_csrf cookie among others', () => {
    expect(csrfToken('a=1; csm_csrf=abc%2Fdef; b=2')).toBe('abc/def');
    expect(csrfToken('a=1')).toBeNull();
    expect(csrfToken('')).toBeNull();
  });

  it('sends the token on every change, never on a read', () => {
    expect(requestHeaders('GET', false, 'tok')).toEqual({ accept: 'application/json' });
    expect(requestHeaders('POST', false, 'tok')).toEqual({ accept: 'application/json', 'x-csrf-token': 'tok' });
    expect(requestHeaders('PATCH', true, 'tok')).toEqual({
      accept: 'application/json',
      'content-type': 'application/json',
      'x-csrf-token': 'tok',
    });
    expect(requestHeaders('DELETE', false, null)).toEqual({ accept: 'application/json' });
  });
});
