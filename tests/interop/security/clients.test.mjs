// Security regression tests for clients (shared/spec/security.md §4): the URLs a client may
// register (and how Auth0's subdomain wildcards match), and client authentication at the token
// and revocation endpoints. Each test is named after the attack it stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { mgmtToken, apiCaller, assertAuth0Error, createM2MClient, unique } from '../mgmt/helpers.mjs';

let gh;
let api;
before(async () => {
  gh = await startGatehouse({ quiet: true, logLevel: 'info' });  // info: the oauth error details
  api = apiCaller(gh, await mgmtToken(gh));
});
after(async () => gh?.stop());

const basicAuth = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function postForm(path, params, headers = {}) {
  const res = await fetch(`${gh.origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function createClient(body) {
  const r = await api('POST', '/clients', { body: { name: unique('sec'), ...body } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

function authorizeUrl(clientId, redirectUri) {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const u = new URL(`${gh.origin}/authorize`);
  u.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid',
    state: 'st', code_challenge: challenge, code_challenge_method: 'S256',
  });
  return u;
}

// Whether /authorize accepts the redirect_uri: it then sends the browser to the hosted login;
// otherwise it shows an error page and never redirects.
async function authorizeAccepts(clientId, redirectUri) {
  const res = await fetch(authorizeUrl(clientId, redirectUri), { redirect: 'manual' });
  if (res.status === 302) {
    assert.match(res.headers.get('location'), /^\/u\/login\?/);
    return true;
  }
  assert.equal(res.status, 400, `${redirectUri}: ${res.status}`);
  assert.equal(res.headers.get('location'), null);
  return false;
}

const attackerCallbacks = [
  ['javascript:', 'javascript:alert(document.domain)'],
  ['data:', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
  ['vbscript:', 'vbscript:msgbox(1)'],
  ['bare *', '*'],
  ['https://*', 'https://*'],
  ['wildcard on a public suffix', 'https://*.com/cb'],
  ['wildcard on a shared hosting suffix', 'https://*.github.io/cb'],
  ['wildcard in a middle label', 'https://app.*.example.com/cb'],
  ['userinfo', 'https://app.example.com@evil.example/cb'],
  ['fragment', 'https://app.example.com/cb#frag'],
  ['plain http on a public host', 'http://app.example.com/cb'],
  ['custom scheme on a web app', 'myapp://callback'],
  ['relative', '/cb'],
];

test('redirect to an attacker: a javascript: / data: / bare * / userinfo / fragment / public http callback is refused with 400', async () => {
  const spa = await createClient({ app_type: 'spa', callbacks: ['https://app.example.com/cb'] });
  const before = (await api('GET', '/clients?include_totals=true&per_page=1')).body.total;
  for (const [what, url] of attackerCallbacks) {
    const created = await api('POST', '/clients', { body: { name: unique('evil'), app_type: 'spa', callbacks: [url] } });
    assertAuth0Error(created, 400, 'invalid_body', /^Payload validation error: '.*' on property callbacks\[0\] \(.+\)\.$/);
    const patched = await api('PATCH', `/clients/${spa.client_id}`, { body: { callbacks: ['https://app.example.com/ok', url] } });
    assertAuth0Error(patched, 400, 'invalid_body', /on property callbacks\[1\]/);
    assert.ok(patched.body.message.includes(url), `${what}: the message names the URL: ${patched.body.message}`);
  }
  // The same rules for every URL list of a client, and for native apps' callbacks.
  for (const [key, url] of [
    ['allowed_logout_urls', 'javascript:alert(1)'], ['allowed_logout_urls', 'http://evil.example/'],
    ['web_origins', '*'], ['web_origins', 'https://app.example.com/path'], ['web_origins', 'null'],
    ['allowed_origins', 'https://*.com'], ['allowed_origins', 'data:text/html,x'],
  ]) {
    const r = await api('PATCH', `/clients/${spa.client_id}`, { body: { [key]: [url] } });
    assertAuth0Error(r, 400, 'invalid_body', new RegExp(`on property ${key}\\[0\\]`));
  }
  assertAuth0Error(await api('PATCH', `/clients/${spa.client_id}`, { body: { initiate_login_uri: 'javascript:alert(1)' } }),
    400, 'invalid_body', /on property initiate_login_uri/);
  for (const url of ['javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'blob:https://a.example.com/x']) {
    const r = await api('POST', '/clients', { body: { name: unique('native'), app_type: 'native', callbacks: [url] } });
    assertAuth0Error(r, 400, 'invalid_body', /on property callbacks\[0\]/);
  }
  // Turning a native app (with its custom scheme) into a SPA must fix the callbacks too.
  const native = await createClient({ app_type: 'native', callbacks: ['com.example.app:/callback'] });
  assertAuth0Error(await api('PATCH', `/clients/${native.client_id}`, { body: { app_type: 'spa' } }),
    400, 'invalid_body', /callbacks\[0\]/);

  // Bad input changed nothing.
  assert.equal((await api('GET', '/clients?include_totals=true&per_page=1')).body.total, before + 1, 'only the native app');
  const stored = (await api('GET', `/clients/${spa.client_id}`)).body;
  assert.deepEqual(stored.callbacks, ['https://app.example.com/cb']);
  assert.deepEqual(stored.web_origins, []);
  assert.equal((await api('GET', `/clients/${native.client_id}`)).body.app_type, 'native');
  assert.equal(await authorizeAccepts(spa.client_id, 'javascript:alert(document.domain)'), false);
});

test('what a real app needs is still accepted: https, loopback http, native custom schemes, subdomain wildcards', async () => {
  const web = await createClient({
    app_type: 'regular_web',
    callbacks: ['https://app.example.com/cb', 'http://localhost:3000/cb', 'http://127.0.0.1:8080/cb', 'http://[::1]:3000/cb',
      'https://*.example.com/cb', 'https://pr-*.preview.example.com/cb'],
    allowed_logout_urls: ['https://app.example.com/', 'https://*.example.com/bye'],
    web_origins: ['https://app.example.com', 'http://localhost:3000', 'https://*.example.com'],
    allowed_origins: ['https://app.example.com'],
    initiate_login_uri: 'https://app.example.com/login',
  });
  assert.deepEqual(web.web_origins, ['https://app.example.com', 'http://localhost:3000', 'https://*.example.com']);
  const native = await createClient({ app_type: 'native', callbacks: ['com.example.app:/oauth2redirect', 'myapp://callback'] });
  assert.deepEqual(native.callbacks, ['com.example.app:/oauth2redirect', 'myapp://callback']);
});

test('subdomain wildcard callback matches one label only', async () => {
  const spa = await createClient({
    app_type: 'spa', callbacks: ['https://*.example.com/cb'], allowed_logout_urls: ['https://*.example.com/bye'],
    web_origins: ['https://*.example.com'],
  });
  // Stored as Auth0 stores it, and now it matches at /authorize.
  assert.equal(await authorizeAccepts(spa.client_id, 'https://a.example.com/cb'), true);
  assert.equal(await authorizeAccepts(spa.client_id, 'https://tenant-42.EXAMPLE.com/cb'), true);
  for (const evil of [
    'https://a.b.example.com/cb', 'https://example.com/cb', 'https://.example.com/cb', 'https://evil.com/.example.com/cb',
    'https://evil.com/cb?.example.com/cb', 'https://a.example.com@evil.com/cb', 'https://evil.com@a.example.com/cb',
    'https://a.example.com.evil.com/cb', 'https://a%2eevil.example.com/cb', 'http://a.example.com/cb',
    'https://a.example.com/cb/../evil', 'https://a.example.com:8443/cb', 'https://*.example.com/cb',
  ])
    assert.equal(await authorizeAccepts(spa.client_id, evil), false, evil);

  // CORS and web_message origins follow the same rule.
  const preflight = async (origin) => {
    const res = await fetch(`${gh.origin}/oauth/token`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' },
    });
    return res.headers.get('access-control-allow-origin');
  };
  assert.equal(await preflight('https://a.example.com'), 'https://a.example.com');
  assert.equal(await preflight('https://a.b.example.com'), null);
  assert.equal(await preflight('https://example.com'), null);
  const webMessage = new URL(authorizeUrl(spa.client_id, 'https://b.example.com/cb'));
  webMessage.searchParams.set('response_mode', 'web_message');
  assert.equal((await fetch(webMessage, { redirect: 'manual' })).status, 302);

  // Logout: one label, and a returnTo is needed (a wildcard is no place to go).
  const logout = (returnTo) =>
    fetch(`${gh.origin}/v2/logout?${new URLSearchParams({ client_id: spa.client_id, ...(returnTo ? { returnTo } : {}) })}`,
      { redirect: 'manual' });
  const ok = await logout('https://a.example.com/bye?x=1');
  assert.equal(ok.status, 302);
  assert.equal(ok.headers.get('location'), 'https://a.example.com/bye?x=1');
  for (const evil of ['https://a.b.example.com/bye', 'https://evil.com/.example.com/bye', 'https://x@a.example.com/bye'])
    assert.equal((await logout(evil)).status, 400, evil);
  const bare = await logout();
  assert.equal(bare.status, 200, 'no redirect to the literal pattern');
  assert.equal(bare.headers.get('location'), null);
});

test('client authentication downgrade: a client_secret_basic client\'s secret in the body is refused', async () => {
  const audience = `${gh.issuer}api/v2/`;
  const basic = await createM2MClient(gh, { method: 'client_secret_basic' });
  const viaBasic = await postForm('/oauth/token', { grant_type: 'client_credentials', audience },
    { authorization: basicAuth(basic.client_id, basic.client_secret) });
  assert.equal(viaBasic.status, 200, viaBasic.text);
  const viaBody = await postForm('/oauth/token', {
    grant_type: 'client_credentials', audience, client_id: basic.client_id, client_secret: basic.client_secret,
  });
  assert.equal(viaBody.status, 401, viaBody.text);
  assert.equal(JSON.parse(viaBody.text).error, 'invalid_client');
  const idOnly = await postForm('/oauth/token', { grant_type: 'client_credentials', audience, client_id: basic.client_id });
  assert.equal(idOnly.status, 401, idOnly.text);

  // And the other way: a client_secret_post client (Auth0's default) may not switch to Basic.
  const post = await createM2MClient(gh);
  const postViaBasic = await postForm('/oauth/token', { grant_type: 'client_credentials', audience },
    { authorization: basicAuth(post.client_id, post.client_secret) });
  assert.equal(postViaBasic.status, 401, postViaBasic.text);
  assert.equal(postViaBasic.headers.get('www-authenticate'), 'Basic realm="gatehouse"');
  const postViaBody = await postForm('/oauth/token', {
    grant_type: 'client_credentials', audience, client_id: post.client_id, client_secret: post.client_secret,
  });
  assert.equal(postViaBody.status, 200, postViaBody.text);
});

test('a none client sending a secret is refused', async () => {
  // Without a secret the request reaches the grant (a bogus code: invalid_grant); with one, the
  // client does not authenticate at all, whatever the secret, in the body or over Basic.
  const base = { grant_type: 'authorization_code', client_id: gh.demoClientId, code: 'bogus', redirect_uri: 'http://localhost:3000/callback', code_verifier: 'v'.repeat(43) };
  const plain = await postForm('/oauth/token', base);
  assert.equal(JSON.parse(plain.text).error, 'invalid_grant', plain.text);
  for (const secret of ['guessed-secret', '']) {
    const r = await postForm('/oauth/token', { ...base, client_secret: secret });
    assert.equal(r.status, 401, r.text);
    assert.equal(JSON.parse(r.text).error, 'invalid_client');
  }
  const { client_id: _, ...withoutId } = base;
  const basic = await postForm('/oauth/token', withoutId, { authorization: basicAuth(gh.demoClientId, 'guessed-secret') });
  assert.equal(basic.status, 401, basic.text);
  assert.equal(JSON.parse(basic.text).error, 'invalid_client');
  const revoke = await postForm('/oauth/revoke', { client_id: gh.demoClientId, client_secret: 'x', token: 'whatever' });
  assert.equal(revoke.status, 401, revoke.text);
});

test('client enumeration: unknown client and wrong secret get the same 401 invalid_client', async () => {
  const audience = `${gh.issuer}api/v2/`;
  const basic = await createM2MClient(gh, { method: 'client_secret_basic' });
  const unknownId = 'x'.repeat(gh.mgmtClientId.length);
  const answer = (r) => ({ status: r.status, body: r.text, challenge: r.headers.get('www-authenticate'), type: r.headers.get('content-type') });
  for (const path of ['/oauth/token', '/oauth/revoke']) {
    const extra = path === '/oauth/token' ? { grant_type: 'client_credentials', audience } : { token: 'some-token' };
    // In the body.
    const unknown = answer(await postForm(path, { ...extra, client_id: unknownId, client_secret: 'guess' }));
    const wrongSecret = answer(await postForm(path, { ...extra, client_id: gh.mgmtClientId, client_secret: 'guess' }));
    const wrongMethod = answer(await postForm(path, { ...extra, client_id: basic.client_id, client_secret: basic.client_secret }));
    assert.equal(unknown.status, 401, unknown.body);
    assert.deepEqual(JSON.parse(unknown.body), { error: 'invalid_client', error_description: 'Client authentication failed.' });
    assert.equal(unknown.challenge, null);
    assert.deepEqual(wrongSecret, unknown, `${path}: wrong secret vs unknown client`);
    assert.deepEqual(wrongMethod, unknown, `${path}: wrong method vs unknown client`);
    // Over HTTP Basic: the same, with RFC 6749 §5.2's challenge on every one.
    const unknownBasic = answer(await postForm(path, extra, { authorization: basicAuth(unknownId, 'guess') }));
    const wrongBasic = answer(await postForm(path, extra, { authorization: basicAuth(basic.client_id, 'guess') }));
    const wrongMethodBasic = answer(await postForm(path, extra, { authorization: basicAuth(gh.mgmtClientId, gh.mgmtClientSecret) }));
    assert.equal(unknownBasic.challenge, 'Basic realm="gatehouse"');
    assert.deepEqual({ ...unknownBasic, challenge: null }, unknown);
    assert.deepEqual(wrongBasic, unknownBasic, `${path}: wrong Basic secret vs unknown client`);
    assert.deepEqual(wrongMethodBasic, unknownBasic, `${path}: wrong method over Basic vs unknown client`);
  }
  // The server log still says which, for the operator.
  const log = gh.log();
  assert.match(log, /unknown client/);
  assert.match(log, /client secret mismatch/);
});
