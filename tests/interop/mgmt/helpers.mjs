// Shared by the Management API interop tests (not a test file itself: only *.test.mjs are registered).
import assert from 'node:assert/strict';
import { ManagementClient } from 'auth0';

// A client_credentials token for the Management API. `audience` defaults to the issuer's own
// spelling (http://127.0.0.1:<port>/api/v2/).
export async function mgmtToken(gh, { clientId = gh.mgmtClientId, clientSecret = gh.mgmtClientSecret, audience } = {}) {
  const res = await (gh.fetch ?? fetch)(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      audience: audience ?? `${gh.issuer}api/v2/`,
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

// A machine-to-machine client created through the Management API, with a client grant for the
// Management API: { client_id, client_secret }. `method` is its token_endpoint_auth_method
// (client_secret_post, Auth0's default, or client_secret_basic).
export async function createM2MClient(gh, { method = 'client_secret_post', scope = ['read:connections'] } = {}) {
  const api = apiCaller(gh, await mgmtToken(gh));
  const created = await api('POST', '/clients', {
    body: { name: unique(`m2m-${method}`), app_type: 'non_interactive', token_endpoint_auth_method: method },
  });
  assert.equal(created.status, 201, created.text);
  const grant = await api('POST', '/client-grants', {
    body: { client_id: created.body.client_id, audience: `${gh.issuer}api/v2/`, scope },
  });
  assert.equal(grant.status, 201, grant.text);
  return { client_id: created.body.client_id, client_secret: created.body.client_secret };
}

// A raw Management API caller: api('GET', '/connections') -> {status, headers, body, text}. Over
// gh.fetch when the tenant has one (a TLS tenant's, trusting its certificate).
// options: body (object -> JSON; string -> sent as is), contentType, headers, token (null = none).
export function apiCaller(gh, token) {
  return async function api(method, path, options = {}) {
    const headers = { ...(options.headers ?? {}) };
    const tok = options.token === undefined ? token : options.token;
    if (tok) headers.authorization = `Bearer ${tok}`;
    let body;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const res = await (gh.fetch ?? fetch)(`${gh.origin}/api/v2${path}`, { method, headers, body });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, headers: res.headers, body: json, text };
  };
}

// The error a promise rejects with (an SDK call that must fail).
export async function rejectionOf(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the call to fail');
}

// Auth0's Management API error body, exactly: {statusCode, error, message, errorCode?}.
export function assertAuth0Error(r, status, errorCode, messageMatch) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(r.body.statusCode, status, r.text);
  assert.equal(typeof r.body.error, 'string');
  assert.equal(typeof r.body.message, 'string');
  if (errorCode !== undefined) assert.equal(r.body.errorCode, errorCode, r.text);
  if (messageMatch !== undefined) assert.match(r.body.message, messageMatch, r.text);
}

// The real Auth0 Node SDK, unmodified: plain HTTP only through a scheme-rewriting fetch (wire contract §5.1).
export const httpFetch = (u, i) => fetch(String(u).replace(/^https:/, 'http:'), i);

export function sdk(gh, { clientId = gh.mgmtClientId, clientSecret = gh.mgmtClientSecret } = {}) {
  return new ManagementClient({ domain: `127.0.0.1:${gh.port}`, clientId, clientSecret, fetch: httpFetch });
}

// Collects every item of an SDK v7 Page (follows hasNextPage/getNextPage), counting the pages.
export async function allPages(page) {
  const items = [...page.data];
  let pages = 1;
  while (page.hasNextPage()) {
    page = await page.getNextPage();
    items.push(...page.data);
    pages += 1;
  }
  return { items, pages };
}

export function unique(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

// Federated login (the upstream leg of /authorize?connection=<social>) is another issue's work;
// until it lands the server answers with this placeholder. Tests of the real upstream redirect skip
// on it (and only on it), so they start asserting the day federation exists.
export function federationMissing(location) {
  try {
    return /not available on this server yet/.test(new URL(location).searchParams.get('error_description') ?? '');
  } catch {
    return false;
  }
}

// Follows /authorize's redirects like a browser (cookies kept) while they stay on Gatehouse, and
// returns the first Location that leaves it (the upstream IdP or the client's redirect_uri), or
// Gatehouse's own last Location when federation is not implemented yet.
export async function followToUpstream(gh, url) {
  const jar = new Map();
  let next = new URL(url);
  for (let hops = 0; hops < 10; hops++) {
    const res = await fetch(next, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    if (res.status < 300 || res.status >= 400) throw new Error(`no redirect from ${next}: ${res.status} ${await res.text()}`);
    const location = new URL(res.headers.get('location'), next);
    if (location.origin !== gh.origin) return location.href;
    next = location;
  }
  throw new Error('too many redirects');
}
