/**
 * Target types of `*_ref` / `*_refs` properties (STIX 2.1 §3.2, §4-§6 per object), and the
 * local references inside the deprecated `observed-data.objects` (§4.13).
 */
import { error, type Report } from '../findings';
import { type Rule, type StixObject, idType, isRecord } from './types';

/** Allowed target types; '@sdo' and '@sco' stand for every SDO / every SCO type. */
type Targets = readonly string[];

const COMMON: Record<string, Targets> = {
  created_by_ref: ['identity'],
  object_marking_refs: ['marking-definition'],
};

const ADDR = ['ipv4-addr', 'ipv6-addr', 'mac-addr', 'domain-name'];

export const REF_TARGETS: Record<string, Record<string, Targets>> = {
  sighting: { sighting_of_ref: ['@sdo'], observed_data_refs: ['observed-data'], where_sighted_refs: ['identity', 'location'] },
  relationship: { source_ref: ['@sdo', '@sco'], target_ref: ['@sdo', '@sco'] },
  malware: { sample_refs: ['file', 'artifact'], operating_system_refs: ['software'] },
  'malware-analysis': {
    host_vm_ref: ['software'],
    operating_system_ref: ['software'],
    installed_software_refs: ['software'],
    analysis_sco_refs: ['@sco'],
    sample_ref: ['file', 'artifact', 'network-traffic'],
  },
  'observed-data': { object_refs: ['@sco', 'relationship', 'sighting'] },
  directory: { contains_refs: ['file', 'directory'] },
  'domain-name': { resolves_to_refs: ['ipv4-addr', 'ipv6-addr', 'domain-name'] },
  'email-addr': { belongs_to_ref: ['user-account'] },
  'email-message': {
    from_ref: ['email-addr'],
    sender_ref: ['email-addr'],
    to_refs: ['email-addr'],
    cc_refs: ['email-addr'],
    bcc_refs: ['email-addr'],
    raw_email_ref: ['artifact'],
  },
  file: { parent_directory_ref: ['directory'], content_ref: ['artifact'], contains_refs: ['@sco'] },
  'ipv4-addr': { resolves_to_refs: ['mac-addr'], belongs_to_refs: ['autonomous-system'] },
  'ipv6-addr': { resolves_to_refs: ['mac-addr'], belongs_to_refs: ['autonomous-system'] },
  'network-traffic': {
    src_ref: ADDR,
    dst_ref: ADDR,
    src_payload_ref: ['artifact'],
    dst_payload_ref: ['artifact'],
    encapsulates_refs: ['network-traffic'],
    encapsulated_by_ref: ['network-traffic'],
  },
  process: {
    opened_connection_refs: ['network-traffic'],
    creator_user_ref: ['user-account'],
    image_ref: ['file'],
    parent_ref: ['process'],
    child_refs: ['process'],
  },
  'windows-registry-key': { creator_user_ref: ['user-account'] },
};

/** References held inside extensions or lists of sub-objects: [container path, property, targets]. */
const NESTED: Record<string, [string[], string, Targets][]> = {
  'email-message': [[['body_multipart', '*'], 'body_raw_ref', ['artifact', 'file']]],
  file: [
    [['extensions', 'archive-ext'], 'contains_refs', ['file', 'directory']],
  ],
  'network-traffic': [[['extensions', 'http-request-ext'], 'message_body_data_ref', ['artifact']]],
  process: [[['extensions', 'windows-service-ext'], 'service_dll_refs', ['file']]],
};

function describe(targets: Targets): string {
  return targets.map((t) => (t === '@sdo' ? 'an SDO' : t === '@sco' ? 'an SCO' : `'${t}'`)).join(' or ');
}

/** Decides whether a type is allowed; `isSco` judges custom types by the caller's knowledge. */
function allowed(t: string, targets: Targets, sdo: Set<string>, sco: (t: string) => boolean): boolean {
  for (const x of targets) {
    if (x === t) return true;
    if (x === '@sdo' && sdo.has(t)) return true;
    if (x === '@sco' && sco(t)) return true;
  }
  return false;
}

function checkRefs(
  value: unknown,
  prop: string,
  targets: Targets,
  path: string,
  report: Report,
  sdo: Set<string>,
  sco: (t: string) => boolean,
): void {
  if (targets.length === 0) return;
  const list = Array.isArray(value) ? value : [value];
  for (let i = 0; i < list.length; i++) {
    const t = idType(list[i]);
    if (t === undefined) continue; // the schema reports malformed identifiers
    if (!allowed(t, targets, sdo, sco)) {
      error(
        report,
        Array.isArray(value) ? `${path}/${i}` : path,
        'ref-target-type',
        `'${prop}' must refer to ${describe(targets)}, not to a '${t}' (${String(list[i])})`,
      );
    }
  }
}

export function makeScoTest(standardSco: Set<string>, sdo: Set<string>, sro: Set<string>): (t: string) => boolean {
  const notSco = new Set([...sdo, ...sro, 'marking-definition', 'language-content', 'extension-definition', 'bundle']);
  // A custom type is taken for an SCO unless it is a known non-SCO type: ids alone cannot tell.
  return (t) => standardSco.has(t) || !notSco.has(t);
}

function walk(obj: unknown, segments: string[], visit: (container: Record<string, unknown>, path: string) => void, path = ''): void {
  if (segments.length === 0) {
    if (isRecord(obj)) visit(obj, path);
    return;
  }
  const [head, ...rest] = segments;
  if (head === '*') {
    if (Array.isArray(obj)) obj.forEach((v, i) => walk(v, rest, visit, `${path}/${i}`));
  } else if (isRecord(obj)) {
    walk(obj[head], rest, visit, `${path}/${head}`);
  }
}

export function referenceRulesFor(sdo: Set<string>, sro: Set<string>, standardSco: Set<string>): Rule {
  const sco = makeScoTest(standardSco, sdo, sro);
  return (obj: StixObject, type: string, report: Report) => {
    for (const prop in COMMON) if (prop in obj) checkRefs(obj[prop], prop, COMMON[prop], `/${prop}`, report, sdo, sco);
    const own = REF_TARGETS[type];
    if (own) for (const prop in own) if (prop in obj) checkRefs(obj[prop], prop, own[prop], `/${prop}`, report, sdo, sco);
    const nested = NESTED[type];
    if (nested) {
      for (const [segments, prop, targets] of nested) {
        walk(obj, segments, (c, path) => {
          if (prop in c) checkRefs(c[prop], prop, targets, `${path}/${prop}`, report, sdo, sco);
        });
      }
    }
  };
}

/**
 * Deprecated `observed-data.objects`: references are keys of the same dictionary and must
 * resolve there to an object of the right type.
 */
export function checkLocalReferences(objects: Record<string, unknown>, report: Report): void {
  for (const key of Object.keys(objects)) {
    const o = objects[key];
    if (!isRecord(o) || typeof o.type !== 'string') continue;
    const table = REF_TARGETS[o.type];
    const refs: [string, unknown, Targets, string][] = [];
    if (table) for (const prop in table) if (prop in o) refs.push([prop, o[prop], table[prop], `/objects/${key}/${prop}`]);
    const nested = NESTED[o.type];
    if (nested) {
      for (const [segments, prop, targets] of nested) {
        walk(o, segments, (c, path) => {
          if (prop in c) refs.push([prop, c[prop], targets, `/objects/${key}${path}/${prop}`]);
        });
      }
    }
    for (const [prop, value, targets, path] of refs) {
      if (targets.length === 0) continue;
      const list = Array.isArray(value) ? value : [value];
      for (const ref of list) {
        const target = typeof ref === 'string' ? objects[ref] : undefined;
        if (!isRecord(target)) {
          error(report, path, 'ref-unresolved', `'${prop}' in observable '${key}' refers to '${String(ref)}', which is not a key of 'objects'`);
        } else if (typeof target.type === 'string' && !targets.includes(target.type) && !targets.includes('@sco')) {
          error(report, path, 'ref-target-type', `'${prop}' in observable '${key}' must refer to ${describe(targets)}, not to a '${target.type}'`);
        }
      }
    }
  }
}
