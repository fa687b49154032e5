// Directory connection of an Active Directory or LDAP source: what it connects
// to (never the password, which the API does not return), Test connection
// (the /mica/v1 extension), and Aggregate now (load-accounts without a file),
// with the aggregation followed to its end.
import { api, h, fill, fmt, errorBox } from './app.js';

/** isDirectory reports whether a source reads its accounts from a directory. */
export function isDirectory(source) {
  const c = String(source.connector || '').toLowerCase();
  return source.type !== 'DelimitedFile' && /^(active-directory|ldap|openldap)(-|$)/.test(c);
}

export function directoryPanel(sec, source, onAggregated) {
  const id = encodeURIComponent(source.id);
  const a = source.connectorAttributes || {};
  const security = a.useSSL === true || a.useSSL === 'true' ? 'LDAPS' : a.useStartTLS === true || a.useStartTLS === 'true' ? 'StartTLS' : 'none';
  const dns = (Array.isArray(a.searchDNs) ? a.searchDNs : []).map((d) => (typeof d === 'string' ? d : d.searchDN)).filter(Boolean);
  const testBtn = h('button', { type: 'button', id: 'dir-test' }, 'Test connection');
  const aggBtn = h('button', { type: 'button', class: 'primary', id: 'dir-aggregate' }, 'Aggregate now');
  const result = h('div', { id: 'dir-result', 'aria-live': 'polite' });
  fill(sec, h('h2', { id: 'dir-h' }, 'Directory connection'),
    h('dl', { class: 'counts' },
      h('div', {}, h('dt', {}, 'Server'), h('dd', { id: 'dir-server' }, a.host ? `${a.host}${a.port ? ':' + a.port : ''}` : 'not set')),
      h('div', {}, h('dt', {}, 'Security'), h('dd', {}, security)),
      h('div', {}, h('dt', {}, 'Bind user'), h('dd', {}, a.user || (a.authorizationType === 'none' ? 'anonymous' : 'not set'))),
      h('div', {}, h('dt', {}, 'Search DNs'), h('dd', {}, dns.length ? dns.join('; ') : 'not set'))),
    h('p', { class: 'muted small' }, 'The bind password is write-only: set it with PATCH /connectorAttributes/password; it is never shown.'),
    h('div', { class: 'actions' }, testBtn, aggBtn), result);

  testBtn.addEventListener('click', async () => {
    testBtn.disabled = true;
    fill(result, h('p', { class: 'muted' }, 'Testing…'));
    try {
      const r = (await api('POST', `/mica/v1/sources/${id}/test-connection`)).data;
      fill(result, r.status === 'SUCCESS'
        ? h('p', { class: 'ok', id: 'dir-test-result' }, `Connected to ${r.details.server} (${r.details.security}) and found every search DN, in ${fmt.format(r.elapsedMillis)} ms.`)
        : h('p', { class: 'error', role: 'alert', id: 'dir-test-result' }, `Failed at ${r.step}: ${r.message}`));
    } catch (err) {
      fill(result, errorBox(err, 'dir-test-result'));
    }
    testBtn.disabled = false;
  });

  aggBtn.addEventListener('click', async () => {
    aggBtn.disabled = true;
    fill(result, h('p', { class: 'muted' }, 'Starting…'));
    try {
      const task = (await api('POST', `/v2025/sources/${id}/load-accounts`)).data.task;
      for (;;) {
        const st = (await api('GET', `/v2025/account-aggregations/${encodeURIComponent(task.id)}/status`)).data;
        fill(result, h('p', {}, 'Aggregation ', h('code', {}, task.id), ': ', h('strong', { id: 'dir-agg-state' }, st.status),
          st.totalAccounts !== undefined ? ` · ${fmt.format(st.totalAccounts)} accounts` : ''));
        if (st.status === 'COMPLETED') {
          const t = (await api('GET', `/mica/v1/account-aggregations/${encodeURIComponent(task.id)}`)).data.task;
          const x = t.attributes || {};
          result.append(h('p', { class: 'ok', id: 'dir-agg-done' }, `${fmt.format(x.total || 0)} accounts read: ${fmt.format(x.created || 0)} added, `
            + `${fmt.format(x.updated || 0)} changed, ${fmt.format(x.deleted || 0)} removed.`));
          onAggregated();
          break;
        }
        if (st.status === 'TERMINATED') {
          const t = (await api('GET', `/mica/v1/account-aggregations/${encodeURIComponent(task.id)}`)).data.task;
          const texts = (t.messages || []).map((m) => m.localizedText).filter(Boolean);
          result.append(errorBox('The aggregation failed; nothing was applied. ' + texts.join(' '), 'dir-agg-failed'));
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    } catch (err) {
      fill(result, errorBox(err, 'dir-agg-failed'));
    }
    aggBtn.disabled = false;
  });
}
