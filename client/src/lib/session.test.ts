import { describe, expect, it } from 'vitest';
import { permissionsOf } from './session.ts';

describe('permissionsOf', () => {
  it('lets operators and admins operate, only admins administer, viewers neither', () => {
    expect(permissionsOf('admin')).toEqual({ role: 'admin', canOperate: true, isAdmin: true });
    expect(permissionsOf('operator')).toEqual({ role: 'operator', canOperate: true, isAdmin: false });
    expect(permissionsOf('viewer')).toEqual({ role: 'viewer', canOperate: false, isAdmin: false });
    expect(permissionsOf(undefined)).toEqual({ role: null, canOperate: false, isAdmin: false });
  });
});
