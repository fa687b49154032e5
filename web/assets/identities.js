// Machine identities: each with its owners (the primary one first), subtype and
// source, and, opened, the machine accounts that belong to it.
import { api, q, h, fill, errorBox, params, setParams, table, pager, field, when } from './app.js';

const LIMIT = 25;

export async function render(main) {
  document.title = 'Machine identities · mica console';
  const p = params();
  const st = { q: p.get('q') || '', sort: p.get('sort') || 'name', offset: Number(p.get('offset')) || 0 };
  const card = h('section', { class: 'card', 'aria-labelledby': 'mi-h' });
  main.append(h('h1', {}, 'Machine identities'), card);

  const nameIn = h('input', { type: 'search', id: 'mi-q', value: st.q, spellcheck: 'false' });
  const form = h('form', { class: 'inline', role: 'search', 'aria-label': 'Filter machine identities' },
    field('Name starts with', nameIn), h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Apply')));
  const msg = h('div', { id: 'mi-error' });
  const out = h('div');
  fill(card, h('h2', { id: 'mi-h' }, 'Machine identities'),
    h('p', { class: 'muted small' }, 'Non-human identities (applications, services, AI agents) and who owns them. Open one to see its machine accounts.'),
    form, msg, out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(st, { q: nameIn.value.trim(), offset: 0 });
    load();
  });

  function save() {
    setParams({ q: st.q, sort: st.sort === 'name' ? '' : st.sort, offset: st.offset });
  }

  async function load() {
    save();
    let res;
    try {
      res = await api('GET', '/v2025/machine-identities', { query: { filters: st.q ? `displayName sw ${q(st.q)}` : '',
        sorters: st.sort, limit: LIMIT, offset: st.offset, count: true } });
    } catch (err) {
      fill(msg, errorBox(err, 'mi-load-error'));
      fill(out);
      return;
    }
    fill(msg);
    fill(out, table({
      columns: [
        { label: 'Name', sort: 'name', cell: (m) => m.name },
        { label: 'Subtype', cell: (m) => m.subtype || '' },
        { label: 'Owners', sort: 'owners.primaryIdentity.name', cell: owners },
        { label: 'Source', sort: 'source.name', narrow: true, cell: (m) => (m.source
          ? h('a', { href: '/console/sources/' + encodeURIComponent(m.source.id) }, m.source.name) : '') },
        { label: 'Modified', sort: 'modified', narrow: true, cell: (m) => when(m.modified) },
        { label: 'Accounts', cell: (m) => accountsButton(m) },
      ],
      rows: res.data,
      sort: st.sort,
      onSort: (s) => { st.sort = s; st.offset = 0; load(); },
      empty: 'No machine identities.',
      rowExtra: (m, tr) => { tr.dataset.id = m.id; },
    }), pager({ offset: st.offset, limit: LIMIT, total: res.total, count: res.data.length, label: 'Machine identity pages',
      onPage: (o) => { st.offset = o; load(); } }));
  }

  await load();
}

/** The owners of a machine identity: the primary one, then the secondary ones. */
function owners(m) {
  const o = m.owners;
  if (!o || !o.primaryIdentity) return h('span', { class: 'muted' }, 'none');
  const sec = (o.secondaryIdentities || []).map((s) => s.name || s.id);
  return h('span', { class: 'owners' }, h('strong', { title: 'Primary owner' }, o.primaryIdentity.name || o.primaryIdentity.id),
    sec.length ? h('span', { class: 'muted' }, ', ' + sec.join(', ')) : null);
}

/** A button that opens, under the row, the machine accounts of the identity. */
function accountsButton(m) {
  const btn = h('button', { type: 'button', 'aria-expanded': 'false', class: 'link' }, 'Show');
  btn.addEventListener('click', async () => {
    const tr = btn.closest('tr');
    const open = tr.nextElementSibling && tr.nextElementSibling.classList.contains('mi-accounts');
    if (open) {
      tr.nextElementSibling.remove();
      btn.setAttribute('aria-expanded', 'false');
      btn.textContent = 'Show';
      return;
    }
    const cell = h('td', { colspan: tr.children.length }, h('p', { class: 'muted' }, 'Loading…'));
    tr.after(h('tr', { class: 'mi-accounts' }, cell));
    btn.setAttribute('aria-expanded', 'true');
    btn.textContent = 'Hide';
    try {
      const res = await api('GET', '/v2025/machine-accounts', { query: { filters: `machineIdentity.id eq ${q(m.id)}`,
        sorters: 'name', limit: 50, count: true } });
      fill(cell, res.data.length ? table({
        caption: `${res.total} machine account${res.total === 1 ? '' : 's'} of ${m.name}`,
        columns: [
          { label: 'Account', cell: (a) => a.name },
          { label: 'Source', cell: (a) => a.source.name },
          { label: 'Subtype', cell: (a) => a.subtype || '' },
          { label: 'Owner', cell: (a) => (a.ownerIdentity && a.ownerIdentity.name) || '' },
          { label: 'Enabled', cell: (a) => (a.enabled ? 'yes' : 'no') },
        ],
        rows: res.data,
      }) : h('p', { class: 'muted' }, 'No machine accounts belong to this identity.'));
    } catch (err) {
      fill(cell, errorBox(err));
    }
  });
  return btn;
}
