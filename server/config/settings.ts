/**
 * Every setting of the hub: its environment variable, type, default and meaning.
 * One table, read by the loader, the README check and the config test.
 */
import { SEVERITIES } from '../correlation/types';

export type SettingType = 'string' | 'int' | 'bool' | 'list' | 'enum';

export interface Setting {
  key: string;
  env: string;
  type: SettingType;
  default?: string | number | boolean | string[];
  min?: number;
  max?: number;
  values?: readonly string[];
  describe: string;
}

const MiB = 1024 * 1024;

export const SETTINGS = [
  // Network and TLS
  { key: 'host', env: 'PUENTE_HOST', type: 'string', default: '127.0.0.1', describe: 'Address to listen on.' },
  { key: 'port', env: 'PUENTE_PORT', type: 'int', default: 6100, min: 0, max: 65535, describe: 'TCP port (0 picks a free one).' },
  { key: 'tlsCert', env: 'PUENTE_TLS_CERT', type: 'string', describe: 'PEM certificate file; with PUENTE_TLS_KEY the hub serves HTTPS.' },
  { key: 'tlsKey', env: 'PUENTE_TLS_KEY', type: 'string', describe: 'PEM private key file for PUENTE_TLS_CERT.' },
  {
    key: 'trustProxy',
    env: 'PUENTE_TRUST_PROXY',
    type: 'list',
    default: [],
    describe: 'Addresses/CIDRs of TLS-terminating proxies to trust (X-Forwarded-*). Plain HTTP off loopback needs this.',
  },
  { key: 'publicUrl', env: 'PUENTE_PUBLIC_URL', type: 'string', describe: 'External base URL (e.g. https://puente.example.org), used in discovery.' },
  // Database
  { key: 'mongodbUri', env: 'MONGODB_URI', type: 'string', describe: 'MongoDB connection string (production backend). Unset: PostgreSQL (PUENTE_POSTGRES_URL or the embedded one).' },
  {
    key: 'mongodbWriteConcern',
    env: 'PUENTE_MONGODB_WRITE_CONCERN',
    type: 'string',
    default: 'majority',
    describe: 'MongoDB write concern `w` of every write the hub acknowledges: majority, a number of members, or a tag set name (over any w= in MONGODB_URI).',
  },
  { key: 'postgresUrl', env: 'PUENTE_POSTGRES_URL', type: 'string', describe: 'Connection string of an external PostgreSQL (e.g. postgresql://puente@db.example.org/puente). Unset: the embedded PostgreSQL in PUENTE_DATA_DIR.' },
  { key: 'dbPrefix', env: 'PUENTE_DB_PREFIX', type: 'string', default: 'puente', describe: 'Prefix of database (MongoDB) or schema (PostgreSQL) names: <prefix>-admin, <prefix>-<group>.' },
  { key: 'dataDir', env: 'PUENTE_DATA_DIR', type: 'string', default: 'data', describe: 'Folder of the embedded PostgreSQL (<dir>/postgres).' },
  // Trust groups
  {
    key: 'trustGroups',
    env: 'PUENTE_TRUST_GROUPS',
    type: 'list',
    default: ['colombia', 'eu', 'nato-liaison'],
    describe: 'Trust groups seeded at start-up (one API root and one database each). More can be added with the admin CLI.',
  },
  // Limits
  { key: 'maxContentLength', env: 'PUENTE_MAX_CONTENT_LENGTH', type: 'int', default: 10 * MiB, min: 1024, describe: 'Largest request body in bytes (the API roots\' max_content_length).' },
  { key: 'pageSizeDefault', env: 'PUENTE_PAGE_SIZE_DEFAULT', type: 'int', default: 100, min: 1, describe: 'Objects per page when `limit` is absent.' },
  { key: 'pageSizeMax', env: 'PUENTE_PAGE_SIZE_MAX', type: 'int', default: 1000, min: 1, describe: 'Largest `limit` honoured.' },
  { key: 'maxDepth', env: 'PUENTE_MAX_DEPTH', type: 'int', default: 64, min: 4, describe: 'Deepest JSON nesting accepted in a body.' },
  { key: 'maxObjects', env: 'PUENTE_MAX_OBJECTS', type: 'int', default: 10000, min: 1, describe: 'Most objects in one envelope.' },
  { key: 'maxStringLength', env: 'PUENTE_MAX_STRING_LENGTH', type: 'int', default: 1 * MiB, min: 64, describe: 'Longest string value in an object.' },
  { key: 'maxProperties', env: 'PUENTE_MAX_PROPERTIES', type: 'int', default: 1000, min: 8, describe: 'Most properties in one JSON object.' },
  { key: 'statusRetentionHours', env: 'PUENTE_STATUS_RETENTION_HOURS', type: 'int', default: 72, min: 24, describe: 'How long status resources are kept (TAXII needs at least 24).' },
  { key: 'rateLimitPerMinute', env: 'PUENTE_RATE_LIMIT_PER_MINUTE', type: 'int', default: 600, min: 1, describe: 'Requests per token per minute before 429.' },
  { key: 'requestTimeoutMs', env: 'PUENTE_REQUEST_TIMEOUT_MS', type: 'int', default: 120000, min: 1000, describe: 'Longest time a client may take to send a request.' },
  { key: 'headersTimeoutMs', env: 'PUENTE_HEADERS_TIMEOUT_MS', type: 'int', default: 20000, min: 1000, describe: 'Longest time a client may take to send the headers.' },
  {
    key: 'readSettleMs',
    env: 'PUENTE_READ_SETTLE_MS',
    type: 'int',
    default: 0,
    min: 0,
    max: 60000,
    describe: 'Reads show only objects added at least this long ago. 0 for one hub instance; with several instances on one database set it above the longest write (e.g. 2000) so feeds polling with added_after never skip a late commit.',
  },
  { key: 'shutdownTimeoutMs', env: 'PUENTE_SHUTDOWN_TIMEOUT_MS', type: 'int', default: 30000, min: 100, describe: 'How long SIGTERM waits for requests in flight.' },
  // Security
  { key: 'paginationSecret', env: 'PUENTE_PAGINATION_SECRET', type: 'string', describe: 'HMAC key for `next` tokens (32+ chars). Unset: a random key per process (tokens do not survive a restart).' },
  { key: 'jwksPath', env: 'PUENTE_JWKS_PATH', type: 'string', describe: 'JWKS file of token verification keys; re-read when it changes. Unset: development principal (loopback only).' },
  { key: 'jwtIssuer', env: 'PUENTE_JWT_ISSUER', type: 'string', default: 'puente', describe: 'Required `iss` of tokens.' },
  { key: 'jwtAudience', env: 'PUENTE_JWT_AUDIENCE', type: 'string', default: 'puente', describe: 'Required `aud` of tokens.' },
  { key: 'allowHs256', env: 'PUENTE_ALLOW_HS256', type: 'bool', default: false, describe: 'Accept HS256 tokens signed with PUENTE_HS256_SECRET.' },
  { key: 'hs256Secret', env: 'PUENTE_HS256_SECRET', type: 'string', describe: 'Shared secret for HS256 (32+ chars); only with PUENTE_ALLOW_HS256.' },
  { key: 'revokedPath', env: 'PUENTE_REVOKED_PATH', type: 'string', describe: 'JSON file listing revoked token ids (`jti`); re-read when it changes.' },
  { key: 'clockToleranceSeconds', env: 'PUENTE_CLOCK_TOLERANCE_SECONDS', type: 'int', default: 30, min: 0, max: 300, describe: 'Clock skew allowed on `exp`/`nbf`.' },
  // Jobs and logs
  { key: 'jobsEnabled', env: 'PUENTE_JOBS_ENABLED', type: 'bool', default: true, describe: 'Run scheduled jobs in this instance.' },
  { key: 'correlationSchedule', env: 'PUENTE_CORRELATION_SCHEDULE', type: 'string', default: '*/5 * * * *', describe: 'Cron schedule of the correlation job.' },
  { key: 'statusCleanupSchedule', env: 'PUENTE_STATUS_CLEANUP_SCHEDULE', type: 'string', default: '17 * * * *', describe: 'Cron schedule of the job deleting expired status resources.' },
  { key: 'jobLeaseSeconds', env: 'PUENTE_JOB_LEASE_SECONDS', type: 'int', default: 120, min: 10, describe: 'Lifetime of a job lease; a running job renews it every third of that. A crashed instance\'s lease is taken over once it expires.' },
  { key: 'puenteIdentity', env: 'PUENTE_IDENTITY', type: 'string', default: 'identity--8e2a4f1c-3b5d-5c7e-9f01-70756e746531', describe: 'STIX identity id of this deployment; signs correlation alerts (created_by_ref).' },
  { key: 'correlationWindowDays', env: 'PUENTE_CORRELATION_WINDOW_DAYS', type: 'int', default: 30, min: 1, max: 365, describe: 'Recurrence window of the correlation rules, in days.' },
  { key: 'correlationMaxHops', env: 'PUENTE_CORRELATION_MAX_HOPS', type: 'int', default: 2, min: 1, max: 4, describe: 'Longest relationship path from a threat to a critical target.' },
  { key: 'correlationSettleMs', env: 'PUENTE_CORRELATION_SETTLE_MS', type: 'int', default: 5000, min: 0, describe: 'Objects younger than this wait for the next correlation run (another instance\'s write may still commit with an earlier date_added).' },
  { key: 'correlationConfigPath', env: 'PUENTE_CORRELATION_CONFIG', type: 'string', describe: 'JSON file of per-trust-group correlation settings (criticalSectors, protectedAssets); see docs/correlation.md.' },
  { key: 'attackIcsPath', env: 'PUENTE_ATTACK_ICS_PATH', type: 'string', default: 'reference/ics-attack/ics-attack-18.1.json', describe: 'MITRE ATT&CK for ICS STIX bundle for the ics-techniques rule (relative to the installation).' },
  { key: 'logLevel', env: 'PUENTE_LOG_LEVEL', type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], describe: 'pino log level.' },
  { key: 'disarmPath', env: 'PUENTE_DISARM_PATH', type: 'string', default: 'reference/disarm/DISARM.json', describe: 'DISARM framework STIX bundle for the influence rules and the frameworks collection (relative to the installation).' },
  { key: 'frameworksSeed', env: 'PUENTE_FRAMEWORKS_SEED', type: 'bool', default: true, describe: 'Seed each trust group\'s read-only frameworks collection with DISARM and ATT&CK for ICS at start-up (idempotent).' },
  // Exports (server/exports/)
  {
    key: 'indicatorLifetimes',
    env: 'PUENTE_INDICATOR_LIFETIMES',
    type: 'string',
    describe: 'Indicator decay in exports: JSON {"<trust group> or *": {"<observable kind>": <days>}}, e.g. {"*":{"ipv4":30,"ipv6":30,"domain":90,"url":90,"sha256":365}}. A value older than its lifetime (from the latest version or the newest sighting) drops out of exports, never out of TAXII. Unset: no decay.',
  },
  // Alert notifications (server/alerts/notify.ts)
  { key: 'alertNotifyMinSeverity', env: 'PUENTE_ALERT_NOTIFY_MIN_SEVERITY', type: 'enum', default: 'high', values: SEVERITIES, describe: 'New correlation alerts at or above this severity are notified (webhook, e-mail).' },
  { key: 'alertWebhookUrl', env: 'PUENTE_ALERT_WEBHOOK_URL', type: 'string', describe: 'URL that new alerts are POSTed to as JSON. Unset: no webhook.' },
  { key: 'smtpUrl', env: 'PUENTE_SMTP_URL', type: 'string', describe: 'SMTP server for alert e-mail (smtp://user:pass@host:587 or smtps://…). Unset: no e-mail.' },
  { key: 'alertEmailTo', env: 'PUENTE_ALERT_EMAIL_TO', type: 'list', default: [], describe: 'Comma-separated recipients of alert e-mail.' },
  { key: 'alertEmailFrom', env: 'PUENTE_ALERT_EMAIL_FROM', type: 'string', default: 'puente@localhost', describe: 'Sender of alert e-mail.' },
  // Push
  { key: 'streamPollMs', env: 'PUENTE_STREAM_POLL_MS', type: 'int', default: 1000, min: 50, max: 60000, describe: 'How often an open event stream (`…/stream/`) reads storage for new objects.' },
  { key: 'webhookTickMs', env: 'PUENTE_WEBHOOK_TICK_MS', type: 'int', default: 2000, min: 20, max: 600000, describe: 'How often the webhook deliverer looks for due webhooks (it is also woken after each ingest).' },
  { key: 'webhookBatchMax', env: 'PUENTE_WEBHOOK_BATCH_MAX', type: 'int', default: 500, min: 1, max: 10000, describe: 'Most objects one webhook delivery may carry (a webhook\'s own batch_size is capped by it).' },
  { key: 'webhookTimeoutMs', env: 'PUENTE_WEBHOOK_TIMEOUT_MS', type: 'int', default: 10000, min: 100, max: 120000, describe: 'How long one webhook delivery waits for the receiver\'s answer before counting as a failure.' },
  { key: 'webhookRetryBaseMs', env: 'PUENTE_WEBHOOK_RETRY_BASE_MS', type: 'int', default: 30000, min: 0, max: 3600000, describe: 'First backoff after a failed webhook delivery; doubled after each further failure, with full jitter.' },
  { key: 'webhookRetryMaxMs', env: 'PUENTE_WEBHOOK_RETRY_MAX_MS', type: 'int', default: 3600000, min: 1, max: 86400000, describe: 'Longest backoff between two attempts of a webhook delivery.' },
  { key: 'webhookRetryHours', env: 'PUENTE_WEBHOOK_RETRY_HOURS', type: 'int', default: 24, min: 1, max: 720, describe: 'A webhook still failing this long after its first failure is paused until an admin resumes it.' },
  { key: 'webhookMaxFailures', env: 'PUENTE_WEBHOOK_MAX_FAILURES', type: 'int', default: 10, min: 1, max: 1000, describe: 'Consecutive failed deliveries after which a webhook is paused until an admin resumes it.' },
] as const satisfies readonly Setting[];
