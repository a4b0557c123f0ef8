// Auth0's own Node SDK (`auth0` 7.1.0, unmodified, plus its bundled v4 "legacy" API) against the
// real binary over plain HTTP (wire contract §5.1: a scheme-rewriting `fetch`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient as LegacyManagementClient } from 'auth0/legacy';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { sdk, httpFetch, allPages, unique, rejectionOf } from './helpers.mjs';

let gh;
let mgmt;
before(async () => {
  gh = await startGatehouse();
  mgmt = sdk(gh);
});
after(async () => gh?.stop());

// The SDK's error: statusCode and the parsed Auth0 body.
const sdkError = rejectionOf;

test('connections: list / get / create / update / delete', async () => {
  const first = await mgmt.connections.list();
  assert.ok(first.data.some((c) => c.name === 'Username-Password-Authentication'), 'wrapped {connections} body read');
  const name = unique('sdk-wp');
  const created = await mgmt.connections.create({ name, strategy: 'wordpress', options: { client_id: 'a', client_secret: 'b' } });
  assert.match(created.id, /^con_[A-Za-z0-9]{16}$/);
  const { data: got, rawResponse } = await mgmt.connections.get(created.id).withRawResponse();
  assert.equal(got.name, name);
  assert.ok(rawResponse.headers.get('etag'));
  const updated = await mgmt.connections.update(created.id, { options: { client_id: 'c', upstream_params: { blog: { value: 'b.wordpress.com' } } }, display_name: 'WP' });
  assert.deepEqual(updated.options, { client_id: 'c', upstream_params: { blog: { value: 'b.wordpress.com' } } });
  assert.equal(updated.display_name, 'WP');
  const filtered = await mgmt.connections.list({ strategy: ['wordpress'], name });
  assert.deepEqual(filtered.data.map((c) => c.id), [created.id]);

  const bad = await sdkError(mgmt.connections.update(created.id, { options: { upstream_params: { blog: { alias: 'nope' } } } }));
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.body.errorCode, 'invalid_body');
  assert.match(bad.body.message, /upstream_params\.blog/);
  const dup = await sdkError(mgmt.connections.create({ name, strategy: 'wordpress' }));
  assert.equal(dup.statusCode, 409);

  await mgmt.connections.delete(created.id);
  const gone = await sdkError(mgmt.connections.get(created.id));
  assert.equal(gone.statusCode, 404);
  assert.equal(gone.body.errorCode, 'inexistent_connection');
});

test('connections: checkpoint pagination (take/from/next) over more than one page', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await mgmt.connections.create({ name: unique(`sdk-pg${i}`), strategy: 'twitter' })).id);
  const { items, pages } = await allPages(await mgmt.connections.list({ take: 2 }));
  assert.ok(pages >= 3, `pages=${pages}`);
  const seen = items.map((c) => c.id);
  assert.equal(new Set(seen).size, seen.length, 'no connection twice');
  for (const id of ids) assert.ok(seen.includes(id));
  // the SDK's async iterator walks the same pages
  const iterated = [];
  for await (const c of await mgmt.connections.list({ take: 3 })) iterated.push(c.id);
  assert.deepEqual(iterated, seen);
});

test('clients: CRUD, rotateSecret, offset pagination with include_totals', async () => {
  const created = await mgmt.clients.create({ name: unique('sdk-app'), app_type: 'regular_web', callbacks: ['https://app.example.com/cb'] });
  assert.match(created.client_id, /^[A-Za-z0-9]{32}$/);
  assert.ok(created.client_secret);
  assert.equal(created.token_endpoint_auth_method, 'client_secret_post');
  const got = await mgmt.clients.get(created.client_id);
  assert.equal(got.name, created.name);
  assert.equal(got.client_secret, undefined, 'the secret is shown on create and rotate only');
  const updated = await mgmt.clients.update(created.client_id, { callbacks: ['https://app.example.com/cb2'], web_origins: ['https://app.example.com'] });
  assert.deepEqual(updated.callbacks, ['https://app.example.com/cb2']);
  const rotated = await mgmt.clients.rotateSecret(created.client_id);
  assert.ok(rotated.client_secret);
  assert.notEqual(rotated.client_secret, created.client_secret);
  // The rotated secret works at the token endpoint; the old one does not.
  const tokenWith = (secret) => fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: created.client_id, client_secret: secret, audience: `${gh.issuer}api/v2/` }),
  });
  assert.equal((await tokenWith(created.client_secret)).status, 401);
  assert.equal((await tokenWith(rotated.client_secret)).status, 403, 'authenticated, but no client grant');

  for (let i = 0; i < 3; i++) await mgmt.clients.create({ name: unique('sdk-more'), app_type: 'spa' });
  const page = await mgmt.clients.list({ per_page: 2 });
  assert.equal(page.response.start, 0);
  assert.equal(page.response.limit, 2);
  const total = page.response.total;
  assert.ok(total >= 6, `total=${total}`);
  const { items, pages } = await allPages(page);
  assert.equal(items.length, total);
  assert.ok(pages >= 3);
  assert.equal(new Set(items.map((c) => c.client_id)).size, total);

  await mgmt.clients.delete(created.client_id);
  const gone = await sdkError(mgmt.clients.get(created.client_id));
  assert.equal(gone.statusCode, 404);
  assert.equal(gone.body.errorCode, 'inexistent_client');
});

test('resourceServers: CRUD and list', async () => {
  const identifier = `https://${unique('api')}.example.com/`;
  const rs = await mgmt.resourceServers.create({ name: 'Orders', identifier, scopes: [{ value: 'read:orders', description: 'Read' }], allow_offline_access: true });
  assert.match(rs.id, /^[0-9a-f]{24}$/);
  assert.equal(rs.identifier, identifier);
  assert.equal(rs.signing_alg, 'RS256');
  assert.equal(rs.token_lifetime, 86400);
  assert.equal((await mgmt.resourceServers.get(rs.id)).name, 'Orders');
  const up = await mgmt.resourceServers.update(rs.id, { token_lifetime: 3600, scopes: [{ value: 'read:orders' }, { value: 'write:orders' }] });
  assert.equal(up.token_lifetime, 3600);
  assert.equal(up.scopes.length, 2);
  const { items } = await allPages(await mgmt.resourceServers.list({ per_page: 1 }));
  assert.ok(items.some((r) => r.identifier === identifier));
  assert.ok(items.some((r) => r.identifier === `${gh.issuer}api/v2/`), 'the Management API itself');
  const dup = await sdkError(mgmt.resourceServers.create({ name: 'again', identifier }));
  assert.equal(dup.statusCode, 409);
  await mgmt.resourceServers.delete(rs.id);
  assert.equal((await sdkError(mgmt.resourceServers.get(rs.id))).statusCode, 404);
});

test('clientGrants: create / list / update / delete, and the grant decides client_credentials', async () => {
  const identifier = `https://${unique('grants')}.example.com/`;
  await mgmt.resourceServers.create({ name: 'Grants API', identifier, scopes: [{ value: 'a' }, { value: 'b' }] });
  const app = await mgmt.clients.create({ name: unique('m2m'), app_type: 'non_interactive' });
  const grant = await mgmt.clientGrants.create({ client_id: app.client_id, audience: identifier, scope: ['a'] });
  assert.match(grant.id, /^cgr_[A-Za-z0-9]{16}$/);
  const listed = await mgmt.clientGrants.list({ client_id: app.client_id });
  assert.deepEqual(listed.data.map((g) => g.id), [grant.id]);
  const token = async () => {
    const r = await fetch(`${gh.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, audience: identifier }),
    });
    return { status: r.status, body: await r.json() };
  };
  assert.equal((await token()).body.scope, 'a');
  await mgmt.clientGrants.update(grant.id, { scope: ['a', 'b'] });
  assert.equal((await token()).body.scope, 'a b');
  const dup = await sdkError(mgmt.clientGrants.create({ client_id: app.client_id, audience: identifier, scope: ['a'] }));
  assert.equal(dup.statusCode, 409);
  const undefinedScope = await sdkError(mgmt.clientGrants.create({ client_id: app.client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:nothing'] }));
  assert.equal(undefinedScope.statusCode, 400);
  const { items, pages } = await allPages(await mgmt.clientGrants.list({ take: 1 }));
  assert.ok(pages >= 2 && items.some((g) => g.id === grant.id));
  await mgmt.clientGrants.delete(grant.id);
  assert.equal((await token()).status, 403);
});

test('users: CRUD, listUsersByEmail, offset pagination, q search', async () => {
  const email = `${unique('sdk-user')}@Example.com`;
  const user = await mgmt.users.create({ connection: 'Username-Password-Authentication', email, password: 'Sup3r-Secret-Pass', name: 'Ann', user_metadata: { color: 'red' } });
  assert.match(user.user_id, /^auth0\|[0-9a-f]{24}$/);
  assert.equal(user.email, email.toLowerCase());
  assert.equal(user.password, undefined);
  assert.equal(user.identities[0].connection, 'Username-Password-Authentication');
  const got = await mgmt.users.get(user.user_id);
  assert.equal(got.name, 'Ann');
  const up = await mgmt.users.update(user.user_id, { name: 'Ann B', user_metadata: { size: 'm' } });
  assert.equal(up.name, 'Ann B');
  assert.deepEqual(up.user_metadata, { color: 'red', size: 'm' });
  const byEmail = await mgmt.users.listUsersByEmail({ email });
  assert.deepEqual(byEmail.map((u) => u.user_id), [user.user_id]);
  const dup = await sdkError(mgmt.users.create({ connection: 'Username-Password-Authentication', email, password: 'Sup3r-Secret-Pass' }));
  assert.equal(dup.statusCode, 409);

  for (let i = 0; i < 3; i++)
    await mgmt.users.create({ connection: 'Username-Password-Authentication', email: `${unique('p')}@example.com`, password: 'Sup3r-Secret-Pass' });
  const page = await mgmt.users.list({ per_page: 2 });
  const total = page.response.total;
  assert.ok(total >= 5, `total=${total}`);
  const { items, pages } = await allPages(page);
  assert.equal(items.length, total);
  assert.ok(pages >= 3);
  const q = await mgmt.users.list({ q: `email:"${email.toLowerCase()}"`, search_engine: 'v3' });
  assert.deepEqual(q.data.map((u) => u.user_id), [user.user_id]);

  await mgmt.users.delete(user.user_id);
  const gone = await sdkError(mgmt.users.get(user.user_id));
  assert.equal(gone.statusCode, 404);
  assert.equal(gone.body.errorCode, 'inexistent_user');
  assert.deepEqual(await mgmt.users.listUsersByEmail({ email }), []);
});

test('errors reach the SDK typed: 401 for a bad secret, 403 for a narrow grant', async () => {
  const wrong = sdk(gh, { clientSecret: 'wrong-secret' });
  const e = await sdkError(wrong.connections.list());
  assert.ok(e instanceof Error);
  const app = await mgmt.clients.create({ name: unique('narrow'), app_type: 'non_interactive' });
  await mgmt.clientGrants.create({ client_id: app.client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:users'] });
  const narrow = sdk(gh, { clientId: app.client_id, clientSecret: app.client_secret });
  await narrow.users.list();
  const forbidden = await sdkError(narrow.connections.list());
  assert.equal(forbidden.statusCode, 403);
  assert.equal(forbidden.body.errorCode, 'insufficient_scope');
  assert.equal(forbidden.body.message, 'Insufficient scope, expected any of: read:connections');
});

test('legacy v4 API (auth0/legacy): connections.getAll / get / create / update / delete over http', async () => {
  const legacy = new LegacyManagementClient({ domain: `127.0.0.1:${gh.port}`, clientId: gh.mgmtClientId, clientSecret: gh.mgmtClientSecret, fetch: httpFetch });
  const all = await legacy.connections.getAll();
  assert.equal(all.status, 200);
  assert.ok(Array.isArray(all.data), 'v4 getAll() without paging params reads a bare array');
  assert.ok(all.data.some((c) => c.name === 'Username-Password-Authentication'));
  const name = unique('legacy');
  const created = await legacy.connections.create({ name, strategy: 'wordpress', options: { client_id: 'x' } });
  assert.equal(created.status, 201);
  const id = created.data.id;
  const got = await legacy.connections.get({ id });
  assert.equal(got.data.name, name);
  assert.ok(got.headers.get('etag'));
  const updated = await legacy.connections.update({ id }, { options: { client_id: 'y', upstream_params: { blog: { value: 'z.wordpress.com' } } } });
  assert.equal(updated.data.options.client_id, 'y');
  const paged = await legacy.connections.getAll({ include_totals: true, page: 0, per_page: 2 });
  assert.ok(paged.data.total >= 2);
  assert.equal(paged.data.connections.length, 2);
  const cp = await legacy.connections.getAll({ take: 1 });
  assert.equal(cp.data.connections.length, 1);
  assert.ok(cp.data.next);
  const del = await legacy.connections.delete({ id });
  assert.equal(del.status, 202);
  const users = await legacy.users.getAll({ per_page: 1, page: 0, include_totals: true });
  assert.equal(users.status, 200);
  assert.ok('total' in users.data);
  const clients = await legacy.clients.getAll();
  assert.ok(Array.isArray(clients.data));
});
