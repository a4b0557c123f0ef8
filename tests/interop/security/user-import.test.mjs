// Users brought from another system (issue 18 item 1, auth0-apps.md §7): `POST /api/v2/users` with
// their `user_id` and a bcrypt `password_hash`, through Auth0's own Node SDK (`auth0` 7.1.0). They
// log in with their old password and are rehashed to argon2id. The attacks: a hash that makes every
// login attempt burn CPU, a hash format Gatehouse cannot verify, and reading a hash back. Runs on
// SQLite and on PostgreSQL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { sdk, apiCaller, mgmtToken, unique, rejectionOf } from '../mgmt/helpers.mjs';

const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const DB = 'Username-Password-Authentication';
// crypt_blowfish's published test vector: password "U*U".
const BCRYPT = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';

const servers = [];
after(() => Promise.all(servers.map((s) => s.stop())));

async function tenant() {
  const gh = await startGatehouse({ quiet: true });
  servers.push(gh);
  const api = apiCaller(gh, await mgmtToken(gh));
  const client = await api('POST', '/clients', {
    body: { name: unique('ropc'), app_type: 'regular_web', token_endpoint_auth_method: 'client_secret_post',
      grant_types: [PASSWORD_REALM] },
  });
  assert.equal(client.status, 201, client.text);
  const login = (username, password) =>
    fetch(`${gh.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: PASSWORD_REALM, realm: DB, client_id: client.body.client_id,
        client_secret: client.body.client_secret, username, password, scope: 'openid' }),
    });
  const storedHash = (userId) => gh.sql(`SELECT password_hash FROM users WHERE user_id = '${userId}'`).trim();
  return { gh, api, mgmt: sdk(gh), login, storedHash };
}

test('an imported bcrypt user keeps its user_id, logs in with its old password and is rehashed to argon2id', async () => {
  const { mgmt, login, storedHash } = await tenant();
  const created = await mgmt.users.create({
    connection: DB, email: 'Legacy@Example.com', user_id: 'legacy-7', password_hash: BCRYPT, name: 'Legacy User',
  });
  assert.equal(created.user_id, 'auth0|legacy-7');
  assert.equal(created.password_hash, undefined);
  // An id copied from an Auth0 export (with its prefix) names the same user.
  const again = await rejectionOf(mgmt.users.create({ connection: DB, email: 'b@example.com', user_id: 'auth0|legacy-7', password_hash: BCRYPT }));
  assert.equal(again.statusCode, 409);

  assert.equal((await login('legacy@example.com', 'U*V')).status, 403);
  assert.equal(storedHash('auth0|legacy-7'), BCRYPT, 'a failed login changes nothing');
  const ok = await login('legacy@example.com', 'U*U');
  assert.equal(ok.status, 200, await ok.clone().text());
  assert.match(storedHash('auth0|legacy-7'), /^\$argon2id\$/);
  assert.equal((await login('legacy@example.com', 'U*U')).status, 200, 'the old password still works after the rehash');
  assert.equal((await mgmt.users.get('auth0|legacy-7')).password_hash, undefined);
});

test('CPU exhaustion through an imported bcrypt cost: a cost above 14 (or below 4) is refused, nothing stored', async () => {
  const { api } = await tenant();
  for (const cost of ['31', '15', '03']) {
    const r = await api('POST', '/users', {
      body: { connection: DB, email: `cost${cost}@example.com`, password_hash: BCRYPT.replace('$05$', `$${cost}$`) },
    });
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.message, /password_hash must be a bcrypt hash/);
    const listed = await api('GET', `/users-by-email?email=cost${cost}%40example.com`);
    assert.deepEqual(listed.body, []);
  }
});

test('password hash import bypass: hashes that are not bcrypt, a hash sent with a password, or a bad user_id get 400 and nothing is stored', async () => {
  const { api } = await tenant();
  const bad = [
    { password_hash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA' },
    { password_hash: '$1$salt$md5crypt' },
    { password_hash: 'plaintext-password' },
    { password_hash: BCRYPT, password: 'also a password 1' },
    { password_hash: BCRYPT, user_id: 'has|bar' },
    { password_hash: BCRYPT, user_id: 'has space' },
    { password_hash: BCRYPT, user_id: 'x'.repeat(256) },
  ];
  for (const [i, fields] of bad.entries()) {
    const r = await api('POST', '/users', { body: { connection: DB, email: `bad${i}@example.com`, ...fields } });
    assert.equal(r.status, 400, `${JSON.stringify(fields)}: ${r.text}`);
    assert.equal(r.body.errorCode, 'invalid_body');
    assert.deepEqual((await api('GET', `/users-by-email?email=bad${i}%40example.com`)).body, []);
  }
  const neither = await api('POST', '/users', { body: { connection: DB, email: 'neither@example.com' } });
  assert.equal(neither.status, 400, neither.text);
});
