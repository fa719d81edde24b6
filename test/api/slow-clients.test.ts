/** Server timeouts: a client that sends its headers too slowly is disconnected (slowloris). */
import net from 'node:net';
import { startLiveHub, type LiveHub } from '../support/live-hub';

let hub: LiveHub;
beforeAll(async () => {
  hub = await startLiveHub({ env: { PUENTE_HEADERS_TIMEOUT_MS: '1000', PUENTE_REQUEST_TIMEOUT_MS: '2000' } });
});
afterAll(async () => {
  await hub.stop();
});

it('disconnects a client that never finishes its headers', async () => {
  const { port } = new URL(hub.url);
  const started = Date.now();
  const closedAfter = await new Promise<number>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write('GET /taxii2/ HTTP/1.1\r\nHost: localhost\r\n');
      // Trickle one header line every 300 ms, never the blank line that ends the headers.
      const timer = setInterval(() => socket.write(`X-Slow-${Date.now()}: 1\r\n`), 300);
      socket.on('close', () => {
        clearInterval(timer);
        resolve(Date.now() - started);
      });
    });
    socket.on('error', () => {});
    setTimeout(() => reject(new Error('the hub kept the slow connection open for 15 s')), 15_000);
  });
  expect(closedAfter).toBeLessThan(5000);
});
