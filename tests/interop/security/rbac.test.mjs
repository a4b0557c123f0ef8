// Role-based access control (issue 17 items 1-2, auth0-apps.md §6): an API with enforce_policies
// gives a user only the requested scopes it holds through roles or direct permissions, at every
// issuance (a refresh too), and nobody can assign what the API does not define. Each test is named
// after the attack it stops; the file runs on SQLite and on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, assertAuth0Error, mgmtToken, unique } from '../mgmt/helpers.mjs';
import { jwtClaims } from '../federation/helpers.mjs';

const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const DB = 'Username-Password-Authentication';
const API = 'https://orders.example.com';
const PASSWORD = 'a long enough password 1';

const form = (fields) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

describe('RBAC', () => {
  let gh;
  let api;
  let client;
  let rs;

  // A password-realm login of `email` asking for `scope` on the orders API: {status, body, claims}.
  async function login(email, scope, audience = API) {
    const res = await fetch(`${gh.origin}/oauth/token`, form({
      grant_type: PASSWORD_REALM, realm: DB, client_id: client.client_id, client_secret: client.client_secret,
      username: email, password: PASSWORD, audience, scope,
    }));
    const body = await res.json();
    return { status: res.status, body, claims: body.access_token ? jwtClaims(body.access_token) : undefined };
  }

  async function refresh(refreshToken) {
    const res = await fetch(`${gh.origin}/oauth/token`, form({
      grant_type: 'refresh_token', client_id: client.client_id, client_secret: client.client_secret,
      refresh_token: refreshToken,
    }));
    const body = await res.json();
    return { status: res.status, body, claims: body.access_token ? jwtClaims(body.access_token) : undefined };
  }

  async function newUser() {
    const email = `${unique('u')}@example.com`;
    const r = await api('POST', '/users', { body: { connection: DB, email, password: PASSWORD } });
    assert.equal(r.status, 201, r.text);
    return { email, id: r.body.user_id, path: `/users/${encodeURIComponent(r.body.user_id)}` };
  }

  async function newRole(...permissions) {
    const r = await api('POST', '/roles', { body: { name: unique('role'), description: 'test role' } });
    assert.equal(r.status, 200, r.text);
    if (permissions.length) {
      const p = await api('POST', `/roles/${r.body.id}/permissions`, {
        body: { permissions: permissions.map((permission_name) => ({ resource_server_identifier: API, permission_name })) },
      });
      assert.equal(p.status, 201, p.text);
    }
    return r.body.id;
  }

  async function setPolicy(body) {
    const r = await api('PATCH', `/resource-servers/${rs.id}`, { body });
    assert.equal(r.status, 200, r.text);
  }

  before(async () => {
    gh = await startGatehouse({ quiet: true });
    api = apiCaller(gh, await mgmtToken(gh));
    const created = await api('POST', '/resource-servers', {
      body: {
        identifier: API, name: 'Orders', allow_offline_access: true, enforce_policies: true,
        token_dialect: 'access_token_authz',
        scopes: [{ value: 'read:orders' }, { value: 'write:orders' }, { value: 'delete:orders' }],
      },
    });
    assert.equal(created.status, 201, created.text);
    rs = created.body;
    const c = await api('POST', '/clients', {
      body: { name: unique('rbac'), app_type: 'regular_web', token_endpoint_auth_method: 'client_secret_post',
        grant_types: [PASSWORD_REALM, 'refresh_token', 'client_credentials'] },
    });
    assert.equal(c.status, 201, c.text);
    client = c.body;
  });
  after(() => gh?.stop());

  test('privilege escalation by asking for scopes one does not hold: a user gets only the requested scopes its roles or direct permissions grant', async () => {
    const reader = await newUser();
    const role = await newRole('read:orders');
    assert.equal((await api('POST', `${reader.path}/roles`, { body: { roles: [role] } })).status, 204);
    const asked = 'openid read:orders write:orders delete:orders';
    const r = await login(reader.email, asked);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.scope, 'openid read:orders', 'the response says what the token holds');
    assert.equal(r.claims.scope, 'openid read:orders');
    assert.deepEqual(r.claims.permissions, ['read:orders']);

    // A direct permission counts too; a scope held but not requested is not added to scope.
    const p = await api('POST', `${reader.path}/permissions`, {
      body: { permissions: [{ resource_server_identifier: API, permission_name: 'delete:orders' }] },
    });
    assert.equal(p.status, 204, p.text);
    const both = await login(reader.email, 'read:orders delete:orders write:orders');
    assert.equal(both.claims.scope, 'read:orders delete:orders');
    const narrow = await login(reader.email, 'read:orders');
    assert.equal(narrow.claims.scope, 'read:orders');
    assert.deepEqual(narrow.claims.permissions, ['delete:orders', 'read:orders'], 'every permission for the API');

    const nobody = await newUser();
    const none = await login(nobody.email, asked);
    assert.equal(none.status, 200, JSON.stringify(none.body));
    assert.equal(none.claims.scope, 'openid');
    assert.deepEqual(none.claims.permissions, []);
  });

  test('permission kept after role removal: a refresh re-reads the user\'s permissions', async () => {
    const u = await newUser();
    const writer = await newRole('read:orders', 'write:orders');
    assert.equal((await api('POST', `${u.path}/roles`, { body: { roles: [writer] } })).status, 204);
    const first = await login(u.email, 'offline_access read:orders write:orders');
    assert.equal(first.claims.scope, 'offline_access read:orders write:orders');
    assert.ok(first.body.refresh_token);

    const removed = await api('DELETE', `${u.path}/roles`, { body: { roles: [writer] } });
    assert.equal(removed.status, 204, removed.text);
    const after = await refresh(first.body.refresh_token);
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.equal(after.body.scope, 'offline_access');
    assert.equal(after.claims.scope, 'offline_access');
    assert.deepEqual(after.claims.permissions, []);

    // Given back, the family's grant (what was asked at login) applies again, and no more.
    assert.equal((await api('POST', `${u.path}/roles`, { body: { roles: [writer] } })).status, 204);
    assert.equal((await refresh(first.body.refresh_token)).claims.scope, 'offline_access read:orders write:orders');
  });

  test('permission kept after role deletion or after a role loses it: a refresh carries neither', async () => {
    const u = await newUser();
    const a = await newRole('read:orders', 'write:orders');
    const b = await newRole('delete:orders');
    assert.equal((await api('POST', `${u.path}/roles`, { body: { roles: [a, b] } })).status, 204);
    const first = await login(u.email, 'offline_access read:orders write:orders delete:orders');
    assert.equal(first.claims.scope, 'offline_access read:orders write:orders delete:orders');

    const lost = await api('DELETE', `/roles/${a}/permissions`, {
      body: { permissions: [{ resource_server_identifier: API, permission_name: 'write:orders' }] },
    });
    assert.equal(lost.status, 204, lost.text);
    assert.equal(await api('DELETE', `/roles/${b}`).then((r) => r.status), 200);
    assertAuth0Error(await api('GET', `/roles/${b}`), 404, 'inexistent_role');
    const after = await refresh(first.body.refresh_token);
    assert.equal(after.claims.scope, 'offline_access read:orders');
    assert.deepEqual(after.claims.permissions, ['read:orders']);
  });

  test('permission kept after the API drops the scope: it leaves every role and user, and the next refresh', async () => {
    const scoped = await api('POST', '/resource-servers', {
      body: { identifier: 'https://shrinking.example.com', enforce_policies: true, allow_offline_access: true,
        scopes: [{ value: 'keep' }, { value: 'drop' }] },
    });
    assert.equal(scoped.status, 201, scoped.text);
    const u = await newUser();
    const perms = ['keep', 'drop'].map((permission_name) => ({ resource_server_identifier: 'https://shrinking.example.com', permission_name }));
    const role = (await api('POST', '/roles', { body: { name: unique('shrink') } })).body.id;
    assert.equal((await api('POST', `/roles/${role}/permissions`, { body: { permissions: perms } })).status, 201);
    assert.equal((await api('POST', `${u.path}/permissions`, { body: { permissions: perms } })).status, 204);
    assert.equal((await api('POST', `${u.path}/roles`, { body: { roles: [role] } })).status, 204);
    const first = await login(u.email, 'offline_access keep drop', 'https://shrinking.example.com');
    assert.equal(first.claims.scope, 'offline_access keep drop');

    const patched = await api('PATCH', `/resource-servers/${scoped.body.id}`, { body: { scopes: [{ value: 'keep' }] } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual((await api('GET', `/roles/${role}/permissions`)).body.map((p) => p.permission_name), ['keep']);
    assert.deepEqual((await api('GET', `${u.path}/permissions`)).body.map((p) => p.permission_name), ['keep']);
    // Defining it again does not bring the old assignments back.
    await api('PATCH', `/resource-servers/${scoped.body.id}`, { body: { scopes: [{ value: 'keep' }, { value: 'drop' }] } });
    assert.equal((await refresh(first.body.refresh_token)).claims.scope, 'offline_access keep');
  });

  test('privilege escalation through a permission the API does not define: 400 (unknown API 404) and nothing written', async () => {
    const u = await newUser();
    const role = await newRole();
    const bad = [
      [[{ resource_server_identifier: API, permission_name: 'admin:everything' }], 400, 'invalid_body'],
      [[{ resource_server_identifier: API, permission_name: 'read:orders' },
        { resource_server_identifier: API, permission_name: 'admin:everything' }], 400, 'invalid_body'],
      [[{ resource_server_identifier: 'https://nowhere.example.com', permission_name: 'read:orders' }], 404,
        'inexistent_resource_server'],
      [[{ resource_server_identifier: API }], 400, 'invalid_body'],
      [[], 400, 'invalid_body'],
    ];
    for (const [permissions, status, code] of bad) {
      assertAuth0Error(await api('POST', `/roles/${role}/permissions`, { body: { permissions } }), status, code);
      assertAuth0Error(await api('POST', `${u.path}/permissions`, { body: { permissions } }), status, code);
    }
    assert.deepEqual((await api('GET', `/roles/${role}/permissions`)).body, []);
    assert.deepEqual((await api('GET', `${u.path}/permissions`)).body, []);
    const r = await login(u.email, 'read:orders');
    assert.equal(r.claims.scope, '');
  });

  test('privilege escalation to the Management API through RBAC: its scopes cannot be given to roles or users', async () => {
    const u = await newUser();
    const role = await newRole();
    const permissions = [{ resource_server_identifier: `${gh.issuer}api/v2/`, permission_name: 'read:users' }];
    assertAuth0Error(await api('POST', `/roles/${role}/permissions`, { body: { permissions } }), 400, 'invalid_body');
    assertAuth0Error(await api('POST', `${u.path}/permissions`, { body: { permissions } }), 400, 'invalid_body');
  });

  test('privilege escalation by assigning an unknown role next to a real one: 404 and nothing assigned', async () => {
    const u = await newUser();
    const role = await newRole('write:orders');
    assertAuth0Error(await api('POST', `${u.path}/roles`, { body: { roles: [role, 'rol_doesnotexist000'] } }), 404,
      'inexistent_role');
    assertAuth0Error(await api('POST', `${u.path}/roles`, { body: { roles: ['not-a-role-id'] } }), 400, 'invalid_body');
    assert.deepEqual((await api('GET', `${u.path}/roles`)).body, []);
    assertAuth0Error(await api('POST', `/roles/${role}/users`, { body: { users: [u.id, 'auth0|nobody'] } }), 404,
      'inexistent_user');
    assert.deepEqual((await api('GET', `/roles/${role}/users`)).body, []);
    assertAuth0Error(await api('GET', '/roles/rol_doesnotexist000'), 404, 'inexistent_role');
    assertAuth0Error(await api('GET', '/roles/x'), 400, 'invalid_uri');
  });

  test('role of a deleted user inherited by a new user with the same id: deleting a user forgets its roles', async () => {
    const u = await newUser();
    const role = await newRole('read:orders');
    assert.equal((await api('POST', `${u.path}/roles`, { body: { roles: [role] } })).status, 204);
    assert.equal((await api('DELETE', u.path)).status, 204);
    assert.deepEqual((await api('GET', `/roles/${role}/users`)).body, []);
  });

  test('privilege escalation of a machine client through RBAC: client_credentials keeps its client grant scopes', async () => {
    const grant = await api('POST', '/client-grants', {
      body: { client_id: client.client_id, audience: API, scope: ['read:orders'] },
    });
    assert.equal(grant.status, 201, grant.text);
    const res = await fetch(`${gh.origin}/oauth/token`, form({
      grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, audience: API,
    }));
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    const claims = jwtClaims(body.access_token);
    assert.equal(claims.scope, 'read:orders');
    assert.deepEqual(claims.permissions, ['read:orders']);
    const denied = await fetch(`${gh.origin}/oauth/token`, form({
      grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, audience: API,
      scope: 'write:orders',
    }));
    assert.equal(denied.status, 403);
  });

  test('privilege escalation by a client without role scopes: the roles API answers 403 insufficient_scope', async () => {
    const limited = await api('POST', '/clients', { body: { name: unique('limited'), app_type: 'non_interactive' } });
    const grant = await api('POST', '/client-grants', {
      body: { client_id: limited.body.client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:users'] },
    });
    assert.equal(grant.status, 201, grant.text);
    const token = await mgmtToken(gh, { clientId: limited.body.client_id, clientSecret: limited.body.client_secret });
    const weak = apiCaller(gh, token);
    const u = await newUser();
    const role = await newRole('read:orders');
    assertAuth0Error(await weak('POST', '/roles', { body: { name: 'x' } }), 403, 'insufficient_scope');
    assertAuth0Error(await weak('POST', `/roles/${role}/permissions`, { body: { permissions: [] } }), 403, 'insufficient_scope');
    assertAuth0Error(await weak('POST', `${u.path}/roles`, { body: { roles: [role] } }), 403, 'insufficient_scope');
    assertAuth0Error(await weak('POST', `${u.path}/permissions`, { body: { permissions: [] } }), 403, 'insufficient_scope');
    assert.equal((await weak('GET', `${u.path}/permissions`)).status, 200, 'read:users reads them');
  });

  test('revocation bypass with an RFC 9068 token: /oauth/revoke of an at+jwt access token (client_id, no azp) revokes its grant', async () => {
    const u = await newUser();
    await setPolicy({ token_dialect: 'rfc9068_profile' });
    try {
      const r = await login(u.email, 'openid read:orders');
      assert.equal(r.claims.azp, undefined);
      const userinfo = () => fetch(`${gh.origin}/userinfo`, { headers: { authorization: `Bearer ${r.body.access_token}` } });
      assert.equal((await userinfo()).status, 200);
      const revoked = await fetch(`${gh.origin}/oauth/revoke`, form({
        client_id: client.client_id, client_secret: client.client_secret, token: r.body.access_token,
      }));
      assert.equal(revoked.status, 200);
      assert.equal((await userinfo()).status, 401, 'the revoked token no longer works');
    } finally {
      await setPolicy({ token_dialect: 'access_token_authz' });
    }
  });

  test('token confusion between dialects: rfc9068 tokens are typed at+jwt with client_id and no azp; access_token has no permissions claim', async () => {
    const u = await newUser();
    const role = await newRole('read:orders');
    assert.equal((await api('POST', `${u.path}/roles`, { body: { roles: [role] } })).status, 204);
    const header = (t) => JSON.parse(Buffer.from(t.split('.')[0], 'base64url'));
    try {
      for (const [dialect, typ, permissions] of [
        ['access_token', 'JWT', undefined], ['access_token_authz', 'JWT', ['read:orders']],
        ['rfc9068_profile', 'at+jwt', undefined], ['rfc9068_profile_authz', 'at+jwt', ['read:orders']],
      ]) {
        await setPolicy({ token_dialect: dialect });
        assert.equal((await api('GET', `/resource-servers/${rs.id}`)).body.token_dialect, dialect);
        const r = await login(u.email, 'read:orders write:orders');
        assert.equal(header(r.body.access_token).typ, typ, dialect);
        assert.deepEqual(r.claims.permissions, permissions, dialect);
        assert.equal(r.claims.scope, 'read:orders', dialect);
        if (typ === 'at+jwt') {
          assert.equal(r.claims.client_id, client.client_id);
          assert.equal(r.claims.azp, undefined);
          for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat', 'jti']) assert.ok(r.claims[claim], `${dialect} ${claim}`);
        } else {
          assert.equal(r.claims.azp, client.client_id);
        }
      }
      // Without enforce_policies every requested defined scope, whatever the roles.
      await setPolicy({ enforce_policies: false, token_dialect: 'access_token' });
      assert.equal((await login(u.email, 'read:orders write:orders')).claims.scope, 'read:orders write:orders');
    } finally {
      await setPolicy({ enforce_policies: true, token_dialect: 'access_token_authz' });
    }
  });
});
