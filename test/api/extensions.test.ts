/** Extensions are validated against extension definitions the trust group has stored (STIX 2.1 §7.3). */
import { startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator } from '../support/stix';

let t: TestHub;
let co: Client;
let col: string;
const DEF_ID = 'extension-definition--3a5b7c9d-1e2f-4a6b-8c0d-2e4f6a8b0c1d';
const definition = {
  type: 'extension-definition',
  spec_version: '2.1',
  id: DEF_ID,
  created_by_ref: 'identity--c0c0c0c0-0000-4000-8000-000000000001',
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  name: 'ColCERT case reference',
  schema: JSON.stringify({ type: 'object', properties: { case_id: { type: 'string', pattern: '^CO-\\d{4}-\\d+$' } }, required: ['case_id'] }),
  version: '1.0.0',
  extension_types: ['property-extension'],
};
const withCase = (caseId: unknown) =>
  indicator({ extensions: { [DEF_ID]: { extension_type: 'property-extension', case_id: caseId } } });

beforeAll(async () => {
  t = await startTestHub();
  co = client(t.app);
  col = await co.collectionId('colombia', 'incidents');
});
afterAll(async () => {
  await t.close();
});

it('does not check an extension whose definition the group has not stored, and says so', async () => {
  const res = await co.post(`/colombia/collections/${col}/objects/`, { objects: [withCase(42)] }).expect(202);
  expect(res.body.success_count).toBe(1);
  expect(res.body.successes[0].message).toMatch(/not known to this hub/);
});

it('validates an extension against a definition stored earlier in the group', async () => {
  await co.post(`/colombia/collections/${col}/objects/`, { objects: [definition] }).expect(202);
  const bad = await co.post(`/colombia/collections/${col}/objects/`, { objects: [withCase(42)] }).expect(202);
  expect(bad.body.failure_count).toBe(1);
  expect(bad.body.failures[0].message).toMatch(/case_id/);
  const good = await co.post(`/colombia/collections/${col}/objects/`, { objects: [withCase('CO-2026-17')] }).expect(202);
  expect(good.body.success_count).toBe(1);
});

it('does not use another group\'s definitions', async () => {
  const eu = await co.collectionId('eu', 'incidents');
  const res = await co.post(`/eu/collections/${eu}/objects/`, { objects: [withCase(42)] }).expect(202);
  expect(res.body.success_count).toBe(1);
  expect(res.body.successes[0].message).toMatch(/not known to this hub/);
});

it('knows the stored definitions again after a restart', async () => {
  const again = await startTestHub({ PUENTE_DB_PREFIX: t.config.dbPrefix });
  try {
    const c2 = client(again.app);
    const res = await c2.post(`/colombia/collections/${col}/objects/`, { objects: [withCase(42)] }).expect(202);
    expect(res.body.failure_count).toBe(1);
  } finally {
    await again.hub.stop();
    await again.storage.close();
  }
});
