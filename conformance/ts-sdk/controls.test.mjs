// The emulator controls (/mica/v1, README "Testing your code against mica")
// as a client test suite uses them with the official TypeScript SDK: a
// snapshot restored before every test, fault rules against the SDK's own
// retries, the request journal, job stepping, coverage and reset.
//
// Every SDK API object here gets an axios instance of its own: the SDK adds
// its retry interceptors (axios-retry, configured by Configuration.retriesConfig)
// to the axios it is given on every call, and the package-global one is shared
// with the other suite file.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startMica } from './lib/server.mjs';
import { ADMIN, USER, assertErrorDto, configFor, csvBlob, raw, rejection, sdk } from './lib/sdk.mjs';

const axios = createRequire(import.meta.url)('axios');
const ADMIN_IDENTITY = 'de000000000040008000000000000a01';

let server;
let admin;

/** api builds an SDK API object on a fresh axios instance. */
const api = (Api, cfg = admin) => new Api(cfg, undefined, axios.create());

/** control calls an emulator control through the SDK's axios and token. */
const control = (method, path, opts) => raw(api(sdk.SourcesApi), method, `/mica/v1${path}`, opts);

/** journal lists the request journal, newest first. */
async function journal(params = {}) {
  return (await control('GET', '/requests', { params })).data;
}

before(async () => {
  server = await startMica();
  admin = configFor(server.base, ADMIN);
  assert.equal((await control('POST', '/snapshots', { data: { name: 'clean' } })).status, 201);
}, { timeout: 600_000 });

after(async () => {
  await server?.stop();
});

// Snapshot and restore between tests: every test starts from the tenant as it was.
beforeEach(async () => {
  assert.equal((await control('POST', '/snapshots/clean/restore')).status, 204);
  await control('DELETE', '/faults');
  await control('DELETE', '/requests');
});

describe('snapshot and restore between tests', () => {
  let created;
  test('a test creates a source', async () => {
    const res = await api(sdk.SourcesApi).createSource({
      source: { name: 'Made by a test', owner: { type: 'IDENTITY', id: ADMIN_IDENTITY }, connector: 'active-directory' },
    });
    assert.equal(res.status, 201);
    created = res.data.id;
    const list = await api(sdk.SourcesApi).listSources({ filters: 'name eq "Made by a test"' });
    assert.equal(list.data.length, 1);
  });

  test('the next test starts without it, and the admin token still works', async () => {
    assert.ok(created, 'the previous test ran');
    assertErrorDto(await rejection(api(sdk.SourcesApi).getSource({ id: created })), 404, { detailCode: '404 Not found' });
    const list = await api(sdk.SourcesApi).listSources({ filters: 'name eq "Made by a test"' });
    assert.deepEqual(list.data, []);
  });

  test('snapshots list by name; the USER gets 403 on every control', async () => {
    const list = (await control('GET', '/snapshots')).data;
    assert.ok(list.some((s) => s.name === 'clean' && s.bytes > 0));
    const user = configFor(server.base, USER);
    for (const [method, path] of [['GET', '/requests'], ['POST', '/reset'], ['GET', '/snapshots'], ['GET', '/coverage']]) {
      assertErrorDto(await rejection(raw(api(sdk.SourcesApi, user), method, `/mica/v1${path}`)), 403, { detailCode: '403 Forbidden' });
    }
  });
});

describe('fault injection against the SDK', () => {
  test('429 with Retry-After: the SDK retry that honours it succeeds and the journal shows no violation', async () => {
    await control('POST', '/faults', {
      data: { match: { operationId: 'listSources' }, effect: { status: 429, retryAfterSeconds: 1 }, times: 1 },
    });
    const cfg = configFor(server.base, ADMIN);
    cfg.retriesConfig = {
      retries: 2,
      retryCondition: (e) => e.response?.status === 429,
      retryDelay: (_n, e) => Number(e.response.headers['retry-after']) * 1000,
    };
    const began = Date.now();
    const res = await api(sdk.SourcesApi, cfg).listSources();
    assert.equal(res.status, 200);
    assert.ok(Date.now() - began >= 1000, 'the SDK waited for Retry-After');
    const calls = await journal({ operationId: 'listSources' });
    assert.deepEqual(calls.map((c) => c.status), [200, 429]);
    assert.equal(calls[1].responseBody, '{"message":" Rate Limit Exceeded "}');
    assert.ok(calls[1].fault);
    assert.deepEqual(await journal({ retryAfterViolation: true }), []);
  });

  test('429 with Retry-After: a retry that ignores it is recorded as a violation', async () => {
    await control('POST', '/faults', {
      data: { match: { operationId: 'listSources' }, effect: { status: 429, retryAfterSeconds: 2 }, times: 1 },
    });
    const cfg = configFor(server.base, ADMIN);
    cfg.retriesConfig = { retries: 1, retryCondition: (e) => e.response?.status === 429 }; // axios-retry's default: no delay
    assert.equal((await api(sdk.SourcesApi, cfg).listSources()).status, 200);
    const violations = await journal({ retryAfterViolation: true });
    assert.equal(violations.length, 1);
    const [first] = await journal({ operationId: 'listSources', status: 429 });
    assert.equal(violations[0].retryAfterViolation.previousRequestId, first.id);
    assert.equal(violations[0].retryAfterViolation.retryAfterSeconds, 2);
    assert.ok(violations[0].retryAfterViolation.earlyByMs > 1000);
    assert.equal((await control('GET', '/requests/count', { params: { retryAfterViolation: true } })).data.count, 1);
  });

  test('503 on one operation: the SDK retries the idempotent GET itself; a POST rejects with the official body', async () => {
    const src = (await api(sdk.SourcesApi).listSources({ filters: 'name eq "Entra ID"' })).data[0];
    await control('POST', '/faults', { data: { match: { operationId: 'getSource' }, effect: { status: 503 }, times: 1 } });
    // axios-retry's default retries a 5xx of an idempotent request, without delay.
    const got = await api(sdk.SourcesApi).getSource({ id: src.id });
    assert.equal(got.data.name, 'Entra ID');
    assert.deepEqual((await journal({ operationId: 'getSource' })).map((c) => c.status), [200, 503]);
    // Other operations are untouched.
    assert.equal((await api(sdk.SourcesApi).listSources()).status, 200);

    await control('POST', '/faults', { data: { match: { method: 'POST', path: '/*/sources' }, effect: { status: 503 }, times: 1 } });
    const err = await rejection(api(sdk.SourcesApi).createSource({
      source: { name: 'Not made', owner: { type: 'IDENTITY', id: ADMIN_IDENTITY }, connector: 'active-directory' },
    }));
    const body = assertErrorDto(err, 503, { detailCode: '503 Service Unavailable' });
    assert.ok(err.response.headers['x-mica-fault']);
    assert.equal((await journal({ operationId: 'createSource' }))[0].trackingId, body.trackingId);
    assert.deepEqual((await api(sdk.SourcesApi).listSources({ filters: 'name eq "Not made"' })).data, []);
  });
});

describe('request journal', () => {
  test('the calls the SDK made, newest first, bodies with secrets redacted', async () => {
    const cfg = configFor(server.base, ADMIN);
    await cfg.accessToken;
    const sources = api(sdk.SourcesApi, cfg);
    const list = await sources.listSources({ limit: 2 });
    await sources.getSource({ id: list.data[0].id });
    await sources.createSource({
      source: { name: 'Journaled', owner: { type: 'IDENTITY', id: ADMIN_IDENTITY }, connector: 'active-directory' },
    });
    const calls = await journal({ clientId: ADMIN.clientId });
    assert.deepEqual(calls.map((c) => c.operationId), ['createSource', 'getSource', 'listSources', '']);
    const [create, get, listed, token] = calls;
    assert.equal(create.status, 201);
    assert.equal(JSON.parse(create.requestBody).name, 'Journaled');
    assert.equal(get.path, `/v3/sources/${list.data[0].id}`);
    assert.equal(listed.query, 'limit=2');
    assert.equal(listed.version, 'v3');
    // The SDK's token request: the secret and the token are never kept.
    assert.equal(token.path, '/oauth/token');
    assert.match(token.requestBody, /client_secret=%5BREDACTED%5D/);
    assert.ok(!JSON.stringify(calls).includes(ADMIN.clientSecret));
    assert.ok(!JSON.stringify(calls).includes(await cfg.accessToken));
    const page = await control('GET', '/requests', { params: { clientId: ADMIN.clientId, limit: 1, offset: 1, count: true } });
    assert.equal(page.headers['x-total-count'], '4');
    assert.equal(page.data[0].operationId, 'getSource');
    assert.equal((await control('DELETE', '/requests')).status, 204);
    assert.deepEqual(await journal(), []);
  });
});

describe('job stepping', () => {
  test('an aggregation and a classification job, stepped through each status', async () => {
    const pacing = { batchSize: 10, delayMs: 0, stepping: true };
    assert.equal((await control('PUT', '/classification/pacing', { data: pacing })).data.stepping, true);
    const src = (await api(sdk.SourcesApi).listSources({ filters: 'name eq "Service Accounts CSV"' })).data[0];

    // The aggregation: held after staging (STARTED), then after collecting.
    const rows = [['id', 'name'], ...Array.from({ length: 25 }, (_, i) => [`acct-${i}`, i % 5 === 0 ? `svc_${i}` : `user_${i}`])];
    const up = await api(sdk.SourcesV2024Api).importAccounts({ id: src.id, file: csvBlob(rows) });
    assert.equal(up.status, 202);
    const task = up.data.task.id;
    const aggs = api(sdk.AccountAggregationsV2024Api);
    assert.equal((await aggs.getAccountAggregationStatus({ id: task })).data.status, 'STARTED');
    const step1 = await control('POST', `/account-aggregations/${task}/step`);
    assert.equal(step1.data.status, 'ACCOUNTS_COLLECTED');
    assert.equal((await aggs.getAccountAggregationStatus({ id: task })).data.status, 'ACCOUNTS_COLLECTED');
    assert.equal((await control('POST', `/account-aggregations/${task}/step`)).data.status, 'COMPLETED');
    assert.equal((await aggs.getAccountAggregationStatus({ id: task })).data.status, 'COMPLETED');

    // The classification job: STARTED, one batch collected, COLLECTED, one batch classified, COMPLETED.
    const v2025 = api(sdk.SourcesApi);
    const cfg = { enabled: true, classificationMethod: 'CRITERIA', criteria: { operation: 'STARTS_WITH', attribute: 'name', value: 'svc_' } };
    await raw(v2025, 'PUT', `/v2025/sources/${src.id}/machine-classification-config`, { data: cfg, experimental: true });
    await raw(v2025, 'POST', `/v2025/sources/${src.id}/classify`);
    const status = async () => (await raw(v2025, 'GET', `/v2025/sources/${src.id}/classify`)).data;
    let st = await status();
    assert.equal(st.status, 'STARTED');
    assert.deepEqual(st.counts, { EXPECTED: 25, RECEIVED: 0, COMPLETED: 0 });
    const step = (data) => control('POST', `/classification/jobs/${src.id}/step`, { data }).then((r) => r.data);
    st = await step({ batches: 1 });
    assert.deepEqual([st.status, st.counts.RECEIVED], ['STARTED', 10]);
    st = await step({ status: 'COLLECTED' });
    assert.deepEqual([st.status, st.counts.RECEIVED, st.counts.COMPLETED], ['COLLECTED', 25, 0]);
    st = await step({ batches: 1 });
    assert.deepEqual([st.status, st.counts.COMPLETED], ['COLLECTED', 10]);
    st = await step({ status: 'COMPLETED' });
    assert.deepEqual([st.status, st.counts.COMPLETED], ['COMPLETED', 25]);
    assert.deepEqual(await status(), st);
    const machines = await api(sdk.AccountsApi).listAccounts({ filters: `sourceId eq "${src.id}"`, limit: 250 });
    assert.equal(machines.data.filter((a) => a.name.startsWith('svc_')).length, 5);

    // A job forced to end TERMINATED half way.
    await raw(v2025, 'POST', `/v2025/sources/${src.id}/classify`);
    await step({ batches: 1 });
    st = await step({ status: 'TERMINATED' });
    assert.deepEqual([st.status, st.counts.RECEIVED], ['TERMINATED', 10]);
    assertErrorDto(await rejection(control('POST', `/classification/jobs/${src.id}/step`, { data: { batches: 1 } })), 400);
  });
});

describe('coverage and reset', () => {
  test('coverage counts the operations the suite called, per version', async () => {
    await control('DELETE', '/coverage');
    await api(sdk.SourcesApi).listSources();
    await api(sdk.SourcesBetaApi).listSources();
    await rejection(api(sdk.SourcesApi).getSource({ id: 'ffffffffffffffffffffffffffffffff' }));
    const cov = (await control('GET', '/coverage')).data;
    const item = (v, id) => cov.items.find((i) => i.version === v && i.operationId === id);
    assert.deepEqual([item('v3', 'listSources').calls, item('v3', 'listSources').succeeded], [1, 1]);
    assert.deepEqual([item('beta', 'listSources').calls, item('beta', 'listSources').succeeded], [1, 1]);
    assert.deepEqual([item('v3', 'getSource').calls, item('v3', 'getSource').succeeded], [1, 0]);
    assert.equal(item('v2025', 'listSources').calls, 0);
    assert.equal(cov.called, 3);
    assert.equal(cov.succeeded, 2);
    assert.equal(cov.items.length, cov.operations);
    assert.ok(cov.operations >= 236);
  });

  test('reset: the tenant the server started with, no faults, an empty journal', async () => {
    await api(sdk.SourcesApi).createSource({
      source: { name: 'Before reset', owner: { type: 'IDENTITY', id: ADMIN_IDENTITY }, connector: 'active-directory' },
    });
    await control('POST', '/faults', { data: { match: { path: '/nowhere' }, effect: { status: 500 } } });
    assert.equal((await control('POST', '/reset')).status, 204);
    assert.deepEqual((await control('GET', '/faults')).data, []);
    assert.equal((await control('GET', '/requests/count')).data.count, 0);
    assert.deepEqual((await api(sdk.SourcesApi).listSources({ filters: 'name eq "Before reset"' })).data, []);
  });
});
