/** Prometheus metrics. One registry per app, so tests do not share counters. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  objectsIngested: Counter<'group' | 'outcome'>;
  jobRuns: Counter<'job' | 'outcome'>;
  feedRuns: Counter<'group' | 'subscription' | 'outcome'>;
  feedObjects: Counter<'group' | 'subscription' | 'outcome'>;
  feedConsecutiveFailures: Gauge<'group' | 'subscription'>;
  feedLastSuccess: Gauge<'group' | 'subscription'>;
}

export function createMetrics(defaults = true): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'puente_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'puente_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    objectsIngested: new Counter({
      name: 'puente_objects_ingested_total',
      help: 'STIX objects received, by trust group and outcome (stored, duplicate, rejected)',
      labelNames: ['group', 'outcome'],
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'puente_job_runs_total',
      help: 'Scheduled job runs by job and outcome',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    }),
    feedRuns: new Counter({
      name: 'puente_feed_runs_total',
      help: 'Subscription runs by trust group, subscription id and outcome',
      labelNames: ['group', 'subscription', 'outcome'],
      registers: [registry],
    }),
    feedObjects: new Counter({
      name: 'puente_feed_objects_total',
      help: 'Objects fetched or pushed by subscriptions, by outcome (new, duplicate, invalid)',
      labelNames: ['group', 'subscription', 'outcome'],
      registers: [registry],
    }),
    feedConsecutiveFailures: new Gauge({
      name: 'puente_feed_consecutive_failures',
      help: 'Failed runs of a subscription since its last success',
      labelNames: ['group', 'subscription'],
      registers: [registry],
    }),
    feedLastSuccess: new Gauge({
      name: 'puente_feed_last_success_timestamp_seconds',
      help: 'End of the last successful run of a subscription (Unix time)',
      labelNames: ['group', 'subscription'],
      registers: [registry],
    }),
  };
}
