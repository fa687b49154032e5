// mica console: the page shell, the API client and small DOM helpers. Every
// call goes to the real ISC API through the console's same-origin proxy
// (/console/api/...), which adds the signed-in identity's token: the browser
// never holds it.

export const session = { csrf: '', levels: [], userName: '', identityId: '' };

/** An error answer of the API, with a readable message. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Sends the user to sign in, and back to this very page afterwards. */
export function signIn() {
  const next = location.pathname + location.search + location.hash;
  location.assign('/console/login?next=' + encodeURIComponent(next));
}

/** The readable message of an API error body (ErrorResponseDto, {error}, {message}). */
export function errorText(status, body) {
  if (body && Array.isArray(body.messages) && body.messages.length) {
    return body.messages.map((m) => m.text).join(' ');
  }
  if (body && typeof body.error === 'string') return body.error;
  if (status === 429) {
    return 'Too many requests (HTTP 429): the API\'s rate limit for your client is reached. Wait a few seconds and try again.';
  }
  if (body && typeof body.message === 'string') return body.message.trim();
  if (body && body.detailCode) return body.detailCode;
  return `The server answered ${status}.`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** How long a 429 answer asks to wait, in seconds (Retry-After; 1 when absent). */
function retryAfter(res) {
  const n = Number(res.headers.get('Retry-After'));
  return Number.isFinite(n) && n > 0 ? Math.min(60, n) : 1;
}

/**
 * Calls the API as the signed-in identity. path is the API path (/v2025/sources).
 * Returns {data, total, status}; throws ApiError on an error answer. A 401 means
 * the session ended: the user is sent to sign in and comes back here. A 429 (the
 * API's rate limit) is retried after its Retry-After up to `retries` times;
 * `onWait(seconds)` is told before each wait, so that a page can say so instead
 * of looking stalled. The last 429 is thrown with its wait in err.retryAfter.
 */
export async function api(method, path, { query, body, form, retries = 2, onWait } = {}) {
  const headers = { Accept: 'application/json', 'X-SailPoint-Experimental': 'true' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = session.csrf;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let url = '/console/api' + path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    const s = qs.toString();
    if (s) url += '?' + s;
  }
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = text; }
    }
    if (res.status === 401) {
      signIn();
      throw new ApiError(401, 'Your session has ended; signing in again…', data);
    }
    if (res.status === 429) {
      const wait = retryAfter(res);
      if (attempt < retries) {
        if (onWait) onWait(wait);
        await sleep(wait * 1000);
        continue;
      }
      const err = new ApiError(429, `Too many requests (HTTP 429): the API's rate limit for your client is reached; it accepts requests again in ${wait} s.`, data);
      err.retryAfter = wait;
      throw err;
    }
    if (!res.ok) throw new ApiError(res.status, errorText(res.status, data), data);
    const total = res.headers.get('X-Total-Count');
    return { data, status: res.status, total: total === null ? null : Number(total) };
  }
}

/** A V3 filter string literal. */
export function q(v) {
  return '"' + String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** Joins V3 filter terms with `and`. */
export function and(...terms) {
  return terms.filter(Boolean).join(' and ');
}

/**
 * Builds an element. attrs: class, text, on{Event} handlers, dataset, and any
 * attribute; children: nodes, strings, or arrays of them (null is skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = tag === 'svg' || SVG_TAGS.has(tag)
    ? document.createElementNS('http://www.w3.org/2000/svg', tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'value' && 'value' in el && !(el instanceof SVGElement)) el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

const SVG_TAGS = new Set(['g', 'rect', 'text', 'title', 'desc', 'line']);

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces el's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const fmt = new Intl.NumberFormat('en-US');

/** A readable error paragraph, announced to screen readers. */
export function errorBox(err, id) {
  return h('p', { class: 'error', role: 'alert', id }, err instanceof Error ? err.message : String(err));
}

/**
 * A bar's fill of pct % width. The width is set through the CSSOM: the
 * console's Content-Security-Policy allows no style attribute.
 */
export function fillBar(pct, cls = 'fill') {
  const el = h('span', { class: cls });
  el.style.width = `${pct}%`;
  return el;
}

/** A loading placeholder for a card's body, announced to screen readers. */
export function loading(text = 'Loading…') {
  return h('p', { class: 'loading muted', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/**
 * Marks a card busy while work runs (aria-busy) and shows a loading state in
 * its body; done() clears the busy mark.
 */
export function busy(section, body, text) {
  section.setAttribute('aria-busy', 'true');
  fill(body, loading(text));
  return () => section.removeAttribute('aria-busy');
}

/** The message a card shows while a 429 makes it wait. */
export function waitingText(seconds) {
  return `The API's rate limit for your client is reached (HTTP 429); retrying in ${seconds} s…`;
}

/** Formats an ISO time as a short local date and time. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

/** The page's query parameters. */
export function params() {
  return new URLSearchParams(location.search);
}

/** Records page state in the address (so a sign-in returns to the same view). */
export function setParams(values) {
  const p = params();
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === null || v === '' || v === 0) p.delete(k);
    else p.set(k, String(v));
  }
  const s = p.toString();
  history.replaceState(null, '', location.pathname + (s ? '?' + s : '') + location.hash);
}

/**
 * A sortable table. columns: [{label, sort?: sorter name, num?: bool, narrow?: bool,
 * cell(row) -> node|string}]. sort is the current sorter ("name" or "-name").
 */
export function table({ caption, columns, rows, sort, onSort, empty = 'Nothing to show.', rowExtra, rowAttrs, id }) {
  const head = h('tr', {}, columns.map((c) => {
    const cls = [c.num ? 'num' : '', c.narrow ? 'hide-narrow' : ''].join(' ').trim() || undefined;
    if (c.head) return h('th', { scope: 'col', class: cls }, c.head());
    if (!c.sort || !onSort) return h('th', { scope: 'col', class: cls }, c.label);
    const dir = sort === c.sort ? 'ascending' : sort === '-' + c.sort ? 'descending' : null;
    const next = dir === 'ascending' ? '-' + c.sort : c.sort;
    return h('th', { scope: 'col', class: cls, 'aria-sort': dir || 'none' },
      h('button', { type: 'button', class: 'sort', onclick: () => onSort(next),
        title: `Sort by ${c.label}` }, c.label, dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : ''));
  }));
  const body = h('tbody');
  if (!rows.length) body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, empty)));
  for (const r of rows) {
    const tr = h('tr', rowAttrs ? rowAttrs(r) : {}, columns.map((c) => {
      const cls = [c.num ? 'num' : '', c.narrow ? 'hide-narrow' : ''].join(' ').trim() || undefined;
      // data-label names the cell's column where a narrow screen shows rows as cards.
      return h('td', { class: cls, 'data-label': c.label }, c.cell(r));
    }));
    body.append(tr);
    if (rowExtra) rowExtra(r, tr);
  }
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'cards', id }, caption ? h('caption', { class: 'muted' }, caption) : null, h('thead', {}, head), body));
}

/** Previous/next paging over a counted collection. */
export function pager({ offset, limit, total, count, onPage, label }) {
  const from = total === 0 || count === 0 ? 0 : offset + 1;
  const to = offset + count;
  return h('nav', { class: 'pager', 'aria-label': label || 'Pages' },
    h('span', { class: 'muted', 'aria-live': 'polite' },
      total === null ? `${fmt.format(from)}–${fmt.format(to)}` : `${fmt.format(from)}–${fmt.format(to)} of ${fmt.format(total)}`),
    h('button', { type: 'button', disabled: offset <= 0, onclick: () => onPage(Math.max(0, offset - limit)) }, '‹ Previous'),
    h('button', { type: 'button', disabled: total === null ? count < limit : to >= total, onclick: () => onPage(offset + limit) }, 'Next ›'));
}

/** A labelled form field. */
export function field(label, control, { id, hint } = {}) {
  const cid = id || control.id || 'f-' + Math.random().toString(36).slice(2, 9);
  control.id = cid;
  return h('div', { class: 'field' }, h('label', { for: cid }, label), control,
    hint ? h('span', { class: 'muted small' }, hint) : null);
}

/** A <select> of [value, label] pairs. */
export function select(options, value, attrs = {}) {
  return h('select', attrs, options.map(([v, l]) => h('option', { value: v, selected: v === value ? 'selected' : null }, l)));
}

const ROUTES = [
  [/^\/console\/?$/, 'overview', () => import('./overview.js')],
  [/^\/console\/sources\/([^/]+)$/, 'overview', () => import('./source.js')],
  [/^\/console\/machine-accounts$/, 'machine-accounts', () => import('./machine.js')],
  [/^\/console\/machine-identities$/, 'machine-identities', () => import('./identities.js')],
  [/^\/console\/review$/, 'review', () => import('./review.js')],
  [/^\/console\/accounts\/([^/]+)$/, 'review', () => import('./account.js')],
  [/^\/console\/apps$/, 'apps', () => import('./apps.js')],
  [/^\/console\/aggregation$/, 'aggregation', () => import('./aggregation.js')],
];

async function boot() {
  const main = document.getElementById('main');
  const res = await fetch('/console/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (res.status === 401) return signIn();
  if (!res.ok) return fill(main, errorBox(`The console could not start (${res.status}).`));
  Object.assign(session, await res.json());
  document.getElementById('signout-csrf').value = session.csrf;
  document.getElementById('who').textContent =
    `Signed in as ${session.userName || session.identityId}` + (session.levels.length ? ` (${session.levels.join(', ')})` : '');
  for (const [re, nav, load] of ROUTES) {
    const m = location.pathname.match(re);
    if (!m) continue;
    const link = document.querySelector(`[data-nav="${nav}"]`);
    if (link) link.setAttribute('aria-current', 'page');
    const mod = await load();
    fill(main);
    try {
      await mod.render(main, ...m.slice(1).map(decodeURIComponent));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) main.append(errorBox(err));
    }
    return;
  }
  document.title = 'Not found · mica console';
  fill(main, h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '/console/' }, 'Back to the overview')));
}

boot();
