// The password grants of the token endpoint (issue 15): they must not be a side door around the
// boundaries of the hosted login, i.e. the end-user Management API rules (security.md §1) and the
// failed-login limit (§6). Each test is named after the attack it stops; the file runs on SQLite
// and on PostgreSQL.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken, unique } from '../mgmt/helpers.mjs';
import { authorizeUrl, Browser, jwtClaims } from '../federation/helpers.mjs';

const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const DB = 'Username-Password-Authentication';

const servers = [];
after(() => Promise.all(servers.map((s) => s.stop())));

// A tenant with a confidential client allowed the password grants, and a user.
async function tenant(options = {}) {
  const gh = await startGatehouse({ quiet: true, ...options });
  servers.push(gh);
  const api = apiCaller(gh, await mgmtToken(gh));
  const client = await api('POST', '/clients', {
    body: { name: unique('ropc'), app_type: 'regular_web', token_endpoint_auth_method: 'client_secret_post',
      grant_types: [PASSWORD_REALM, 'password', 'refresh_token'] },
  });
  assert.equal(client.status, 201, client.text);
  const user = await api('POST', '/users', { body: { connection: DB, email: 'victim@example.com', password: 'the right password 1' } });
  assert.equal(user.status, 201, user.text);
  const grant = (fields) =>
    fetch(`${gh.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: PASSWORD_REALM, realm: DB, client_id: client.body.client_id,
        client_secret: client.body.client_secret, username: 'victim@example.com', ...fields }),
    });
  return { gh, api, client: client.body, grant };
}

describe('password grants', () => {
  test('privilege escalation: a password-grant user asking for the Management API with admin scopes gets only current_user scopes', async () => {
    const { gh, grant } = await tenant();
    const res = await grant({
      password: 'the right password 1',
      audience: `${gh.issuer}api/v2/`,
      scope: 'openid read:users update:clients delete:users create:client_grants update:tenant_settings read:current_user',
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'openid read:current_user');
    const claims = jwtClaims(body.access_token);
    assert.equal(claims.scope, 'openid read:current_user');
    assert.equal(claims.gty, 'password');
    const user = apiCaller(gh, body.access_token);
    for (const [method, path] of [['GET', '/users'], ['GET', '/clients'], ['POST', '/client-grants'], ['GET', '/tenants/settings'],
      ['PATCH', '/tenants/settings']]) {
      const r = await user(method, path, { body: method === 'GET' ? undefined : {} });
      assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.errorCode, 'insufficient_scope');
    }
    const own = await user('GET', `/users/${encodeURIComponent(claims.sub)}`);
    assert.equal(own.status, 200, own.text);
  });

  test('password brute force: the password grant counts guesses against the hosted login\'s failed-login limit', async () => {
    const { gh, grant } = await tenant({ args: ['--failed-login-limit', '1/h,3'] });
    // Two wrong passwords (one typed in capitals: the same user) leave one attempt of three.
    for (const username of ['victim@example.com', 'VICTIM@example.com']) {
      const res = await grant({ password: 'wrong', username });
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { error: 'invalid_grant', error_description: 'Wrong email or password.' });
    }
    // Of 16 parallel guesses only one reaches the password check.
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => grant({ password: `guess ${i}` })));
    const checked = answers.filter((r) => r.status !== 429);
    assert.equal(checked.length, 1, `statuses: ${answers.map((r) => r.status)}`);
    assert.equal(checked[0].status, 403);
    for (const r of answers.filter((r) => r.status === 429)) {
      assert.equal((await r.json()).error, 'too_many_attempts');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
    // Now the right password waits too, at the token endpoint and on the hosted login page alike.
    const right = await grant({ password: 'the right password 1' });
    assert.equal(right.status, 429, await right.text());
    const browser = new Browser();
    const end = await browser.navigate(authorizeUrl(gh).url, { stop: (u) => new URL(u).pathname === '/u/login' });
    const page = await (await browser.request(end.url)).text();
    const field = (name) => page.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
    const hosted = await browser.request(`${gh.origin}/u/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state: field('state'), csrf: field('csrf'), username: 'victim@example.com', password: 'the right password 1' }),
    });
    assert.equal(hosted.status, 429);
  });
});
