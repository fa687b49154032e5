// Machine accounts: every machine account with how it was decided; each leads
// to its account page (evidence, history, force machine or human).
import { api, q, h, fill, errorBox, params, setParams, table, pager, field } from './app.js';

const LIMIT = 25;

export async function render(main) {
  document.title = 'Machine accounts · mica console';
  const p = params();
  const st = { q: p.get('q') || '', sort: p.get('sort') || 'name', offset: Number(p.get('offset')) || 0 };
  const machines = h('section', { class: 'card', 'aria-labelledby': 'ma-h' });
  main.append(h('h1', {}, 'Machine accounts'),
    h('p', {}, 'Accounts discovery disagrees with, and those nothing classified yet, are in the ', h('a', { href: '/console/review' }, 'review queue'), '.'),
    machines);

  // ---- machine accounts ----
  const nameIn = h('input', { type: 'search', id: 'ma-q', value: st.q, spellcheck: 'false' });
  const maForm = h('form', { class: 'inline', role: 'search', 'aria-label': 'Filter machine accounts' },
    field('Name starts with', nameIn), h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Apply')));
  const maMsg = h('div', { id: 'ma-error' });
  const maOut = h('div');
  fill(machines, h('h2', { id: 'ma-h' }, 'Machine accounts'),
    h('p', { class: 'muted small' }, 'How each was decided: SOURCE (the whole source), CRITERIA (the config\'s criteria), DISCOVERY, or MANUAL (forced).'),
    maForm, maMsg, maOut);
  maForm.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(st, { q: nameIn.value.trim(), offset: 0 });
    loadMachines();
  });

  async function loadMachines() {
    save();
    let res;
    try {
      res = await api('GET', '/v2025/machine-accounts', { query: { filters: st.q ? `name sw ${q(st.q)}` : '', sorters: st.sort,
        limit: LIMIT, offset: st.offset, count: true } });
    } catch (err) {
      fill(maMsg, errorBox(err, 'ma-load-error'));
      fill(maOut);
      return;
    }
    fill(maMsg);
    fill(maOut, table({
      columns: [
        { label: 'Name', sort: 'name', cell: (a) => h('a', { href: '/console/accounts/' + encodeURIComponent(a.id) }, a.name) },
        { label: 'Source', sort: 'source.name', cell: (a) => h('a', { href: '/console/sources/' + encodeURIComponent(a.source.id) }, a.source.name) },
        { label: 'Decided by', cell: (a) => h('span', { class: 'badge machine', dataset: { method: a.classificationMethod } }, a.classificationMethod || '?') },
        { label: 'Subtype', sort: 'subtype.technicalName', narrow: true, cell: (a) => a.subtype || '' },
        { label: 'Owner', sort: 'ownerIdentity.name', narrow: true, cell: (a) => (a.ownerIdentity && a.ownerIdentity.name) || '' },
        { label: 'Machine identity', sort: 'machineIdentity.name', narrow: true, cell: (a) => (a.machineIdentity
          ? h('a', { href: '/console/machine-identities?q=' + encodeURIComponent(a.machineIdentity.name) }, a.machineIdentity.name) : '') },
      ],
      rows: res.data,
      sort: st.sort,
      onSort: (s) => { st.sort = s; st.offset = 0; loadMachines(); },
      empty: 'No machine accounts.',
    }), pager({ offset: st.offset, limit: LIMIT, total: res.total, count: res.data.length, label: 'Machine account pages',
      onPage: (o) => { st.offset = o; loadMachines(); } }));
  }

  function save() {
    setParams({ q: st.q, sort: st.sort === 'name' ? '' : st.sort, offset: st.offset });
  }

  await loadMachines();
}

// evidenceBody renders discovery's evidence for one account: the verdict with
// its calibrated confidence and subtype, each signal's contribution (log-odds,
// towards a machine or a person), and the counterfactual.
export function evidenceBody(ev) {
  const d = ev.discovery || { signals: [] };
  const pct = (x) => `${Math.round(x * 1000) / 10} %`;
  const verdict = h('p', { class: 'small verdict' },
    h('strong', {}, d.machine ? 'Machine' : 'Human'),
    ` — confidence ${pct(d.confidence)} that it is a machine account (machine from ${pct(ev.threshold)}); `,
    'subtype ', h('code', { class: 'subtype' }, d.subtype || 'unknown'), '.',
    ev.recommendedSubtype ? [' Recommended source subtype: ', h('strong', { class: 'recommended-subtype' },
      ev.recommendedSubtype.displayName), ` (${ev.recommendedSubtype.technicalName}).`] : null);
  const max = Math.max(0.01, ...d.signals.map((s) => Math.abs(s.weight)));
  const signals = d.signals.length
    ? h('table', { class: 'signals small' },
      h('caption', { class: 'muted' }, `Contributions to the log-odds (bias ${d.bias}, score ${d.score}):`),
      h('tbody', {}, [...d.signals].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).map((s) =>
        h('tr', { class: s.weight > 0 ? 'to-machine' : 'to-human' },
          h('td', { class: 'num' }, `${s.weight > 0 ? '+' : ''}${s.weight.toFixed(2)}`),
          h('td', {}, bar(Math.round(60 * Math.abs(s.weight) / max))),
          h('td', {}, h('code', {}, s.name)),
          h('td', {}, s.detail)))))
    : h('p', { class: 'muted small' }, 'No signal.');
  const cf = d.counterfactual || { signals: [], flips: false };
  const counter = h('p', { class: 'small counterfactual' }, cf.flips
    ? [`Without ${cf.signals.join(', ')}, discovery would call it ${d.machine ? 'human' : 'a machine'} (confidence ${pct(cf.confidence)}).`]
    : [d.machine ? 'No set of signals flips it.' : 'No set of its person signals flips it: nothing points to a machine.']);
  // It may scroll sideways on a narrow screen: focusable, so the keyboard can scroll it.
  return h('div', { class: 'evidence-body', tabindex: '0', role: 'group', 'aria-label': 'Discovery\'s evidence' }, verdict, signals, counter);
}

// bar is a horizontal bar w pixels wide (set through the CSSOM: the console's
// policy allows no inline style attribute).
function bar(w) {
  const el = h('span', { class: 'bar' });
  el.style.width = `${w}px`;
  return el;
}
