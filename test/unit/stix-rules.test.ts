import { BadRequest } from '../../server/errors';
import { DEFAULT_LIMITS, createValidator } from '../../server/stix';

const validator = createValidator({ limits: DEFAULT_LIMITS });
const IDENTITY = 'identity--8ae20dde-83d4-4218-88fd-41ef0dabf9d1';
const TLP_GREEN = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da';

function indicator(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    created: '2016-04-06T20:03:48.000Z',
    modified: '2016-04-06T20:03:48.000Z',
    pattern: "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']",
    pattern_type: 'stix',
    valid_from: '2016-01-01T00:00:00Z',
    ...extra,
  };
}

const codes = (o: unknown) => validator.validateObject(o).errors.map((e) => e.code);
const warningCodes = (o: unknown) => validator.validateObject(o).warnings.map((e) => e.code);

describe('schema checks', () => {
  it('accepts a valid indicator', () => {
    const v = validator.validateObject(indicator());
    expect(v).toMatchObject({ ok: true, errors: [], type: 'indicator' });
  });
  it('reports a missing required property with its path', () => {
    const { valid_from: _, ...o } = indicator();
    expect(validator.validateObject(o).errors[0]).toMatchObject({ code: 'schema', path: '/valid_from' });
  });
  it('refuses upper-case custom property names', () => {
    expect(codes(indicator({ X_Foo: 1 }))).toContain('schema');
  });
  it('checks a custom object against the core schema and warns it is custom', () => {
    const o = { type: 'x-acme-widget', spec_version: '2.1', id: 'x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', created: '2020-01-01T00:00:00.000Z', modified: '2020-01-01T00:00:00.000Z' };
    expect(validator.validateObject(o).ok).toBe(true);
    expect(warningCodes(o)).toContain('custom-object');
  });
});

describe('identifiers', () => {
  it('refuses an id whose type part is not the object type', () => {
    expect(codes(indicator({ id: 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }))).toContain('schema');
    const o = { type: 'x-acme', spec_version: '2.1', id: 'x-other--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', created: '2020-01-01T00:00:00.000Z', modified: '2020-01-01T00:00:00.000Z' };
    expect(codes(o)).toContain('id-type-mismatch');
  });
  it('refuses a process whose id is not a UUIDv4', () => {
    expect(codes({ type: 'process', id: 'process--8e2e2d2b-17d4-5cbf-938f-98ee46b3cd3f', pid: 1 })).toContain('id-uuid-version');
  });
  it('warns when an SDO id is not a UUIDv4', () => {
    expect(warningCodes(indicator({ id: 'indicator--8e2e2d2b-17d4-1cbf-938f-98ee46b3cd3f' }))).toContain('id-uuid-version');
  });
});

describe('timestamps', () => {
  it('refuses modified earlier than created', () => {
    expect(codes(indicator({ modified: '2015-04-06T20:03:48.000Z' }))).toContain('modified-before-created');
  });
  it('compares timestamps of different precision correctly', () => {
    expect(codes(indicator({ created: '2016-04-06T20:03:48.000Z', modified: '2016-04-06T20:03:48.0001Z' }))).toEqual([]);
  });
  it('refuses 30 February', () => {
    expect(codes(indicator({ valid_from: '2021-02-30T00:00:00Z' }))).toContain('timestamp');
  });
  it('refuses valid_until not after valid_from', () => {
    expect(codes(indicator({ valid_until: '2016-01-01T00:00:00Z' }))).toContain('valid-until-before-valid-from');
  });
});

describe('references', () => {
  it('refuses created_by_ref that is not an identity', () => {
    const v = validator.validateObject(indicator({ created_by_ref: 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }));
    expect(v.errors).toEqual([expect.objectContaining({ code: 'ref-target-type', path: '/created_by_ref' })]);
  });
  it('refuses object_marking_refs that are not marking definitions', () => {
    expect(codes(indicator({ object_marking_refs: [IDENTITY] }))).toContain('ref-target-type');
  });
  it('refuses a deprecated observed-data local reference to the wrong type', () => {
    const od = {
      type: 'observed-data', spec_version: '2.1', id: 'observed-data--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      created: '2016-04-06T20:03:48.000Z', modified: '2016-04-06T20:03:48.000Z',
      first_observed: '2016-04-06T20:03:48Z', last_observed: '2016-04-06T20:03:48Z', number_observed: 1,
      objects: { '0': { type: 'domain-name', value: 'example.com', resolves_to_refs: ['1'] }, '1': { type: 'url', value: 'http://example.com/' } },
    };
    expect(codes(od)).toContain('ref-target-type');
  });
});

describe('markings', () => {
  it('refuses a granular-marking selector that points at no property', () => {
    const v = validator.validateObject(indicator({ granular_markings: [{ marking_ref: TLP_GREEN, selectors: ['description'] }] }));
    expect(v.errors).toEqual([expect.objectContaining({ code: 'marking-selector', path: '/granular_markings/0/selectors/0' })]);
  });
  it('accepts selectors into lists that exist', () => {
    expect(codes(indicator({ labels: ['a'], granular_markings: [{ marking_ref: TLP_GREEN, selectors: ['labels.[0]'] }] }))).toEqual([]);
  });
  it('refuses a marking definition that marks itself', () => {
    const id = 'marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
    const md = { type: 'marking-definition', spec_version: '2.1', id, created: '2016-04-06T20:03:48.000Z', definition_type: 'statement', definition: { statement: 'x' }, object_marking_refs: [id] };
    expect(codes(md)).toContain('marking-circular');
  });
});

describe('language tags and hashes', () => {
  it('refuses a lang that is not an RFC 5646 tag', () => {
    expect(codes(indicator({ lang: 'english!' }))).toContain('language-tag');
    expect(codes(indicator({ lang: 'pt-BR' }))).toEqual([]);
  });
  it('refuses an MD5 of the wrong length', () => {
    expect(codes({ type: 'file', spec_version: '2.1', id: 'file--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', hashes: { MD5: 'abc' } })).toContain('schema');
  });
});

describe('patterns and vocabularies', () => {
  it('refuses an indicator whose STIX pattern does not parse, with line and column', () => {
    const v = validator.validateObject(indicator({ pattern: "[file:name = 'x' AND ]" }));
    expect(v.errors[0]).toMatchObject({ code: 'pattern-syntax', path: '/pattern' });
    expect(v.errors[0].message).toContain('line 1, column');
  });
  it('only warns about a value outside an open vocabulary', () => {
    const v = validator.validateObject(indicator({ indicator_types: ['not-in-vocab'] }));
    expect(v.ok).toBe(true);
    expect(v.warnings.map((w) => w.code)).toContain('vocabulary');
  });
});

describe('extensions', () => {
  const defId = 'extension-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
  it('warns that an unknown extension was not checked', () => {
    expect(warningCodes(indicator({ extensions: { [defId]: { extension_type: 'property-extension', rank: 1 } } }))).toContain('extension-unknown');
  });
  it('refuses an extension_type its known definition does not declare', () => {
    const v = createValidator({
      limits: DEFAULT_LIMITS,
      extensionDefinition: (id) => (id === defId ? { type: 'extension-definition', id, extension_types: ['new-sdo'] } : undefined),
    });
    const verdict = v.validateObject(indicator({ extensions: { [defId]: { extension_type: 'property-extension', rank: 1 } } }));
    expect(verdict.errors.map((e) => e.code)).toContain('extension-type');
  });
});

describe('validateEnvelope', () => {
  it('stores the good objects: one bad object does not reject its neighbours', () => {
    const { verdicts } = validator.validateEnvelope({ objects: [indicator(), indicator({ modified: '2000-01-01T00:00:00.000Z' })] });
    expect(verdicts.map((v) => v.ok)).toEqual([true, false]);
    expect(verdicts[1]).toMatchObject({ index: 1, id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' });
  });
  it('refuses a body without an objects list as invalid_envelope', () => {
    expect(() => validator.validateEnvelope({ more: false })).toThrow(BadRequest);
    try {
      validator.validateEnvelope([]);
    } catch (e) {
      expect((e as BadRequest).code).toBe('invalid_envelope');
    }
  });
  it('warns about a repeated object version, naming the index of its first copy', () => {
    const a = indicator();
    const b = indicator({ modified: '2017-01-01T00:00:00.000Z' });
    const { verdicts } = validator.validateEnvelope({ objects: [a, b, { ...a }, { ...b }, indicator({ id: 'indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' })] });
    const dup = verdicts.map((v) => v.warnings.filter((w) => w.code === 'duplicate-object').map((w) => w.message));
    expect(dup).toEqual([[], [], [expect.stringContaining('at index 0')], [expect.stringContaining('at index 1')], []]);
  });
  it('refuses a nested bundle as an object', () => {
    expect(validator.validateEnvelope({ objects: [{ type: 'bundle', id: 'bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }] }).verdicts[0].errors[0].code).toBe('nested-bundle');
  });
});
