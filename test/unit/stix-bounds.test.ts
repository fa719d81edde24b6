import { BadRequest } from '../../server/errors';
import { checkBounds, type ValidationLimits } from '../../server/stix';

const limits: ValidationLimits = { maxDepth: 64, maxObjects: 3, maxStringLength: 100, maxProperties: 50 };

function refusal(body: unknown, l = limits): BadRequest {
  try {
    checkBounds(body, l);
  } catch (e) {
    if (e instanceof BadRequest) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('checkBounds', () => {
  it('refuses a body nested 10,000 levels deep with too_deep, without overflowing the stack', () => {
    let body: unknown = {};
    for (let i = 0; i < 10_000; i++) body = { a: body };
    const e = refusal(body);
    expect(e.code).toBe('too_deep');
    expect(e.message).toContain('nesting depth exceeds 64');
    expect(e.message).toContain('PUENTE_MAX_DEPTH');
  });

  it('refuses more objects than maxObjects with too_many_objects naming PUENTE_MAX_OBJECTS', () => {
    const e = refusal({ objects: [{}, {}, {}, {}] });
    expect(e.code).toBe('too_many_objects');
    expect(e.message).toContain('PUENTE_MAX_OBJECTS');
  });

  it('refuses an over-long string value and says where it is', () => {
    const e = refusal({ objects: [{ description: 'x'.repeat(101) }] });
    expect(e.code).toBe('string_too_long');
    expect(e.details).toMatchObject({ path: '/objects/0/description', limit: 'PUENTE_MAX_STRING_LENGTH' });
  });

  it('refuses an over-long property name', () => {
    expect(refusal({ objects: [{ ['k'.repeat(101)]: 1 }] }).code).toBe('string_too_long');
  });

  it('refuses an object with more members than maxProperties', () => {
    const big = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, i]));
    const e = refusal({ objects: [big] });
    expect(e.code).toBe('too_many_properties');
    expect(e.message).toContain('PUENTE_MAX_PROPERTIES');
  });

  it('accepts a body within every limit', () => {
    expect(() => checkBounds({ objects: [{ a: [1, 2, { b: 'c' }] }] }, limits)).not.toThrow();
  });
});
