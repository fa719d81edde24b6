import request from 'supertest';
import { startTestHub, type TestHub } from '../support/hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t.close();
});

describe('health, readiness and metrics', () => {
  it('answers /healthz with status up', async () => {
    const res = await request(t.app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'up' });
  });

  it('answers /readyz only after pinging the database', async () => {
    const res = await request(t.app).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready' });
  });

  it('answers /readyz with 503 and a TAXII error when the database is closed', async () => {
    const other = await (await import('../support/hub')).startTestHub();
    await other.storage.close();
    const res = await request(other.app).get('/readyz').expect(503);
    expect(res.headers['content-type']).toBe('application/taxii+json;version=2.1');
    expect(res.body.error_code).toBe('unavailable');
    expect(res.body.http_status).toBe('503');
  });

  it('exposes request counts by route and status on /metrics', async () => {
    await request(t.app).get('/healthz');
    const res = await request(t.app).get('/metrics').expect(200);
    expect(res.text).toMatch(/puente_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(res.text).toContain('puente_http_request_duration_seconds_bucket');
    expect(res.text).toContain('puente_objects_ingested_total');
    expect(res.text).toContain('puente_job_runs_total');
  });

  it('answers the development principal only to callers on this machine, not to forwarded requests', async () => {
    await request(t.app).get('/taxii2/').set('Accept', 'application/taxii+json;version=2.1').expect(200);
    const res = await request(t.app)
      .get('/taxii2/')
      .set('Accept', 'application/taxii+json;version=2.1')
      .set('X-Forwarded-For', '203.0.113.9')
      .expect(401);
    expect(res.headers['x-puente-development-principal']).toBeUndefined();
  });

  it('sends helmet headers and no X-Powered-By', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
  });
});
