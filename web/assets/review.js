// Review: the triage workbench. The queue (GET /mica/v1/triage) holds the
// accounts whose discovery verdict disagrees with their classification, or
// that nothing classified yet, most confident first; filters narrow it by
// source, subtype, signal, reason, name and confidence. Each account, a
// selection, or everything the filter matches can be accepted (it becomes
// what discovery recommends) or dismissed (it keeps its classification and
// leaves the queue), with an optional note; every decision joins the audit
// trail shown on the account's page. The keyboard drives it all (press ?).
import { api, h, fill, fmt, errorBox, params, setParams, table, pager, field, select, busy, waitingText, fillBar } from './app.js';

const LIMITS = [25, 50, 100];

export async function render(main) {
  document.title = 'Review · mica console';
  const p = params();
  const st = {
    source: p.get('source') || '', subtype: p.get('subtype') || '', signal: p.get('signal') || '', reason: p.get('reason') || '',
    q: p.get('q') || '', min: p.get('min') || '', max: p.get('max') || '', sort: p.get('sort') || '-confidence',
    offset: Number(p.get('offset')) || 0, limit: LIMITS.includes(Number(p.get('limit'))) ? Number(p.get('limit')) : 50,
  };
  let items = [];
  let total = 0;
  let facets = { sources: [], subtypes: [], signals: [], reasons: [] };
  const selected = new Set();
  let cursor = 0; // the row the keyboard acts on

  const filterSec = h('section', { class: 'card', 'aria-labelledby': 'rf-h' });
  const queueSec = h('section', { class: 'card', 'aria-labelledby': 'rq-h' });
  main.append(h('h1', {}, 'Review'),
    h('p', { class: 'muted' }, 'Accounts whose discovery verdict disagrees with their classification, or that nothing classified yet. ',
      'Accept makes an account what discovery recommends (a manual classification); dismiss keeps its classification and takes it off the queue. ',
      'Every decision is kept, with its note, on the account\'s page.'),
    filterSec, queueSec);

  // ---- filters ----
  const srcIn = h('select', { id: 'rf-source' });
  const subIn = h('select', { id: 'rf-subtype' });
  const sigIn = h('select', { id: 'rf-signal' });
  const reasonIn = select([['', 'Any'], ['DISAGREES', 'Discovery disagrees'], ['NO_DECISION', 'No decision yet']], st.reason, { id: 'rf-reason' });
  const qIn = h('input', { type: 'search', id: 'rf-q', value: st.q, spellcheck: 'false' });
  const minIn = h('input', { type: 'number', id: 'rf-min', min: 0, max: 100, step: 1, value: st.min, inputmode: 'numeric' });
  const maxIn = h('input', { type: 'number', id: 'rf-max', min: 0, max: 100, step: 1, value: st.max, inputmode: 'numeric' });
  const form = h('form', { class: 'inline', role: 'search', 'aria-label': 'Filter the queue', id: 'rf-form' },
    field('Source', srcIn), field('Subtype', subIn), field('Signal', sigIn), field('Reason', reasonIn),
    field('Name starts with', qIn), field('Confidence from (%)', minIn), field('to (%)', maxIn),
    h('div', { class: 'field' }, h('button', { type: 'submit', id: 'rf-apply' }, 'Apply')),
    h('div', { class: 'field' }, h('button', { type: 'button', id: 'rf-reset', onclick: () => {
      Object.assign(st, { source: '', subtype: '', signal: '', reason: '', q: '', min: '', max: '', offset: 0 });
      qIn.value = minIn.value = maxIn.value = reasonIn.value = '';
      load();
    } }, 'Reset')));
  const formMsg = h('div', { id: 'rf-error' });
  fill(filterSec, h('h2', { id: 'rf-h' }, 'Filters'), form, formMsg);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const pct = (v) => (v === '' ? '' : String(Math.max(0, Math.min(100, Number(v)))));
    Object.assign(st, { source: srcIn.value, subtype: subIn.value, signal: sigIn.value, reason: reasonIn.value, q: qIn.value.trim(),
      min: pct(minIn.value), max: pct(maxIn.value), offset: 0 });
    load();
  });

  // ---- queue ----
  const heading = h('h2', { id: 'rq-h' }, 'Queue');
  const status = h('p', { id: 'review-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const note = h('input', { type: 'text', id: 'review-note', maxlength: 1000, placeholder: 'optional: why', spellcheck: 'true' });
  const selCount = h('span', { id: 'selected-count', class: 'muted' }, 'None selected');
  const acceptSel = h('button', { type: 'button', id: 'accept-selected', class: 'primary' }, 'Accept selected');
  const dismissSel = h('button', { type: 'button', id: 'dismiss-selected' }, 'Dismiss selected');
  const acceptAll = h('button', { type: 'button', id: 'accept-all' }, 'Accept all matching');
  const dismissAll = h('button', { type: 'button', id: 'dismiss-all' }, 'Dismiss all matching');
  const confirmBox = h('div', { id: 'confirm-all', class: 'confirm', hidden: true });
  const limitIn = select(LIMITS.map((n) => [String(n), String(n)]), String(st.limit), { id: 'rq-limit' });
  limitIn.addEventListener('change', () => { st.limit = Number(limitIn.value); st.offset = 0; load(); });
  const out = h('div', { id: 'review-queue' });
  const help = h('details', { class: 'help', id: 'shortcuts' }, h('summary', {}, 'Keyboard shortcuts'),
    h('dl', { class: 'keys' },
      key('j / ↓', 'next account'), key('k / ↑', 'previous account'), key('x', 'select or unselect it'),
      key('a', 'accept it'), key('d', 'dismiss it'), key('o / Enter', 'open its page'),
      key('Shift+A', 'accept the selection'), key('Shift+D', 'dismiss the selection'), key('n', 'write a note'),
      key('/', 'filter by name'), key('?', 'show or hide these shortcuts')));
  fill(queueSec, heading, status,
    h('div', { class: 'decide-bar' }, field('Note for the next decisions', note),
      h('div', { class: 'actions' }, selCount, acceptSel, dismissSel, acceptAll, dismissAll)),
    confirmBox, h('div', { class: 'inline' }, field('Rows per page', limitIn)), out, help);
  acceptSel.addEventListener('click', () => decideSelected('ACCEPT'));
  dismissSel.addEventListener('click', () => decideSelected('DISMISS'));
  acceptAll.addEventListener('click', () => askAll('ACCEPT'));
  dismissAll.addEventListener('click', () => askAll('DISMISS'));

  function filterQuery() {
    return { sourceId: st.source, subtype: st.subtype, signal: st.signal, reason: st.reason, q: st.q,
      minConfidence: st.min === '' ? '' : Number(st.min) / 100, maxConfidence: st.max === '' ? '' : Number(st.max) / 100 };
  }

  function fillSelect(el, options, value, anyLabel) {
    fill(el, h('option', { value: '' }, anyLabel), options.map((f) => h('option', { value: f.value, selected: f.value === value ? 'selected' : null },
      `${f.name || f.value} (${fmt.format(f.count)})`)));
    if (value && !options.some((f) => f.value === value)) el.append(h('option', { value, selected: 'selected' }, `${value} (0)`));
  }

  async function load(keepCursor) {
    setParams({ source: st.source, subtype: st.subtype, signal: st.signal, reason: st.reason, q: st.q, min: st.min, max: st.max,
      sort: st.sort === '-confidence' ? '' : st.sort, offset: st.offset, limit: st.limit === 50 ? '' : st.limit });
    const done = busy(queueSec, out);
    let res;
    try {
      res = (await api('GET', '/mica/v1/triage', { query: { ...filterQuery(), sorters: st.sort, limit: st.limit, offset: st.offset },
        onWait: (s) => fill(out, h('p', { class: 'wait', role: 'status' }, waitingText(s))) })).data;
    } catch (err) {
      done();
      fill(out, errorBox(err, 'review-error'));
      return;
    }
    done();
    ({ items, total, facets } = res);
    if (!items.length && total > 0 && st.offset > 0) { // the last page emptied: go back one
      st.offset = Math.max(0, st.offset - st.limit);
      return load(keepCursor);
    }
    fillSelect(srcIn, facets.sources, st.source, 'All sources');
    fillSelect(subIn, facets.subtypes, st.subtype, 'Any subtype');
    fillSelect(sigIn, facets.signals, st.signal, 'Any signal');
    for (const id of [...selected]) if (!items.some((it) => it.accountId === id)) selected.delete(id);
    cursor = keepCursor ? Math.min(cursor, Math.max(0, items.length - 1)) : 0;
    heading.textContent = `Queue (${fmt.format(total)})`;
    acceptAll.textContent = `Accept all ${fmt.format(total)} matching`;
    dismissAll.textContent = `Dismiss all ${fmt.format(total)} matching`;
    acceptAll.disabled = dismissAll.disabled = total === 0;
    draw();
  }

  function draw() {
    const all = h('input', { type: 'checkbox', id: 'select-page', 'aria-label': 'Select every account of this page',
      checked: items.length > 0 && items.every((it) => selected.has(it.accountId)),
      onchange: (e) => {
        for (const it of items) (e.target.checked ? selected.add(it.accountId) : selected.delete(it.accountId));
        draw();
      } });
    fill(out, table({
      id: 'queue-table',
      caption: 'Accounts to review, most confident recommendation first',
      columns: [
        { label: 'Select', head: () => all, cell: (it) => h('input', { type: 'checkbox', class: 'pick', checked: selected.has(it.accountId),
          'aria-label': `Select ${it.name}`, onchange: (e) => { (e.target.checked ? selected.add(it.accountId) : selected.delete(it.accountId)); counts(); } }) },
        { label: 'Account', sort: 'name', cell: (it) => h('a', { href: '/console/accounts/' + encodeURIComponent(it.accountId), class: 'acct' }, it.name) },
        { label: 'Source', cell: (it) => it.sourceName },
        { label: 'Classified as', cell: (it) => h('span', { class: 'badge ' + (it.isMachine ? 'machine' : 'human') },
          it.isMachine ? `machine (${it.classificationMethod || '?'})` : (it.reason === 'NO_DECISION' ? 'not classified' : 'human')) },
        { label: 'Discovery says', cell: (it) => it.recommendation.type.toLowerCase() },
        { label: 'Confidence', sort: 'confidence', num: true, cell: (it) => confidenceCell(it.confidence) },
        { label: 'Subtype', narrow: true, cell: (it) => it.subtype },
        { label: 'Signals', narrow: true, cell: (it) => topSignals(it.signals) },
        { label: 'Decide', cell: (it) => h('div', { class: 'actions tight' },
          h('button', { type: 'button', class: 'accept', onclick: () => decide('ACCEPT', [it]) }, 'Accept', h('span', { class: 'sr-only' }, ' ' + it.name)),
          h('button', { type: 'button', class: 'dismiss', onclick: () => decide('DISMISS', [it]) }, 'Dismiss', h('span', { class: 'sr-only' }, ' ' + it.name))) },
      ],
      rows: items,
      sort: st.sort,
      onSort: (s) => { st.sort = s; st.offset = 0; load(); },
      rowAttrs: (it) => ({ dataset: { account: it.accountId }, tabindex: '-1', class: 'qrow' }),
      empty: total === 0 && !Object.values(filterQuery()).some((v) => v !== '') ? 'Nothing to review: discovery agrees with every classification.' : 'No account matches the filters.',
    }), pager({ offset: st.offset, limit: st.limit, total, count: items.length, label: 'Queue pages',
      onPage: (o) => { st.offset = o; load(); } }));
    counts();
    mark();
  }

  function counts() {
    const n = selected.size;
    selCount.textContent = n ? `${fmt.format(n)} selected` : 'None selected';
    acceptSel.disabled = dismissSel.disabled = n === 0;
  }

  function rows() {
    return [...out.querySelectorAll('tr.qrow')];
  }

  function mark(focus) {
    rows().forEach((tr, i) => tr.classList.toggle('cursor', i === cursor));
    if (focus) rows()[cursor]?.focus();
  }

  async function decide(action, list, extra) {
    const verb = action === 'ACCEPT' ? 'Accepted' : 'Dismissed';
    const body = { action, note: note.value.trim(), ...(extra || { accountIds: list.map((it) => it.accountId) }) };
    status.className = 'status';
    status.textContent = action === 'ACCEPT' ? 'Accepting…' : 'Dismissing…';
    let res;
    try {
      res = (await api('POST', '/mica/v1/triage/decisions', { body })).data;
    } catch (err) {
      fill(status, errorBox(err, 'decide-error'));
      return;
    }
    for (const it of list) selected.delete(it.accountId);
    let text;
    if (res.decided === 1 && res.decisions.length === 1) {
      const d = res.decisions[0];
      text = `${verb} ${d.accountName}: ` + (action === 'ACCEPT'
        ? `now a ${d.after.isMachine ? 'machine' : 'human'} account (MANUAL).`
        : `it stays ${d.after.isMachine ? 'a machine' : 'a human'} account and leaves the queue.`);
    } else {
      text = `${verb} ${fmt.format(res.decided)} accounts.` + (res.skipped ? ` ${fmt.format(res.skipped)} had left the queue already.` : '');
    }
    if (body.note) text += ' Note: ' + body.note;
    status.className = 'status ok';
    status.textContent = text;
    note.value = '';
    await load(true);
    mark(document.activeElement === document.body || out.contains(document.activeElement));
  }

  function decideSelected(action) {
    const list = items.filter((it) => selected.has(it.accountId));
    const others = [...selected].filter((id) => !list.some((it) => it.accountId === id)).map((accountId) => ({ accountId }));
    if (list.length + others.length) decide(action, [...list, ...others]);
  }

  function askAll(action) {
    const word = action === 'ACCEPT' ? 'Accept' : 'Dismiss';
    const go = h('button', { type: 'button', class: 'primary', id: 'confirm-all-go' }, `${word} ${fmt.format(total)} accounts`);
    const cancel = h('button', { type: 'button', id: 'confirm-all-cancel' }, 'Cancel');
    fill(confirmBox, h('p', {}, `${word} every one of the ${fmt.format(total)} accounts the filters match` +
      (total > items.length ? ' (not only this page)' : '') + '?'), h('div', { class: 'actions' }, go, cancel));
    confirmBox.hidden = false;
    go.focus();
    cancel.addEventListener('click', () => { confirmBox.hidden = true; acceptAll.focus(); });
    go.addEventListener('click', async () => {
      confirmBox.hidden = true;
      const f = filterQuery();
      const filter = {};
      for (const [k, v] of Object.entries(f)) if (v !== '') filter[k] = v;
      await decide(action, items, { filter });
    });
  }

  // Keyboard shortcuts, except while typing in a field.
  const onKey = (e) => {
    if (!document.body.contains(queueSec)) { document.removeEventListener('keydown', onKey); return; }
    const t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || (t instanceof HTMLElement && (t.isContentEditable ||
      ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)))) {
      if (e.key === 'Escape' && t === note) note.blur();
      return;
    }
    const it = items[cursor];
    switch (e.key) {
      case 'j': case 'ArrowDown': cursor = Math.min(cursor + 1, items.length - 1); mark(true); break;
      case 'k': case 'ArrowUp': cursor = Math.max(cursor - 1, 0); mark(true); break;
      case 'x': if (it) { (selected.has(it.accountId) ? selected.delete(it.accountId) : selected.add(it.accountId)); draw(); mark(true); } break;
      case 'a': if (it) decide('ACCEPT', [it]); break;
      case 'd': if (it) decide('DISMISS', [it]); break;
      case 'A': decideSelected('ACCEPT'); break;
      case 'D': decideSelected('DISMISS'); break;
      case 'o': case 'Enter': if (it && (t === document.body || t.classList?.contains('qrow'))) location.assign('/console/accounts/' + encodeURIComponent(it.accountId)); else return; break;
      case 'n': note.focus(); break;
      case '/': qIn.focus(); break;
      case '?': help.open = !help.open; break;
      default: return;
    }
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);

  await load();
}

function key(k, what) {
  return h('div', {}, h('dt', {}, h('kbd', {}, k)), h('dd', {}, what));
}

function confidenceCell(c) {
  const pct = Math.round(c * 100);
  return h('span', { class: 'conf', title: `discovery's confidence: ${pct} %` },
    h('span', { class: 'conf-bar', 'aria-hidden': 'true' }, fillBar(pct, 'conf-fill')), `${pct} %`);
}

function topSignals(signals) {
  const top = [...signals].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, 3);
  return h('span', { class: 'small' }, top.map((s, i) => [i ? ', ' : '', h('code', { title: s.detail }, s.name)]));
}
