// Logging in through an organization (issue 17 items 3-4, auth0-apps.md §6): the client's
// organization_usage, membership, the organization's enabled connections, invitations, and the
// org_id / member roles a login's tokens carry, refreshed ones included. Each test is named after
// the attack it stops; the file runs on SQLite and on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse, browserLogin } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken, unique } from '../mgmt/helpers.mjs';
import { jwtClaims } from '../federation/helpers.mjs';

const DB = 'Username-Password-Authentication';
const API = 'https://projects.example.com';
const CALLBACK = 'http://127.0.0.1:9/callback';
const PASSWORD = 'a long enough password 1';

describe('organizations', () => {
  let gh;
  let api;
  let client;
  let dbConnectionId;

  const ok = (r, status = 200) => {
    assert.equal(r.status, status, r.text);
    return r.body;
  };

  async function newClient(fields = {}) {
    return ok(await api('POST', '/clients', {
      body: {
        name: unique('org-app'), app_type: 'regular_web', token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code', 'refresh_token'], callbacks: [CALLBACK],
        initiate_login_uri: 'https://app.example.com/login', organization_usage: 'allow', ...fields,
      },
    }), 201);
  }

  async function newOrg({ assign = false, connection = true } = {}) {
    const org = ok(await api('POST', '/organizations', { body: { name: unique('org'), display_name: 'Org Inc' } }), 201);
    if (connection)
      ok(await api('POST', `/organizations/${org.id}/enabled_connections`, {
        body: { connection_id: dbConnectionId, assign_membership_on_login: assign },
      }), 201);
    return org;
  }

  async function newUser() {
    const email = `${unique('u')}@example.com`;
    const body = ok(await api('POST', '/users', { body: { connection: DB, email, password: PASSWORD } }), 201);
    return { email, id: body.user_id };
  }

  const addMember = async (org, user) =>
    ok(await api('POST', `/organizations/${org.id}/members`, { body: { members: [user.id] } }), 204);

  async function newRole(...permissions) {
    const role = ok(await api('POST', '/roles', { body: { name: unique('role') } }));
    ok(await api('POST', `/roles/${role.id}/permissions`, {
      body: { permissions: permissions.map((permission_name) => ({ resource_server_identifier: API, permission_name })) },
    }), 201);
    return role.id;
  }

  function authorizeUrl(params, app = client) {
    const q = new URLSearchParams({
      response_type: 'code', client_id: app.client_id, redirect_uri: CALLBACK, state: 'st4te',
      scope: 'openid profile email offline_access read:projects write:projects', audience: API, ...params,
    });
    return `${gh.origin}/authorize?${q}`;
  }

  // Logs `user` in through the hosted page; the callback's query ({code} or {error, ...}).
  async function login(params, user, { app = client, signup = false } = {}) {
    const final = new URL(await browserLogin(authorizeUrl(params, app), user.email, PASSWORD, { signup }));
    return Object.fromEntries(final.searchParams);
  }

  async function token(fields, app = client) {
    const res = await fetch(`${gh.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: app.client_id, client_secret: app.client_secret, ...fields }),
    });
    const body = await res.json();
    return {
      status: res.status, body,
      access: body.access_token ? jwtClaims(body.access_token) : undefined,
      id: body.id_token ? jwtClaims(body.id_token) : undefined,
    };
  }

  const exchange = (code, app = client) =>
    token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }, app);

  before(async () => {
    gh = await startGatehouse({ quiet: true });
    api = apiCaller(gh, await mgmtToken(gh));
    ok(await api('POST', '/resource-servers', {
      body: {
        identifier: API, name: 'Projects', allow_offline_access: true, enforce_policies: true,
        token_dialect: 'access_token_authz', scopes: [{ value: 'read:projects' }, { value: 'write:projects' }],
      },
    }), 201);
    dbConnectionId = ok(await api('GET', `/connections?name=${DB}`))[0].id;
    client = await newClient();
  });
  after(() => gh?.stop());

  test('non-member logs in through an organization: access_denied back to the app, no code; a member gets org_id in both tokens', async () => {
    const org = await newOrg();
    const outsider = await newUser();
    const denied = await login({ organization: org.id }, outsider);
    assert.equal(denied.error, 'access_denied');
    assert.match(denied.error_description, /not part of/);
    assert.equal(denied.state, 'st4te');
    assert.equal(denied.code, undefined);
    const members = ok(await api('GET', `/organizations/${org.id}/members`));
    assert.deepEqual(members, [], 'a refused login adds nobody');

    const member = await newUser();
    await addMember(org, member);
    const granted = await login({ organization: org.id }, member);
    assert.ok(granted.code, JSON.stringify(granted));
    const t = await exchange(granted.code);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.id.org_id, org.id);
    assert.equal(t.access.org_id, org.id);
    assert.equal(t.id.org_name, undefined, 'names only when the tenant releases them');

    // assign_membership_on_login: the connection makes the user a member instead.
    const open = await newOrg({ assign: true });
    const joiner = await newUser();
    const joined = await login({ organization: open.id }, joiner);
    assert.ok(joined.code, JSON.stringify(joined));
    assert.deepEqual(ok(await api('GET', `/organizations/${open.id}/members`)).map((m) => m.user_id), [joiner.id]);
  });

  test('organization sent to a deny client: invalid_request back to the app, nothing else happens', async () => {
    const deny = await newClient({ organization_usage: 'deny' });
    const org = await newOrg();
    const res = await fetch(authorizeUrl({ organization: org.id }, deny), { redirect: 'manual' });
    assert.equal(res.status, 302);
    const back = new URL(res.headers.get('location'));
    assert.equal(back.origin + back.pathname, CALLBACK);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.equal(back.searchParams.get('error_description'), 'parameter organization is not allowed for this client');
    assert.equal(back.searchParams.get('state'), 'st4te');

    // `require` with no_prompt: never tokens without an organization.
    const required = await newClient({ organization_usage: 'require', organization_require_behavior: 'no_prompt' });
    const without = new URL((await fetch(authorizeUrl({}, required), { redirect: 'manual' })).headers.get('location'));
    assert.equal(without.searchParams.get('error'), 'invalid_request');
    // An unknown organization, or a name while the tenant does not allow names.
    for (const organization of ['org_0000000000000000', org.name]) {
      const r = new URL((await fetch(authorizeUrl({ organization }), { redirect: 'manual' })).headers.get('location'));
      assert.equal(r.searchParams.get('error'), 'invalid_request', organization);
    }
  });

  test('a connection not enabled for the organization: not offered, not accepted, not reachable by SSO', async () => {
    const org = await newOrg({ connection: false });
    const member = await newUser();
    await addMember(org, member);
    // Named explicitly: access_denied before any login.
    const named = new URL((await fetch(authorizeUrl({ organization: org.id, connection: DB }), { redirect: 'manual' }))
      .headers.get('location'));
    assert.equal(named.searchParams.get('error'), 'access_denied');
    assert.equal(named.searchParams.get('state'), 'st4te');
    // Through the page: the database login is not offered, and a post of it logs nobody in.
    await assert.rejects(browserLogin(authorizeUrl({ organization: org.id }), member.email, PASSWORD), /login failed: 400/);

    // A session made through the database connection does not log into the organization either.
    const other = await newOrg();
    await addMember(other, member);
    const jar = [];
    const first = await fetch(authorizeUrl({}), { redirect: 'manual' });
    for (const c of first.headers.getSetCookie()) jar.push(c.split(';')[0]);
    const page = await fetch(new URL(first.headers.get('location'), gh.origin), { headers: { cookie: jar.join('; ') } });
    const html = await page.text();
    const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
    const posted = await fetch(`${gh.origin}/u/login`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.join('; ') },
      body: new URLSearchParams({ state: field('state'), csrf: field('csrf'), username: member.email, password: PASSWORD }),
    });
    assert.equal(posted.status, 302);
    for (const c of posted.headers.getSetCookie()) jar.push(c.split(';')[0]);
    const sso = await fetch(authorizeUrl({ organization: org.id }), { redirect: 'manual', headers: { cookie: jar.join('; ') } });
    assert.match(sso.headers.get('location'), /\/u\/login\?/, 'the session is not used for an organization without its connection');
    const ssoOther = await fetch(authorizeUrl({ organization: other.id }), { redirect: 'manual', headers: { cookie: jar.join('; ') } });
    const back = new URL(ssoOther.headers.get('location'));
    assert.ok(back.searchParams.get('code'), 'while an organization with the connection is answered by the session');
  });

  async function invite(org, email, roles = []) {
    return ok(await api('POST', `/organizations/${org.id}/invitations`, {
      body: { inviter: { name: 'Admin' }, invitee: { email }, client_id: client.client_id, roles },
    }), 201);
  }

  test('invitation replay: an invitation signs its invitee up into the organization once', async () => {
    const org = await newOrg();
    const role = await newRole('read:projects');
    const email = `${unique('invitee')}@example.com`;
    const invitation = await invite(org, email, [role]);
    const params = { organization: org.id, invitation: invitation.ticket_id };
    const first = await login(params, { email }, { signup: true });
    assert.ok(first.code, JSON.stringify(first));
    const t = await exchange(first.code);
    assert.equal(t.id.org_id, org.id);
    assert.equal(t.id.email_verified, true, 'the invitation reached the mailbox');
    assert.equal(t.access.scope.includes('read:projects'), true, 'the invitation\'s roles apply in the organization');
    const members = ok(await api('GET', `/organizations/${org.id}/members`));
    assert.deepEqual(members.map((m) => m.email), [email]);
    assert.equal(ok(await api('GET', `/organizations/${org.id}/invitations`)).length, 0, 'used up');

    // Replayed: refused at /authorize, back to the app.
    const replay = new URL((await fetch(authorizeUrl(params), { redirect: 'manual' })).headers.get('location'));
    assert.equal(replay.searchParams.get('error'), 'invalid_request');
    // A made-up ticket, or a real one with another organization, is refused the same way.
    const other = await newOrg();
    const second = await invite(org, `${unique('x')}@example.com`);
    for (const p of [{ organization: org.id, invitation: 'forged' }, { organization: other.id, invitation: second.ticket_id }]) {
      const r = new URL((await fetch(authorizeUrl(p), { redirect: 'manual' })).headers.get('location'));
      assert.equal(r.searchParams.get('error'), 'invalid_request', JSON.stringify(p));
    }
  });

  test('invitation for another email: someone else who follows the link is refused and the invitation stays for its invitee', async () => {
    const org = await newOrg();
    const invitee = await newUser();
    const intruder = await newUser();
    const invitation = await invite(org, invitee.email);
    const params = { organization: org.id, invitation: invitation.ticket_id };
    const stolen = await login(params, intruder);
    assert.equal(stolen.error, 'access_denied');
    assert.equal(stolen.code, undefined);
    assert.deepEqual(ok(await api('GET', `/organizations/${org.id}/members`)), []);
    const rightful = await login(params, invitee);
    assert.ok(rightful.code, JSON.stringify(rightful));
    assert.deepEqual(ok(await api('GET', `/organizations/${org.id}/members`)).map((m) => m.user_id), [invitee.id]);
  });

  test('org_id spoofing via refresh: a refresh carries the login\'s organization whatever it names, and ends with the membership', async () => {
    const org = await newOrg();
    const elsewhere = await newOrg();
    const member = await newUser();
    await addMember(org, member);
    await addMember(elsewhere, member);
    const code = (await login({ organization: org.id }, member)).code;
    const t = await exchange(code);
    assert.ok(t.body.refresh_token, JSON.stringify(t.body));
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: t.body.refresh_token, organization: elsewhere.id });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(refreshed.access.org_id, org.id);
    assert.equal(refreshed.id.org_id, org.id);

    // A login without an organization never gains one at refresh.
    const plain = await exchange((await login({}, member)).code);
    const plainRefresh = await token({ grant_type: 'refresh_token', refresh_token: plain.body.refresh_token, organization: org.id });
    assert.equal(plainRefresh.access.org_id, undefined);
    assert.equal(plainRefresh.id.org_id, undefined);

    // Removed from the organization: its refresh tokens stop working.
    ok(await api('DELETE', `/organizations/${org.id}/members`, { body: { members: [member.id] } }), 204);
    const after = await token({ grant_type: 'refresh_token', refresh_token: t.body.refresh_token });
    assert.equal(after.status, 403, JSON.stringify(after.body));
    assert.equal(after.body.error, 'invalid_grant');
  });

  test('cross-org member roles leaking permissions: roles held in organization A apply only to logins through A', async () => {
    const a = await newOrg();
    const b = await newOrg();
    const user = await newUser();
    await addMember(a, user);
    await addMember(b, user);
    const writer = await newRole('write:projects');
    ok(await api('POST', `/organizations/${a.id}/members/${encodeURIComponent(user.id)}/roles`, { body: { roles: [writer] } }), 204);

    const throughA = await exchange((await login({ organization: a.id }, user)).code);
    assert.deepEqual(throughA.access.permissions, ['write:projects']);
    assert.match(throughA.access.scope, /write:projects/);
    const throughB = await exchange((await login({ organization: b.id }, user)).code);
    assert.deepEqual(throughB.access.permissions, []);
    assert.doesNotMatch(throughB.access.scope, /write:projects/);
    const plain = await exchange((await login({}, user)).code);
    assert.deepEqual(plain.access.permissions, []);

    // A refresh re-reads the roles: taken away in A, gone from the next token.
    ok(await api('DELETE', `/organizations/${a.id}/members/${encodeURIComponent(user.id)}/roles`, { body: { roles: [writer] } }), 204);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: throughA.body.refresh_token });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.deepEqual(refreshed.access.permissions, []);
  });
});
