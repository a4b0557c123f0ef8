// User search (GET /api/v2/users?q=, issue 18 item 3) and the list filters that now run in SQL
// (clients, resource servers). The attacks: SQL injection through every input that shapes the
// statement (q values, metadata paths, sort, fields, connection, list filters), queries built to
// exhaust the database (too many terms, deep nesting, huge q, leading wildcards that can only be
// answered by a full scan, deep offsets). Runs on SQLite and on PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken, assertAuth0Error } from '../mgmt/helpers.mjs';

const DB = 'Username-Password-Authentication';
let gh;
let api;
let everyone;  // user ids of the tenant before any attack

async function userCount() {
  const r = await api('GET', '/users?include_totals=true&per_page=1');
  assert.equal(r.status, 200, r.text);
  return r.body.total;
}

const search = (q, extra = '') => api('GET', `/users?search_engine=v3&q=${encodeURIComponent(q)}${extra}`);

before(async () => {
  gh = await startGatehouse({ quiet: true });
  api = apiCaller(gh, await mgmtToken(gh));
  for (const [email, name, plan] of [
    ['alice@victim.example', 'Alice', 'gold'],
    ['mallory@evil.example', "x' OR '1'='1", 'free'],
  ]) {
    const r = await api('POST', '/users', {
      body: { connection: DB, email, name, password: 'Sup3r-Secret-Pass', app_metadata: { plan } },
    });
    assert.equal(r.status, 201, r.text);
  }
  const all = await api('GET', '/users?per_page=100');
  everyone = all.body.map((u) => u.user_id).sort();
});

after(() => gh?.stop());

// After each attack: the same users, and no password hash ever in a response.
async function assertTenantIntact(responses = []) {
  const all = await api('GET', '/users?per_page=100');
  assert.equal(all.status, 200, all.text);
  assert.deepEqual(all.body.map((u) => u.user_id).sort(), everyone);
  for (const r of [all, ...responses]) assert.doesNotMatch(r.text, /argon2|password_hash/);
}

test('SQL injection through q values matches only the literal text, never every row', async () => {
  const seen = [];
  for (const q of [
    `email:"' OR '1'='1"`,
    `name:"x' OR '1'='1"`,  // mallory's real name: found as data, alone
    `email:"a@b.c'); DROP TABLE users; --"`,
    `email:"x' UNION SELECT user_id, password_hash FROM users --"`,
    `user_id:"auth0|x' OR 1=1 --"`,
    `app_metadata.plan:"gold' OR '1'='1"`,
    `app_metadata.plan:"1) OR (1=1"`,
    `app_metadata.plan:inf`,
    `app_metadata.plan:NaN`,
    `email:x\\'\\ OR\\ 1=1*`,
  ]) {
    const r = await search(q);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    seen.push(r);
    const names = r.body.map((u) => u.name);
    assert.ok(names.every((n) => n === "x' OR '1'='1"), `${q} matched ${JSON.stringify(names)}`);
  }
  assert.equal((await search(`name:"x' OR '1'='1"`)).body.length, 1);
  await assertTenantIntact(seen);
});

test('SQL injection through a metadata path in q is refused before any SQL exists', async () => {
  for (const q of [
    `app_metadata.plan'):x`,
    `app_metadata.plan")--:x`,
    `_exists_:app_metadata.x')||(SELECT`,
    `app_metadata.$.a:x`,
    `user_metadata.a[0]:x`,
  ]) {
    const r = await search(q);
    assertAuth0Error(r, 400, 'invalid_query_string');
    assert.match(r.body.message, /on property q/);
  }
  await assertTenantIntact();
});

test('SQL injection through sort is refused: only named fields and 1 / -1', async () => {
  for (const sort of [
    'email:1; DROP TABLE users',
    'email,(SELECT password_hash FROM users LIMIT 1):1',
    'password_hash:1',
    '(CASE WHEN 1=1 THEN email ELSE name END):1',
    'app_metadata.plan:1',
    'email:1 --',
  ]) {
    const r = await api('GET', `/users?sort=${encodeURIComponent(sort)}`);
    assertAuth0Error(r, 400, 'invalid_query_string', /sort/);
  }
  await assertTenantIntact();
});

test('SQL injection through fields and connection never reaches the database nor leaks a hash', async () => {
  const responses = [];
  for (const fields of ['user_id,password_hash', "email') OR 1=1 --", 'password,password_hash']) {
    const r = await api('GET', `/users?fields=${encodeURIComponent(fields)}&include_fields=true`);
    assert.equal(r.status, 200, r.text);
    responses.push(r);
  }
  const r = await api('GET', `/users?connection=${encodeURIComponent("x' OR '1'='1")}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, []);
  const both = await api('GET', `/users?connection=${encodeURIComponent(DB)}&q=${encodeURIComponent('name:alice')}`);
  assert.equal(both.body.length, 1);
  await assertTenantIntact(responses);
});

test('SQL injection through the clients and resource-server list filters matches nothing', async () => {
  for (const path of [
    `/clients?app_type=${encodeURIComponent("spa' OR '1'='1")}`,
    `/clients?app_type=${encodeURIComponent("%,")}`,
    `/resource-servers?identifiers=${encodeURIComponent(`x"]' OR '1'='1`)}`,
    `/resource-servers?identifiers=${encodeURIComponent('*')}`,
  ]) {
    const r = await api('GET', path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    assert.deepEqual(r.body, [], path);
  }
  const bad = await api('GET', '/clients?is_first_party=1%20OR%201=1');
  assertAuth0Error(bad, 400, 'invalid_query_string');
});

test('query-complexity DoS: too many terms, too deep nesting or an oversized q is refused with a 400', async () => {
  const terms = Array.from({ length: 65 }, (_, i) => `email:a${i}@x.example`).join(' OR ');
  assertAuth0Error(await search(terms), 400, 'invalid_query_string', /more than 64 terms/);
  const deep = '('.repeat(11) + 'email:a' + ')'.repeat(11);
  assertAuth0Error(await search(deep), 400, 'invalid_query_string', /nested/);
  const nots = 'NOT '.repeat(11) + 'email:a';
  assertAuth0Error(await search(nots), 400, 'invalid_query_string', /nested/);
  assertAuth0Error(await search(`email:${'a'.repeat(3000)}`), 400, 'invalid_query_string', /longer than/);
  // A stack-exhaustion attempt: far deeper than any limit, answered at once.
  const started = Date.now();
  const abyss = await search('('.repeat(900) + 'a' + ')'.repeat(900));
  assertAuth0Error(abyss, 400, 'invalid_query_string');
  assert.ok(Date.now() - started < 2000);
  // The largest query still accepted runs and answers.
  const limit = Array.from({ length: 64 }, (_, i) => `email:a${i}@x.example`).join(' OR ');
  assert.equal((await search(limit)).status, 200);
  await assertTenantIntact();
});

test('leading-wildcard full scans are refused, not run', async () => {
  for (const q of ['email:*@victim.example', '*lice', 'name:*ice', 'email:?lice*', 'user_id:*']) {
    const r = await search(q);
    if (q === 'user_id:*') {
      assert.equal(r.status, 200, 'field:* is existence, not a scan pattern');
      continue;
    }
    assertAuth0Error(r, 400, 'invalid_query_string');
  }
});

test('deep-offset scans are refused: only the first 1000 results can be paged through', async () => {
  assertAuth0Error(await api('GET', '/users?per_page=100&page=10'), 400, 'invalid_query_string', /first 1000/);
  assertAuth0Error(await api('GET', '/users?per_page=50&page=100000'), 400, 'invalid_query_string');
  assertAuth0Error(await api('GET', '/users?per_page=1000'), 400, 'invalid_query_string');
  assert.equal((await api('GET', '/users?per_page=100&page=9')).status, 200);
});

test('an invalid UTF-8 or NUL byte in q or connection is a 400, not a database error', async () => {
  assertAuth0Error(await api('GET', '/users?q=email:%FF'), 400, 'invalid_query_string', /UTF-8/);
  assertAuth0Error(await api('GET', '/users?q=email:a%00b'), 400, 'invalid_query_string');
  assertAuth0Error(await api('GET', '/users?connection=%FF'), 400, 'invalid_query_string');
  assertAuth0Error(await api('GET', '/resource-servers?identifiers=%FF'), 400, 'invalid_query_string');
  assertAuth0Error(await api('GET', '/clients?app_type=%FF'), 400, 'invalid_query_string');
});
