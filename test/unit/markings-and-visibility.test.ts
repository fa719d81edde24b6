import type { Principal } from '../../server/auth/principal';
import { canSee, releasable, visibilityOf } from '../../server/auth/visibility';
import { mostRestrictive, TLP1_MARKING_IDS, TLP2_MARKING_IDS, tlpDefinedBy, tlpOf, type Tlp } from '../../server/stix/markings';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ORIGIN = 'identity--11111111-1111-4111-8111-111111111111';
const NAMED = 'identity--22222222-2222-4222-8222-222222222222';
const OTHER = 'identity--33333333-3333-4333-8333-333333333333';

const person = (organisation: string, roles: Principal['roles']): Principal => ({ subject: 's', organisation, roles });
const indicator = (marking: string | null, extra: Record<string, unknown> = {}) => ({
  type: 'indicator',
  id: 'indicator--44444444-4444-4444-8444-444444444444',
  ...(marking ? { object_marking_refs: [marking] } : {}),
  ...extra,
});

describe('tlpOf', () => {
  it.each(Object.entries(TLP2_MARKING_IDS))('reads TLP 2.0 %s', (tlp, id) => {
    expect(tlpOf(indicator(id))).toBe(tlp);
  });

  it.each([
    ['white', 'clear'],
    ['green', 'green'],
    ['amber', 'amber'],
    ['red', 'red'],
  ] as const)('reads TLP 1.0 %s as %s', (tlp1, tlp2) => {
    expect(tlpOf(indicator(TLP1_MARKING_IDS[tlp1]))).toBe(tlp2);
  });

  it('lets the most restrictive marking win, granular markings included', () => {
    expect(tlpOf({ object_marking_refs: [TLP2_MARKING_IDS.green, TLP1_MARKING_IDS.amber] })).toBe('amber');
    expect(
      tlpOf({
        object_marking_refs: [TLP2_MARKING_IDS.clear],
        granular_markings: [{ marking_ref: TLP2_MARKING_IDS.red, selectors: ['description'] }],
      }),
    ).toBe('red');
  });

  it('ignores non-TLP markings and returns null for unmarked objects', () => {
    expect(tlpOf(indicator('marking-definition--62fd3f9b-15f3-4ebc-802c-91fce9536bcf'))).toBeNull();
    expect(tlpOf(indicator(null))).toBeNull();
  });

  it('uses a resolver for TLP markings that are not well known', () => {
    const custom = 'marking-definition--55555555-5555-4555-8555-555555555555';
    expect(tlpOf(indicator(custom), (id) => (id === custom ? 'red' : null))).toBe('red');
  });

  it('agrees with the vendored common-objects marking definitions', () => {
    const dir = '/work/shared/data/cti-stix-common-objects/objects/marking-definition';
    let files: string[] = [];
    try {
      files = readdirSync(dir);
    } catch {
      return; // data not present on this machine
    }
    for (const f of files) {
      for (const md of JSON.parse(readFileSync(join(dir, f), 'utf8')).objects) {
        const tlp = tlpDefinedBy(md);
        if (tlp) expect(TLP2_MARKING_IDS[tlp]).toBe(md.id);
      }
    }
  });
});

describe('tlpDefinedBy', () => {
  it('understands a TLP 2.0 extension, a TLP 1.0 definition and ignores statements', () => {
    const ext = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';
    expect(
      tlpDefinedBy({ type: 'marking-definition', id: 'marking-definition--x', extensions: { [ext]: { extension_type: 'property-extension', tlp_2_0: 'amber+strict' } } }),
    ).toBe('amber+strict');
    expect(tlpDefinedBy({ type: 'marking-definition', id: 'marking-definition--y', definition_type: 'tlp', definition: { tlp: 'white' } })).toBe('clear');
    expect(tlpDefinedBy({ type: 'marking-definition', id: 'marking-definition--z', definition_type: 'statement', definition: { statement: 'c' } })).toBeNull();
  });
});

describe('mostRestrictive', () => {
  it('orders clear < green < amber < amber+strict < red, with null as unmarked', () => {
    expect(mostRestrictive('green', 'amber')).toBe('amber');
    expect(mostRestrictive('red', 'amber+strict')).toBe('red');
    expect(mostRestrictive('amber+strict', 'amber')).toBe('amber+strict');
    expect(mostRestrictive(null, 'clear')).toBe('clear');
    expect(mostRestrictive(null, null)).toBeNull();
  });
});

describe('visibility matrix', () => {
  const viewers = {
    'the originating org': person(ORIGIN, { colombia: ['writer'] }),
    'a named recipient': person(NAMED, { colombia: ['reader'] }),
    'another org of the group': person(OTHER, { colombia: ['reader'] }),
    'an admin of another org in the group': person(OTHER, { colombia: ['admin'] }),
    'the originating org seen from another group': person(ORIGIN, { eu: ['reader'] }),
  };
  type Viewer = keyof typeof viewers;
  const expected: Record<Tlp | 'unmarked', Record<Viewer, boolean>> = {
    unmarked: row(true, true, true, true, false),
    clear: row(true, true, true, true, false),
    green: row(true, true, true, true, false),
    amber: row(true, true, false, false, false),
    'amber+strict': row(true, true, false, false, false),
    red: row(true, true, false, false, false),
  };
  function row(o: boolean, n: boolean, other: boolean, admin: boolean, group: boolean): Record<Viewer, boolean> {
    return {
      'the originating org': o,
      'a named recipient': n,
      'another org of the group': other,
      'an admin of another org in the group': admin,
      'the originating org seen from another group': group,
    };
  }
  const cases = Object.entries(expected).flatMap(([tlp, byViewer]) =>
    Object.entries(byViewer).map(([viewer, sees]) => [tlp, viewer, sees] as [string, Viewer, boolean]),
  );

  it.each(cases)('%s object: %s sees it = %s', (tlp, viewer, sees) => {
    const marking = tlp === 'unmarked' ? null : TLP2_MARKING_IDS[tlp as Tlp];
    const meta = visibilityOf(indicator(marking, { x_puente_recipients: [NAMED] }), ORIGIN);
    expect(canSee(viewers[viewer], 'colombia', meta)).toBe(sees);
  });

  it('shows a RED object only to its originator when it names nobody', () => {
    const meta = visibilityOf(indicator(TLP2_MARKING_IDS.red), ORIGIN);
    expect(meta.readers).toEqual([ORIGIN]);
    expect(canSee(viewers['a named recipient'], 'colombia', meta)).toBe(false);
  });

  it('applies TLP 1.0 AMBER like TLP 2.0 AMBER', () => {
    const meta = visibilityOf(indicator(TLP1_MARKING_IDS.amber), ORIGIN);
    expect(meta).toMatchObject({ tlp: 'amber', readers: [ORIGIN] });
    expect(canSee(viewers['another org of the group'], 'colombia', meta)).toBe(false);
  });

  it('drops malformed recipients and normalises case', () => {
    const meta = visibilityOf(indicator(TLP2_MARKING_IDS.red, { x_puente_recipients: [NAMED.toUpperCase().replace('IDENTITY', 'identity'), 'everyone', 7] }), ORIGIN);
    expect(meta.readers).toEqual([ORIGIN, NAMED]);
  });

  it('refuses everyone when restricted meta has no readers (corrupt meta fails closed)', () => {
    expect(canSee(viewers['the originating org'], 'colombia', { tlp: 'amber', readers: [] })).toBe(false);
    expect(canSee(viewers['the originating org'], 'colombia', { tlp: 'purple' as Tlp, readers: [] })).toBe(false);
  });
});

describe('releasable', () => {
  const meta = (tlp: Tlp | null) => ({ tlp, readers: [], originator: ORIGIN });
  it('lets any member release CLEAR', () => {
    expect(releasable(meta('clear'), OTHER)).toBe(true);
  });
  it.each([null, 'green', 'amber'] as const)('lets only the originator release %s', (tlp) => {
    expect(releasable(meta(tlp), ORIGIN)).toBe(true);
    expect(releasable(meta(tlp), OTHER)).toBe(false);
  });
  it.each(['amber+strict', 'red'] as const)('never releases %s, not even by the originator', (tlp) => {
    expect(releasable(meta(tlp), ORIGIN)).toBe(false);
  });
});
