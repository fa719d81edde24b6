/** TAXII 2.1 §1.6.8 media types. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

interface MediaRange {
  type: string;
  subtype: string;
  version?: string;
}

function parseRange(part: string): MediaRange | undefined {
  const [essence, ...params] = part.split(';').map((s) => s.trim());
  const [type, subtype] = (essence ?? '').toLowerCase().split('/');
  if (!type || !subtype) return undefined;
  let version: string | undefined;
  for (const p of params) {
    const [k, v] = p.split('=').map((s) => s.trim().toLowerCase());
    if (k === 'version') version = v?.replace(/^"|"$/g, '');
  }
  return { type, subtype, version };
}

/**
 * TAXII 2.1 §1.6.8.1: a client asks for application/taxii+json;version=2.1. We also accept
 * application/taxii+json without a version (means the latest), and wildcards.
 */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const r = parseRange(part);
    if (!r) return false;
    if (r.type === '*' && r.subtype === '*') return true;
    if (r.type !== 'application') return false;
    if (r.subtype === '*') return true;
    return r.subtype === 'taxii+json' && (r.version === undefined || r.version === '2.1');
  });
}

/** TAXII 2.1 §5.4: the add-objects body is application/taxii+json;version=2.1. */
export function isTaxiiContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const r = parseRange(contentType);
  return !!r && r.type === 'application' && r.subtype === 'taxii+json' && (r.version === undefined || r.version === '2.1');
}

/** Puente's own JSON endpoints (search, alerts): application/json, or a wildcard, or no Accept. */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const r = parseRange(part);
    return !!r && ((r.type === '*' && r.subtype === '*') || (r.type === 'application' && (r.subtype === '*' || r.subtype === 'json')));
  });
}

export function isJsonContentType(contentType: string | undefined): boolean {
  const r = contentType ? parseRange(contentType) : undefined;
  return !!r && r.type === 'application' && r.subtype === 'json';
}
