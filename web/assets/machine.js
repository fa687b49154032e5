// Machine accounts: every machine account with how it was decided, the accounts
// whose discovery recommendation disagrees with their classification (with the
// evidence), and the single-account classify modes to force machine or human.
import { api, q, and, h, fill, errorBox, params, setParams, table, pager, field } from './app.js';

const LIMIT = 25;

export async function render(main) {
  document.title = 'Machine accounts · mica console';
  const p = params();
  const st = { q: p.get('q') || '', sort: p.get('sort') || 'name', offset: Number(p.get('offset')) || 0,
    dq: p.get('dq') || '', doffset: Number(p.get('doffset')) || 0 };
  const machines = h('section', { class: 'card', 'aria-labelledby': 'ma-h' });
  const disagree = h('section', { class: 'card', 'aria-labelledby': 'dis-h' });
  main.append(h('h1', {}, 'Machine accounts'), machines, disagree);

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
        { label: 'Name', sort: 'name', cell: (a) => a.name },
        { label: 'Source', sort: 'source.name', cell: (a) => h('a', { href: '/console/sources/' + encodeURIComponent(a.source.id) }, a.source.name) },
        { label: 'Decided by', cell: (a) => h('span', { class: 'badge machine', dataset: { method: a.classificationMethod } }, a.classificationMethod || '?') },
        { label: 'Subtype', sort: 'subtype.technicalName', narrow: true, cell: (a) => a.subtype || '' },
        { label: 'Owner', sort: 'ownerIdentity.name', narrow: true, cell: (a) => (a.ownerIdentity && a.ownerIdentity.name) || '' },
        { label: 'Machine identity', sort: 'machineIdentity.name', narrow: true, cell: (a) => (a.machineIdentity
          ? h('a', { href: '/console/machine-identities?q=' + encodeURIComponent(a.machineIdentity.name) }, a.machineIdentity.name) : '') },
        { label: 'Actions', cell: (a) => actions(a.id, { human: true }) },
      ],
      rows: res.data,
      sort: st.sort,
      onSort: (s) => { st.sort = s; st.offset = 0; loadMachines(); },
      empty: 'No machine accounts.',
    }), pager({ offset: st.offset, limit: LIMIT, total: res.total, count: res.data.length, label: 'Machine account pages',
      onPage: (o) => { st.offset = o; loadMachines(); } }));
  }

  // ---- disagreeing recommendations ----
  const dqIn = h('input', { type: 'search', id: 'dis-q', value: st.dq, spellcheck: 'false' });
  const disForm = h('form', { class: 'inline', role: 'search', 'aria-label': 'Filter recommendations' },
    field('Name starts with', dqIn), h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Apply')));
  const disMsg = h('div', { id: 'dis-error' });
  const disOut = h('div');
  fill(disagree, h('h2', { id: 'dis-h' }, 'Discovery disagrees'),
    h('p', { class: 'muted small' }, 'Accounts whose discovery verdict differs from their classification. Open the evidence to see the signals behind it.'),
    disForm, disMsg, disOut);
  disForm.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(st, { dq: dqIn.value.trim(), doffset: 0 });
    loadDisagree();
  });

  async function loadDisagree() {
    save();
    let res;
    try {
      res = await api('GET', '/v2025/accounts', { query: { filters: and('recommendation.method eq "DISCOVERY"', st.dq && `name sw ${q(st.dq)}`),
        sorters: 'name', limit: LIMIT, offset: st.doffset, count: true } });
    } catch (err) {
      fill(disMsg, errorBox(err, 'dis-load-error'));
      fill(disOut);
      return;
    }
    fill(disMsg);
    fill(disOut, table({
      columns: [
        { label: 'Name', cell: (a) => a.name },
        { label: 'Source', narrow: true, cell: (a) => h('a', { href: '/console/sources/' + encodeURIComponent(a.sourceId) }, a.sourceName) },
        { label: 'Classified as', cell: (a) => h('span', { class: 'badge ' + (a.isMachine ? 'machine' : 'human') }, a.isMachine ? 'machine' : 'human') },
        { label: 'Discovery says', cell: (a) => a.recommendation ? a.recommendation.type.toLowerCase() : '' },
        { label: 'Actions', cell: (a) => actions(a.id, { machine: true, human: true }) },
      ],
      rows: res.data,
      empty: 'Discovery agrees with every classification.',
    }), pager({ offset: st.doffset, limit: LIMIT, total: res.total, count: res.data.length, label: 'Recommendation pages',
      onPage: (o) => { st.doffset = o; loadDisagree(); } }));
  }

  function save() {
    setParams({ q: st.q, sort: st.sort === 'name' ? '' : st.sort, offset: st.offset, dq: st.dq, doffset: st.doffset });
  }

  await Promise.all([loadMachines(), loadDisagree()]);
}

// actions are an account's buttons: its evidence, and forcing it machine or human.
function actions(id, { machine, human }) {
  const out = h('div', { class: 'row-result', 'aria-live': 'polite' });
  const evidence = h('div');
  const box = h('div', { class: 'actions', dataset: { account: id } });
  const evBtn = h('button', { type: 'button', class: 'evidence', 'aria-expanded': 'false', onclick: async () => {
    if (evBtn.getAttribute('aria-expanded') === 'true') {
      evBtn.setAttribute('aria-expanded', 'false');
      fill(evidence);
      return;
    }
    evBtn.setAttribute('aria-expanded', 'true');
    try {
      const ev = (await api('GET', `/mica/v1/accounts/${encodeURIComponent(id)}/evidence`)).data;
      fill(evidence, evidenceBody(ev));
    } catch (err) {
      fill(evidence, errorBox(err));
    }
  } }, 'Evidence');
  box.append(evBtn);
  const force = (mode, label) => h('button', { type: 'button', class: 'force-' + mode, onclick: async (e) => {
    e.target.disabled = true;
    try {
      const res = await api('POST', `/v2025/accounts/${encodeURIComponent(id)}/classify`,
        { query: { classificationMode: mode === 'machine' ? 'forceMachine' : 'forceHuman' } });
      fill(out, h('p', { class: 'ok small' }, `Now ${res.data.isMachine ? 'a machine' : 'a human'} account (MANUAL).`));
    } catch (err) {
      fill(out, errorBox(err));
    }
    e.target.disabled = false;
  } }, label);
  if (machine) box.append(force('machine', 'Force machine'));
  if (human) box.append(force('human', 'Force human'));
  return h('div', {}, box, out, evidence);
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
  return h('div', { class: 'evidence-body' }, verdict, signals, counter);
}

// bar is a horizontal bar w pixels wide (set through the CSSOM: the console's
// policy allows no inline style attribute).
function bar(w) {
  const el = h('span', { class: 'bar' });
  el.style.width = `${w}px`;
  return el;
}
