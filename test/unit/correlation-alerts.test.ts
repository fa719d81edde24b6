import { buildAlert, combineMarkings, PUENTE_ALERT_NAMESPACE, TLP_MARKINGS, uuidv5 } from '../../server/correlation/alerts';
import type { ObjectMeta, StixObject, StoredObject } from '../../server/correlation/types';

const PUENTE = 'identity--00000000-0000-4000-8000-000000000001';
const ORG_A = 'identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const ORG_B = 'identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const ORG_C = 'identity--cccccccc-cccc-4ccc-8ccc-cccccccccccc';

function stored(stix: Partial<StixObject> & { id: string }, meta: Partial<ObjectMeta> = {}): StoredObject {
  return {
    stix: { type: stix.id.split('--')[0], ...stix } as StixObject,
    meta: { date_added: '2025-03-01T10:00:00.123456Z', organisation: ORG_A, group: 'eu', tlp: null, readers: [], ...meta },
  };
}

const spec = (evidence: StoredObject[]) => ({
  group: 'eu', rule: 'test', severity: 'high' as const, name: 'n', explanation: 'why', evidence, puenteIdentity: PUENTE,
});

describe('uuidv5', () => {
  it('matches the RFC 9562 test vector (www.example.com in the DNS namespace)', () => {
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('uses a namespace that is itself a valid UUID', () => {
    expect(PUENTE_ALERT_NAMESPACE).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('buildAlert', () => {
  const a = stored({ id: 'indicator--11111111-1111-4111-8111-111111111111' }, { date_added: '2025-03-01T10:00:00.123456Z' });
  const b = stored({ id: 'malware--22222222-2222-4222-8222-222222222222' }, { date_added: '2025-03-02T08:30:00.000001Z' });

  it('is byte-identical on a re-run, whatever the evidence order', () => {
    const one = buildAlert(spec([a, b]));
    const two = buildAlert(spec([b, a]));
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
  });

  it('takes created/modified from the evidence date_added, truncated to milliseconds', () => {
    const alert = buildAlert(spec([a, b]));
    expect(alert?.stix.created).toBe('2025-03-01T10:00:00.123Z');
    expect(alert?.stix.modified).toBe('2025-03-02T08:30:00.000Z');
  });

  it('is a suspicious-activity grouping with the Puente properties', () => {
    const s = buildAlert(spec([a]))?.stix;
    expect(s).toMatchObject({ type: 'grouping', spec_version: '2.1', context: 'suspicious-activity', created_by_ref: PUENTE, object_refs: [a.stix.id], x_puente_rule: 'test', x_puente_severity: 'high', x_puente_explanation: 'why' });
    expect(s?.id).toMatch(/^grouping--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab]/);
  });

  it('gives different ids to different groups and rules over the same evidence', () => {
    const ids = new Set([
      buildAlert(spec([a]))?.stix.id,
      buildAlert({ ...spec([a]), group: 'nato-liaison' })?.stix.id,
      buildAlert({ ...spec([a]), rule: 'other' })?.stix.id,
    ]);
    expect(ids.size).toBe(3);
  });

  it('keeps the id when an explicit key is given and the evidence changes', () => {
    expect(buildAlert({ ...spec([a]), key: ['k'] })?.stix.id).toBe(buildAlert({ ...spec([a, b]), key: ['k'] })?.stix.id);
  });
});

describe('alert markings', () => {
  it('takes the most restrictive TLP of the inputs', () => {
    const m = combineMarkings([stored({ id: 'x--1' }, { tlp: 'green' }), stored({ id: 'x--2' }, { tlp: 'amber', readers: [ORG_A] }), stored({ id: 'x--3' }, { tlp: 'clear' })]);
    expect(m?.tlp).toBe('amber');
    expect(m?.markingRefs).toEqual([TLP_MARKINGS.amber]);
  });

  it('honours a TLP marking on the object that is stricter than the metadata', () => {
    const m = combineMarkings([stored({ id: 'x--1', object_marking_refs: [TLP_MARKINGS.red] }, { tlp: 'green' })]);
    expect(m?.tlp).toBe('red');
  });

  it('carries non-TLP markings (statements) of any input', () => {
    const stmt = 'marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168';
    const m = combineMarkings([stored({ id: 'x--1', object_marking_refs: [stmt] }), stored({ id: 'x--2' }, { tlp: 'green' })]);
    expect(m?.markingRefs).toEqual([TLP_MARKINGS.green, stmt]);
  });

  it('restricts readers to the intersection of the restricted inputs', () => {
    const m = combineMarkings([
      stored({ id: 'x--1' }, { tlp: 'amber', readers: [ORG_A, ORG_B] }),
      stored({ id: 'x--2' }, { tlp: 'red', readers: [ORG_B, ORG_C] }),
      stored({ id: 'x--3' }, { tlp: 'green', readers: [] }),
    ]);
    expect(m).toMatchObject({ tlp: 'red', readers: [ORG_B] });
  });

  it('builds no alert when restricted inputs share no reader', () => {
    const evidence = [stored({ id: 'x--1' }, { tlp: 'amber', readers: [ORG_A] }), stored({ id: 'x--2' }, { tlp: 'amber', readers: [ORG_B] })];
    expect(combineMarkings(evidence)).toBeNull();
    expect(buildAlert(spec(evidence))).toBeNull();
  });

  it('leaves an alert over unmarked inputs unmarked and readable by the whole group', () => {
    const alert = buildAlert(spec([stored({ id: 'x--1' })]));
    expect(alert?.meta).toEqual({ tlp: null, readers: [] });
    expect(alert?.stix.object_marking_refs).toBeUndefined();
  });
});
