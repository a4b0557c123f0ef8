// The account lifecycle as Auth0 answers it (shared/spec/auth0-apps.md §5 "Lifecycle", issue 16
// item 4), driven by openid-client v6 as the relying party: a blocked user goes back to the app
// with error=unauthorized in the client's response mode, a password change clears `blocked`, and
// (security.md §2) a block ends what the user's past logins hold. Each test is named after the
// attack it stops; the file runs on SQLite and on PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startGatehouse, browserLogin } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken, unique } from '../mgmt/helpers.mjs';

const REDIRECT_URI = 'http://localhost:3000/callback';
const opts = { execute: [client.allowInsecureRequests], timeout: 10 };

let gh;
let api;
let config;

before(async () => {
  gh = await startGatehouse({ demoCallbacks: [REDIRECT_URI], quiet: true });
  api = apiCaller(gh, await mgmtToken(gh));
  config = await client.discovery(new URL(gh.issuer), gh.demoClientId, undefined, client.None(), opts);
});
after(() => gh?.stop());

async function createUser(password) {
  const email = `${unique('life')}@example.com`;
  const r = await api('POST', '/users', { body: { connection: 'Username-Password-Authentication', email, password } });
  assert.equal(r.status, 201, r.text);
  return { email, password, id: encodeURIComponent(r.body.user_id) };
}

// An openid-client login: the authorization URL with PKCE and state, the browser's trip through
// the hosted login, then the code grant (which throws the authorization response's error).
async function login(email, password, extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  const callback = new URL(await browserLogin(url.href, email, password));
  return { callback, state, grant: () => client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }) };
}

test('blocked account login: the right password of a blocked user gets no code, and the app hears error=unauthorized "user is blocked"', async () => {
  const u = await createUser('blocked account password');
  assert.equal((await api('PATCH', `/users/${u.id}`, { body: { blocked: true } })).status, 200);
  const { callback, state, grant } = await login(u.email, u.password);
  assert.equal(callback.origin + callback.pathname, REDIRECT_URI, 'back to the application, not a Gatehouse page');
  assert.equal(callback.searchParams.get('code'), null);
  assert.equal(callback.searchParams.get('state'), state);
  await assert.rejects(grant(), (err) => {
    assert.ok(err instanceof client.AuthorizationResponseError, String(err));
    assert.equal(err.error, 'unauthorized');
    assert.equal(err.error_description, 'user is blocked');
    return true;
  });
});

test('blocked account login in the fragment response mode: the error goes where the client asked, with no token', async () => {
  const u = await createUser('blocked fragment password');
  assert.equal((await api('PATCH', `/users/${u.id}`, { body: { blocked: true } })).status, 200);
  const { callback, state } = await login(u.email, u.password, { response_mode: 'fragment' });
  assert.equal(callback.search, '');
  const fragment = new URLSearchParams(callback.hash.slice(1));
  assert.equal(fragment.get('error'), 'unauthorized');
  assert.equal(fragment.get('error_description'), 'user is blocked');
  assert.equal(fragment.get('state'), state);
  assert.equal(fragment.get('code'), null);
});

test('blocked account login without the password: a wrong password of a blocked user stays on the login page and says nothing about the block', async () => {
  const u = await createUser('blocked quiet password');
  assert.equal((await api('PATCH', `/users/${u.id}`, { body: { blocked: true } })).status, 200);
  await assert.rejects(login(u.email, 'not the password at all'), /login failed: 400/);
});

test('stale block: a password change through the Management API unblocks the user; the new password logs in, the old one does not', async () => {
  const u = await createUser('the password before');
  assert.equal((await api('PATCH', `/users/${u.id}`, { body: { blocked: true } })).status, 200);
  const changed = await api('PATCH', `/users/${u.id}`, { body: { password: 'the password after' } });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.body.blocked, false);
  assert.equal((await api('GET', `/users/${u.id}`)).body.blocked, false);
  const tokens = await (await login(u.email, 'the password after')).grant();
  assert.ok(tokens.access_token);
  await assert.rejects(login(u.email, u.password), /login failed: 400/);
  // A change that also sets blocked keeps what it says.
  const both = await api('PATCH', `/users/${u.id}`, { body: { password: 'the third password', blocked: true } });
  assert.equal(both.body.blocked, true);
});

test('revived session: a refresh token and session from before a block stay dead after unblocking, and the login after unblocking works', async () => {
  const u = await createUser('revival password');
  const first = await login(u.email, u.password);
  const tokens = await first.grant();
  assert.ok(tokens.refresh_token);
  assert.equal((await api('PATCH', `/users/${u.id}`, { body: { blocked: true } })).status, 200);
  assert.equal((await api('PATCH', `/users/${u.id}`, { body: { blocked: false } })).status, 200);
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (err) => {
    assert.equal(err.error, 'invalid_grant');
    return true;
  });
  const again = await (await login(u.email, u.password)).grant();
  assert.ok(again.access_token);
});
