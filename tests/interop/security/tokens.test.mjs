// Who may hold which token, sessions and single sign-on, revocation, signing keys, cookies and data
// at rest (shared/spec/security.md §1-3, §7; issue 14 items 1, 2, 3, 10, 11, 12). Each test is
// named after the attack it stops; the file runs on SQLite and on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken } from '../mgmt/helpers.mjs';
import { Browser, DEMO_CALLBACK, authorizeUrl, gatehouseLoginPage, jwtClaims, mgmt } from '../federation/helpers.mjs';

const form = (fields) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

// Logs the browser in (or lets its session answer) and returns { code, verifier } or { error }.
async function authorize(gh, browser, params = {}, credentials = [gh.demoUser, gh.demoPassword]) {
  const { url, verifier } = authorizeUrl(gh, params);
  const callback = params.redirect_uri ?? DEMO_CALLBACK;
  const done = await browser.navigate(url, {
    stop: (u) => u.startsWith(callback),
    onPage: gatehouseLoginPage(...credentials),
  });
  const q = new URL(done.url).searchParams;
  return { code: q.get('code'), error: q.get('error'), verifier, location: done.url };
}

async function exchange(gh, code, verifier, clientId = gh.demoClientId, redirectUri = DEMO_CALLBACK) {
  const res = await fetch(`${gh.origin}/oauth/token`, form({
    grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: redirectUri,
  }));
  return { status: res.status, body: await res.json() };
}

async function refresh(gh, refreshToken) {
  const res = await fetch(`${gh.origin}/oauth/token`, form({
    grant_type: 'refresh_token', client_id: gh.demoClientId, refresh_token: refreshToken,
  }));
  return { status: res.status, body: await res.json() };
}

describe('who may hold a Management API token', () => {
  let gh;
  let api;
  before(async () => {
    gh = await startGatehouse({ quiet: true });
    api = apiCaller(gh, await mgmtToken(gh));
  });
  after(() => gh?.stop());

  test('privilege escalation: an end user asking for the Management API with admin scopes gets only current_user scopes', async () => {
    const browser = new Browser();
    const { code, verifier } = await authorize(gh, browser, {
      audience: `${gh.issuer}api/v2/`,
      scope: 'openid read:users update:clients delete:users read:current_user update:current_user_metadata',
    });
    const tokens = await exchange(gh, code, verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.scope, 'openid read:current_user update:current_user_metadata');
    const claims = jwtClaims(tokens.body.access_token);
    assert.equal(claims.scope, 'openid read:current_user update:current_user_metadata');
    const self = claims.sub;
    const user = apiCaller(gh, tokens.body.access_token);

    const list = await user('GET', '/users');
    assert.equal(list.status, 403, list.text);
    assert.equal(list.body.errorCode, 'insufficient_scope');
    assert.equal((await user('GET', '/clients')).status, 403);
    assert.equal((await user('POST', '/clients', { body: { name: 'evil' } })).status, 403);

    const own = await user('GET', `/users/${encodeURIComponent(self)}`);
    assert.equal(own.status, 200, own.text);
    assert.equal(own.body.user_id, self);

    const other = await api('POST', '/users', {
      body: { connection: 'Username-Password-Authentication', email: 'victim@example.com', password: 'victim password 1' },
    });
    assert.equal(other.status, 201, other.text);
    const victim = encodeURIComponent(other.body.user_id);
    assert.equal((await user('GET', `/users/${victim}`)).status, 403);
    assert.equal((await user('PATCH', `/users/${victim}`, { body: { user_metadata: { a: 1 } } })).status, 403);
    assert.equal((await user('DELETE', `/users/${encodeURIComponent(self)}`)).status, 403);

    const patched = await user('PATCH', `/users/${encodeURIComponent(self)}`, { body: { user_metadata: { theme: 'dark' } } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.body.user_metadata, { theme: 'dark' });
    for (const body of [{ app_metadata: { role: 'admin' } }, { blocked: false }, { email: 'me@evil.test' }]) {
      const r = await user('PATCH', `/users/${encodeURIComponent(self)}`, { body });
      assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`);
    }
    const after = await api('GET', `/users/${encodeURIComponent(self)}`);
    assert.equal(after.body.app_metadata?.role, undefined, 'nothing of the refused writes was stored');
  });

  test('stale management token: narrowing or deleting the client grant, or deleting the client, ends its tokens', async () => {
    const client = await api('POST', '/clients', {
      body: { name: 'ops script', app_type: 'non_interactive', grant_types: ['client_credentials'] },
    });
    assert.equal(client.status, 201, client.text);
    const grant = await api('POST', '/client-grants', {
      body: { client_id: client.body.client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:users', 'read:clients'] },
    });
    assert.equal(grant.status, 201, grant.text);
    const issue = () => mgmtToken(gh, { clientId: client.body.client_id, clientSecret: client.body.client_secret });
    let ops = apiCaller(gh, await issue());
    assert.equal((await ops('GET', '/users')).status, 200);

    assert.equal((await api('PATCH', `/client-grants/${grant.body.id}`, { body: { scope: ['read:clients'] } })).status, 200);
    const narrowed = await ops('GET', '/users');
    assert.equal(narrowed.status, 403, 'a scope taken from the grant is gone from tokens already issued');
    assert.equal((await ops('GET', '/clients')).status, 200);

    assert.equal((await api('DELETE', `/client-grants/${grant.body.id}`)).status, 204);
    assert.equal((await ops('GET', '/clients')).status, 401, 'the grant is gone: so is the token');

    const again = await api('POST', '/client-grants', {
      body: { client_id: client.body.client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:clients'] },
    });
    assert.equal(again.status, 201, again.text);
    ops = apiCaller(gh, await issue());
    assert.equal((await ops('GET', '/clients')).status, 200);
    assert.equal((await api('DELETE', `/clients/${client.body.client_id}`)).status, 204);
    assert.equal((await ops('GET', '/clients')).status, 401, 'the client is gone: so is its token');
  });
});

describe('single sign-on and revocation', () => {
  let gh;
  let api;
  before(async () => {
    gh = await startGatehouse({ quiet: true, demoCallbacks: [DEMO_CALLBACK] });
    api = apiCaller(gh, await mgmtToken(gh));
  });
  after(() => gh?.stop());

  test('SSO across applications: a session made through a connection of app A does not log into app B', async () => {
    const callbackB = 'http://127.0.0.1:3001/callback';
    const b = await api('POST', '/clients', {
      body: {
        name: 'app B', app_type: 'spa', token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'], callbacks: [callbackB],
      },
    });
    assert.equal(b.status, 201, b.text);
    const onlyB = await api('POST', '/connections', {
      body: { name: 'b-users', strategy: 'auth0', enabled_clients: [b.body.client_id] },
    });
    assert.equal(onlyB.status, 201, onlyB.text);
    // New clients are enabled on the default database connection; take B off it, so A's
    // connection is not B's.
    const [database] = (await api('GET', '/connections?name=Username-Password-Authentication')).body;
    const enabled = database.enabled_clients.filter((id) => id !== b.body.client_id);
    assert.equal((await api('PATCH', `/connections/${database.id}`, { body: { enabled_clients: enabled } })).status, 200);

    const browser = new Browser();
    const a = await authorize(gh, browser);
    assert.ok(a.code, a.location);

    const silent = await authorize(gh, browser, { client_id: b.body.client_id, redirect_uri: callbackB, prompt: 'none' });
    assert.equal(silent.error, 'login_required', silent.location);
    assert.equal(silent.code, null);

    const { url } = authorizeUrl(gh, { client_id: b.body.client_id, redirect_uri: callbackB });
    const res = await browser.request(url);
    assert.equal(res.status, 302);
    assert.match(res.headers.get('location'), /^\/u\/login\?/, 'app B shows its login page instead of a code');
  });

  async function loggedInWithRefresh(email, password) {
    const created = await api('POST', '/users', {
      body: { connection: 'Username-Password-Authentication', email, password },
    });
    assert.equal(created.status, 201, created.text);
    const browser = new Browser();
    const { code, verifier } = await authorize(gh, browser, { scope: 'openid offline_access' }, [email, password]);
    const tokens = await exchange(gh, code, verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.ok(tokens.body.refresh_token);
    return { id: encodeURIComponent(created.body.user_id), browser, refreshToken: tokens.body.refresh_token };
  }

  async function assertSessionEnded(browser) {
    const silent = await authorize(gh, browser, { prompt: 'none' });
    assert.equal(silent.error, 'login_required', `the browser session is gone: ${silent.location}`);
  }

  test('revocation: blocking a user ends its refresh tokens and sessions for good, unblocking does not revive them', async () => {
    const u = await loggedInWithRefresh('blocked@example.com', 'blocked user password');
    assert.equal((await api('PATCH', `/users/${u.id}`, { body: { blocked: true } })).status, 200);
    assert.equal((await refresh(gh, u.refreshToken)).body.error, 'invalid_grant');
    assert.equal((await api('PATCH', `/users/${u.id}`, { body: { blocked: false } })).status, 200);
    const again = await refresh(gh, u.refreshToken);
    assert.equal(again.status, 403);
    assert.equal(again.body.error, 'invalid_grant');
    await assertSessionEnded(u.browser);
  });

  test('revocation: a password change ends the refresh tokens and sessions obtained with the old password', async () => {
    const u = await loggedInWithRefresh('changed@example.com', 'the old password');
    assert.equal((await api('PATCH', `/users/${u.id}`, { body: { password: 'the new password' } })).status, 200);
    assert.equal((await refresh(gh, u.refreshToken)).body.error, 'invalid_grant');
    await assertSessionEnded(u.browser);
  });

  test("revocation: a deleted user's refresh token is refused with Auth0's text", async () => {
    const u = await loggedInWithRefresh('deleted@example.com', 'deleted user password');
    assert.equal((await api('DELETE', `/users/${u.id}`)).status, 204);
    const r = await refresh(gh, u.refreshToken);
    assert.equal(r.body.error, 'invalid_grant');
    assert.equal(r.body.error_description, "The refresh_token was generated for a user who doesn't exist anymore.");
    await assertSessionEnded(u.browser);
  });

  test('silent policy: enforce_policies and the RBAC token dialects are stored and enforced on a hosted login, never ignored', async () => {
    const created = await api('POST', '/resource-servers', {
      body: { identifier: 'https://rbac.example.com', enforce_policies: true, token_dialect: 'rfc9068_profile_authz',
        scopes: [{ value: 'read:reports' }, { value: 'export:reports' }] },
    });
    assert.equal(created.status, 201, created.text);
    const stored = (await api('GET', `/resource-servers/${created.body.id}`)).body;
    assert.equal(stored.enforce_policies, true);
    assert.equal(stored.token_dialect, 'rfc9068_profile_authz');

    const login = async () => {
      const { code, verifier } = await authorize(gh, new Browser(), {
        audience: 'https://rbac.example.com', scope: 'openid read:reports export:reports',
      });
      const tokens = await exchange(gh, code, verifier);
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      const header = JSON.parse(Buffer.from(tokens.body.access_token.split('.')[0], 'base64url'));
      return { scope: tokens.body.scope, header, claims: jwtClaims(tokens.body.access_token) };
    };
    // No permission: the API scopes asked for are not granted, and the token says so.
    const bare = await login();
    assert.equal(bare.scope, 'openid');
    assert.equal(bare.claims.scope, 'openid');
    assert.deepEqual(bare.claims.permissions, []);
    assert.equal(bare.header.typ, 'at+jwt');
    assert.equal(bare.claims.client_id, gh.demoClientId);
    assert.equal(bare.claims.azp, undefined);

    // A role with one of them: exactly that one.
    const role = await api('POST', '/roles', { body: { name: 'report readers' } });
    assert.equal(role.status, 200, role.text);
    const perm = await api('POST', `/roles/${role.body.id}/permissions`, {
      body: { permissions: [{ resource_server_identifier: 'https://rbac.example.com', permission_name: 'read:reports' }] },
    });
    assert.equal(perm.status, 201, perm.text);
    const demo = (await api('GET', `/users-by-email?email=${encodeURIComponent(gh.demoUser)}`)).body[0];
    const assigned = await api('POST', `/users/${encodeURIComponent(demo.user_id)}/roles`, { body: { roles: [role.body.id] } });
    assert.equal(assigned.status, 204, assigned.text);
    const reader = await login();
    assert.equal(reader.scope, 'openid read:reports');
    assert.deepEqual(reader.claims.permissions, ['read:reports']);

    // Switched off again, every requested scope the API defines, and no permissions claim.
    const off = await api('PATCH', `/resource-servers/${created.body.id}`, {
      body: { enforce_policies: false, token_dialect: 'access_token' },
    });
    assert.equal(off.status, 200, off.text);
    const open = await login();
    assert.equal(open.scope, 'openid read:reports export:reports');
    assert.equal(open.claims.permissions, undefined);
    assert.equal(open.header.typ, 'JWT');
  });
});

describe('signing keys', () => {
  let gh;
  before(async () => {
    gh = await startGatehouse({ quiet: true });
  });
  after(() => gh?.stop());

  test('key rotation of one algorithm does not disable the others; the retired key outlives every token it signed', async () => {
    const api = apiCaller(gh, await mgmtToken(gh));
    const longLived = await api('POST', '/resource-servers', {
      body: { identifier: 'https://long.example.com', token_lifetime: 2592000, signing_alg: 'ES256' },
    });
    assert.equal(longLived.status, 201, longLived.text);
    const jwksBefore = (await (await fetch(`${gh.origin}/.well-known/jwks.json`)).json()).keys;
    const oldEs = jwksBefore.find((k) => k.alg === 'ES256');

    const out = gh.cli(['keys', 'rotate', '--alg', 'ES256']);
    assert.match(out, /stays in the JWKS for 720 hours/, out);

    const health = await fetch(`${gh.origin}/healthz`);
    assert.equal(health.status, 200, await health.text());
    const rs = await mgmtToken(gh);  // RS256 still signs
    assert.equal(JSON.parse(Buffer.from(rs.split('.')[0], 'base64url')).alg, 'RS256');
    // The CLI wrote another process's store: the server's catalog sees it at its next version check
    // (every 100 ms), so wait for the new key, boundedly.
    let jwks;
    for (const deadline = Date.now() + 5000; ; ) {
      jwks = (await (await fetch(`${gh.origin}/.well-known/jwks.json`)).json()).keys;
      if (jwks.filter((k) => k.alg === 'ES256').length > 1 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(jwks.some((k) => k.kid === oldEs.kid), 'the retired ES256 key is still published');
    assert.equal(jwks.filter((k) => k.alg === 'ES256').length, 2);
    assert.equal(jwks.filter((k) => k.alg === 'RS256').length, 1, 'RS256 was not rotated');
  });
});

describe('cookies and discovery', () => {
  let gh;
  before(async () => {
    // An https issuer behind a TLS-terminating proxy: the instance itself speaks plain HTTP.
    gh = await startGatehouse({ quiet: true, issuer: 'https://id.gatehouse.test/' });
    gh.origin = `http://127.0.0.1:${gh.port}`;
  });
  after(() => gh?.stop());

  test('cookie tossing: on an https issuer every cookie carries the __Host- prefix, Secure and Path=/', async () => {
    const browser = new Browser();
    const { url } = authorizeUrl(gh);
    const res = await browser.request(url);
    const set = res.headers.getSetCookie();
    assert.ok(set.length > 0);
    for (const c of set) {
      assert.match(c, /^__Host-/, c);
      assert.match(c, /; Secure/, c);
      assert.match(c, /; Path=\//, c);
      assert.doesNotMatch(c, /Domain=/i, c);
    }
    const page = await browser.request(new URL(res.headers.get('location'), gh.origin));
    const html = await page.text();
    const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
    const done = await browser.request(`${gh.origin}/u/login`, form({
      state: field('state'), csrf: field('csrf'), username: gh.demoUser, password: gh.demoPassword,
    }));
    assert.equal(done.status, 302);
    const session = done.headers.getSetCookie().find((c) => c.startsWith('__Host-gh_session='));
    assert.ok(session, done.headers.getSetCookie().join(' | '));
    assert.match(session, /; Secure/);
    assert.match(session, /; HttpOnly/);
    // A cookie planted without the prefix (e.g. by a sibling subdomain) is not a session.
    const planted = await fetch(url, { redirect: 'manual', headers: { cookie: `gh_session=${session.split(/[=;]/)[1]}` } });
    assert.match(planted.headers.get('location'), /^\/u\/login\?/);
  });

  test('PKCE downgrade: discovery advertises S256 only, and plain or a missing method is refused', async () => {
    const d = await (await fetch(`${gh.origin}/.well-known/openid-configuration`)).json();
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    for (const method of ['plain', undefined]) {
      const { url } = authorizeUrl(gh, { code_challenge: 'a'.repeat(43) });
      const u = new URL(url);
      if (method) u.searchParams.set('code_challenge_method', method);
      else u.searchParams.delete('code_challenge_method');
      const res = await fetch(u, { redirect: 'manual' });
      assert.equal(res.status, 302);
      assert.equal(new URL(res.headers.get('location')).searchParams.get('error'), 'invalid_request');
    }
  });
});

describe('data at rest', { skip: process.env.GATEHOUSE_TEST_BACKEND === 'postgres' && 'SQLite files only' }, () => {
  const dirs = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'gatehouse-at-rest-'));
    dirs.push(d);
    return d;
  };
  const run = (args, env = {}) =>
    spawnSync(binary(), args, { encoding: 'utf8', timeout: 15_000, env: { ...process.env, ...env } });

  test('file disclosure: init makes the data directory 0700 and the database, log, WAL, SHM and key files 0600', () => {
    const data = join(fresh(), 'data');
    const db = `sqlite://${data}/gatehouse.db`;
    const r = run(['init', '--db', db, '--issuer', 'http://127.0.0.1:1/']);
    assert.equal(r.status, 0, r.stderr);
    const mode = (p) => (statSync(p).mode & 0o777).toString(8);
    assert.equal(mode(data), '700');
    for (const f of ['gatehouse.db', 'gatehouse.logs.db', 'master.key']) assert.equal(mode(join(data, f)), '600', f);
    for (const f of ['gatehouse.db-wal', 'gatehouse.db-shm', 'gatehouse.logs.db-wal', 'gatehouse.logs.db-shm']) {
      try {
        assert.equal(mode(join(data, f)), '600', f);
      } catch (e) {
        if (e.code !== 'ENOENT') throw e;
      }
    }
  });

  test('key theft: serve refuses a master key file readable by group or others', () => {
    const data = join(fresh(), 'data');
    const db = `sqlite://${data}/gatehouse.db`;
    assert.equal(run(['init', '--db', db, '--issuer', 'http://127.0.0.1:1/']).status, 0);
    chmodSync(join(data, 'master.key'), 0o644);
    const r = run(['serve', '--db', db, '--issuer', 'http://127.0.0.1:1/', '--listen', '127.0.0.1:0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /readable by group or others.*chmod 600/s);
  });

  test('weak master key: a GATEHOUSE_MASTER_KEY passphrase or short key is refused with how to make one', () => {
    for (const key of ['correct horse battery staple', Buffer.alloc(16, 1).toString('base64')]) {
      const db = `sqlite://${fresh()}/gatehouse.db`;
      const r = run(['init', '--db', db, '--issuer', 'http://127.0.0.1:1/'], { GATEHOUSE_MASTER_KEY: key });
      assert.notEqual(r.status, 0, key);
      assert.match(r.stderr, /at least 32 random bytes.*openssl rand -base64 32/s);
    }
    const good = Buffer.alloc(32, 3).toString('base64');
    const db = `sqlite://${fresh()}/gatehouse.db`;
    const ok = run(['init', '--db', db, '--issuer', 'http://127.0.0.1:1/'], { GATEHOUSE_MASTER_KEY: good });
    assert.equal(ok.status, 0, ok.stderr);
  });
});
