// Apps: the source apps assigned to the signed-in identity ("My apps") and, for
// those whose user level allows it (ORG_ADMIN), every source app.
import { api, ApiError, q, h, fill, errorBox, params, setParams, table, pager, field } from './app.js';

const LIMIT = 25;

export async function render(main) {
  document.title = 'Apps · mica console';
  const p = params();
  const st = { offset: Number(p.get('offset')) || 0, aq: p.get('aq') || '', aoffset: Number(p.get('aoffset')) || 0 };
  const mine = h('section', { class: 'card', 'aria-labelledby': 'my-h' });
  const all = h('section', { class: 'card', 'aria-labelledby': 'all-h' });
  main.append(h('h1', {}, 'Apps'), mine, all);
  const save = () => setParams({ offset: st.offset, aq: st.aq, aoffset: st.aoffset });

  const myOut = h('div', { id: 'my-apps', 'aria-live': 'polite' });
  fill(mine, h('h2', { id: 'my-h' }, 'My apps'),
    h('p', { class: 'muted small' }, 'The apps assigned to you: enabled apps on a source where you have an account, that match all accounts or whose access profiles you hold.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', id: 'my-refresh', onclick: () => loadMine() }, 'Refresh')), myOut);

  async function loadMine() {
    save();
    let res;
    try {
      res = await api('GET', '/v2025/source-apps/assigned', { query: { limit: LIMIT, offset: st.offset, count: true, sorters: 'name' } });
    } catch (err) {
      fill(myOut, errorBox(err, 'my-apps-error'));
      return;
    }
    fill(myOut, table({
      columns: [
        { label: 'Name', cell: (a) => a.name },
        { label: 'Description', narrow: true, cell: (a) => a.description || '' },
        { label: 'Account source', cell: (a) => (a.accountSource && a.accountSource.name) || '' },
      ],
      rows: res.data,
      empty: 'No app is assigned to you.',
    }), pager({ offset: st.offset, limit: LIMIT, total: res.total, count: res.data.length, label: 'My app pages',
      onPage: (o) => { st.offset = o; loadMine(); } }));
  }

  const aqIn = h('input', { type: 'search', id: 'all-q', value: st.aq, spellcheck: 'false' });
  const allForm = h('form', { class: 'inline', role: 'search', 'aria-label': 'Filter source apps' },
    field('Name contains', aqIn), h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Apply')));
  const allOut = h('div', { id: 'all-apps' });
  allForm.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(st, { aq: aqIn.value.trim(), aoffset: 0 });
    loadAll();
  });

  async function loadAll() {
    save();
    let res;
    try {
      res = await api('GET', '/v2025/source-apps/all', { query: { limit: LIMIT, offset: st.aoffset, count: true, sorters: 'name',
        filters: st.aq ? `name co ${q(st.aq)}` : '' } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        fill(all, h('h2', { id: 'all-h' }, 'All source apps'), h('p', { class: 'muted', id: 'all-apps-denied' }, 'Only an ORG_ADMIN sees every source app: ' + err.message));
        return;
      }
      fill(allOut, errorBox(err, 'all-apps-error'));
      return;
    }
    fill(allOut, table({
      columns: [
        { label: 'Name', cell: (a) => a.name },
        { label: 'Enabled', cell: (a) => (a.enabled ? 'yes' : 'no') },
        { label: 'Account source', cell: (a) => (a.accountSource && a.accountSource.name) || h('span', { class: 'muted' }, 'none') },
        { label: 'Match all accounts', narrow: true, cell: (a) => (a.matchAllAccounts ? 'yes' : 'no') },
        { label: 'Owner', narrow: true, cell: (a) => (a.owner && a.owner.name) || '' },
      ],
      rows: res.data,
      empty: 'No source apps.',
    }), pager({ offset: st.aoffset, limit: LIMIT, total: res.total, count: res.data.length, label: 'Source app pages',
      onPage: (o) => { st.aoffset = o; loadAll(); } }));
  }
  fill(all, h('h2', { id: 'all-h' }, 'All source apps'), allForm, allOut);

  await Promise.all([loadMine(), loadAll()]);
}
