// Account: one account's attributes and identity, how it is classified and
// how that came to be (the criteria nodes that match it, discovery's signals,
// the review queue's decisions: who decided what, when and why), with the
// decisions a reviewer can take here: accept or dismiss discovery's
// recommendation, or force the account machine or human. Two requests: the
// account (ISC) and its evidence (mica).
import { api, ApiError, h, fill, fmt, errorBox, when, busy } from './app.js';
import { evidenceBody } from './machine.js';

export async function render(main, id) {
  document.title = 'Account · mica console';
  const head = h('div');
  const classSec = h('section', { class: 'card', 'aria-labelledby': 'ac-class-h' });
  const evSec = h('section', { class: 'card', 'aria-labelledby': 'ac-ev-h' });
  const trailSec = h('section', { class: 'card', 'aria-labelledby': 'ac-trail-h' });
  const attrSec = h('section', { class: 'card', 'aria-labelledby': 'ac-attr-h' });
  main.append(h('p', { class: 'small' }, h('a', { href: '/console/review' }, '‹ Review')), head, classSec, evSec, trailSec, attrSec);
  const bodies = [classSec, evSec, trailSec, attrSec].map((sec) => {
    const b = h('div');
    sec.append(b);
    return { sec, b, done: busy(sec, b) };
  });
  const [classBody, evBody, trailBody, attrBody] = bodies.map((x) => x.b);
  classSec.prepend(h('h2', { id: 'ac-class-h' }, 'Classification'));
  evSec.prepend(h('h2', { id: 'ac-ev-h' }, 'Why'));
  trailSec.prepend(h('h2', { id: 'ac-trail-h' }, 'History and decisions'));
  attrSec.prepend(h('h2', { id: 'ac-attr-h' }, 'Attributes'));

  let acct, ev;
  try {
    [acct, ev] = await Promise.all([
      api('GET', `/v2025/accounts/${encodeURIComponent(id)}`).then((r) => r.data),
      api('GET', `/mica/v1/accounts/${encodeURIComponent(id)}/evidence`).then((r) => r.data),
    ]);
  } catch (err) {
    bodies.forEach((x) => x.done());
    fill(head, h('h1', {}, 'Account'), errorBox(err, 'account-error'));
    for (const x of bodies) fill(x.b);
    if (err instanceof ApiError && err.status === 404) fill(classBody, h('p', {}, 'No such account: it may have been removed by an aggregation.'));
    return;
  }
  bodies.forEach((x) => x.done());
  document.title = `${acct.name} · mica console`;
  fill(head, h('h1', { id: 'account-name' }, acct.name),
    h('p', { class: 'muted' }, 'On ', h('a', { href: '/console/sources/' + encodeURIComponent(acct.sourceId) }, acct.sourceName),
      ' · native identity ', h('code', {}, acct.nativeIdentity),
      acct.disabled ? ' · disabled' : '', acct.locked ? ' · locked' : ''));

  // ---- classification, identity and the decisions one can take ----
  const msg = h('div', { id: 'account-message', role: 'status', 'aria-live': 'polite' });
  const note = h('input', { type: 'text', id: 'account-note', maxlength: 1000, placeholder: 'optional: why' });
  const identity = acct.identity
    ? [acct.identity.name || acct.identity.id, ' ', h('span', { class: 'muted small' }, `(${acct.identity.id})`)]
    : h('span', { class: 'muted' }, 'uncorrelated: no identity');
  const decisions = [];
  if (ev.review && ev.review.inQueue) {
    decisions.push(
      h('button', { type: 'button', class: 'primary', id: 'account-accept', onclick: () => triage('ACCEPT') },
        `Accept: make it ${ev.recommendation.type.toLowerCase()}`),
      h('button', { type: 'button', id: 'account-dismiss', onclick: () => triage('DISMISS') },
        `Dismiss: keep it ${acct.isMachine ? 'machine' : 'human'}`));
  }
  decisions.push(
    h('button', { type: 'button', id: 'force-machine', class: 'force-machine', onclick: () => force('forceMachine') }, 'Force machine'),
    h('button', { type: 'button', id: 'force-human', class: 'force-human', onclick: () => force('forceHuman') }, 'Force human'));
  fill(classBody,
    h('dl', { class: 'facts' },
      fact('Classified as', h('span', { id: 'account-kind', class: 'badge ' + (acct.isMachine ? 'machine' : 'human') }, acct.isMachine ? 'machine' : 'human')),
      fact('Decided by', ev.classificationMethod || (acct.isMachine ? '?' : h('span', { class: 'muted' }, 'nothing (human by default)'))),
      fact('Since', ev.classifiedAt ? when(ev.classifiedAt) : '–'),
      fact('Discovery recommends', ev.recommendation ? ev.recommendation.type.toLowerCase() : h('span', { class: 'muted' }, 'nothing: it agrees')),
      fact('Review queue', ev.review && ev.review.inQueue
        ? `in the queue (${ev.review.reason === 'NO_DECISION' ? 'no decision yet' : 'discovery disagrees'}, confidence ${Math.round(ev.review.confidence * 100)} % in its recommendation, subtype ${ev.review.subtype})`
        : h('span', { class: 'muted' }, 'not in the queue')),
      fact('Identity', identity)),
    h('div', { class: 'decide-bar' }, h('div', { class: 'field' }, h('label', { for: 'account-note' }, 'Note (optional)'), note),
      h('div', { class: 'actions' }, decisions)),
    msg);

  async function triage(action) {
    try {
      const res = (await api('POST', '/mica/v1/triage/decisions', { body: { action, note: note.value.trim(), accountIds: [id] } })).data;
      if (!res.decided) {
        fill(msg, h('p', { class: 'muted' }, 'It had left the queue already.'));
        return;
      }
      location.reload();
    } catch (err) {
      fill(msg, errorBox(err, 'account-decide-error'));
    }
  }
  async function force(mode) {
    try {
      const res = (await api('POST', `/v2025/accounts/${encodeURIComponent(id)}/classify`, { query: { classificationMode: mode } })).data;
      fill(msg, h('p', { class: 'ok' }, `Now ${res.isMachine ? 'a machine' : 'a human'} account (MANUAL).`));
      const kind = document.getElementById('account-kind');
      kind.textContent = res.isMachine ? 'machine' : 'human';
      kind.className = 'badge ' + (res.isMachine ? 'machine' : 'human');
    } catch (err) {
      fill(msg, errorBox(err, 'account-force-error'));
    }
  }

  // ---- why: the criteria nodes, discovery's signals ----
  const c = ev.criteria || {};
  let criteria;
  if (!c.config) criteria = h('p', { class: 'muted' }, 'Its source has no classification config.');
  else if (!c.config.enabled) criteria = h('p', { class: 'muted' }, 'Its source\'s classification config is disabled.');
  else if (c.config.classificationMethod === 'SOURCE') criteria = h('p', {}, 'Its source\'s config (SOURCE) makes every account a machine account.');
  else {
    criteria = [h('p', { id: 'criteria-verdict' }, c.matched ? 'The criteria match this account: ' : 'The criteria do not match this account. ',
      c.matched ? h('strong', {}, 'machine') : null),
    h('ul', { class: 'criteria', id: 'criteria-nodes' }, c.nodes.map((n) => h('li', {
      class: (n.matched ? 'hit' : 'miss') + ' level-' + n.level, dataset: { path: n.path } },
    h('span', { class: 'mark', 'aria-hidden': 'true' }, n.matched ? '✓' : '✗'),
    h('span', { class: 'sr-only' }, n.matched ? 'matches: ' : 'does not match: '),
    n.attribute ? [h('code', {}, n.attribute), ` ${n.operation.toLowerCase().replace('_', ' ')} `, h('code', {}, JSON.stringify(n.value))] : `${n.operation} of:`,
    h('span', { class: 'muted small' }, ' ' + n.path))))];
  }
  fill(evBody,
    h('h3', {}, 'Criteria'), criteria,
    h('h3', {}, 'Discovery'),
    h('div', { id: 'discovery' }, evidenceBody(ev)));

  // ---- history: the current classification and the decisions ----
  const events = ev.decisions.map((x) => ({ at: x.created, node: h('li', { class: 'decision', dataset: { action: x.action } },
    h('strong', {}, x.action === 'ACCEPT' ? 'Accepted' : 'Dismissed'), ` discovery's ${x.recommendation.toLowerCase()} recommendation`,
    ' by ', h('span', { class: 'actor' }, x.actor.name), ', ', h('time', { datetime: x.created }, when(x.created)), ': ',
    `${x.before.isMachine ? 'machine' : 'human'} (${x.before.classificationMethod || 'none'}) → ${x.after.isMachine ? 'machine' : 'human'} (${x.after.classificationMethod || 'none'})`,
    x.note ? [h('br'), h('span', { class: 'note' }, '“' + x.note + '”')] : null) }));
  if (ev.classifiedAt) {
    events.push({ at: ev.classifiedAt, node: h('li', {}, h('strong', {}, 'Classified'), ` ${acct.isMachine ? 'machine' : 'human'} by ${ev.classificationMethod}, `,
      h('time', { datetime: ev.classifiedAt }, when(ev.classifiedAt))) });
  }
  events.push({ at: acct.created, node: h('li', {}, h('strong', {}, 'Aggregated'), ' (created) ', h('time', { datetime: acct.created }, when(acct.created))) });
  events.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  fill(trailBody,
    h('p', { class: 'muted small' }, `${fmt.format(ev.decisionCount)} decision${ev.decisionCount === 1 ? '' : 's'} of the review queue, newest first.`),
    h('ol', { class: 'timeline', id: 'account-trail' }, events.map((e) => e.node)));

  // ---- attributes ----
  const keys = Object.keys(acct.attributes || {}).sort((a, b) => a.localeCompare(b));
  fill(attrBody, keys.length
    ? h('dl', { class: 'attrs', id: 'account-attributes' }, keys.map((k) => h('div', {}, h('dt', {}, k), h('dd', {}, value(acct.attributes[k])))))
    : h('p', { class: 'muted' }, 'No attributes.'));
}

function fact(label, v) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, v));
}

function value(v) {
  if (Array.isArray(v)) return h('ul', { class: 'values' }, v.map((x) => h('li', {}, typeof x === 'string' ? x : JSON.stringify(x))));
  if (v && typeof v === 'object') return h('code', {}, JSON.stringify(v));
  return String(v);
}
