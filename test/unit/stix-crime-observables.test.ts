import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createValidator } from '../../server/stix';
import { ID_CONTRIBUTING, PUENTE_SCHEMA_DIR, definitionIdFor, deterministicId, puenteDefinitions } from '../../server/stix/puente-extensions';

const validator = createValidator({ limits: { maxDepth: 20, maxObjects: 1000, maxStringLength: 100000, maxProperties: 1000 } });

function sco(type: string, props: Record<string, unknown>) {
  const o = { type, spec_version: '2.1', ...props, extensions: { [definitionIdFor(type)!]: { extension_type: 'new-sco' } } };
  return { ...o, id: deterministicId(o) };
}
const codes = (v: { errors: { code: string }[]; warnings: { code: string }[] }) => ({ errors: v.errors.map((e) => e.code), warnings: v.warnings.map((w) => w.code) });

describe('Puente crime observables (schemas/puente)', () => {
  it('ships one new-sco extension definition per type, whose schema is the schema file', () => {
    expect([...puenteDefinitions().values()].map((d) => d.name).sort()).toEqual(Object.keys(ID_CONTRIBUTING).sort());
    for (const d of puenteDefinitions().values()) {
      expect(d).toMatchObject({ type: 'extension-definition', spec_version: '2.1', extension_types: ['new-sco'] });
      expect(JSON.parse(String(d.schema))).toEqual(JSON.parse(readFileSync(join(PUENTE_SCHEMA_DIR, `${d.name}.json`), 'utf8')));
      expect(validator.validateObject(d).ok).toBe(true);
    }
  });

  it('gives deterministic ids (UUIDv5 over the id-contributing properties, STIX 2.1 §2.9)', () => {
    const a = deterministicId({ type: 'cryptocurrency-wallet', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', symbol: 'BTC' });
    const b = deterministicId({ type: 'cryptocurrency-wallet', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080' });
    expect(a).toBe(b);
    expect(a).toMatch(/^cryptocurrency-wallet--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicId({ type: 'vessel', imo: '9321483' })).not.toBe(deterministicId({ type: 'vessel', imo: '9321483', mmsi: '538001234' }));
  });

  it.each([
    ['cryptocurrency-wallet', { value: '1BoatSLRHtKNngkdXEeobR76b53LETtpyT', symbol: 'BTC' }],
    ['cryptocurrency-transaction', { symbol: 'ETH', value: `0x${'ab'.repeat(32)}`, fee: 0.0021, output: [{ amount: 12.5, address_ref: 'cryptocurrency-wallet--8c1f9a5e-7d2b-5b0e-9a44-1f2e3d4c5b6a' }] }],
    ['bank-account', { iban: 'ES91 2100 0418 4502 0005 1332', bic: 'CAIXESBBXXX', country: 'ESP', currency: 'EUR' }],
    ['phone-number', { value: '+573001234567', country: 'COL' }],
    ['vessel', { imo: '9321483', mmsi: '538001234', name: 'MV Ejemplo', flag: 'MHL' }],
    ['aircraft', { icao24: '0c20a7', registration: 'HK-4980', model: 'Cessna 208' }],
  ])('accepts a valid %s without warnings', (type, props) => {
    expect(codes(validator.validateObject(sco(type, props)))).toEqual({ errors: [], warnings: [] });
  });

  it('refuses what the definition refuses, like any known extension', () => {
    expect(codes(validator.validateObject(sco('bank-account', { iban: 'not an iban' }))).errors).toEqual(['extension-schema']);
    const anonymous = { ...sco('vessel', { name: 'no identifier' }), id: 'vessel--6ba7b810-9dad-51d1-80b4-00c04fd430c8' };
    expect(codes(validator.validateObject(anonymous)).errors).toEqual(['extension-schema']);
    expect(codes(validator.validateObject(sco('aircraft', { icao24: 'XYZ' }))).errors).toEqual(['extension-schema']);
  });

  it('warns when the id is not the deterministic one', () => {
    const o = { ...sco('phone-number', { value: '+573001234567' }), id: 'phone-number--6ba7b810-9dad-41d1-80b4-00c04fd430c8' };
    expect(codes(validator.validateObject(o)).warnings).toEqual(['sco-id-not-deterministic']);
  });
});
