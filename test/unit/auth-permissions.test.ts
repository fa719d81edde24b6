import { canRead, canWrite, isAdmin, memberOf } from '../../server/auth/permissions';
import type { Principal, Role } from '../../server/auth/principal';

const ORG = 'identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
const open = { id: 'c1' };
const readOnly = { id: 'c2', writable: false };

function principal(roles: Record<string, Role[]>, kind: Principal['kind'] = 'cert'): Principal {
  return { subject: 's', organisation: ORG, roles, kind };
}

describe('canRead', () => {
  it.each<Role>(['reader', 'writer', 'feed', 'admin'])('lets a %s of the group read', (role) => {
    expect(canRead(principal({ colombia: [role] }), 'colombia', open)).toBe(true);
  });

  it('refuses a principal with roles only in another group', () => {
    expect(canRead(principal({ eu: ['admin'] }), 'colombia', open)).toBe(false);
  });

  it('honours a collection that narrows its readers, except for admins', () => {
    const narrowed = { id: 'c3', readers: ['writer'] as Role[] };
    expect(canRead(principal({ colombia: ['reader'] }), 'colombia', narrowed)).toBe(false);
    expect(canRead(principal({ colombia: ['writer'] }), 'colombia', narrowed)).toBe(true);
    expect(canRead(principal({ colombia: ['admin'] }), 'colombia', narrowed)).toBe(true);
  });

  it.each(['constructor', '__proto__', 'toString'])('treats %s as a group nobody belongs to', (group) => {
    expect(canRead(principal({ colombia: ['admin'] }), group, open)).toBe(false);
    expect(memberOf(principal({ colombia: ['admin'] }), group)).toBe(false);
  });
});

describe('canWrite', () => {
  it('lets writers and admins write to a writable collection', () => {
    expect(canWrite(principal({ colombia: ['writer'] }), 'colombia', open)).toBe(true);
    expect(canWrite(principal({ colombia: ['admin'] }), 'colombia', open)).toBe(true);
  });

  it('refuses readers', () => {
    expect(canWrite(principal({ colombia: ['reader'] }), 'colombia', open)).toBe(false);
  });

  it('refuses everyone on a read-only collection', () => {
    expect(canWrite(principal({ colombia: ['admin', 'writer'] }), 'colombia', readOnly)).toBe(false);
  });

  it('never lets a feed write, even with a writer role beside it', () => {
    expect(canWrite(principal({ colombia: ['feed'] }), 'colombia', open)).toBe(false);
    expect(canWrite(principal({ colombia: ['feed', 'writer'] }), 'colombia', open)).toBe(false);
    expect(canWrite(principal({ colombia: ['writer'] }, 'feed'), 'colombia', open)).toBe(false);
  });

  it('refuses a writer of another group', () => {
    expect(canWrite(principal({ eu: ['writer'] }), 'colombia', open)).toBe(false);
  });
});

describe('isAdmin and memberOf', () => {
  it('are per group', () => {
    const p = principal({ colombia: ['admin'], eu: ['reader'] });
    expect(isAdmin(p, 'colombia')).toBe(true);
    expect(isAdmin(p, 'eu')).toBe(false);
    expect(memberOf(p, 'eu')).toBe(true);
    expect(memberOf(p, 'nato-liaison')).toBe(false);
  });
});
