// The console's only way to the hub: the same HTTP API as every client, with the analyst's bearer
// token (kept in sessionStorage: gone when the tab closes). What the API does not return, the
// console cannot show.
export const TAXII = 'application/taxii+json;version=2.1';

export const session = {
  get token() { return sessionStorage.getItem('puente.token') ?? ''; },
  set token(v) { if (v) sessionStorage.setItem('puente.token', v); else sessionStorage.removeItem('puente.token'); },
  get group() { return sessionStorage.getItem('puente.group') ?? ''; },
  set group(v) { sessionStorage.setItem('puente.group', v); },
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.description ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, { accept = 'application/json', body } = {}) {
  const headers = { Authorization: `Bearer ${session.token}`, Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body) => call('POST', path, { body }),
  taxii: (path) => call('GET', path, { accept: TAXII }),
};

/** Builds an element; strings become text nodes (never HTML), so data cannot inject markup. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const TLP_IDS = {
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'clear',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'green',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'amber',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'amber+strict',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'red',
};

export function tlpBadge(tlp) {
  return tlp ? h('span', { class: `tlp tlp-${tlp}` }, `TLP:${tlp.toUpperCase()}`) : h('span', { class: 'muted' }, 'unmarked');
}
