// Overview: the tenant's totals, the classification jobs running, machine
// against human accounts per source, and the sources (one page at a time). All
// of it comes from one request, mica's summary (GET /mica/v1/summary), so an
// overview stays far within the API's rate limit; while a job runs, the same
// request is repeated every two seconds.
import { api, ApiError, h, fill, fmt, errorBox, params, setParams, table, pager, busy, waitingText, when, fillBar } from './app.js';

const LIMIT = 20;
const POLL_MS = 2000;

export async function render(main) {
  document.title = 'Overview · mica console';
  const cards = {};
  const card = (id, title) => {
    const body = h('div', { id: id + '-body' });
    const sec = h('section', { class: 'card', id, 'aria-labelledby': id + '-h' }, h('h2', { id: id + '-h' }, title), body);
    cards[id] = { sec, body };
    return sec;
  };
  main.append(
    h('h1', {}, 'Overview'),
    h('div', { class: 'grid-2' }, card('totals', 'Tenant'), card('jobs', 'Running classification jobs')),
    card('chart', 'Machine and human accounts per source'),
    card('sources', 'Sources'),
  );
  let timer = null;
  let offset = Number(params().get('offset')) || 0;

  // load fetches the summary; first marks every card loading.
  async function load(first) {
    clearTimeout(timer);
    setParams({ offset });
    const done = Object.values(cards).map((c) => (first ? busy(c.sec, c.body) : () => {}));
    const onWait = (s) => {
      for (const c of Object.values(cards)) fill(c.body, h('p', { class: 'wait', role: 'status' }, waitingText(s)));
    };
    let sum;
    try {
      sum = (await api('GET', '/mica/v1/summary', { query: { limit: LIMIT, offset }, retries: 3, onWait })).data;
    } catch (err) {
      done.forEach((d) => d());
      showError(err);
      return;
    }
    done.forEach((d) => d());
    showTotals(sum);
    showJobs(sum.runningJobs);
    fill(cards.chart.body, barChart(sum.sources));
    showSources(sum);
    if (sum.runningJobs.length) timer = setTimeout(() => load(false), POLL_MS);
  }

  function showError(err) {
    if (err instanceof ApiError && err.status === 403) {
      fill(cards.sources.body, errorBox(err),
        h('p', {}, 'Your user level does not let you list sources. ', h('a', { href: '/console/apps' }, 'See your apps'), '.'));
      for (const id of ['totals', 'jobs', 'chart']) fill(cards[id].body, h('p', { class: 'muted' }, 'Nothing to show at your user level.'));
      return;
    }
    const retry = () => h('button', { type: 'button', class: 'retry', onclick: () => load(true) }, 'Try again');
    for (const c of Object.values(cards)) fill(c.body, errorBox(err), retry());
  }

  function showTotals(sum) {
    const t = sum.totals;
    fill(cards.totals.body, h('dl', { class: 'stats' },
      stat('Sources', t.sources), stat('Accounts', t.accounts), stat('Machine accounts', t.machines, 'stat-machines'),
      stat('Human accounts', t.humans),
      h('div', {}, h('dt', {}, 'To review'), h('dd', { id: 'stat-review' },
        h('a', { href: '/console/review' }, fmt.format(t.review)))),
    ));
  }

  function showJobs(running) {
    if (!running.length) {
      fill(cards.jobs.body, h('p', { class: 'muted' }, 'No classification job is running.'));
      return;
    }
    fill(cards.jobs.body, h('ul', { class: 'jobs' }, running.map((r) => h('li', {},
      h('a', { href: '/console/sources/' + encodeURIComponent(r.sourceId) }, r.sourceName), ': ', jobText(r.job),
      phaseBars(r.job, r.sourceId)))));
  }

  function showSources(sum) {
    fill(cards.sources.body,
      table({
        caption: 'Sources, with their account counts, classification config and latest classification job',
        columns: [
          { label: 'Name', cell: (s) => h('a', { href: '/console/sources/' + encodeURIComponent(s.id) }, s.name) },
          { label: 'Type', narrow: true, cell: (s) => s.type || '' },
          { label: 'Accounts', num: true, cell: (s) => fmt.format(s.accounts) },
          { label: 'Machine', num: true, cell: (s) => fmt.format(s.machines) },
          { label: 'Human', num: true, cell: (s) => fmt.format(s.humans) },
          { label: 'To review', num: true, cell: (s) => s.review
            ? h('a', { href: '/console/review?source=' + encodeURIComponent(s.id) }, fmt.format(s.review)) : '0' },
          { label: 'Config', cell: (s) => s.classification ? (s.classification.enabled ? s.classification.method : 'disabled') : h('span', { class: 'muted' }, 'none') },
          { label: 'Classification', cell: (s) => jobText(s.job) },
        ],
        rows: sum.sources,
        empty: 'No sources.',
      }),
      pager({ offset, limit: LIMIT, total: sum.count, count: sum.sources.length, label: 'Source pages',
        onPage: (o) => { offset = o; load(true); } }));
  }

  await load(true);
}

function stat(label, n, id) {
  return h('div', {}, h('dt', {}, label), h('dd', { id }, fmt.format(n)));
}

/** A job's status in words, with its result once it ended. */
export function jobText(job) {
  if (!job) return h('span', { class: 'muted' }, 'never run');
  const c = job.counts || {};
  if (job.phase === 'collecting') return `collecting ${fmt.format(c.RECEIVED || 0)} of ${fmt.format(c.EXPECTED || 0)}`;
  if (job.phase === 'classifying') return `classifying ${fmt.format(c.COMPLETED || 0)} of ${fmt.format(c.EXPECTED || 0)}`;
  const result = `${fmt.format(job.machines)} machine, ${fmt.format(job.humans)} human, ${fmt.format(job.changed)} changed`;
  return h('span', { title: job.updated ? 'ended ' + when(job.updated) : '' }, `${job.status}: ${result}`);
}

/** percent is how far a phase got, 0 to 100. */
export function percent(done, total, ended) {
  if (ended && total === 0) return 100;
  return total > 0 ? Math.floor((done / total) * 100) : 0;
}

/** Two small bars: collection, then classification. */
function phaseBars(job, key) {
  const c = job.counts || {};
  const bar = (label, done) => {
    const pct = percent(done, c.EXPECTED || 0, false);
    return h('div', { class: 'phase' }, h('span', { class: 'phase-label' }, `${label} ${pct} %`),
      h('div', { class: 'progress small', role: 'progressbar', 'aria-label': `${label}, ${key}`, 'aria-valuemin': 0,
        'aria-valuemax': 100, 'aria-valuenow': pct }, fillBar(pct)));
  };
  return h('div', { class: 'phases' }, bar('Collected', c.RECEIVED || 0), bar('Classified', c.COMPLETED || 0));
}

// barChart shows each source's split between machine and human accounts as a
// bar of its own width (100 % = the source's accounts), so a small source is
// as readable as a large one; the counts are written beside each bar.
function barChart(sources) {
  const data = sources.filter((s) => s.accounts > 0);
  if (!data.length) return h('p', { class: 'muted' }, 'No accounts to chart.');
  const labelW = 170, barW = 420, rowH = 28, width = labelW + barW + 190;
  const height = data.length * rowH + 8;
  const svg = h('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-title chart-desc' },
    h('title', { id: 'chart-title' }, 'Share of machine and human accounts per source'),
    h('desc', { id: 'chart-desc' }, data.map((s) => `${s.name}: ${s.machines} machine, ${s.humans} human`).join('; ')));
  data.forEach((s, i) => {
    const y = i * rowH + 4;
    const mw = (s.machines / s.accounts) * barW;
    const name = s.name.length > 24 ? s.name.slice(0, 23) + '…' : s.name;
    const share = Math.round((s.machines / s.accounts) * 1000) / 10;
    svg.append(
      h('text', { x: labelW - 8, y: y + 15, 'text-anchor': 'end', class: 'chart-label' }, name),
      h('rect', { x: labelW, y, width: Math.max(0, mw), height: 20, class: 'bar-machine' }, h('title', {}, `${s.name}: ${fmt.format(s.machines)} machine`)),
      h('rect', { x: labelW + mw, y, width: Math.max(0, barW - mw), height: 20, class: 'bar-human' }, h('title', {}, `${s.name}: ${fmt.format(s.humans)} human`)),
      h('text', { x: labelW + barW + 6, y: y + 15, class: 'chart-count' }, `${fmt.format(s.machines)} machine (${share} %) / ${fmt.format(s.humans)}`),
    );
  });
  return [
    h('p', { class: 'legend', 'aria-hidden': 'true' },
      h('span', {}, h('span', { class: 'swatch machine' }), 'machine'), h('span', {}, h('span', { class: 'swatch human' }), 'human'),
      h('span', { class: 'muted' }, 'each bar is one source\'s accounts')),
    h('div', { class: 'chart' }, svg),
  ];
}
