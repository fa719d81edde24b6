/**
 * SIGTERM on the real hub process: requests in flight complete, new connections are refused,
 * and the process exits 0. Everything acknowledged before the signal is stored.
 */
import http from 'node:http';
import { startLiveHub } from '../support/live-hub';
import { indicator } from '../support/stix';
import { collectionId } from '../../server/storage/collections';
import { BACKENDS, openTestStorage, TAXII } from '../support/hub';
import { waitFor } from '../support/wait';

/** Starts a POST and sends half of its body; the rest is sent by `finish()`. */
function halfPost(url: string, body: string) {
  let finish = () => {};
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'Content-Type': TAXII, Accept: TAXII, 'Content-Length': String(Buffer.byteLength(body)) } },
      (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    finish = () => req.end(body.slice(half));
  });
  return { answer, finish: () => finish() };
}

it.each(BACKENDS)('finishes every request in flight on SIGTERM, then exits 0 (%s)', async (backend) => {
  const hub = await startLiveHub({ backend });
  const col = collectionId('colombia', 'incidents');
  const url = `${hub.url}/colombia/collections/${col}/objects/`;
  const envelopes = Array.from({ length: 12 }, () => JSON.stringify({ objects: Array.from({ length: 200 }, () => indicator()) }));
  // The requests are in flight: the hub has their headers and half of each body.
  const inFlight = envelopes.map((e) => halfPost(url, e));
  await new Promise((r) => setTimeout(r, 500));
  const stopped = hub.stop({ keepDatabases: true });
  // The hub logs server.stopping in the same tick as it closes its listener.
  await waitFor(() => hub.logs().some((l) => l.msg === 'server.stopping'), { message: 'server.stopping' });
  // A new connection after SIGTERM is refused.
  await expect(fetch(`${hub.url}/healthz`)).rejects.toThrow();
  for (const r of inFlight) r.finish();
  const answers = await Promise.all(inFlight.map((r) => r.answer));
  const exit = await stopped;

  expect(exit.code).toBe(0);
  expect(answers.map((a) => a.status)).toEqual(envelopes.map(() => 202));
  const acknowledged = answers.reduce((n, a) => n + JSON.parse(a.body).success_count, 0);
  expect(acknowledged).toBe(12 * 200);
  expect(hub.logs().some((l) => l.msg === 'server.stopped')).toBe(true);

  // Nothing acknowledged is lost: every object is in the database after the process is gone.
  const storage = await openTestStorage(backend, hub.prefix);
  try {
    expect(await storage.group('colombia').objects.count(col)).toBe(acknowledged);
  } finally {
    await storage.dropAll();
    await storage.close();
  }
});
