// GET/PATCH /api/v2/tenants/settings with Auth0's Node SDK (`auth0` 7.1.0: tenants.settings.get /
// update, and its legacy v4 API: tenants.getSettings / updateSettings), bad input, and what the
// settings change in the flows: default_audience (client_credentials, /authorize), default_directory,
// session_lifetime, idle_session_lifetime.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient as LegacyManagementClient } from 'auth0/legacy';
import { startGatehouse, browserLogin } from '../lib/gatehouse.mjs';
import { decodeJwt } from '../lib/jwt.mjs';
import { sdk, httpFetch, mgmtToken, apiCaller, assertAuth0Error, unique } from './helpers.mjs';
import { authorizeUrl, redeem, Browser, gatehouseLoginPage, DEMO_CALLBACK } from '../federation/helpers.mjs';

const API = 'https://orders.example.test/';
let gh;
let api;
let mgmt;
before(async () => {
  gh = await startGatehouse();
  api = apiCaller(gh, await mgmtToken(gh));
  mgmt = sdk(gh);
  const rs = await api('POST', '/resource-servers', { body: { identifier: API, name: 'Orders', scopes: [{ value: 'read:orders' }] } });
  assert.equal(rs.status, 201, rs.text);
});
after(async () => gh?.stop());

test('SDK: tenants.settings.get / update change only the keys sent and answer the whole document', async () => {
  const initial = await mgmt.tenants.settings.get();
  assert.deepEqual(initial.flags, {});
  assert.deepEqual(initial.enabled_locales, ['en']);

  const first = await mgmt.tenants.settings.update({
    friendly_name: 'Acme', picture_url: 'https://acme.example/logo.png', support_email: 'help@acme.example',
    support_url: 'https://acme.example/help', allowed_logout_urls: ['https://acme.example/bye'], enabled_locales: ['en', 'fr'],
    flags: { enable_client_connections: false }, session_lifetime: 48, idle_session_lifetime_in_minutes: 90,
    allow_organization_name_in_authentication_api: true,
  });
  assert.equal(first.friendly_name, 'Acme');
  assert.equal(first.session_lifetime, 48);
  assert.equal(first.idle_session_lifetime, 1.5, 'minutes are read back in hours');
  assert.equal(first.idle_session_lifetime_in_minutes, undefined);

  const second = await mgmt.tenants.settings.update({ flags: { disable_clickjack_protection_headers: true }, support_email: 'it@acme.example' });
  assert.deepEqual(second.flags, { enable_client_connections: false, disable_clickjack_protection_headers: true }, 'flags merge');
  assert.equal(second.friendly_name, 'Acme', 'keys not sent are kept');
  assert.equal(second.support_email, 'it@acme.example');
  assert.deepEqual(second.allowed_logout_urls, ['https://acme.example/bye']);
  assert.equal(second.allow_organization_name_in_authentication_api, true);
  assert.deepEqual(await mgmt.tenants.settings.get(), second);

  const legacy = new LegacyManagementClient({ domain: `127.0.0.1:${gh.port}`, clientId: gh.mgmtClientId, clientSecret: gh.mgmtClientSecret, fetch: httpFetch });
  assert.equal((await legacy.tenants.getSettings()).data.friendly_name, 'Acme');
  const updated = await legacy.tenants.updateSettings({ friendly_name: 'Acme Corp', session_lifetime_in_minutes: 120 });
  assert.equal(updated.data.friendly_name, 'Acme Corp');
  assert.equal(updated.data.session_lifetime, 2);
});

test('bad input: 400 with Auth0\'s message, and nothing changes', async () => {
  const before = (await api('GET', '/tenants/settings')).body;
  const cases = [
    [{ favourite_colour: 'red' }, "Payload validation error: 'Additional properties not allowed: favourite_colour'."],
    [{ friendly_name: 'ok', not_a_field: 1 }, "Payload validation error: 'Additional properties not allowed: not_a_field'."],
    [{ friendly_name: 5 }, /friendly_name/],
    [{ allowed_logout_urls: 'https://a/' }, /allowed_logout_urls/],
    [{ enabled_locales: [1] }, /enabled_locales/],
    [{ flags: { enable_client_connections: 'yes' } }, /flags.enable_client_connections/],
    [{ flags: [] }, /flags/],
    [{ session_lifetime: 'long' }, /session_lifetime/],
    [{ session_lifetime: 0 }, /session_lifetime/],
    [{ session_lifetime: 1e9 }, /session_lifetime/],
    [{ idle_session_lifetime_in_minutes: 1.5 }, /idle_session_lifetime_in_minutes/],
    [{ session_lifetime: 1, session_lifetime_in_minutes: 60 }, /not both/],
    [{ default_audience: 'https://no-such-api.example/' }, /default_audience/],
    [{ default_directory: 'no-such-connection' }, /default_directory/],
    [{ default_audience: 7 }, /default_audience/],
    [{ allow_organization_name_in_authentication_api: 'true' }, /allow_organization_name_in_authentication_api/],
  ];
  for (const [body, message] of cases) {
    const r = await api('PATCH', '/tenants/settings', { body: { friendly_name: 'Changed?', ...body } });
    assertAuth0Error(r, 400, 'invalid_body');
    if (typeof message === 'string') assert.equal(r.body.message, message);
    else assert.match(r.body.message, message, JSON.stringify(body));
  }
  const notJson = await api('PATCH', '/tenants/settings', { body: '{"friendly_name":', contentType: 'application/json' });
  assertAuth0Error(notJson, 400, 'invalid_body');
  const array = await api('PATCH', '/tenants/settings', { body: '[]', contentType: 'application/json' });
  assertAuth0Error(array, 400, 'invalid_body');
  assert.deepEqual((await api('GET', '/tenants/settings')).body, before, 'a 400 changed nothing');
  // A federated connection is no directory for the password grant.
  const social = await api('POST', '/connections', { body: { name: unique('wp'), strategy: 'wordpress', options: { client_id: 'a', client_secret: 'b' } } });
  assert.equal(social.status, 201, social.text);
  assertAuth0Error(await api('PATCH', '/tenants/settings', { body: { default_directory: social.body.name } }), 400, 'invalid_body', /default_directory/);
});

test('scopes: read:tenant_settings to read, update:tenant_settings to write', async () => {
  const client = await api('POST', '/clients', { body: { name: unique('m2m'), app_type: 'non_interactive' } });
  assert.equal(client.status, 201, client.text);
  const grant = await api('POST', '/client-grants', { body: { client_id: client.body.client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:tenant_settings'] } });
  assert.equal(grant.status, 201, grant.text);
  const reader = apiCaller(gh, await mgmtToken(gh, { clientId: client.body.client_id, clientSecret: client.body.client_secret }));
  assert.equal((await reader('GET', '/tenants/settings')).status, 200);
  assertAuth0Error(await reader('PATCH', '/tenants/settings', { body: { friendly_name: 'x' } }), 403, 'insufficient_scope', /update:tenant_settings/);
});

test('default_audience applies to client_credentials and /authorize without audience; session_lifetime to hosted sessions', async () => {
  const client = await api('POST', '/clients', { body: { name: unique('m2m'), app_type: 'non_interactive' } });
  const grant = await api('POST', '/client-grants', { body: { client_id: client.body.client_id, audience: API, scope: ['read:orders'] } });
  assert.equal(grant.status, 201, grant.text);
  const token = () => fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.body.client_id, client_secret: client.body.client_secret }),
  });
  const without = await token();
  assert.equal(without.status, 403);
  assert.equal((await without.json()).error_description, 'No audience parameter was provided, and no default audience has been configured');

  assert.equal((await api('PATCH', '/tenants/settings', { body: { default_audience: API, session_lifetime: 2, idle_session_lifetime: 2 } })).status, 200);
  const withDefault = await token();
  const body = await withDefault.json();
  assert.equal(withDefault.status, 200, JSON.stringify(body));
  assert.equal(decodeJwt(body.access_token).payload.aud, API);

  const { url, verifier } = authorizeUrl(gh, { scope: 'openid read:orders' });
  const back = new URL(await browserLogin(url, gh.demoUser, gh.demoPassword));
  const tokens = await redeem(gh, back.searchParams.get('code'), verifier);
  const at = decodeJwt(tokens.access_token).payload;
  assert.ok([at.aud].flat().includes(API), `aud ${JSON.stringify(at.aud)}`);
  if (gh.backend === 'sqlite') {
    const out = gh.sql('SELECT max(expires_at - created_at) FROM sessions');
    assert.equal(Number(out.trim()), 2 * 3600, 'the hosted session lives session_lifetime hours');
  }
  assert.equal((await api('PATCH', '/tenants/settings', { body: { default_audience: '' } })).status, 200);
  assert.equal((await api('GET', '/tenants/settings')).body.default_audience, undefined, '"" clears it');
});

test('idle_session_lifetime: a session ends that long after its last use, each use moves the end, never past session_lifetime', async () => {
  assert.equal((await api('PATCH', '/tenants/settings', { body: { session_lifetime: 3, idle_session_lifetime: 1 } })).status, 200);
  // The earlier tests' sessions may share this second's created_at: only this test's session is left to read.
  gh.sql('DELETE FROM sessions');
  const browser = new Browser();
  const login = await browser.navigate(authorizeUrl(gh).url, { onPage: gatehouseLoginPage(gh.demoUser, gh.demoPassword) });
  assert.ok(login.url.startsWith(DEMO_CALLBACK) && new URL(login.url).searchParams.get('code'), login.url);
  const session = () => {
    const [created, expires] = gh.sql('SELECT created_at, expires_at FROM sessions ORDER BY created_at DESC LIMIT 1').trim().split('|').map(Number);
    return { created, expires };
  };
  const fresh = session();
  assert.equal(fresh.expires - fresh.created, 3600, 'a new session ends after the idle lifetime (shorter than the absolute one)');
  const silent = () => browser.navigate(authorizeUrl(gh, { prompt: 'none' }).url);

  // As if the login was 50 minutes ago and the session unused since: a silent login still works,
  // and moves the end an hour from now.
  gh.sql(`UPDATE sessions SET created_at = created_at - 3000, expires_at = expires_at - 3000`);
  const used = await silent();
  assert.ok(new URL(used.url).searchParams.get('code'), `silent login within the idle lifetime: ${used.url}`);
  const moved = session();
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(moved.expires - (now + 3600)) <= 5, `end moved to an hour from now: ${JSON.stringify(moved)}`);

  // Used again two hours and 55 minutes after login: the idle end would be past the absolute one.
  gh.sql(`UPDATE sessions SET created_at = created_at - 7500, expires_at = expires_at - 60`);
  await silent();
  const capped = session();
  assert.equal(capped.expires, capped.created + 3 * 3600, 'never past session_lifetime');

  // Idle too long: the session is gone, a silent login needs a login.
  gh.sql(`UPDATE sessions SET expires_at = ${now - 1}`);
  const idle = await silent();
  assert.equal(new URL(idle.url).searchParams.get('error'), 'login_required', idle.url);
  assert.equal((await api('PATCH', '/tenants/settings', { body: { idle_session_lifetime: 0 } })).status, 400, 'minimum is above 0');
});
