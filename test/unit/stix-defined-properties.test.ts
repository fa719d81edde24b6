import { createValidator, DEFAULT_LIMITS } from '../../server/stix';

const v = createValidator({ limits: DEFAULT_LIMITS });

describe('properties the STIX 2.1 schemas define in oneOf branches', () => {
  it('does not warn that malware is_family is a custom property', () => {
    const r = v.validateObject({
      type: 'malware',
      spec_version: '2.1',
      id: 'malware--0b2d6f4e-7bd0-4a4a-9b5e-3c1a1f2e3d4c',
      created: '2026-01-01T00:00:00.000Z',
      modified: '2026-01-01T00:00:00.000Z',
      name: 'BlackEnergy',
      is_family: true,
    });
    expect(r.ok).toBe(true);
    expect(r.warnings.filter((w) => w.code === 'custom-property')).toEqual([]);
  });

  it('does not warn that network-traffic is_active is a custom property', () => {
    const r = v.validateObject({
      type: 'network-traffic',
      spec_version: '2.1',
      id: 'network-traffic--6d5e4c3b-2a19-4f8e-8d7c-6b5a4f3e2d1c',
      protocols: ['tcp'],
      src_ref: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd',
      is_active: true,
    });
    expect(r.warnings.filter((w) => w.code === 'custom-property')).toEqual([]);
  });

  it('still warns about a custom property without x_', () => {
    const r = v.validateObject({
      type: 'malware',
      spec_version: '2.1',
      id: 'malware--0b2d6f4e-7bd0-4a4a-9b5e-3c1a1f2e3d4c',
      created: '2026-01-01T00:00:00.000Z',
      modified: '2026-01-01T00:00:00.000Z',
      is_family: true,
      family_size: 3,
    });
    expect(r.warnings.map((w) => w.path)).toContain('/family_size');
  });
});
