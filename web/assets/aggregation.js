// Aggregation: upload an account file (CSV) to a delimited-file source through
// load-accounts, and follow the aggregation's status.
import { api, q, h, fill, fmt, errorBox, params, setParams, field, select, when } from './app.js';

export async function render(main) {
  document.title = 'Aggregation · mica console';
  const sec = h('section', { class: 'card', 'aria-labelledby': 'up-h' });
  const watch = h('section', { class: 'card', 'aria-labelledby': 'st-h' });
  main.append(h('h1', {}, 'Aggregation'), sec, watch);
  fill(sec, h('h2', { id: 'up-h' }, 'Upload accounts'));
  let sources;
  try {
    sources = (await api('GET', '/v2025/sources', { query: { filters: `type eq ${q('DelimitedFile')}`, sorters: 'name', limit: 250 } })).data;
  } catch (err) {
    sec.append(errorBox(err, 'agg-sources-error'));
    return;
  }
  if (!sources.length) {
    sec.append(h('p', { class: 'muted' }, 'There is no delimited-file source. Create one with POST /v2025/sources?provisionAsCsv=true.'));
    return;
  }
  const srcIn = select(sources.map((s) => [s.id, s.name]), params().get('source') || sources[0].id, { id: 'agg-source' });
  const fileIn = h('input', { type: 'file', id: 'agg-file', accept: '.csv,.txt,text/csv,text/plain', required: true });
  const optIn = h('input', { type: 'checkbox', id: 'agg-reprocess' });
  const msg = h('div', { id: 'agg-message' });
  const form = h('form', { id: 'agg-form' },
    field('Delimited-file source', srcIn),
    field('Account file (CSV, first line the header)', fileIn, { hint: 'The file is the full list of the source\'s accounts: accounts missing from it are removed.' }),
    h('div', { class: 'field' }, h('label', { class: 'check', for: 'agg-reprocess' }, optIn, 'Reprocess unchanged accounts (disableOptimization)')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'agg-upload' }, 'Upload')), msg);
  sec.append(form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(msg);
    if (!fileIn.files.length) {
      fill(msg, errorBox('Choose a file to upload.', 'agg-error'));
      fileIn.focus();
      return;
    }
    const body = new FormData();
    body.append('file', fileIn.files[0]);
    if (optIn.checked) body.append('disableOptimization', 'true');
    const btn = form.querySelector('#agg-upload');
    btn.disabled = true;
    try {
      const res = await api('POST', `/v2025/sources/${encodeURIComponent(srcIn.value)}/load-accounts`, { form: body });
      const task = res.data.task;
      setParams({ source: srcIn.value, task: task.id });
      fill(msg, h('p', { class: 'ok' }, `Uploaded; aggregation ${task.id} started.`));
      follow(task.id);
    } catch (err) {
      fill(msg, errorBox(err, 'agg-error'));
    }
    btn.disabled = false;
  });

  const out = h('div', { id: 'agg-status', 'aria-live': 'polite' });
  fill(watch, h('h2', { id: 'st-h' }, 'Aggregation status'), out);
  fill(out, h('p', { class: 'muted' }, 'No aggregation followed yet.'));
  let timer = null;

  async function follow(id) {
    clearTimeout(timer);
    let st;
    try {
      st = (await api('GET', `/v2025/account-aggregations/${encodeURIComponent(id)}/status`)).data;
    } catch (err) {
      fill(out, errorBox(err, 'agg-status-error'));
      return;
    }
    const total = st.totalAccounts || 0, done = st.processedAccounts || 0;
    const pct = st.status === 'COMPLETED' ? 100 : total > 0 ? Math.floor((done / total) * 100) : 0;
    const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Aggregation progress', 'aria-valuemin': 0,
      'aria-valuemax': 100, 'aria-valuenow': pct }, h('div', { class: 'completed' }), h('div', { class: 'label' }, `${pct} %`));
    bar.querySelector('.completed').style.width = pct + '%';
    fill(out,
      h('p', {}, 'Aggregation ', h('code', {}, id), ': ', h('strong', { id: 'agg-state' }, st.status)),
      bar,
      h('dl', { class: 'counts' },
        h('div', {}, h('dt', {}, 'Accounts in file'), h('dd', { id: 'agg-total' }, fmt.format(total))),
        h('div', {}, h('dt', {}, 'Processed'), h('dd', { id: 'agg-processed' }, fmt.format(done))),
        h('div', {}, h('dt', {}, 'Started'), h('dd', {}, when(st.start)))));
    if (st.status === 'TERMINATED') {
      try {
        const res = (await api('GET', `/mica/v1/account-aggregations/${encodeURIComponent(id)}`)).data;
        const texts = ((res.task || res).messages || []).map((m) => m.localizedText).filter(Boolean);
        out.append(errorBox('The aggregation failed; nothing was applied. ' + (texts.join(' ') || ''), 'agg-failed'));
      } catch (err) {
        out.append(errorBox(err));
      }
    } else if (st.status !== 'COMPLETED') {
      timer = setTimeout(() => follow(id), 500);
    }
  }
  const task = params().get('task');
  if (task) follow(task);
}
