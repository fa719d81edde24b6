/**
 * Builds the hub's parts from config and a database: trust groups (seeded), the STIX validator,
 * the TAXII service and routers, authentication, and the scheduled jobs.
 */
import crypto from 'node:crypto';
import type { RequestHandler, Router } from 'express';
import { ConfigError, type Config } from './config';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { Storage } from './storage/contract';
import { TrustGroups } from './storage/trust-groups';
import { TaxiiService } from './taxii/service';
import { taxiiRouter } from './taxii/routes';
import { PageTokens } from './http/pagination';
import { rateLimit } from './http/rate-limit';
import { createValidator } from './stix';
import { authenticate } from './auth/middleware';
import { createTokenVerifier } from './auth/tokens';
import { developmentAuthenticate } from './auth/development';
import { observableKeysOf } from './correlation';
import { CorrelationEngine, comparisonsOf } from './correlation/engine';
import { linkEndsOf } from './correlation/loader';
import { correlationConfigs, loadDisarm, loadIcs, readBundle } from './jobs/config';
import { seedFrameworks } from './storage/frameworks';
import { Jobs } from './jobs/scheduler';
import { AuditLog } from './taxii/audit';
import { Releases } from './taxii/release';
import { Administration } from './administration/service';
import { administrationRouter } from './administration/routes';
import { ExtensionDefinitions } from './taxii/extensions';
import type { ServiceDeps } from './taxii/deps';
import { FeedRunner } from './feeds/runner';
import { Feeds } from './feeds/service';
import { feedsRouter } from './feeds/routes';
import { parseLifetimes, type DecayConfig } from './exports/decay';
import { exportsRouter } from './exports/routes';
import { SearchService } from './search/service';
import { searchRouter } from './search/routes';
import { AlertWorkflow, type Severity } from './alerts/workflow';
import { alertsRouter } from './alerts/routes';
import { AlertNotifier } from './alerts/notify';
import { consoleRouter } from './console';
import { streamRouter } from './push/stream';
import { WebhookDeliverer } from './push/deliver';
import { Webhooks } from './push/webhooks';
import { webhooksRouter } from './push/webhook-routes';

export interface HubDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  storage: Storage;
  /** Tests pass their own authentication (real tokens); otherwise built from config. */
  authenticate?: RequestHandler;
}

export interface Hub {
  routers: Router[];
  groups: TrustGroups;
  service: TaxiiService;
  engine: CorrelationEngine;
  jobs: Jobs;
  feeds: Feeds;
  /** Webhook delivery (started with the jobs; tests start it themselves). */
  deliverer: WebhookDeliverer;
  startJobs(): void;
  /** Writes buffered token-use audit entries now (tests, shutdown). */
  flushAudit(): Promise<void>;
  stop(): Promise<void>;
}

export async function buildHub(d: HubDeps): Promise<Hub> {
  const { config, log } = d;
  const groups = new TrustGroups(d.storage, 5000);
  for (const g of config.trustGroups) await groups.ensure(g);
  const groupNames = (await groups.all()).map((g) => g.name);
  // Groups created earlier by the admin CLI get this version's indexes and migrations too.
  for (const g of groupNames) if (!config.trustGroups.includes(g)) await d.storage.group(g).ensure();

  const extensions = new ExtensionDefinitions();
  const validator = createValidator({
    extensionDefinition: extensions.lookup,
    limits: {
      maxDepth: config.maxDepth,
      maxObjects: config.maxObjects,
      maxStringLength: config.maxStringLength,
      maxProperties: config.maxProperties,
    },
  });

  let auth = d.authenticate;
  let closeAuth = () => {};
  if (!auth) {
    if (config.jwksPath) {
      const verifier = createTokenVerifier(
        {
          issuer: config.jwtIssuer,
          audience: config.jwtAudience,
          jwksPath: config.jwksPath,
          allowHs256: config.allowHs256,
          hsSecret: config.hs256Secret,
          clockToleranceSeconds: config.clockToleranceSeconds,
          revokedPath: config.revokedPath,
        },
        { logger: log },
      );
      auth = authenticate(verifier);
      closeAuth = () => verifier.close();
    } else {
      log.warn(
        { groups: groupNames },
        'auth.development_principal: PUENTE_JWKS_PATH is not set; every request acts as the development principal (loopback only)',
      );
      auth = developmentAuthenticate(async () => (await groups.all()).map((g) => g.name));
    }
  }

  if (!config.paginationSecret) log.warn('pagination.ephemeral_secret: PUENTE_PAGINATION_SECRET is not set; next tokens do not survive a restart');
  const tokens = new PageTokens(config.paginationSecret ?? crypto.randomBytes(32).toString('hex'));

  const audit = new AuditLog(groups, log);
  const deliverer = new WebhookDeliverer({
    groups,
    leases: d.storage.leases,
    log,
    tickMs: config.webhookTickMs,
    timeoutMs: config.webhookTimeoutMs,
    retryBaseMs: config.webhookRetryBaseMs,
    retryMaxMs: config.webhookRetryMaxMs,
    retryHours: config.webhookRetryHours,
    maxFailures: config.webhookMaxFailures,
    leaseMs: config.jobLeaseSeconds * 1000,
  });
  const releases = new Releases(groups, audit, log);

  const serviceDeps: ServiceDeps = {
    groups,
    validator,
    extensions,
    tokens,
    metrics: d.metrics,
    log,
    maxContentLength: config.maxContentLength,
    pageSizeDefault: config.pageSizeDefault,
    statusRetentionHours: config.statusRetentionHours,
    // Correlation reads stored reports of an observable and links touching an object by index.
    deriveMeta: (stix) => {
      const keys = observableKeysOf(stix as Parameters<typeof observableKeysOf>[0], comparisonsOf);
      const links = linkEndsOf(stix);
      return { ...(keys.length ? { keys } : {}), ...(links.length ? { links } : {}) };
    },
    onStored: async ({ principal, group, collection, docs, stored }) => {
      if (stored.length) {
        // Ids of restricted (AMBER/RED) objects stay out of the audit log that other organisations' admins read.
        const open = stored.filter((x) => !x.meta.restricted);
        await audit.record(group, principal, 'objects.added', {
          collection: collection._id,
          count: stored.length,
          restricted: stored.length - open.length,
          ids: open.slice(0, 100).map((x) => x.meta.id),
        });
      }
      await releases.applyPolicy(principal, group, collection, docs);
      if (stored.length) deliverer.wake();
    },
    onDeleted: async ({ principal, group, collection, id, versions, restricted }) => {
      await audit.record(group, principal, 'objects.deleted', restricted ? { collection, restricted: true } : { collection, id, versions });
      deliverer.wake();
    },
  };
  const service = new TaxiiService(serviceDeps);
  const authChain = [auth, rateLimit(config.rateLimitPerMinute, d.storage.rateLimits), audit.tokenUse()];

  const router = taxiiRouter({
    service,
    authenticate: authChain,
    maxContentLength: config.maxContentLength,
    pageSizeMax: config.pageSizeMax,
    publicUrl: config.publicUrl,
  });
  const warn = (m: string) => log.warn(m);
  // Each reference bundle read and parsed once: for the frameworks collection and the rules.
  const disarmBundle = readBundle(config.disarmPath);
  const icsBundle = readBundle(config.attackIcsPath);
  if (config.frameworksSeed) {
    const bundles = [disarmBundle, icsBundle].filter((b) => b !== undefined);
    for (const g of await groups.all()) {
      const added = await seedFrameworks(g, g.name, bundles, config.puenteIdentity);
      if (added > 0) log.info({ group: g.name, added }, 'frameworks.seeded');
    }
  }
  const notifier = new AlertNotifier({
    groups,
    log,
    minSeverity: config.alertNotifyMinSeverity as Severity,
    webhookUrl: config.alertWebhookUrl,
    smtpUrl: config.smtpUrl,
    emailTo: config.alertEmailTo,
    emailFrom: config.alertEmailFrom,
    publicUrl: config.publicUrl,
  });
  const engine = new CorrelationEngine({
    onNewAlerts: async (group, docs) => {
      deliverer.wake();
      await notifier.newAlerts(group, docs);
    },
    groups,
    configFor: correlationConfigs(config),
    ics: loadIcs(config.attackIcsPath, warn, icsBundle),
    disarm: loadDisarm(config.disarmPath, warn, disarmBundle),
    log,
    settleMs: config.correlationSettleMs,
  });
  const jobs = new Jobs({
    groups,
    log,
    metrics: d.metrics,
    engine,
    schedules: { correlation: config.correlationSchedule, 'status-cleanup': config.statusCleanupSchedule },
    leaseMs: config.jobLeaseSeconds * 1000,
  });
  const administration = new Administration({ groups, releases, audit, jobs, tokens, pageSizeDefault: config.pageSizeDefault });
  const admin = administrationRouter({
    administration,
    authenticate: authChain,
    maxContentLength: config.maxContentLength,
    pageSizeMax: config.pageSizeMax,
  });

  // Subscriptions store through the same pipeline as a POST (taxii/ingest.ts).
  const runner = new FeedRunner({
    groups,
    service: serviceDeps,
    leases: d.storage.leases,
    log,
    metrics: d.metrics,
    leaseMs: config.jobLeaseSeconds * 1000,
    maxObjects: config.maxObjects,
  });
  const feeds = new Feeds({ groups, audit, runner, log });
  const feedsRoutes = feedsRouter({ feeds, authenticate: authChain, maxContentLength: config.maxContentLength, pageSizeMax: config.pageSizeMax });

  const webhooks = webhooksRouter({
    webhooks: new Webhooks({ groups, audit, batchMax: config.webhookBatchMax, wake: () => deliverer.wake() }),
    authenticate: authChain,
    maxContentLength: config.maxContentLength,
    pageSizeMax: config.pageSizeMax,
  });

  const search = searchRouter({
    search: new SearchService({ groups, tokens, pageSizeDefault: config.pageSizeDefault }),
    authenticate: authChain,
    pageSizeMax: config.pageSizeMax,
    maxContentLength: config.maxContentLength,
  });

  let decay: DecayConfig;
  try {
    decay = parseLifetimes(config.indicatorLifetimes);
  } catch (err) {
    throw new ConfigError(`PUENTE_INDICATOR_LIFETIMES: ${(err as Error).message}`);
  }

  const alerts = alertsRouter({
    workflow: new AlertWorkflow({ groups, tokens, pageSizeDefault: config.pageSizeDefault }),
    authenticate: authChain,
    pageSizeMax: config.pageSizeMax,
    maxContentLength: config.maxContentLength,
  });

  return {
    routers: [consoleRouter(), feedsRoutes, webhooks, admin, search, alerts, exportsRouter({ service, authenticate: authChain, decay }), streamRouter({ service, authenticate: authChain, pollMs: config.streamPollMs }), router],
    groups,
    service,
    engine,
    jobs,
    feeds,
    deliverer,
    startJobs: () => {
      jobs.start();
      feeds.start();
      deliverer.start();
    },
    flushAudit: () => audit.flush(),
    stop: async () => {
      await feeds.stop();
      await deliverer.stop();
      await jobs.stop();
      await audit.close();
      notifier.close();
      closeAuth();
    },
  };
}
