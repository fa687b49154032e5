// Source: the classification job (Classify, Cancel, live progress), the machine
// classification config editor, and the source's accounts (filtered, sorted and
// paged by the API).
import { api, ApiError, q, and, h, fill, fmt, errorBox, params, setParams, table, pager, field, select, when, busy, waitingText } from './app.js';
import { percent } from './overview.js';
import { isDirectory, directoryPanel } from './directory.js';

export async function render(main, id) {
  const base = `/v2025/sources/${encodeURIComponent(id)}`;
  let source;
  try {
    source = (await api('GET', base)).data;
  } catch (err) {
    document.title = 'Source · mica console';
    main.append(h('h1', {}, 'Source'), errorBox(err, 'source-error'));
    return;
  }
  document.title = `${source.name} · mica console`;
  const jobSection = h('section', { class: 'card', 'aria-labelledby': 'job-h' });
  const cfgSection = h('section', { class: 'card', 'aria-labelledby': 'cfg-h' });
  const acctSection = h('section', { class: 'card', 'aria-labelledby': 'acct-h' });
  const dirSection = isDirectory(source) ? h('section', { class: 'card', 'aria-labelledby': 'dir-h' }) : null;
  main.append(
    h('p', { class: 'small' }, h('a', { href: '/console/' }, '‹ Overview')),
    h('h1', {}, source.name),
    h('p', { class: 'muted' }, [...new Set([source.type, source.connectorName, source.description].filter(Boolean))].join(' · ')),
    ...(dirSection ? [dirSection] : []), jobSection, acctSection, cfgSection);
  const accounts = accountsTable(acctSection, id);
  if (dirSection) directoryPanel(dirSection, source, () => accounts.reload());
  await Promise.all([jobPanel(jobSection, base, id, () => accounts.reload()), configEditor(cfgSection, base), accounts.reload()]);
}

// ---- classification job ----------------------------------------------------

// jobPanel starts and cancels the source's classification job (the ISC
// operations) and follows it through mica's job summary, which adds the phase
// and what the job decided: collection and classification each have a bar,
// and the end shows how many accounts are machines, humans, and changed.
async function jobPanel(sec, base, sourceID, onDone) {
  const title = h('h2', { id: 'job-h' }, 'Classification');
  const body = h('div');
  fill(sec, title, body);
  const done = busy(sec, body);
  const jobPath = `/mica/v1/sources/${encodeURIComponent(sourceID)}/classification-job`;
  let job = null;
  const getJob = async () => {
    try {
      return (await api('GET', jobPath, { onWait: (w) => fill(msg, h('p', { class: 'wait', role: 'status' }, waitingText(w))) })).data;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  };
  const msg = h('div', { id: 'job-message' });
  try {
    job = await getJob();
  } catch (err) {
    done();
    if (err instanceof ApiError && err.status === 403) {
      fill(body, h('p', { class: 'muted', id: 'job-denied' }, 'You cannot run classification on this source: ' + err.message));
      return;
    }
    fill(body, errorBox(err));
    return;
  }
  done();
  const status = h('p', { id: 'job-status', 'aria-live': 'polite' });
  const collectBar = progressBar('collect-progress', 'Collection progress');
  const classifyBar = progressBar('job-progress', 'Classification progress');
  const steps = h('ol', { class: 'steps', 'aria-label': 'Job steps' });
  const counts = h('dl', { class: 'counts' });
  const summary = h('p', { id: 'job-summary', class: 'summary', 'aria-live': 'polite' });
  const classifyBtn = h('button', { type: 'button', class: 'primary', id: 'classify' }, 'Classify');
  const cancelBtn = h('button', { type: 'button', class: 'danger', id: 'cancel-classify' }, 'Cancel');
  fill(body, h('p', { class: 'muted small' }, 'Classify applies the saved config to every account of the source: first it collects them, then it classifies them in batches.'),
    h('div', { class: 'actions' }, classifyBtn, cancelBtn), msg, status, steps,
    h('div', { class: 'phases wide' }, collectBar.el, classifyBar.el), summary, counts);

  let timer = null;
  const running = () => job && (job.status === 'STARTED' || job.status === 'COLLECTED');
  function draw() {
    classifyBtn.disabled = running();
    cancelBtn.disabled = !running();
    if (!job) {
      status.textContent = 'This source has never been classified.';
      fill(steps);
      fill(counts);
      fill(summary);
      collectBar.set(0, 0, 0, 'Collected');
      classifyBar.set(0, 0, 0, 'Classified');
      return;
    }
    const c = job.counts || {};
    const ended = !running();
    collectBar.set(percent(c.RECEIVED || 0, c.EXPECTED || 0, job.status === 'COMPLETED'), c.RECEIVED || 0, c.EXPECTED || 0, 'Collected');
    classifyBar.set(percent(c.COMPLETED || 0, c.EXPECTED || 0, job.status === 'COMPLETED'), c.COMPLETED || 0, c.EXPECTED || 0, 'Classified');
    status.textContent = `Status: ${job.status}` + (job.phase !== 'ended' ? ` (${job.phase})` : '');
    const order = ['STARTED', 'COLLECTED', 'COMPLETED'];
    const names = { STARTED: 'Collecting', COLLECTED: 'Classifying', COMPLETED: 'Completed' };
    const at = order.indexOf(job.status);
    fill(steps, order.map((s, i) => h('li', { class: i < at ? 'done' : i === at ? 'current' : undefined,
      'aria-current': i === at ? 'step' : null }, names[s])),
    at < 0 ? h('li', { class: 'current', 'aria-current': 'step' }, job.status) : null);
    fill(summary, ended
      ? `${job.status === 'COMPLETED' ? 'Done' : 'Ended ' + job.status}: ${fmt.format(c.COMPLETED || 0)} accounts classified, ` +
        `${fmt.format(job.machines)} machine and ${fmt.format(job.humans)} human; ${fmt.format(job.changed)} changed from human to machine or back.` +
        (job.reason ? ' ' + job.reason : '')
      : `So far: ${fmt.format(job.machines)} machine, ${fmt.format(job.humans)} human, ${fmt.format(job.changed)} changed.`);
    fill(counts,
      h('div', {}, h('dt', {}, 'Expected'), h('dd', { id: 'count-expected' }, fmt.format(c.EXPECTED || 0))),
      h('div', {}, h('dt', {}, 'Collected (received)'), h('dd', { id: 'count-received' }, fmt.format(c.RECEIVED || 0))),
      h('div', {}, h('dt', {}, 'Classified (completed)'), h('dd', { id: 'count-completed' }, fmt.format(c.COMPLETED || 0))),
      h('div', {}, h('dt', {}, 'Started'), h('dd', {}, when(job.started))),
      h('div', {}, h('dt', {}, 'Updated'), h('dd', {}, when(job.updated))));
  }
  async function poll() {
    clearTimeout(timer);
    try {
      job = await getJob();
    } catch (err) {
      fill(msg, errorBox(err));
    }
    draw();
    if (running()) timer = setTimeout(poll, 500);
    else onDone();
  }
  classifyBtn.addEventListener('click', async () => {
    fill(msg);
    classifyBtn.disabled = true;
    try {
      const res = await api('POST', base + '/classify');
      const n = res.data && res.data['Accounts submitted for processing'];
      fill(msg, h('p', { class: 'ok' }, `${fmt.format(n || 0)} accounts submitted for processing.`));
      await poll();
    } catch (err) {
      fill(msg, errorBox(err, 'classify-error'));
      draw();
    }
  });
  cancelBtn.addEventListener('click', async () => {
    fill(msg);
    cancelBtn.disabled = true;
    try {
      await api('DELETE', base + '/classify');
      fill(msg, h('p', { class: 'ok' }, 'Cancelled. Accounts classified so far keep their result.'));
    } catch (err) {
      fill(msg, errorBox(err, 'cancel-error'));
    }
    await poll();
  });
  draw();
  if (running()) poll();
}

// progressBar is a labelled bar; its text sits beside it (never over the
// fill), so it keeps its contrast at any width.
function progressBar(id, label) {
  const fillEl = h('div', { class: 'fill' });
  const bar = h('div', { class: 'progress', role: 'progressbar', id, 'aria-label': label, 'aria-valuemin': 0,
    'aria-valuemax': 100, 'aria-valuenow': 0 }, fillEl);
  const text = h('span', { class: 'phase-label', id: id + '-label' });
  return {
    el: h('div', { class: 'phase' }, text, bar),
    set(pct, done, total, what) {
      bar.setAttribute('aria-valuenow', String(pct));
      bar.setAttribute('aria-valuetext', `${pct} %: ${what} ${done} of ${total}`);
      fillEl.style.width = pct + '%';
      text.textContent = `${what}: ${fmt.format(done)} of ${fmt.format(total)} (${pct} %)`;
    },
  };
}

// ---- machine classification config -----------------------------------------

const GROUP_OPS = ['AND', 'OR'];
const OPS = [['AND', 'AND: all of'], ['OR', 'OR: any of'], ['EQUALS', 'equals'], ['NOT_EQUALS', 'does not equal'],
  ['STARTS_WITH', 'starts with'], ['ENDS_WITH', 'ends with'], ['CONTAINS', 'contains']];
const MAX_LEVEL = 3;

const domID = (path) => 'crit-' + path.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, '');

async function configEditor(sec, base) {
  const path = base + '/machine-classification-config';
  fill(sec, h('h2', { id: 'cfg-h' }, 'Machine classification config'));
  let cfg;
  try {
    cfg = (await api('GET', path)).data;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      cfg = { enabled: false, classificationMethod: '', criteria: null };
    } else {
      sec.append(errorBox(err, 'cfg-load-error'));
      return;
    }
  }
  const model = { enabled: !!cfg.enabled, classificationMethod: cfg.classificationMethod || '', criteria: cfg.criteria || null };
  const form = h('form', { id: 'cfg-form', novalidate: true });
  const general = h('div', { id: 'cfg-message', 'aria-live': 'polite' });
  sec.append(h('p', { class: 'muted small' },
    'SOURCE marks every account of the source a machine account; CRITERIA marks those that match the criteria. ',
    'The API validates the config when you save it; what it refuses is shown next to the field.'), form, general);

  function draw(focusID) {
    const enabled = h('input', { type: 'checkbox', id: 'cfg-enabled', checked: model.enabled,
      onchange: (e) => { model.enabled = e.target.checked; } });
    const method = select([['', '(none)'], ['SOURCE', 'SOURCE: every account'], ['CRITERIA', 'CRITERIA: accounts matching the criteria']],
      model.classificationMethod, { id: 'cfg-method', 'aria-describedby': 'cfg-method-error',
        onchange: (e) => { model.classificationMethod = e.target.value; } });
    const crit = h('div', { id: 'cfg-criteria' });
    if (model.criteria) crit.append(nodeEditor(model.criteria, 'criteria', 1, null));
    else {
      crit.append(h('p', { class: 'muted' }, 'No criteria.'),
        h('div', { class: 'actions' },
          h('button', { type: 'button', id: 'add-criteria-group', onclick: () => { model.criteria = { operation: 'OR', caseSensitive: false, children: [leaf()] }; draw(domID('criteria.children[0]') + '-attr'); } }, 'Add criteria group'),
          h('button', { type: 'button', id: 'add-criteria-leaf', onclick: () => { model.criteria = leaf(); draw(domID('criteria') + '-attr'); } }, 'Add single comparison')));
    }
    fill(form,
      h('div', { class: 'field' }, h('label', { class: 'check', for: 'cfg-enabled' }, enabled, 'Enabled')),
      h('div', { class: 'field' }, h('label', { for: 'cfg-method' }, 'Classification method'), method,
        h('p', { class: 'field-error', id: 'cfg-method-error', dataset: { err: 'classificationMethod' } })),
      h('h3', {}, 'Criteria'), crit,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', id: 'cfg-save' }, 'Save config'),
        h('button', { type: 'button', id: 'cfg-delete', onclick: remove }, 'Delete config')));
    if (focusID) document.getElementById(focusID)?.focus();
  }

  // nodeEditor edits one criteria node; parent is null for the root.
  function nodeEditor(node, p, level, parent) {
    const id = domID(p);
    const isGroup = GROUP_OPS.includes(node.operation);
    const op = select(OPS, node.operation, { id: id + '-op', onchange: (e) => {
      const wasGroup = GROUP_OPS.includes(node.operation);
      node.operation = e.target.value;
      if (GROUP_OPS.includes(node.operation) && !wasGroup && !node.children) node.children = [];
      draw(id + '-op');
    } });
    const fs = h('fieldset', { class: `node level-${level}`, dataset: { path: p } },
      h('legend', {}, `Level ${level}${isGroup ? ' group' : ' comparison'}`),
      h('div', { class: 'inline' }, field('Operation', op)));
    const controls = fs.querySelector('.inline');
    if (isGroup) {
      const kids = h('div', { class: 'children' });
      (node.children || []).forEach((c, i) => kids.append(nodeEditor(c, `${p}.children[${i}]`, level + 1, node)));
      const add = h('div', { class: 'actions' },
        h('button', { type: 'button', id: id + '-add-leaf', onclick: () => {
          node.children = node.children || [];
          node.children.push(leaf());
          draw(domID(`${p}.children[${node.children.length - 1}]`) + '-attr');
        } }, 'Add comparison'));
      if (level + 1 < MAX_LEVEL) { // groups sit on levels 1 and 2; level 3 holds comparisons
        add.append(h('button', { type: 'button', id: id + '-add-group', onclick: () => {
          node.children = node.children || [];
          node.children.push({ operation: 'AND', caseSensitive: false, children: [leaf()] });
          draw(domID(`${p}.children[${node.children.length - 1}]`) + '-op');
        } }, 'Add group'));
      }
      fs.append(kids, add);
    } else {
      const attr = h('input', { type: 'text', id: id + '-attr', value: node.attribute ?? '', spellcheck: 'false',
        placeholder: 'e.g. sAMAccountName', oninput: (e) => { node.attribute = e.target.value; } });
      const value = h('input', { type: 'text', id: id + '-value', value: node.value ?? '', spellcheck: 'false',
        oninput: (e) => { node.value = e.target.value; } });
      const cs = h('input', { type: 'checkbox', id: id + '-case', checked: !!node.caseSensitive,
        onchange: (e) => { node.caseSensitive = e.target.checked; } });
      controls.append(field('Attribute', attr), field('Value', value),
        h('div', { class: 'field' }, h('label', { class: 'check', for: id + '-case' }, cs, 'Case sensitive')));
    }
    controls.append(h('div', { class: 'field' }, h('button', { type: 'button', class: 'danger', id: id + '-remove', onclick: () => {
      if (parent) parent.children.splice(parent.children.indexOf(node), 1);
      else model.criteria = null;
      draw();
    } }, parent ? 'Remove' : 'Remove criteria')));
    fs.append(h('p', { class: 'field-error', id: id + '-error', role: 'alert', dataset: { err: p } }));
    return fs;
  }

  function clearErrors() {
    fill(general);
    form.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
    form.querySelectorAll('.invalid').forEach((e) => e.classList.remove('invalid'));
    form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  }

  // showError puts an API validation message next to the field it names
  // (criteria.children[1]: ..., classificationMethod ...), else under the form.
  function showError(err) {
    const m = /^(criteria(?:\.children\[\d+\])*): (.*)$/s.exec(err.message);
    let slot = null;
    let text = err.message;
    if (err.status === 400 && m) {
      slot = form.querySelector(`[data-err="${CSS.escape(m[1])}"]`);
      text = m[2];
    } else if (err.status === 400 && /^classificationMethod/.test(err.message)) {
      slot = form.querySelector('[data-err="classificationMethod"]');
    }
    if (!slot) {
      fill(general, errorBox(err, 'cfg-error'));
      return;
    }
    slot.textContent = text;
    const fs = slot.closest('fieldset');
    const controls = fs ? fs.querySelectorAll(':scope > .inline input, :scope > .inline select') : [form.querySelector('#cfg-method')];
    if (fs) fs.classList.add('invalid');
    controls.forEach((c) => { c.setAttribute('aria-invalid', 'true'); c.setAttribute('aria-describedby', slot.id); });
    controls[0]?.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    const body = { enabled: model.enabled, classificationMethod: model.classificationMethod,
      criteria: model.criteria ? wire(model.criteria) : null };
    try {
      await api('PUT', path, { body });
      fill(general, h('p', { class: 'ok', id: 'cfg-saved' }, 'Config saved.'));
    } catch (err) {
      showError(err);
    }
  });

  async function remove() {
    clearErrors();
    try {
      await api('DELETE', path);
      Object.assign(model, { enabled: false, classificationMethod: '', criteria: null });
      draw();
      fill(general, h('p', { class: 'ok' }, 'Config deleted.'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) fill(general, h('p', { class: 'muted' }, 'There was no config to delete.'));
      else fill(general, errorBox(err, 'cfg-error'));
    }
  }
  draw();
}

function leaf() {
  return { operation: 'EQUALS', caseSensitive: false, attribute: '', value: '' };
}

// wire is a node as the API takes it: groups carry children, comparisons an
// attribute and a value.
function wire(n) {
  if (GROUP_OPS.includes(n.operation)) {
    return { operation: n.operation, caseSensitive: false, children: (n.children || []).map(wire) };
  }
  return { operation: n.operation, caseSensitive: !!n.caseSensitive, attribute: n.attribute ?? '', value: n.value ?? '' };
}

// ---- accounts -------------------------------------------------------------

function accountsTable(sec, sourceID) {
  const p = params();
  const st = { q: p.get('q') || '', kind: p.get('kind') || '', sort: p.get('sort') || 'name',
    offset: Number(p.get('offset')) || 0, limit: [25, 50, 100].includes(Number(p.get('limit'))) ? Number(p.get('limit')) : 25 };
  const nameIn = h('input', { type: 'search', id: 'acct-q', value: st.q, spellcheck: 'false' });
  const kindIn = select([['', 'All'], ['machine', 'Machine'], ['human', 'Human']], st.kind, { id: 'acct-kind' });
  const limitIn = select([['25', '25'], ['50', '50'], ['100', '100']], String(st.limit), { id: 'acct-limit' });
  const msg = h('div', { id: 'acct-error' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'inline', role: 'search', 'aria-label': 'Filter accounts' },
    field('Name starts with', nameIn), field('Kind', kindIn), field('Rows per page', limitIn),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Apply')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(st, { q: nameIn.value.trim(), kind: kindIn.value, limit: Number(limitIn.value), offset: 0 });
    reload();
  });
  fill(sec, h('h2', { id: 'acct-h' }, 'Accounts'), form, msg, out);

  async function reload() {
    setParams({ q: st.q, kind: st.kind, sort: st.sort === 'name' ? '' : st.sort, offset: st.offset, limit: st.limit === 25 ? '' : st.limit });
    const filters = and(`sourceId eq ${q(sourceID)}`, st.q && `name sw ${q(st.q)}`,
      st.kind === 'machine' && 'isMachine eq true', st.kind === 'human' && 'isMachine eq false');
    let res;
    try {
      res = await api('GET', '/mica/v1/accounts', { query: { filters, sorters: st.sort, limit: st.limit, offset: st.offset, count: true } });
    } catch (err) {
      fill(msg, errorBox(err, 'acct-filter-error'));
      return;
    }
    fill(msg);
    fill(out, table({
      columns: [
        { label: 'Name', sort: 'name', cell: (a) => h('a', { href: '/console/accounts/' + encodeURIComponent(a.id) }, a.name) },
        { label: 'Native identity', sort: 'nativeIdentity', narrow: true, cell: (a) => a.nativeIdentity },
        { label: 'Identity', sort: 'identity.name', cell: (a) => (a.identity && a.identity.name) || h('span', { class: 'muted' }, 'uncorrelated') },
        { label: 'Kind', cell: (a) => h('span', { class: 'badge ' + (a.isMachine ? 'machine' : 'human') }, a.isMachine ? 'machine' : 'human') },
        { label: 'Discovery says', narrow: true, cell: (a) => a.recommendation ? `${a.recommendation.type.toLowerCase()} (${a.recommendation.method})` : '' },
        { label: 'Modified', sort: 'modified', narrow: true, cell: (a) => when(a.modified) },
      ],
      rows: res.data,
      sort: st.sort,
      onSort: (s) => { st.sort = s; st.offset = 0; reload(); },
      empty: 'No account matches.',
    }), pager({ offset: st.offset, limit: st.limit, total: res.total, count: res.data.length, label: 'Account pages',
      onPage: (o) => { st.offset = o; reload(); } }));
  }
  return { reload };
}
