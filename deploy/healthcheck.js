// The container's HEALTHCHECK: GET /readyz on this container's hub, which answers 200 once the hub
// is up and its database answers a ping. Node itself, because slim images have no curl.
// Exit 0 healthy, 1 unhealthy (the only codes Docker defines).
'use strict';

const env = process.env;
const listen = env.PUENTE_HOST || '127.0.0.1';
// A wildcard listen address is reached on loopback.
const host = listen === '0.0.0.0' ? '127.0.0.1' : listen === '::' ? '::1' : listen;
const port = Number(env.PUENTE_PORT || 6100);
const tls = Boolean(env.PUENTE_TLS_CERT);
const client = require(tls ? 'node:https' : 'node:http');

const req = client.get(
  // The certificate names the public host, not this loopback address, and it is our own process
  // we ask: the check is about readiness, not about the peer's identity.
  { host, port, path: '/readyz', timeout: 4000, rejectUnauthorized: false },
  (res) => {
    res.resume();
    if (res.statusCode !== 200) process.stderr.write(`/readyz answered ${res.statusCode}\n`);
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('no answer within 4 s')));
req.on('error', (err) => {
  process.stderr.write(`/readyz: ${err.message}\n`);
  process.exit(1);
});
