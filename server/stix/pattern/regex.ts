// STIX 2.1 §9.5: MATCHES takes a PCRE regular expression. We run a PCRE subset on JavaScript's
// RegExp: leading inline flags `(?i)`, `(?m)`, `(?s)` become RegExp flags; anything else must
// be valid JavaScript syntax (no possessive quantifiers, atomic groups, \A or \Z).

const cache = new Map<string, RegExp | string>();
const CACHE_LIMIT = 2048;

/** Compiles a MATCHES operand; returns the RegExp or the reason it does not compile. */
export function compileMatches(source: string): RegExp | string {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  let body = source;
  let flags = '';
  if (body.charCodeAt(0) === 40 && body.charCodeAt(1) === 63) {
    const close = body.indexOf(')');
    const inline = close > 2 ? body.slice(2, close) : '';
    if (/^[ims]+$/.test(inline)) {
      for (const f of inline) if (!flags.includes(f)) flags += f;
      body = body.slice(close + 1);
    }
  }
  let result: RegExp | string;
  try {
    result = new RegExp(body, flags);
  } catch (e) {
    result = `MATCHES regular expression does not compile: ${(e as Error).message}`;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, result);
  return result;
}

const likeCache = new Map<string, RegExp>();

/** STIX 2.1 §9.5 LIKE: '%' is any run of characters, '_' is exactly one, the rest is literal. */
export function compileLike(source: string): RegExp {
  const hit = likeCache.get(source);
  if (hit !== undefined) return hit;
  let re = '^';
  for (const ch of source) {
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const result = new RegExp(re + '$', 'u');
  if (likeCache.size >= CACHE_LIMIT) likeCache.clear();
  likeCache.set(source, result);
  return result;
}
