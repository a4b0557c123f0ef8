// Auth0's Authentication API client (`auth0` 7.1.0, its AuthenticationClient from `auth0/legacy`,
// unmodified) against the real binary over TLS: the SDK always calls https://<domain>, so the tenant
// serves a throwaway self-signed certificate that only this test's agent trusts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthenticationClient } from 'auth0/legacy';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { decodeJwt } from '../lib/jwt.mjs';
import { apiCaller, mgmtToken, rejectionOf, unique } from '../mgmt/helpers.mjs';

const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const DB = 'Username-Password-Authentication';
const API = 'https://things.example.test/';
const PASSWORD = 'correct horse battery staple';

let gh;
let api;
let app;  // a regular web app with the password grants
let alice;

before(async () => {
  gh = await startGatehouse({ tls: true });
  api = apiCaller(gh, await mgmtToken(gh));
  const rs = await api('POST', '/resource-servers', {
    body: { identifier: API, name: 'Things', scopes: [{ value: 'read:things', description: 'Read things' }], allow_offline_access: true },
  });
  assert.equal(rs.status, 201, rs.text);
  app = await createClient([PASSWORD_REALM, 'password', 'refresh_token', 'authorization_code']);
  const user = await api('POST', '/users', { body: { connection: DB, email: 'alice@example.com', password: PASSWORD } });
  assert.equal(user.status, 201, user.text);
  alice = user.body;
});
after(async () => gh?.stop());

async function createClient(grantTypes) {
  const created = await api('POST', '/clients', {
    body: { name: unique('web'), app_type: 'regular_web', token_endpoint_auth_method: 'client_secret_post',
      grant_types: grantTypes, callbacks: ['https://app.example.test/callback'] },
  });
  assert.equal(created.status, 201, created.text);
  return created.body;
}

function auth(client = app) {
  return new AuthenticationClient({
    domain: `127.0.0.1:${gh.port}`,
    clientId: client.client_id,
    clientSecret: client.client_secret,
    agent: gh.agent,  // the ID token's JWKS (jose) and, through fetch, every call trust the test certificate
    fetch: gh.fetch,
  });
}

const authError = rejectionOf;  // the SDK's AuthApiError: statusCode, error, error_description

async function patchSettings(body) {
  const r = await api('PATCH', '/tenants/settings', { body });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

test('oauth.passwordGrant with realm: access, ID and refresh tokens for the database user', async () => {
  const { data } = await auth().oauth.passwordGrant({
    username: 'alice@example.com', password: PASSWORD, realm: DB, audience: API,
    scope: 'openid profile email offline_access read:things',
  });
  assert.equal(data.token_type, 'Bearer');
  assert.equal(typeof data.expires_in, 'number');
  assert.ok(data.expires_in > 60);
  assert.equal(data.scope, 'openid profile email offline_access read:things');
  assert.ok(data.refresh_token, 'offline_access on an API that allows it gives a refresh token');
  const at = decodeJwt(data.access_token).payload;
  assert.equal(at.gty, 'password');
  assert.equal(at.sub, alice.user_id);
  assert.equal(at.azp, app.client_id);
  assert.deepEqual([at.aud].flat().sort(), [API, `${gh.issuer}userinfo`].sort());
  const id = decodeJwt(data.id_token).payload;  // already validated by the SDK (signature, iss, aud)
  assert.equal(id.sub, alice.user_id);
  assert.equal(id.email, 'alice@example.com');
});

test('oauth.passwordGrant without realm: the tenant default_directory and default_audience', async () => {
  const before = await authError(auth().oauth.passwordGrant({ username: 'alice@example.com', password: PASSWORD }));
  assert.equal(before.statusCode, 500);
  assert.equal(before.error, 'server_error');
  assert.equal(before.error_description, 'Authorization server not configured with default connection.');

  await patchSettings({ default_directory: DB, default_audience: API });
  try {
    const { data } = await auth().oauth.passwordGrant({ username: 'alice@example.com', password: PASSWORD, scope: 'openid read:things' });
    const at = decodeJwt(data.access_token).payload;
    assert.equal(at.gty, 'password');
    assert.deepEqual([at.aud].flat().sort(), [API, `${gh.issuer}userinfo`].sort(), 'default_audience applies');
    assert.equal(data.scope, 'openid read:things');
    assert.equal(data.refresh_token, undefined, 'no offline_access, no refresh token');
    assert.ok(data.id_token);
  } finally {
    await patchSettings({ default_directory: '', default_audience: '' });
  }
});

test('oauth.refreshTokenGrant and oauth.revokeRefreshToken', async () => {
  const { data } = await auth().oauth.passwordGrant({
    username: 'alice@example.com', password: PASSWORD, realm: DB, audience: API, scope: 'openid offline_access read:things',
  });
  const refreshed = (await auth().oauth.refreshTokenGrant({ refresh_token: data.refresh_token })).data;
  assert.equal(decodeJwt(refreshed.access_token).payload.gty, 'refresh_token');
  assert.equal(decodeJwt(refreshed.id_token).payload.sub, alice.user_id);
  // A rotating token comes back new; a non-rotating one (the client's refresh_token settings) stays.
  const current = refreshed.refresh_token ?? data.refresh_token;

  // A token of another client is left alone, and the answer is still 200 (RFC 7009 §2.1).
  const other = await createClient(['authorization_code', 'refresh_token']);
  await auth(other).oauth.revokeRefreshToken({ token: current });
  const still = (await auth().oauth.refreshTokenGrant({ refresh_token: current })).data;
  assert.ok(still.access_token);
  const latest = still.refresh_token ?? current;

  const revoked = await auth().oauth.revokeRefreshToken({ token: latest });
  assert.equal(revoked.status, 200);
  const after = await authError(auth().oauth.refreshTokenGrant({ refresh_token: latest }));
  assert.equal(after.statusCode, 403);
  assert.equal(after.error, 'invalid_grant');
  // Unknown tokens are 200 too.
  assert.equal((await auth().oauth.revokeRefreshToken({ token: 'not-a-token' })).status, 200);
  // The client must authenticate.
  const wrong = await authError(auth({ ...app, client_secret: 'wrong' }).oauth.revokeRefreshToken({ token: latest }));
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.error, 'invalid_client');
});

test('the revoke answer is 200 with an empty body', async () => {
  const res = await gh.fetch(`${gh.origin}/oauth/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: app.client_id, client_secret: app.client_secret, token: 'unknown' }),
  });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
});

test('wrong password and unknown user get the same answer', async () => {
  for (const username of ['alice@example.com', 'nobody@example.com']) {
    const e = await authError(auth().oauth.passwordGrant({ username, password: 'wrong password!', realm: DB }));
    assert.equal(e.statusCode, 403);
    assert.equal(e.error, 'invalid_grant');
    assert.equal(e.error_description, 'Wrong email or password.');
  }
});

test('a client without the grant gets unauthorized_client', async () => {
  const other = await createClient(['authorization_code', 'refresh_token']);
  const realm = await authError(auth(other).oauth.passwordGrant({ username: 'alice@example.com', password: PASSWORD, realm: DB }));
  assert.equal(realm.statusCode, 403);
  assert.equal(realm.error, 'unauthorized_client');
  assert.equal(realm.error_description, `Grant type '${PASSWORD_REALM}' not allowed for the client.`);
  const plain = await authError(auth(other).oauth.passwordGrant({ username: 'alice@example.com', password: PASSWORD }));
  assert.equal(plain.error_description, "Grant type 'password' not allowed for the client.");
});

test('an unknown realm, or one not enabled for the client, is refused', async () => {
  const unknown = await authError(auth().oauth.passwordGrant({ username: 'alice@example.com', password: PASSWORD, realm: 'no-such-db' }));
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.error, 'invalid_request');
  const db = await api('POST', '/connections', { body: { name: unique('other-db'), strategy: 'auth0' } });
  assert.equal(db.status, 201, db.text);
  const disabled = await api('PATCH', `/connections/${db.body.id}`, { body: { enabled_clients: [] } });
  assert.equal(disabled.status, 200, disabled.text);
  const notEnabled = await authError(auth().oauth.passwordGrant({ username: 'alice@example.com', password: PASSWORD, realm: db.body.name }));
  assert.equal(notEnabled.statusCode, 400);
  assert.equal(notEnabled.error, 'invalid_request');
});

test('a blocked user gets Auth0\'s "user is blocked"', async () => {
  const bob = await api('POST', '/users', { body: { connection: DB, email: 'bob@example.com', password: PASSWORD } });
  assert.equal(bob.status, 201, bob.text);
  const blocked = await api('PATCH', `/users/${encodeURIComponent(bob.body.user_id)}`, { body: { blocked: true } });
  assert.equal(blocked.status, 200, blocked.text);
  const e = await authError(auth().oauth.passwordGrant({ username: 'bob@example.com', password: PASSWORD, realm: DB }));
  assert.equal(e.statusCode, 403);
  assert.equal(e.error, 'unauthorized');
  assert.equal(e.error_description, 'user is blocked');
});

test('discovery lists exactly the registered grants', async () => {
  const doc = await (await gh.fetch(`${gh.origin}/.well-known/openid-configuration`)).json();
  assert.deepEqual(doc.grant_types_supported,
    ['authorization_code', 'refresh_token', 'client_credentials', 'password', PASSWORD_REALM, 'implicit']);
});
