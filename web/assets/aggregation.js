// Aggregation: load an account file (CSV) into a delimited-file source in two
// steps. Preview (mica's POST /mica/v1/sources/{id}/load-accounts/preview)
// counts what the file would add, change and remove, applying nothing; a file
// that removes more than 10 % of the source's accounts needs an explicit
// confirmation. Apply uploads it through ISC's load-accounts with mica's
// maxRemovals set to the removals the user saw, so that the server never
// removes more. Then the aggregation is followed, and the source's history
// of aggregations is listed.
import { api, q, h, fill, fmt, errorBox, params, setParams, field, select, when, table, busy } from './app.js';

export async function render(main) {
  document.title = 'Aggregation · mica console';
  const sec = h('section', { class: 'card', 'aria-labelledby': 'up-h' });
  const watch = h('section', { class: 'card', 'aria-labelledby': 'st-h' });
  const hist = h('section', { class: 'card', 'aria-labelledby': 'hist-h' });
  main.append(h('h1', {}, 'Aggregation'), sec, watch, hist);
  fill(sec, h('h2', { id: 'up-h' }, 'Load an account file'));
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
  const previewOut = h('div', { id: 'agg-preview', 'aria-live': 'polite' });
  const form = h('form', { id: 'agg-form' },
    field('Delimited-file source', srcIn),
    field('Account file (CSV, first line the header)', fileIn, { hint: 'The file is the full list of the source\'s accounts: accounts missing from it are removed. You see what it would change before anything is applied.' }),
    h('div', { class: 'field' }, h('label', { class: 'check', for: 'agg-reprocess' }, optIn, 'Reprocess unchanged accounts (disableOptimization)')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'agg-upload' }, 'Preview')), msg, previewOut);
  sec.append(form);
  srcIn.addEventListener('change', () => { setParams({ source: srcIn.value }); fill(previewOut); history(); });
  fileIn.addEventListener('change', () => fill(previewOut));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(msg);
    fill(previewOut);
    if (!fileIn.files.length) {
      fill(msg, errorBox('Choose a file to preview.', 'agg-error'));
      fileIn.focus();
      return;
    }
    const btn = form.querySelector('#agg-upload');
    btn.disabled = true;
    const done = busy(sec, previewOut, 'Reading the file…');
    let p;
    try {
      p = (await api('POST', `/mica/v1/sources/${encodeURIComponent(srcIn.value)}/load-accounts/preview`, { form: body() })).data;
    } catch (err) {
      done();
      fill(previewOut, errorBox('The file cannot be loaded; nothing was applied. ' + err.message, 'agg-error'));
      btn.disabled = false;
      return;
    }
    done();
    btn.disabled = false;
    showPreview(p);
  });

  function body(maxRemovals) {
    const b = new FormData();
    b.append('file', fileIn.files[0]);
    if (optIn.checked) b.append('disableOptimization', 'true');
    if (maxRemovals !== undefined) b.append('maxRemovals', String(maxRemovals));
    return b;
  }

  function showPreview(p) {
    const rows = h('dl', { class: 'counts' },
      h('div', {}, h('dt', {}, 'Accounts in the file'), h('dd', { id: 'pv-scanned' }, fmt.format(p.scanned))),
      h('div', {}, h('dt', {}, 'Added'), h('dd', { id: 'pv-added' }, fmt.format(p.added))),
      h('div', {}, h('dt', {}, 'Changed'), h('dd', { id: 'pv-changed' }, fmt.format(p.changed))),
      h('div', {}, h('dt', {}, 'Removed'), h('dd', { id: 'pv-removed' }, `${fmt.format(p.removed)} (${p.removedPercent} %)`)),
      h('div', {}, h('dt', {}, 'Unchanged'), h('dd', { id: 'pv-unchanged' }, fmt.format(p.unchanged))),
      h('div', {}, h('dt', {}, 'The source has now'), h('dd', {}, fmt.format(p.existing))));
    const apply = h('button', { type: 'button', class: 'primary', id: 'agg-apply' }, 'Apply');
    const cancel = h('button', { type: 'button', id: 'agg-cancel', onclick: () => { fill(previewOut); fileIn.focus(); } }, 'Cancel');
    const parts = [h('h3', {}, `Preview of ${fileIn.files[0].name}: nothing is applied yet`), rows];
    if (p.exceedsDeleteThreshold) {
      parts.push(errorBox(`This file would remove more than the source's deleteThreshold of ${p.deleteThreshold} %: the aggregation would fail and change nothing.`, 'pv-threshold'));
    }
    if (p.confirmationRequired) {
      const confirm = h('input', { type: 'checkbox', id: 'agg-confirm' });
      apply.disabled = true;
      confirm.addEventListener('change', () => { apply.disabled = !confirm.checked; });
      parts.push(h('div', { class: 'confirm', id: 'pv-warning', role: 'alert' },
        h('p', {}, h('strong', {}, `This file removes ${fmt.format(p.removed)} of the source's ${fmt.format(p.existing)} accounts (${p.removedPercent} %), `),
          `more than ${p.confirmAbovePercent} %. Accounts missing from the file are deleted, with their classification.`),
        h('label', { class: 'check', for: 'agg-confirm' }, confirm, `I confirm removing ${fmt.format(p.removed)} accounts`)));
    }
    parts.push(h('div', { class: 'actions' }, apply, cancel));
    fill(previewOut, parts);
    (p.confirmationRequired ? previewOut.querySelector('#agg-confirm') : apply).focus();
    apply.addEventListener('click', async () => {
      apply.disabled = true;
      try {
        // maxRemovals: the server refuses to remove more than the preview showed.
        const res = await api('POST', `/v2025/sources/${encodeURIComponent(srcIn.value)}/load-accounts`, { form: body(p.removed) });
        const task = res.data.task;
        setParams({ source: srcIn.value, task: task.id });
        fill(previewOut, h('p', { class: 'ok', id: 'agg-started' }, `Applying: aggregation ${task.id} started.`));
        follow(task.id);
      } catch (err) {
        fill(msg, errorBox(err, 'agg-error'));
        apply.disabled = false;
      }
    });
  }

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
      'aria-valuemax': 100, 'aria-valuenow': pct }, h('div', { class: 'fill', style: `width:${pct}%` }));
    fill(out,
      h('p', {}, 'Aggregation ', h('code', {}, id), ': ', h('strong', { id: 'agg-state' }, st.status)),
      h('span', { class: 'phase-label' }, `${pct} %`), bar,
      h('dl', { class: 'counts' },
        h('div', {}, h('dt', {}, 'Added, changed and removed'), h('dd', { id: 'agg-total' }, fmt.format(total))),
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
      history();
    } else if (st.status === 'COMPLETED') {
      history();
    } else {
      timer = setTimeout(() => follow(id), 500);
    }
  }

  // history lists the chosen source's aggregations, newest first.
  const histOut = h('div', { id: 'agg-history' });
  fill(hist, h('h2', { id: 'hist-h' }, 'History of the source\'s aggregations'), histOut);
  async function history() {
    const done = busy(hist, histOut);
    let res;
    try {
      res = await api('GET', `/mica/v1/sources/${encodeURIComponent(srcIn.value)}/aggregations`, { query: { limit: 20, count: true } });
    } catch (err) {
      done();
      fill(histOut, errorBox(err, 'agg-history-error'));
      return;
    }
    done();
    fill(histOut, table({
      id: 'agg-history-table',
      caption: `${fmt.format(res.total ?? res.data.length)} aggregation${(res.total ?? res.data.length) === 1 ? '' : 's'}, newest first` +
        ((res.total ?? 0) > res.data.length ? ` (the last ${res.data.length} shown)` : ''),
      columns: [
        { label: 'When', cell: (a) => when(a.created) },
        { label: 'Status', cell: (a) => a.completionStatus ? `${a.status} (${a.completionStatus})` : a.status },
        { label: 'Added', num: true, cell: (a) => fmt.format(a.added) },
        { label: 'Changed', num: true, cell: (a) => fmt.format(a.changed) },
        { label: 'Removed', num: true, cell: (a) => fmt.format(a.removed) },
        { label: 'Errors', cell: (a) => a.errors.length ? h('span', { class: 'error small' }, a.errors.join(' ')) : h('span', { class: 'muted' }, 'none') },
        { label: 'By', narrow: true, cell: (a) => a.launcher },
      ],
      rows: res.data,
      empty: 'No aggregation yet.',
    }));
  }

  const task = params().get('task');
  if (task) follow(task);
  await history();
}
