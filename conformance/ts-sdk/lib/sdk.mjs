// Helpers around the official SDK: configurations for the demo clients, raw
// calls through the SDK's own axios instance for operations the pinned SDK has
// no method for, and error capture.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sdk from 'sailpoint-api-client';

// The SDK (CommonJS) uses the CommonJS build of axios: require the same instance
// (an ESM import would load axios's ESM build, a different object).
const axios = createRequire(import.meta.url)('axios');

export { sdk };

// With MICA_CONFORMANCE_SDK_LOG set, every request the SDK's (package-global)
// axios sends is logged as "METHOD URL STATUS KIND" for `make conformance`:
// KIND is "sdk" for the SDK's own methods and "raw" for raw() below.
const sdkLog = process.env.MICA_CONFORMANCE_SDK_LOG;
if (sdkLog) {
  const record = (res) => {
    const c = res.config;
    const raw = typeof c.headers?.get === 'function' ? c.headers.get('X-Mica-Raw') : c.headers?.['X-Mica-Raw'];
    const kind = raw ? 'raw' : 'sdk';
    const url = new URL(c.url, 'http://localhost');
    appendFileSync(sdkLog, `${String(c.method).toUpperCase()} ${url.pathname} ${res.status} ${kind}\n`);
  };
  axios.interceptors.response.use((res) => { record(res); return res; },
    (err) => { if (err.response) record(err.response); return Promise.reject(err); });
}

// The demo tenant's fixed, documented credentials (README "Set-up").
export const ADMIN = { clientId: 'de000000-0000-4000-8000-000000000001', clientSecret: 'mica-demo-admin-secret' };
export const USER = { clientId: 'de000000-0000-4000-8000-000000000002', clientSecret: 'mica-demo-user-secret' };

/**
 * configFor returns an SDK Configuration for a client. The constructor starts
 * the SDK's own token request at once and keeps the promise as accessToken.
 * experimental: the SDK refuses, client-side, to call an operation that carries
 * X-SailPoint-Experimental unless configuration.experimental is true.
 */
export function configFor(base, { clientId, clientSecret }, { experimental = true } = {}) {
  const cfg = new sdk.Configuration({ baseurl: base, tokenUrl: `${base}/oauth/token`, clientId, clientSecret });
  cfg.experimental = experimental;
  // A rejected token promise must not become an unhandled rejection before a test awaits it.
  Promise.resolve(cfg.accessToken).catch(() => {});
  return cfg;
}

/** jwtClaims decodes an access token's payload (no verification: the server did that). */
export function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/**
 * raw calls the server through an SDK API object's own axios instance and
 * configuration (base path and the token the SDK fetched). For operations the
 * pinned SDK has no method for: the v2025 classify endpoints, the machine
 * classification config, single-account classify and mica's extensions.
 * path is below the base URL, with its version: /v2025/sources/x/classify.
 */
export async function raw(api, method, path, { data, params, headers = {}, experimental = false } = {}) {
  const cfg = api.configuration;
  const token = await cfg.accessToken;
  const h = { Authorization: `Bearer ${token}`, 'X-Mica-Raw': '1', ...headers };
  if (data !== undefined) h['Content-Type'] = 'application/json';
  if (experimental) h['X-SailPoint-Experimental'] = 'true';
  return api.axios.request({ method, url: cfg.basePath + path, data, params, headers: h });
}

/** rejection awaits p, asserts that it rejects, and returns the error. */
export async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected the call to fail');
}

/**
 * assertErrorDto checks an AxiosError the SDK rejected with: the status and the
 * ErrorResponseDto body (detailCode, trackingId echoed as Slpt-Request-Id,
 * messages[{locale, localeOrigin, text}], causes).
 */
export function assertErrorDto(err, status, { detailCode, text } = {}) {
  assert.equal(err.isAxiosError, true, `not an AxiosError: ${err}`);
  assert.equal(err.response?.status, status, `status: ${JSON.stringify(err.response?.data)}`);
  const body = err.response.data;
  assert.equal(typeof body.detailCode, 'string');
  if (detailCode instanceof RegExp) assert.match(body.detailCode, detailCode);
  else if (detailCode) assert.equal(body.detailCode, detailCode);
  assert.match(body.trackingId, /^[0-9a-f]{32}$/);
  assert.equal(err.response.headers['slpt-request-id'], body.trackingId);
  assert.ok(Array.isArray(body.messages) && body.messages.length > 0, 'messages');
  const m = body.messages[0];
  assert.equal(m.locale, 'en-US');
  assert.ok(['DEFAULT', 'REQUEST'].includes(m.localeOrigin), `localeOrigin ${m.localeOrigin}`);
  if (text instanceof RegExp) assert.match(m.text, text);
  else if (text) assert.ok(m.text.includes(text), `message ${JSON.stringify(m.text)} lacks ${JSON.stringify(text)}`);
  assert.ok(Array.isArray(body.causes), 'causes');
  return body;
}

/** until polls fn every intervalMs until it returns a truthy value or timeoutMs passes. */
export async function until(fn, { timeoutMs = 20_000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * routeAnswers reports whether the server has any operation at path: an OPTIONS
 * request (no operation uses it) through the SDK's axios answers 405 where some
 * other method is routed and 404 "no operation" where none is. Unlike a GET, it
 * cannot confuse a missing route with a missing resource.
 */
export async function routeAnswers(api, path) {
  try {
    await raw(api, 'OPTIONS', path);
    return true;
  } catch (e) {
    if (!e.response) throw e;
    return e.response.status !== 404;
  }
}

/** csvBlob is an account file as the SDK's multipart upload takes it (a Blob is a File's parent). */
export function csvBlob(rows) {
  return new Blob([rows.map((r) => r.join(',')).join('\n') + '\n'], { type: 'text/csv' });
}
