// RBAC end to end (issue 17 item 2, auth0-apps.md §6): Auth0's express-oauth2-jwt-bearer 1.10.0,
// unmodified, protects an express API with requiredScopes and claimIncludes('permissions', ...)
// against Gatehouse's access tokens, for each token_dialect: 200 for a user holding the role, 403
// for one without it. The RFC 9068 profiles are checked by the library's `strict` mode (typ
// at+jwt, client_id, jti, iat, sub).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { auth, requiredScopes, claimIncludes } from 'express-oauth2-jwt-bearer';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken, unique } from '../mgmt/helpers.mjs';

const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const DB = 'Username-Password-Authentication';
const AUDIENCE = 'https://inventory.example.com';
const PASSWORD = 'inventory password 1';

let gh;
let api;
let client;
let server;
let base;
const users = {};

before(async () => {
  gh = await startGatehouse({ quiet: true });
  api = apiCaller(gh, await mgmtToken(gh));
  const rs = await api('POST', '/resource-servers', {
    body: { identifier: AUDIENCE, name: 'Inventory', enforce_policies: true, allow_offline_access: true,
      scopes: [{ value: 'read:stock', description: 'Read stock' }, { value: 'write:stock' }] },
  });
  assert.equal(rs.status, 201, rs.text);
  users.rs = rs.body.id;
  const c = await api('POST', '/clients', {
    body: { name: unique('inventory-app'), app_type: 'regular_web', token_endpoint_auth_method: 'client_secret_post',
      grant_types: [PASSWORD_REALM, 'refresh_token'] },
  });
  assert.equal(c.status, 201, c.text);
  client = c.body;
  const role = await api('POST', '/roles', { body: { name: 'stock keeper', description: 'reads stock' } });
  assert.equal(role.status, 200, role.text);
  const perm = await api('POST', `/roles/${role.body.id}/permissions`, {
    body: { permissions: [{ resource_server_identifier: AUDIENCE, permission_name: 'read:stock' }] },
  });
  assert.equal(perm.status, 201, perm.text);
  for (const name of ['keeper', 'visitor']) {
    const u = await api('POST', '/users', { body: { connection: DB, email: `${name}@example.com`, password: PASSWORD } });
    assert.equal(u.status, 201, u.text);
    users[name] = u.body.user_id;
  }
  const assigned = await api('POST', `/users/${encodeURIComponent(users.keeper)}/roles`, { body: { roles: [role.body.id] } });
  assert.equal(assigned.status, 204, assigned.text);

  // The protected API, configured as Auth0's quickstart does.
  const app = express();
  const options = { issuerBaseURL: gh.origin, audience: AUDIENCE };
  const check = auth(options);
  const strict = auth({ ...options, strict: true });
  const ok = (req, res) => res.json({ sub: req.auth.payload.sub });
  app.get('/scoped', check, requiredScopes('read:stock'), ok);
  app.get('/permitted', check, requiredScopes('read:stock'), claimIncludes('permissions', 'read:stock'), ok);
  app.get('/strict/scoped', strict, requiredScopes('read:stock'), ok);
  app.get('/strict/permitted', strict, requiredScopes('read:stock'), claimIncludes('permissions', 'read:stock'), ok);
  // The permissions claim alone decides here (the visitor's scope check cannot be what refuses it).
  app.get('/claim', check, claimIncludes('permissions', 'read:stock'), ok);
  // The library's errors carry their status; answered quietly (express would log every 401/403).
  app.use((err, req, res, next) => res.status(err.status ?? 500).json({ error: err.code ?? 'error' }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  server?.close();
  await gh?.stop();
});

async function token(email) {
  const res = await fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: PASSWORD_REALM, realm: DB, client_id: client.client_id,
      client_secret: client.client_secret, username: email, password: PASSWORD, audience: AUDIENCE,
      scope: 'openid offline_access read:stock write:stock' }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

const call = async (path, accessToken) => (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${accessToken}` } })).status;

for (const [dialect, route] of [
  ['access_token', '/scoped'],
  ['access_token_authz', '/permitted'],
  ['rfc9068_profile', '/strict/scoped'],
  ['rfc9068_profile_authz', '/strict/permitted'],
]) {
  test(`${dialect}: requiredScopes${dialect.endsWith('authz') ? " + claimIncludes('permissions')" : ''} let the role holder in (200) and keep the others out (403)`, async () => {
    const patched = await api('PATCH', `/resource-servers/${users.rs}`, { body: { token_dialect: dialect } });
    assert.equal(patched.status, 200, patched.text);
    const keeper = await token('keeper@example.com');
    const visitor = await token('visitor@example.com');
    assert.equal(keeper.scope, 'openid offline_access read:stock');
    assert.equal(visitor.scope, 'openid offline_access');
    assert.equal(await call(route, keeper.access_token), 200);
    assert.equal(await call(route, visitor.access_token), 403);
    // A refreshed token is judged the same way.
    const refreshed = await fetch(`${gh.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: client.client_id,
        client_secret: client.client_secret, refresh_token: keeper.refresh_token }),
    }).then((r) => r.json());
    assert.equal(await call(route, refreshed.access_token), 200);
    if (dialect.endsWith('authz')) {
      assert.equal(await call('/claim', keeper.access_token), 200);
      // The library answers a failed claim check with 401 invalid_token (its choice, not ours).
      assert.equal(await call('/claim', visitor.access_token), 401, 'permissions: [] for the visitor');
    }
    if (dialect.startsWith('rfc9068')) {
      assert.equal(await call('/strict/scoped', keeper.access_token), 200, 'a valid RFC 9068 token');
    } else {
      assert.equal(await call('/strict/scoped', keeper.access_token), 401, 'not an RFC 9068 token: strict mode refuses it');
    }
  });
}
