// Puente console: plain ES modules, hash routes, every page a view of the hub's API.
import { api, ApiError, h, session, tlpBadge, TLP_IDS } from './api.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const groupSelect = document.getElementById('group');

function show(title, ...content) {
  document.title = `${title} · Puente`;
  main.replaceChildren(h('h2', {}, title), ...content);
  main.focus();
}

function failure(err) {
  const text = err instanceof ApiError && err.status === 404 ? 'Not found (or not yours to see).' : err.message;
  return h('p', { class: 'error', role: 'alert' }, text);
}

const g = () => encodeURIComponent(session.group);
const objectHref = (col, id) => `#/object/${encodeURIComponent(col)}/${encodeURIComponent(id)}`;

// ---------------------------------------------------------------- login
async function login() {
  nav.hidden = true;
  const token = h('textarea', { id: 'token', rows: 4, cols: 60, required: true, autocomplete: 'off' });
  const msg = h('p', { 'aria-live': 'assertive' });
  const form = h('form', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      session.token = token.value.trim();
      try {
        const d = await api.taxii('/taxii2/');
        const groups = d.api_roots.map((u) => new URL(u, location.href).pathname.split('/').filter(Boolean).pop());
        if (!groups.length) throw new Error('This token belongs to no trust group.');
        sessionStorage.setItem('puente.groups', JSON.stringify(groups));
        session.group = groups[0];
        location.hash = '#/search';
      } catch (err) {
        session.token = '';
        msg.replaceChildren(failure(err));
      }
    },
  }, h('div', {}, h('label', { for: 'token' }, 'Bearer token'), token), h('button', { type: 'submit' }, 'Log in'));
  show('Log in', form, msg);
}

function setupNav() {
  const groups = JSON.parse(sessionStorage.getItem('puente.groups') ?? '[]');
  groupSelect.replaceChildren(...groups.map((x) => h('option', { value: x, selected: x === session.group }, x)));
  nav.hidden = false;
}
groupSelect.addEventListener('change', () => { session.group = groupSelect.value; route(); });
document.getElementById('logout').addEventListener('click', () => { sessionStorage.clear(); location.hash = '#/login'; });

// ---------------------------------------------------------------- collections and objects
async function collections() {
  const d = await api.taxii(`/${g()}/collections/`);
  show('Collections', h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Collection'), h('th', {}, 'Alias'), h('th', {}, 'Access'))),
    h('tbody', {}, d.collections.map((c) => h('tr', {},
      h('td', {}, h('a', { href: `#/objects/${encodeURIComponent(c.id)}` }, c.title)), h('td', {}, c.alias),
      h('td', {}, [c.can_read ? 'read' : '', c.can_write ? 'write' : ''].filter(Boolean).join(', ')))))));
}

async function objects(col) {
  const d = await api.taxii(`/${g()}/collections/${encodeURIComponent(col)}/objects/?limit=100`);
  const rows = (d.objects ?? []).map((o) => h('tr', {},
    h('td', {}, o.type), h('td', {}, h('a', { href: objectHref(col, o.id) }, o.name ?? o.value ?? o.id)),
    h('td', {}, tlpBadge(tlpOf(o))), h('td', {}, o.modified ?? '')));
  show('Objects', h('p', {}, h('a', { href: '#/collections' }, 'All collections')),
    rows.length ? h('table', {}, h('thead', {}, h('tr', {}, ['Type', 'Name', 'TLP', 'Modified'].map((x) => h('th', {}, x)))), h('tbody', {}, rows)) : h('p', {}, 'No objects.'),
    d.more ? h('p', { class: 'muted' }, 'First 100 shown; use search to narrow.') : '');
}

function tlpOf(o) {
  for (const m of o.object_marking_refs ?? []) if (TLP_IDS[m]) return TLP_IDS[m];
  return null;
}

async function object(col, id) {
  const d = await api.taxii(`/${g()}/collections/${encodeURIComponent(col)}/objects/${encodeURIComponent(id)}/`);
  const o = d.objects[d.objects.length - 1];
  const markings = h('ul', {}, (o.object_marking_refs ?? []).map((m) => h('li', {}, TLP_IDS[m] ? tlpBadge(TLP_IDS[m]) : m)));
  const graph = h('div', { id: 'graph', role: 'img', 'aria-label': 'Relationship graph; the same links are listed below' });
  const links = h('ul', { id: 'links' });
  show(`${o.type}: ${o.name ?? o.value ?? o.id}`,
    h('h3', {}, 'Markings'), (o.object_marking_refs ?? []).length ? markings : h('p', {}, tlpBadge(null)),
    h('h3', {}, 'Relationships'), graph, links,
    h('h3', {}, 'STIX'), h('pre', { tabindex: 0, 'aria-label': 'STIX JSON' }, JSON.stringify(o, null, 2)));
  try {
    const n = await api.get(`/${g()}/search/neighbourhood/${encodeURIComponent(id)}/?hops=2`);
    const names = new Map(n.nodes.map((x) => [x.id, x]));
    links.replaceChildren(...n.edges.map((e) => h('li', {},
      h('a', { href: objectHref(names.get(e.source).collection, e.source) }, names.get(e.source).name), ` ${e.type} `,
      h('a', { href: objectHref(names.get(e.target).collection, e.target) }, names.get(e.target).name))));
    if (!n.edges.length) links.replaceChildren(h('li', {}, 'No relationships.'));
    const { drawGraph } = await import('./graph.js');
    drawGraph(graph, n, (c, x) => { location.hash = objectHref(c, x); });
  } catch (err) {
    links.replaceChildren(h('li', {}, failure(err)));
  }
}

// ---------------------------------------------------------------- search
function resultsTable(results) {
  if (!results.length) return h('p', { id: 'results' }, 'No matches.');
  return h('table', { id: 'results' }, h('thead', {}, h('tr', {}, ['Type', 'Name', 'Collection', 'TLP', 'Source', 'Other groups', 'Added'].map((x) => h('th', {}, x)))),
    h('tbody', {}, results.map((r) => h('tr', {},
      h('td', {}, r.object.type), h('td', {}, h('a', { href: objectHref(r.collection.id, r.object.id) }, r.object.name ?? r.object.id)),
      h('td', {}, r.collection.alias), h('td', {}, tlpBadge(r.tlp)), h('td', {}, r.source_organisation),
      h('td', {}, r.other_groups === undefined ? '' : String(r.other_groups)), h('td', {}, r.date_added)))));
}

async function search() {
  const out = h('div', { 'aria-live': 'polite' });
  const run = async (fn) => {
    out.replaceChildren(h('p', {}, 'Searching…'));
    try {
      const d = await fn();
      out.replaceChildren(...(d.unrecognised ? [h('p', {}, `Not recognised: ${d.unrecognised.join(', ')}`)] : []), resultsTable(d.results),
        d.facets ? h('p', {}, `By type: ${Object.entries(d.facets.type).map(([k, v]) => `${k} ${v}`).join(', ')}`) : '',
        d.more ? h('p', { class: 'muted' }, 'More results: narrow the search.') : '');
    } catch (err) {
      out.replaceChildren(failure(err));
    }
  };
  const value = h('input', { id: 'value', type: 'search', required: true, placeholder: '203.0.113.5, evil.example, a hash…' });
  const bulk = h('textarea', { id: 'bulk', rows: 4, cols: 40, required: true });
  const words = h('input', { id: 'words', type: 'search', required: true });
  show('Search',
    h('form', { onsubmit: (ev) => { ev.preventDefault(); run(() => api.get(`/${g()}/search/observables/?value=${encodeURIComponent(value.value.trim())}`)); } },
      h('div', {}, h('label', { for: 'value' }, 'Observable value'), value), h('button', { type: 'submit' }, 'Look up')),
    h('form', { onsubmit: (ev) => { ev.preventDefault(); run(() => api.post(`/${g()}/search/observables/`, { values: bulk.value.split('\n').map((x) => x.trim()).filter(Boolean).slice(0, 1000) })); } },
      h('div', {}, h('label', { for: 'bulk' }, 'Values, one per line (up to 1,000)'), bulk), h('button', { type: 'submit' }, 'Look up all')),
    h('form', { onsubmit: (ev) => { ev.preventDefault(); run(() => api.get(`/${g()}/search/objects/?q=${encodeURIComponent(words.value)}&facets=true`)); } },
      h('div', {}, h('label', { for: 'words' }, 'Words in name, description, aliases, labels'), words), h('button', { type: 'submit' }, 'Search text')),
    out);
}

// ---------------------------------------------------------------- alerts
async function alerts(params) {
  const q = new URLSearchParams(params);
  const filter = (name, options) => h('div', {}, h('label', { for: `f-${name}` }, name),
    h('select', { id: `f-${name}`, name }, h('option', { value: '' }, 'any'), options.map((o) => h('option', { value: o, selected: q.get(name) === o }, o))));
  const form = h('form', { onsubmit: (ev) => { ev.preventDefault(); const f = new FormData(form); location.hash = `#/alerts?${new URLSearchParams([...f].filter(([, v]) => v))}`; } },
    filter('status', ['new', 'acknowledged', 'in_progress', 'closed']), filter('severity', ['low', 'medium', 'high', 'critical']),
    h('div', {}, h('label', { for: 'f-rule' }, 'rule'), h('input', { id: 'f-rule', name: 'rule', value: q.get('rule') ?? '' })), h('button', { type: 'submit' }, 'Filter'));
  const d = await api.get(`/${g()}/alerts/?${new URLSearchParams([...q].filter(([, v]) => v))}`);
  let current = 0;
  const rows = d.alerts.map((a, i) => h('tr', { 'data-id': a.id, tabindex: -1 },
    h('td', {}, h('input', { type: 'checkbox', 'aria-label': `Select ${a.name}`, value: a.id })),
    h('td', {}, a.severity), h('td', {}, h('a', { href: `#/alert/${encodeURIComponent(a.id)}` }, a.name)), h('td', {}, a.rule),
    h('td', { class: 'status' }, a.state.status), h('td', {}, a.state.assignee ?? ''), h('td', {}, tlpBadge(a.tlp)), h('td', {}, a.date_added)));
  const focus = (i) => { rows.forEach((r) => r.classList.remove('current')); current = Math.max(0, Math.min(rows.length - 1, i)); rows[current]?.classList.add('current'); rows[current]?.focus(); };
  const ack = async (ids) => { if (ids.length) { await api.post(`/${g()}/alerts/acknowledge/`, { ids }); await alerts(params); } };
  const table = h('table', {
    id: 'queue',
    onkeydown: async (ev) => {
      if (ev.target.tagName === 'INPUT' && ev.key !== 'Escape') return;
      const row = rows[current];
      if (ev.key === 'j' || ev.key === 'ArrowDown') { ev.preventDefault(); focus(current + 1); }
      else if (ev.key === 'k' || ev.key === 'ArrowUp') { ev.preventDefault(); focus(current - 1); }
      else if (ev.key === 'x' && row) { const c = row.querySelector('input'); c.checked = !c.checked; }
      else if (ev.key === 'a' && row) await ack([row.dataset.id]);
      else if (ev.key === 'Enter' && row) location.hash = `#/alert/${encodeURIComponent(row.dataset.id)}`;
    },
  }, h('caption', {}, 'Keys: j/k or arrows move, x selects, a acknowledges, Enter opens'),
  h('thead', {}, h('tr', {}, ['', 'Severity', 'Alert', 'Rule', 'Status', 'Assignee', 'TLP', 'Added'].map((x) => h('th', {}, x)))), h('tbody', {}, rows));
  show('Alert queue', form,
    h('p', {}, h('button', { type: 'button', id: 'ack-selected', onclick: () => ack([...table.querySelectorAll('input:checked')].map((c) => c.value)) }, 'Acknowledge selected')),
    rows.length ? table : h('p', {}, 'No alerts match.'));
  if (rows.length) focus(0);
}

async function alert(id) {
  const a = await api.get(`/${g()}/alerts/${encodeURIComponent(id)}/`);
  const sel = (name, options, value) => h('div', {}, h('label', { for: `a-${name}` }, name),
    h('select', { id: `a-${name}`, name }, h('option', { value: '' }, '(unchanged)'), options.map((o) => h('option', { value: o, selected: o === value }, o))));
  const msg = h('p', { 'aria-live': 'assertive' });
  const form = h('form', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const body = {};
      if (f.get('status') && f.get('status') !== a.state.status) body.status = f.get('status');
      if (body.status === 'closed') body.reason = f.get('reason') || undefined;
      if (f.get('assignee') !== (a.state.assignee ?? '')) body.assignee = f.get('assignee') || null;
      if (f.get('comment')) body.comment = f.get('comment');
      if (f.get('allow')) body.allow = true;
      try { await api.post(`/${g()}/alerts/${encodeURIComponent(id)}/`, body); await alert(id); } catch (err) { msg.replaceChildren(failure(err)); }
    },
  }, sel('status', ['new', 'acknowledged', 'in_progress', 'closed'], a.state.status), sel('reason', ['true_positive', 'false_positive', 'duplicate', 'benign'], a.state.reason),
  h('div', {}, h('label', { for: 'a-assignee' }, 'assignee'), h('input', { id: 'a-assignee', name: 'assignee', value: a.state.assignee ?? '' })),
  h('div', {}, h('label', { for: 'a-comment' }, 'comment'), h('textarea', { id: 'a-comment', name: 'comment', rows: 2, cols: 40 })),
  h('div', {}, h('label', { for: 'a-allow' }, 'allow-list (false positive)'), h('input', { id: 'a-allow', name: 'allow', type: 'checkbox' })),
  h('button', { type: 'submit' }, 'Save'));
  show(`Alert: ${a.name}`,
    h('p', {}, `Severity ${a.severity}, rule ${a.rule}, `, tlpBadge(a.tlp), `, status `, h('strong', { id: 'alert-status' }, a.state.status), a.state.reason ? ` (${a.state.reason})` : ''),
    h('p', {}, h('a', { href: '#/alerts' }, 'Back to the queue')),
    form, msg,
    h('h3', {}, 'Evidence'), h('ul', {}, a.object_refs.map((r) => h('li', {}, r))),
    h('h3', {}, 'Comments'), h('ul', {}, a.state.comments.map((c) => h('li', {}, `${c.at} ${c.by}: ${c.text}`))),
    h('h3', {}, 'History'), h('ol', { id: 'history' }, a.state.history.map((x) => h('li', {}, `${x.at} ${x.by}: ${JSON.stringify(x.change)}`))),
    h('h3', {}, 'Grouping'), h('pre', { tabindex: 0 }, JSON.stringify(a.grouping, null, 2)));
}

// ---------------------------------------------------------------- dashboard
/** Objects per day as bars with their number written beside them (no colour-only cue), and the same as a table for screen readers. */
function perDay(days) {
  const max = Math.max(1, ...days.map((d) => d.objects));
  const label = (d) => `${d.date}: ${d.objects} object${d.objects === 1 ? '' : 's'}`;
  return h('section', { class: 'wide', 'aria-labelledby': 'per-day' }, h('h3', { id: 'per-day' }, `Objects added per day (last ${days.length} days)`),
    h('div', { class: 'bars', 'aria-hidden': 'true' }, days.map((d) => h('div', { class: 'bar-row', title: label(d) },
      h('span', { class: 'bar-date' }, d.date.slice(5)),
      h('span', { class: 'bar', style: `width: ${Math.round((d.objects / max) * 100)}%` }),
      h('span', { class: 'bar-n' }, String(d.objects))))),
    h('table', { class: 'sr-only' }, h('caption', {}, 'Objects added per day'),
      h('tbody', {}, days.map((d) => h('tr', {}, h('th', { scope: 'row' }, d.date), h('td', {}, String(d.objects)))))));
}

/** Feed health for group admins (the subscriptions API answers 404 to anyone else, as if there were none). */
async function feedHealth() {
  let subs;
  try {
    subs = (await api.taxii(`/${g()}/admin/subscriptions/`)).subscriptions;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return h('section', {}, h('h3', {}, 'Feeds'), h('p', { class: 'muted' }, 'Feed health is shown to the group\'s admins.'));
    throw err;
  }
  const state = (s) => (!s.enabled ? 'paused' : s.health.consecutive_failures > 0 ? `failing (${s.health.consecutive_failures} in a row)` : s.health.last_success ? 'ok' : 'not run yet');
  return h('section', { class: 'wide' }, h('h3', {}, 'Feeds'), subs.length === 0 ? h('p', { class: 'muted' }, 'No subscriptions.') :
    h('table', {}, h('thead', {}, h('tr', {}, ['Feed', 'Kind', 'State', 'Last success', 'Last error'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, subs.map((s) => h('tr', {}, h('td', {}, s.name), h('td', {}, s.kind), h('td', {}, state(s)),
        h('td', {}, s.health.last_success ?? '—'), h('td', {}, s.health.last_error ?? '—'))))));
}

async function dashboard() {
  const [objs, queue, activity, feeds] = await Promise.all([
    api.get(`/${g()}/search/objects/?facets=true&limit=1`), api.get(`/${g()}/alerts/?limit=1000`), api.get(`/${g()}/search/activity/?days=14`), feedHealth(),
  ]);
  const count = (xs, key) => xs.reduce((m, x) => ((m[key(x)] = (m[key(x)] ?? 0) + 1), m), {});
  const card = (title, counts, note) => h('section', {}, h('h3', {}, title),
    h('table', {}, h('tbody', {}, Object.entries(counts).sort().map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, String(v)))))), note ? h('p', { class: 'muted' }, note) : '');
  const partial = objs.facets.complete ? '' : `counted over the first ${objs.facets.counted}`;
  show(`Dashboard: ${session.group}`, h('div', { class: 'cards' },
    perDay(activity.days),
    card('Objects by type', objs.facets.type, partial), card('Objects by TLP', objs.facets.tlp, partial),
    card('Alerts by severity', count(queue.alerts, (a) => a.severity)), card('Alerts by status', count(queue.alerts, (a) => a.state.status)),
    feeds));
}

// ---------------------------------------------------------------- router
async function route() {
  const [path, query = ''] = location.hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (!session.token || parts[0] === 'login') return login();
  setupNav();
  try {
    switch (parts[0]) {
      case 'collections': return await collections();
      case 'objects': return await objects(parts[1]);
      case 'object': return await object(parts[1], parts[2]);
      case 'alerts': return await alerts(query);
      case 'alert': return await alert(parts[1]);
      case 'dashboard': return await dashboard();
      default: return await search();
    }
  } catch (err) {
    show('Error', failure(err));
  }
}
window.addEventListener('hashchange', route);
route();
