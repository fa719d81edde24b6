/**
 * createApp(deps): middleware, routers, error handler. Never listens, never reads env.
 */
import crypto from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { Storage } from './storage/contract';
import { errorHandler, sendError } from './http/errors';
import { methodNotAllowed } from './http/methods';
import { NotFound } from './errors';
import { isLoopbackPeer } from './names';

export interface AppDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  storage: Storage;
  /** TAXII and admin routers, mounted after the health endpoints. */
  routers?: express.Router[];
  /** Set by main.ts when SIGTERM arrives: answers carry `Connection: close`. */
  isShuttingDown?: () => boolean;
}

function requestContext(deps: AppDeps): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('X-Request-Id');
    res.locals.requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    res.setHeader('X-Request-Id', res.locals.requestId);
    if (deps.isShuttingDown?.()) res.setHeader('Connection', 'close');
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched') as string;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      deps.metrics.latency.observe({ method: req.method, route }, seconds);
      deps.log.info(
        {
          requestId: res.locals.requestId,
          method: req.method,
          route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          subject: res.locals.principal?.subject,
        },
        'http.request',
      );
    });
    next();
  };
}

/** TAXII over plain HTTP is allowed on loopback, or from a trusted TLS-terminating proxy. */
function requireTls(config: Config): RequestHandler {
  return (req, res, next) => {
    if (req.secure || config.tlsCert) return next();
    if (isLoopbackPeer(req.socket.remoteAddress)) return next();
    sendError(res, 403, 'tls_required', 'TAXII requires TLS: connect over HTTPS (through the configured TLS proxy).');
  };
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (deps.config.trustProxy.length > 0) app.set('trust proxy', deps.config.trustProxy);

  app.use(requestContext(deps));
  app.use(helmet());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'up' });
  });
  app.get('/readyz', async (_req, res) => {
    await deps.storage.ping();
    res.json({ status: 'ready' });
  });
  // Prometheus scrapes from this machine (an agent or a sidecar): counts per trust group are not for the network.
  app.get('/metrics', async (req, res, next) => {
    if (!isLoopbackPeer(req.socket.remoteAddress)) return next();
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.end(await deps.metrics.registry.metrics());
  });

  app.use(requireTls(deps.config));
  for (const router of deps.routers ?? []) app.use(router);

  app.use(methodNotAllowed(app));

  app.use((req, _res, next) => {
    next(new NotFound(`There is no resource at ${req.path}.`));
  });
  app.use(errorHandler(deps.log));
  return app;
}
