// Overview: the sources (one page at a time) with their account counts, machine
// against human per source as a bar chart, and the classification jobs running.
import { api, ApiError, q, and, h, fill, fmt, errorBox, params, setParams, table, pager } from './app.js';

const LIMIT = 20;

export async function render(main) {
  document.title = 'Overview · mica console';
  const chart = h('div', { class: 'chart' });
  const list = h('div');
  const jobs = h('div', { 'aria-live': 'polite' });
  main.append(
    h('h1', {}, 'Overview'),
    h('section', { class: 'card', 'aria-labelledby': 'jobs-h' }, h('h2', { id: 'jobs-h' }, 'Running classification jobs'), jobs),
    h('section', { class: 'card', 'aria-labelledby': 'chart-h' }, h('h2', { id: 'chart-h' }, 'Machine and human accounts per source'), chart),
    h('section', { class: 'card', 'aria-labelledby': 'sources-h' }, h('h2', { id: 'sources-h' }, 'Sources'), list),
  );
  let timer = null;

  async function load(offset) {
    clearTimeout(timer);
    setParams({ offset });
    let page;
    try {
      page = await api('GET', '/v2025/sources', { query: { limit: LIMIT, offset, count: true, sorters: 'name' } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        const msg = h('p', {}, 'Your user level does not let you list sources. ', h('a', { href: '/console/apps' }, 'See your apps'), '.');
        fill(list, errorBox(err), msg);
        fill(chart, h('p', { class: 'muted' }, 'No sources to chart.'));
        fill(jobs, h('p', { class: 'muted' }, 'No jobs to show.'));
        return;
      }
      throw err;
    }
    const sources = page.data;
    const rows = await Promise.all(sources.map(async (s) => {
      const bySource = and(`sourceId eq ${q(s.id)}`);
      const [all, machine, job] = await Promise.all([
        countAccounts(bySource),
        countAccounts(and(bySource, 'isMachine eq true')),
        jobOf(s.id),
      ]);
      return { source: s, all, machine, job };
    }));
    fill(list,
      table({
        caption: 'Sources, with their account counts and latest classification job',
        columns: [
          { label: 'Name', cell: (r) => h('a', { href: '/console/sources/' + encodeURIComponent(r.source.id) }, r.source.name) },
          { label: 'Type', narrow: true, cell: (r) => r.source.type || '' },
          { label: 'Accounts', num: true, cell: (r) => countText(r.all) },
          { label: 'Machine', num: true, cell: (r) => countText(r.machine) },
          { label: 'Human', num: true, cell: (r) => typeof r.all === 'number' && typeof r.machine === 'number' ? fmt.format(r.all - r.machine) : '–' },
          { label: 'Classification', cell: (r) => jobText(r.job) },
        ],
        rows,
        empty: 'No sources.',
      }),
      pager({ offset, limit: LIMIT, total: page.total, count: sources.length, onPage: load, label: 'Source pages' }));
    fill(chart, barChart(rows));
    showJobs(rows);
  }

  // showJobs lists the running jobs of the sources on this page, and follows them.
  function showJobs(rows) {
    const running = rows.filter((r) => r.job && (r.job.status === 'STARTED' || r.job.status === 'COLLECTED'));
    if (!running.length) {
      fill(jobs, h('p', { class: 'muted' }, 'No classification job is running on the sources of this page.'));
      return;
    }
    fill(jobs, h('ul', {}, running.map((r) => h('li', {},
      h('a', { href: '/console/sources/' + encodeURIComponent(r.source.id) }, r.source.name), ': ', jobText(r.job)))));
    timer = setTimeout(async () => {
      for (const r of running) r.job = await jobOf(r.source.id);
      showJobs(rows);
    }, 1000);
  }

  await load(Number(params().get('offset')) || 0);
}

// countAccounts counts the accounts a filter selects, reading no rows.
async function countAccounts(filters) {
  try {
    const res = await api('GET', '/mica/v1/accounts', { query: { limit: 0, count: true, filters } });
    return res.total;
  } catch (err) {
    return err instanceof ApiError ? err : null;
  }
}

// jobOf is a source's latest classification job; null when it never ran one.
async function jobOf(id) {
  try {
    return (await api('GET', `/v2025/sources/${encodeURIComponent(id)}/classify`)).data;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    return { status: 'unknown', error: err.message };
  }
}

function countText(n) {
  if (typeof n === 'number') return fmt.format(n);
  return h('span', { class: 'muted', title: n instanceof Error ? n.message : '' }, '–');
}

export function percent(job) {
  if (!job || !job.counts) return 0;
  const { EXPECTED: e = 0, COMPLETED: c = 0 } = job.counts;
  if (job.status === 'COMPLETED') return 100;
  return e > 0 ? Math.floor((c / e) * 100) : 0;
}

function jobText(job) {
  if (!job) return h('span', { class: 'muted' }, 'never run');
  if (job.status === 'unknown') return h('span', { class: 'muted', title: job.error }, 'not visible to you');
  return `${job.status} ${percent(job)} %`;
}

// barChart draws machine (left) and human (right) accounts of each source as
// one horizontal stacked bar, scaled to the largest source.
function barChart(rows) {
  const data = rows.filter((r) => typeof r.all === 'number' && typeof r.machine === 'number');
  if (!data.length) return h('p', { class: 'muted' }, 'No account counts to chart.');
  const maxTotal = Math.max(1, ...data.map((r) => r.all));
  const labelW = 170, barW = 440, rowH = 28, width = labelW + barW + 150;
  const height = data.length * rowH + 8;
  const svg = h('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-title chart-desc' },
    h('title', { id: 'chart-title' }, 'Machine and human accounts per source'),
    h('desc', { id: 'chart-desc' }, data.map((r) => `${r.source.name}: ${r.machine} machine, ${r.all - r.machine} human`).join('; ')));
  data.forEach((r, i) => {
    const y = i * rowH + 4;
    const mw = (r.machine / maxTotal) * barW;
    const hw = ((r.all - r.machine) / maxTotal) * barW;
    const name = r.source.name.length > 24 ? r.source.name.slice(0, 23) + '…' : r.source.name;
    svg.append(
      h('text', { x: labelW - 8, y: y + 15, 'text-anchor': 'end', 'font-size': 12, fill: '#1f2933' }, name),
      h('rect', { x: labelW, y, width: Math.max(0, mw), height: 20, fill: '#c2410c' }, h('title', {}, `${r.source.name}: ${fmt.format(r.machine)} machine`)),
      h('rect', { x: labelW + mw, y, width: Math.max(0, hw), height: 20, fill: '#94a3b8' }, h('title', {}, `${r.source.name}: ${fmt.format(r.all - r.machine)} human`)),
      h('text', { x: labelW + mw + hw + 6, y: y + 15, 'font-size': 12, fill: '#5f6b7a' }, `${fmt.format(r.machine)} / ${fmt.format(r.all - r.machine)}`),
    );
  });
  return [
    h('div', { class: 'legend', 'aria-hidden': 'true' },
      h('span', {}, h('span', { class: 'swatch machine' }), 'machine'), h('span', {}, h('span', { class: 'swatch human' }), 'human')),
    svg,
  ];
}
