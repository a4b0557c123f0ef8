// GET /api/v2/users?q=...&search_engine=v3 (issue 18 item 3) through Auth0's Node SDK (`auth0`
// 7.1.0, `mgmt.users.list`, v7's name for getAll): Auth0's query syntax answered in SQL, sort,
// offset paging with totals, the connection filter, and a 400 for what is not supported (never a
// silent empty list). Runs on the backend startGatehouse() picks (SQLite, or PostgreSQL under
// GATEHOUSE_TEST_BACKEND=postgres).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { sdk, apiCaller, mgmtToken, unique, rejectionOf, assertAuth0Error } from './helpers.mjs';

const DB = 'Username-Password-Authentication';
let gh;
let api;
let mgmt;
const tag = unique('s').replace('-', '');  // a word only this run's users carry
const users = {};

async function create(key, body) {
  const r = await api('POST', '/users', { body: { connection: DB, password: 'Sup3r-Secret-Pass', ...body } });
  assert.equal(r.status, 201, r.text);
  users[key] = r.body;
}

before(async () => {
  gh = await startGatehouse({ quiet: true });
  api = apiCaller(gh, await mgmtToken(gh));
  mgmt = sdk(gh);
  await create('jane', { email: `Jane.Doe@${tag}.example.com`, name: 'Jane Doe', given_name: 'Jane', family_name: 'Doe',
    nickname: 'janed', app_metadata: { plan: 'gold', seats: 5, beta: true, org: { tier: 'enterprise' } },
    user_metadata: { color: 'blue' }, email_verified: true });
  await create('janet', { email: `janet@${tag}.example.com`, name: 'Janet Smith', given_name: 'Janet',
    family_name: 'Smith', app_metadata: { plan: 'silver', seats: 2 } });
  await create('bob', { email: `bob@${tag}.example.com`, name: 'Bob Stone', username: `bob${tag}`,
    app_metadata: { plan: 'gold' }, blocked: true });
  await create('ann', { email: `ann@${tag}.example.com`, name: 'Ann Lee', given_name: 'Ann' });
});

after(() => gh?.stop());

const ids = (page) => page.data.map((u) => u.user_id).sort();
const expect = (...keys) => keys.map((k) => users[k].user_id).sort();

// The ids of this file's users that match q (the tenant holds others, e.g. the bootstrap's).
async function find(q, extra = {}) {
  const page = await mgmt.users.list({ q: `(${q}) AND _exists_:email`, search_engine: 'v3', per_page: 100, ...extra });
  const wanted = new Set(Object.values(users).map((u) => u.user_id));
  return page.data.map((u) => u.user_id).filter((id) => wanted.has(id)).sort();
}

test('field terms: email (case-insensitive), quoted name phrase, user_id, connection', async () => {
  assert.deepEqual(await find(`email:jane.doe@${tag}.example.com`), expect('jane'));
  assert.deepEqual(await find(`email:"JANE.DOE@${tag.toUpperCase()}.EXAMPLE.COM"`), expect('jane'));
  assert.deepEqual(await find('name:"Jane Doe"'), expect('jane'));
  assert.deepEqual(await find('name:"jane doe"'), expect('jane'), 'name is a normalized field: case-insensitive');
  assert.deepEqual(await find(`user_id:"${users.bob.user_id}"`), expect('bob'));
  assert.deepEqual(await find(`identities.connection:"${DB}" AND given_name:ann`), expect('ann'));
  assert.deepEqual(await find(`connection:nope AND given_name:ann`), []);
  assert.deepEqual(await find(`username:bob${tag}`), expect('bob'));
  assert.deepEqual(await find(`email.domain:"${tag.toUpperCase()}.example.com"`), expect('ann', 'bob', 'jane', 'janet'));
  assert.deepEqual(await find(`email.domain:example.com`), []);
  assert.deepEqual(await find('given_name:ann AND family_name:doe'), []);
  assert.deepEqual(await find('given_name:jane AND family_name:doe'), expect('jane'));
});

test('trailing wildcards: email:jane* and name:jan* match by prefix, in SQL', async () => {
  assert.deepEqual(await find('email:jane*'), expect('jane', 'janet'));
  assert.deepEqual(await find('email:JANE.*'), expect('jane'));
  assert.deepEqual(await find('name:jan*'), expect('jane', 'janet'));
  assert.deepEqual(await find('jan*'), expect('jane', 'janet'), 'a bare term searches email, name, ...');
  assert.deepEqual(await find('nickname:jane*'), expect('jane', 'janet'), 'janet\'s nickname is her email\'s local part');
  assert.deepEqual(await find('nickname:janed'), expect('jane'));
});

test('AND / OR / NOT, parentheses, implicit AND and field groups', async () => {
  const a = `email:ann@${tag}.example.com`;
  const b = `email:bob@${tag}.example.com`;
  assert.deepEqual(await find(`${a} OR ${b}`), expect('ann', 'bob'));
  assert.deepEqual(await find(`email:(ann@${tag}.example.com OR bob@${tag}.example.com)`), expect('ann', 'bob'));
  assert.deepEqual(await find(`name:jan* NOT given_name:janet`), expect('jane'));
  assert.deepEqual(await find(`name:jan* AND NOT given_name:janet`), expect('jane'));
  assert.deepEqual(await find(`(${a} OR ${b}) AND blocked:true`), expect('bob'));
  assert.deepEqual(await find(`name:jan* given_name:janet`), expect('janet'), 'implicit AND');
});

test('metadata fields, _exists_, booleans', async () => {
  assert.deepEqual(await find(`app_metadata.plan:gold AND name:*`), expect('bob', 'jane'));
  assert.deepEqual(await find('app_metadata.seats:5'), expect('jane'));
  assert.deepEqual(await find('app_metadata.beta:true'), expect('jane'));
  assert.deepEqual(await find('app_metadata.org.tier:"enterprise"'), expect('jane'));
  assert.deepEqual(await find('user_metadata.color:blue'), expect('jane'));
  assert.deepEqual(await find('app_metadata.plan:Gold'), [], 'metadata is case-sensitive');
  assert.deepEqual(await find('_exists_:app_metadata.seats'), expect('jane', 'janet'));
  assert.deepEqual(await find('_exists_:app_metadata.plan AND NOT _exists_:app_metadata.seats'), expect('bob'));
  assert.deepEqual(await find('email_verified:true'), expect('jane'));
  assert.deepEqual(await find('blocked:true'), expect('bob'));
  assert.deepEqual(await find(`_exists_:app_metadata.plan AND blocked:false`), expect('jane', 'janet'));
});

test('ranges on logins_count and created_at', async () => {
  assert.deepEqual(await find('logins_count:0 AND name:jan*'), expect('jane', 'janet'));
  assert.deepEqual(await find('logins_count:>0'), []);
  assert.deepEqual(await find('logins_count:[0 TO 3] AND name:ann*'), expect('ann'));
  const today = new Date().toISOString().slice(0, 10);
  assert.deepEqual(await find(`created_at:[2000-01-01 TO ${today}] AND name:ann*`), expect('ann'));
  assert.deepEqual(await find(`created_at:{${today} TO *] AND name:ann*`), []);
  assert.deepEqual(await find(`created_at:<2000-01-01`), []);
});

test('sort, page, per_page, include_totals and fields through the SDK', async () => {
  const q = `email:*${tag}*`;
  const r = await rejectionOf(mgmt.users.list({ q, search_engine: 'v3' }));
  assert.equal(r.statusCode, 400, 'a leading wildcard is refused, not answered empty');

  const base = `_exists_:app_metadata.plan`;
  const sorted = await mgmt.users.list({ q: `${base} AND (name:jan* OR name:bob*)`, search_engine: 'v3', sort: 'email:1',
    include_totals: true, per_page: 2, page: 0 });
  assert.equal(sorted.response.total, 3);
  const firstPage = sorted.data.map((u) => u.email);
  assert.deepEqual([...firstPage].sort(), firstPage, 'ascending by email');
  const desc = await mgmt.users.list({ q: `name:jan* AND email_verified:*`, search_engine: 'v3', sort: 'name:-1', per_page: 100 });
  const names = desc.data.map((u) => u.name).filter((n) => n === 'Jane Doe' || n === 'Janet Smith');
  assert.deepEqual(names, ['Janet Smith', 'Jane Doe']);

  const paged = await mgmt.users.list({ q: `given_name:jane OR given_name:janet OR given_name:ann`, search_engine: 'v3',
    sort: 'given_name:1', include_totals: true, per_page: 1, page: 1 });
  assert.equal(paged.response.total, 3);
  assert.equal(paged.response.start, 1);
  assert.equal(paged.response.limit, 1);
  assert.deepEqual(paged.data.map((u) => u.given_name), ['Jane']);

  const fields = await mgmt.users.list({ q: `given_name:ann`, search_engine: 'v3', fields: 'user_id,email',
    include_fields: true });
  assert.deepEqual(fields.data, [{ user_id: users.ann.user_id, email: users.ann.email }]);

  const byConnection = await mgmt.users.list({ q: 'given_name:ann', connection: DB, search_engine: 'v3' });
  assert.deepEqual(ids(byConnection), expect('ann'));
  const otherConnection = await mgmt.users.list({ q: 'given_name:ann', connection: 'no-such-connection' });
  assert.deepEqual(otherConnection.data, []);
});

test('unsupported syntax is a 400 that names the problem, never an empty 200', async () => {
  const cases = [
    ['email:*doe', /leading wildcards/],
    ['email:ja*ne', /end of a term/],
    ['name:jan?', /'\?' wildcard/],
    ['name:jane~', /fuzzy/],
    ['identities.provider:auth0', /identities.provider/],
    ['app_metadata.plan:go*', /metadata/],
    ['name:[a TO b]', /ranges are supported/],
    ['logins_count:abc', /integer/],
    ['created_at:yesterday', /date/],
    ['(email:a', /missing '\)'/],
    ['email:a OR', /ends where a term/],
  ];
  for (const [q, why] of cases) {
    const r = await api('GET', `/users?q=${encodeURIComponent(q)}&search_engine=v3`);
    assertAuth0Error(r, 400, 'invalid_query_string', why);
    assert.match(r.body.message, /on property q/);
  }
  for (const engine of ['v1', 'v2'])
    assertAuth0Error(await api('GET', `/users?q=email:a&search_engine=${engine}`), 400, 'invalid_query_string',
      new RegExp(`search_engine=${engine}`));
  assertAuth0Error(await api('GET', '/users?sort=password_hash:1'), 400, 'invalid_query_string', /sort/);
  assertAuth0Error(await api('GET', '/users?sort=email:2'), 400, 'invalid_query_string', /sort/);
  assertAuth0Error(await api('GET', '/users?per_page=101'), 400, 'invalid_query_string');
  assertAuth0Error(await api('GET', '/users?per_page=100&page=10'), 400, undefined, /first 1000 records/);
  assert.equal((await api('GET', '/users?per_page=100&page=9')).status, 200);
  const sdkError = await rejectionOf(mgmt.users.list({ q: 'email:ja*ne', search_engine: 'v3' }));
  assert.equal(sdkError.statusCode, 400);
});

test('clients and resource-server list filters run in SQL and page over the filtered rows (SDK)', async () => {
  const before = (await mgmt.clients.list({ app_type: 'spa', include_totals: true })).response.total;
  const made = [];
  for (const app_type of ['spa', 'spa', 'non_interactive']) made.push(await mgmt.clients.create({ name: unique(app_type), app_type }));
  // Pages of one SPA each cover the filtered rows exactly once: every SPA, each on one page, the new
  // two among them. (Oldest first is by created_at in seconds, then client_id, so an older SPA made
  // in the same second may sort after a new one: which pages hold the new two is not fixed.)
  const seen = [];
  for (let page = 0; page < before + 2; page++) {
    const spas = await mgmt.clients.list({ app_type: 'spa', include_totals: true, per_page: 1, page });
    assert.equal(spas.response.total, before + 2);
    assert.equal(spas.data.length, 1);
    assert.equal(spas.data[0].app_type, 'spa');
    seen.push(spas.data[0].client_id);
  }
  assert.equal(new Set(seen).size, before + 2);
  assert.ok(seen.includes(made[0].client_id) && seen.includes(made[1].client_id));
  assert.ok(!seen.includes(made[2].client_id));
  assert.deepEqual((await mgmt.clients.list({ app_type: 'spa', per_page: 1, page: before + 2 })).data, []);
  const both = await mgmt.clients.list({ app_type: 'spa,non_interactive', per_page: 50 });
  assert.deepEqual(both.data.map((c) => c.client_id).filter((id) => made.some((m) => m.client_id === id)).length, 3);
  const thirdParty = await mgmt.clients.list({ is_first_party: false });
  assert.deepEqual(thirdParty.data, []);
  const global = await mgmt.clients.list({ is_global: true, include_totals: true });
  assert.equal(global.response.total, 0);

  const apis = [];
  for (const n of ['a', 'b', 'c'])
    apis.push(await mgmt.resourceServers.create({ name: unique(n), identifier: `https://${unique(n)}.example/` }));
  const some = await mgmt.resourceServers.list({ identifiers: [apis[0].identifier, apis[2].identifier], include_totals: true });
  assert.equal(some.response.total, 2);
  assert.deepEqual(some.data.map((r) => r.id).sort(), [apis[0].id, apis[2].id].sort());
});
