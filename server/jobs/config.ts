/**
 * Per-trust-group correlation settings: the defaults of server/correlation/config.ts, the
 * PUENTE_CORRELATION_* settings, then PUENTE_CORRELATION_CONFIG (a JSON file keyed by group name,
 * "*" for every group). Validated when the hub starts: a typo fails fast instead of matching nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from '../config';
import { defaultConfig, validateConfig, loadIcsTechniques, loadDisarmTechniques, type DisarmTechniques, type GroupCorrelationConfig, type IcsTechniques } from '../correlation';
import { REPO_ROOT } from '../paths';

type Override = Partial<Omit<GroupCorrelationConfig, 'group' | 'puenteIdentity' | 'protectedAssets' | 'targeting' | 'recurrence' | 'influence'>> & {
  influence?: Partial<GroupCorrelationConfig['influence']>;
  protectedAssets?: Partial<GroupCorrelationConfig['protectedAssets']>;
  targeting?: Partial<GroupCorrelationConfig['targeting']>;
  recurrence?: Partial<GroupCorrelationConfig['recurrence']>;
};

export type CorrelationConfigFile = Record<string, Override>;

function apply(base: GroupCorrelationConfig, o: Override | undefined): GroupCorrelationConfig {
  if (!o) return base;
  return {
    ...base,
    ...(o.criticalSectors ? { criticalSectors: o.criticalSectors } : {}),
    protectedAssets: { ...base.protectedAssets, ...o.protectedAssets },
    targeting: { ...base.targeting, ...o.targeting },
    recurrence: { ...base.recurrence, ...o.recurrence },
    influence: { ...base.influence, ...o.influence },
  };
}

function readConfigFile(file: string | undefined): CorrelationConfigFile {
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`PUENTE_CORRELATION_CONFIG=${file}: cannot read it as JSON (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`PUENTE_CORRELATION_CONFIG=${file}: expected a JSON object keyed by trust group (or "*")`);
  }
  return parsed as CorrelationConfigFile;
}

export function correlationConfigs(config: Config, file?: CorrelationConfigFile): (group: string) => GroupCorrelationConfig {
  const overrides = file ?? readConfigFile(config.correlationConfigPath);
  const cache = new Map<string, GroupCorrelationConfig>();
  const build = (group: string) => {
    let c = defaultConfig(group, config.puenteIdentity);
    c.targeting.maxHops = config.correlationMaxHops;
    c.recurrence.windowDays = config.correlationWindowDays;
    c = apply(apply(c, overrides['*']), overrides[group]);
    const problems = validateConfig(c);
    if (problems.length) throw new ConfigError(`PUENTE_CORRELATION_CONFIG: settings of "${group}": ${problems.join('; ')}`);
    return c;
  };
  // Fail at start-up for every group the file names.
  for (const g of Object.keys(overrides)) if (g !== '*') build(g);
  if (overrides['*']) build('*');
  return (group) => {
    let c = cache.get(group);
    if (!c) cache.set(group, (c = build(group)));
    return c;
  };
}

/** ATT&CK for ICS reference data; empty (the ics-techniques rule then matches nothing) if absent. */
export function loadIcs(file: string | undefined, warn: (msg: string) => void, bundle = readBundle(file)): IcsTechniques {
  if (file && !bundle) warn(`correlation.ics_missing: ${path.resolve(REPO_ROOT, file)} not found; the ics-techniques rule is off`);
  return loadIcsTechniques(bundle ?? []);
}

/** DISARM reference data; empty (the influence rules then see no DISARM technique) if absent. */
export function loadDisarm(file: string | undefined, warn: (msg: string) => void, bundle = readBundle(file)): DisarmTechniques {
  if (file && !bundle) warn(`correlation.disarm_missing: ${path.resolve(REPO_ROOT, file)} not found; the influence rules see no DISARM technique`);
  return loadDisarmTechniques(bundle ?? []);
}

/** A reference bundle by path (relative to the installation); undefined when unset or absent. */
export function readBundle(file: string | undefined): { objects?: unknown[] } | undefined {
  if (!file) return undefined;
  const p = path.resolve(REPO_ROOT, file);
  return fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, 'utf8')) as { objects?: unknown[] }) : undefined;
}
