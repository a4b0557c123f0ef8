// Everything the hosted login uses comes from Management API resources: a SPA client created
// through the API runs the PKCE flow at once (Auth0's enable_client_connections default: a new
// application is enabled for every existing connection), and enabled_clients decides which
// connections a client is offered and may name in /authorize?connection=.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startGatehouse, browserLogin } from '../lib/gatehouse.mjs';
import { mgmtToken, apiCaller, unique, federationMissing, followToUpstream } from './helpers.mjs';

let gh;
let api;
before(async () => {
  gh = await startGatehouse();
  api = apiCaller(gh, await mgmtToken(gh));
});
after(async () => gh?.stop());

const CALLBACK = 'https://app.example.test:4000/cb';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(clientId, challenge, extra = {}) {
  const u = new URL(`${gh.origin}/authorize`);
  u.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, scope: 'openid profile email offline_access',
    state: 'st-' + randomBytes(6).toString('hex'), nonce: 'nn-' + randomBytes(6).toString('hex'),
    code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  });
  return u;
}

async function createSpa(extra = {}) {
  const r = await api('POST', '/clients', { body: {
    name: unique('SPA'), app_type: 'spa', callbacks: [CALLBACK], allowed_logout_urls: ['https://app.example.test:4000/'],
    web_origins: ['https://app.example.test:4000'], grant_types: ['authorization_code', 'refresh_token'], ...extra } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

test('a SPA created through the API runs authorize -> hosted login -> /oauth/token with PKCE at once', async () => {
  const spa = await createSpa();
  assert.equal(spa.token_endpoint_auth_method, 'none');
  assert.equal(spa.client_secret, undefined, 'a public client has no secret');
  // Enabled for the existing database connection, as Auth0 does for new applications.
  const db = (await api('GET', '/connections?name=Username-Password-Authentication')).body[0];
  assert.ok(db.enabled_clients.includes(spa.client_id), JSON.stringify(db.enabled_clients));

  const { verifier, challenge } = pkce();
  const start = authorizeUrl(spa.client_id, challenge);
  const back = new URL(await browserLogin(start.href, gh.demoUser, gh.demoPassword));
  assert.equal(back.origin + back.pathname, CALLBACK);
  assert.equal(back.searchParams.get('state'), start.searchParams.get('state'));
  assert.equal(back.searchParams.get('iss'), gh.issuer);
  const code = back.searchParams.get('code');
  assert.ok(code, back.href);

  const res = await fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: spa.client_id, code, code_verifier: verifier, redirect_uri: CALLBACK }),
  });
  const tokens = await res.json();
  assert.equal(res.status, 200, JSON.stringify(tokens));
  const id = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url'));
  assert.equal(id.aud, spa.client_id);
  assert.equal(id.iss, gh.issuer);
  assert.equal(id.nonce, start.searchParams.get('nonce'));
  assert.equal(id.email, gh.demoUser);
  assert.ok(tokens.refresh_token);

  // A user created through the API logs in through the same client.
  const email = `${unique('u')}@example.com`;
  const u = await api('POST', '/users', { body: { connection: 'Username-Password-Authentication', email, password: 'Correct-Horse-9-Battery' } });
  assert.equal(u.status, 201, u.text);
  const second = pkce();
  const back2 = new URL(await browserLogin(authorizeUrl(spa.client_id, second.challenge).href, email, 'Correct-Horse-9-Battery'));
  assert.ok(back2.searchParams.get('code'), back2.href);
});

test('callbacks changed through the API apply at once (exact redirect_uri matching)', async () => {
  const spa = await createSpa({ callbacks: ['https://other.example.test/cb'] });
  const { challenge } = pkce();
  const refused = await fetch(authorizeUrl(spa.client_id, challenge), { redirect: 'manual' });
  assert.notEqual(refused.status, 302, 'never redirects to an unregistered callback');
  const p = await api('PATCH', `/clients/${spa.client_id}`, { body: { callbacks: [CALLBACK] } });
  assert.equal(p.status, 200, p.text);
  const ok = await fetch(authorizeUrl(spa.client_id, challenge), { redirect: 'manual' });
  assert.equal(ok.status, 302);
  assert.match(ok.headers.get('location'), /\/u\/login/);
});

test('enabled_clients decides what the login page offers and what /authorize?connection= accepts', async () => {
  const spa = await createSpa();
  const other = await createSpa();
  const mine = unique('wp-mine');
  const theirs = unique('wp-theirs');
  const a = await api('POST', '/connections', { body: { name: mine, strategy: 'wordpress', enabled_clients: [spa.client_id], options: { client_id: 'm' } } });
  const b = await api('POST', '/connections', { body: { name: theirs, strategy: 'wordpress', enabled_clients: [other.client_id], options: { client_id: 't' } } });
  assert.equal(a.status, 201, a.text);
  assert.equal(b.status, 201, b.text);

  const loginPage = async (clientId) => {
    const jar = [];
    const res = await fetch(authorizeUrl(clientId, pkce().challenge), { redirect: 'manual' });
    assert.equal(res.status, 302);
    for (const c of res.headers.getSetCookie()) jar.push(c.split(';')[0]);
    const page = await fetch(new URL(res.headers.get('location'), gh.origin), { headers: { cookie: jar.join('; ') } });
    assert.equal(page.status, 200);
    return page.text();
  };
  let html = await loginPage(spa.client_id);
  assert.ok(html.includes(`connection=${mine}`), 'its own connection is offered');
  assert.ok(!html.includes(`connection=${theirs}`), 'a connection not enabled for it is not offered');
  assert.ok(html.includes('name="password"'), 'the database connection (enabled at creation) is offered');

  // Naming the excluded connection is refused back to the (trusted) redirect_uri; never upstream.
  const { challenge } = pkce();
  const refused = await fetch(authorizeUrl(spa.client_id, challenge, { connection: theirs }), { redirect: 'manual' });
  assert.equal(refused.status, 302);
  const loc = new URL(refused.headers.get('location'));
  assert.equal(loc.origin + loc.pathname, CALLBACK);
  assert.equal(loc.searchParams.get('error'), 'invalid_request');
  const allowedLoc = await followToUpstream(gh, authorizeUrl(spa.client_id, challenge, { connection: mine }));
  if (!federationMissing(allowedLoc)) assert.equal(new URL(allowedLoc).host, 'public-api.wordpress.com');
  assert.notEqual(allowedLoc, refused.headers.get('location'));

  // Toggling through /connections/{id}/clients applies at once.
  const t = await api('PATCH', `/connections/${b.body.id}/clients`, { body: [{ client_id: spa.client_id, status: true }] });
  assert.equal(t.status, 204, t.text);
  html = await loginPage(spa.client_id);
  assert.ok(html.includes(`connection=${theirs}`));
  // Removing the client from the database connection removes the password form.
  const db = (await api('GET', '/connections?name=Username-Password-Authentication')).body[0];
  const off = await api('PATCH', `/connections/${db.id}`, { body: { enabled_clients: db.enabled_clients.filter((c) => c !== spa.client_id) } });
  assert.equal(off.status, 200, off.text);
  html = await loginPage(spa.client_id);
  assert.ok(!html.includes('name="password"'), 'no database connection for this client any more');
  const refusedDb = await fetch(authorizeUrl(spa.client_id, challenge, { connection: 'Username-Password-Authentication' }), { redirect: 'manual' });
  assert.equal(new URL(refusedDb.headers.get('location')).searchParams.get('error'), 'invalid_request');
});

test('a deleted client can no longer start a login', async () => {
  const spa = await createSpa();
  const d = await api('DELETE', `/clients/${spa.client_id}`);
  assert.equal(d.status, 204, d.text);
  const res = await fetch(authorizeUrl(spa.client_id, pkce().challenge), { redirect: 'manual' });
  assert.notEqual(res.status, 302);
  const db = (await api('GET', '/connections?name=Username-Password-Authentication')).body[0];
  assert.ok(!db.enabled_clients.includes(spa.client_id));
});
