/**
 * Composition root: config -> logger -> db -> createApp -> listen -> jobs.
 * SIGTERM: stop taking requests, finish those in flight, stop jobs, close the db, exit 0.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { ConfigError, isLoopback, loadConfig, type Config } from './config';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { openStorage, type OpenedStorage } from './storage/open';
import { EmbeddedPostgresUnavailable } from './storage/postgres/embedded';
import { createApp } from './app';
import { buildHub, type Hub } from './hub';

function checkTransport(config: Config): void {
  if (config.tlsCert) return;
  if (isLoopback(config.host)) return;
  if (config.trustProxy.length > 0) return;
  throw new ConfigError(
    `PUENTE_HOST=${config.host}: TAXII requires TLS. Give PUENTE_TLS_CERT and PUENTE_TLS_KEY, ` +
      'listen on loopback, or name your TLS-terminating proxy in PUENTE_TRUST_PROXY.',
  );
}

/** How long after SIGTERM requests arriving on open keep-alive connections are still served. */
const SHUTDOWN_DRAIN_MS = 1000;

export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
    checkTransport(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`puente: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const metrics = createMetrics();
  // A failure nothing awaited: log it (the stack stays in the log) and stop, non-zero, so the
  // process manager restarts a hub in a known state rather than one limping on.
  const fatal = (event: string) => (err: unknown) => {
    log.fatal({ err }, event);
    process.exit(1);
  };
  process.on('unhandledRejection', fatal('process.unhandled_rejection'));
  process.on('uncaughtException', fatal('process.uncaught_exception'));

  let opened: OpenedStorage;
  try {
    const started = Date.now();
    opened = await openStorage(
      config,
      (message) => log.info({ message }, 'db.embedded.progress'),
      (event, message) => (event === 'restart-failed' ? log.error({ message }, `db.embedded.${event}`) : log.warn({ message }, `db.embedded.${event}`)),
    );
    log.info({ backend: opened.description, ms: Date.now() - started }, 'db.opened');
    for (const warning of opened.warnings ?? []) log.warn({ warning }, 'db.earlier_data');
  } catch (err) {
    if (err instanceof EmbeddedPostgresUnavailable) {
      process.stderr.write(`puente: ${err.message}\n`);
      process.exit(3);
    }
    throw err;
  }
  const storage = opened.storage;

  let shuttingDown = false;
  let hub: Hub;
  try {
    hub = await buildHub({ config, log, metrics, storage });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`puente: configuration error: ${err.message}\n`);
    await opened.close();
    process.exit(2);
  }
  const app = createApp({ config, log, metrics, storage, routers: hub.routers, isShuttingDown: () => shuttingDown });

  // Timeouts are checked every second (Node's default is every 30 s).
  const serverOptions = { connectionsCheckingInterval: 1000 };
  const server = config.tlsCert
    ? https.createServer({ ...serverOptions, cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey!) }, app)
    : http.createServer(serverOptions, app);
  // Slow clients cannot hold connections open.
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = config.headersTimeoutMs;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  log.info({ host: config.host, port, tls: !!config.tlsCert }, 'server.listening');
  if (config.jobsEnabled) hub.startJobs();

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'server.stopping');
    // The listener closes now (new connections are refused), but not the idle keep-alive
    // connections: http.Server.close() would close them too, and reset a request already on its
    // way over one. For SHUTDOWN_DRAIN_MS what arrives on them is served (every answer now says
    // Connection: close, so the client's next request opens a new connection and is refused).
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    const drained = setTimeout(() => server.closeIdleConnections(), SHUTDOWN_DRAIN_MS);
    const force = setTimeout(() => {
      log.warn('server.stop_timeout');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    await closed;
    clearTimeout(force);
    clearTimeout(drained);
    await hub.stop();
    await opened.close();
    log.info('server.stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`puente: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
