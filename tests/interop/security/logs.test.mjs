// Tenant logs (shared/spec/auth0-apps.md §5 "Tenant logs", issue 16 item 5): the events a login,
// a signup, token exchanges and Management API writes leave, read back through Auth0's own
// ManagementClient (auth0 7.1.0: logs.list, logs.get, users.logs.list) and raw calls for the
// checkpoint Link header and the errors. Each security test is named after the attack it stops;
// the file runs on SQLite and on PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as client from 'openid-client';
import { startGatehouse, browserLogin } from '../lib/gatehouse.mjs';
import { apiCaller, assertAuth0Error, createM2MClient, mgmtToken, sdk, unique } from '../mgmt/helpers.mjs';

const REDIRECT_URI = 'http://localhost:3000/callback';
const opts = { execute: [client.allowInsecureRequests], timeout: 10 };

let gh;
let api;
let mgmt;
let config;
const secrets = [];  // every secret the scenario handles: none may appear in any event
let user;            // { id, email, password }
let started;         // ISO date before the scenario
let lastCode;        // the code of the last login (replayed once)

before(async () => {
  gh = await startGatehouse({ demoCallbacks: [REDIRECT_URI], quiet: true });
  const token = await mgmtToken(gh);
  secrets.push(token, gh.mgmtClientSecret);
  api = apiCaller(gh, token);
  mgmt = sdk(gh);
  config = await client.discovery(new URL(gh.issuer), gh.demoClientId, undefined, client.None(), opts);
  started = new Date(Date.now() - 1000).toISOString();
  await scenario();
});
after(() => gh?.stop());

async function login(email, password) {
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = new URL(await browserLogin(url.href, email, password));
  lastCode = callback.searchParams.get('code');
  secrets.push(lastCode);
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
}

const tokenCall = (fields) => fetch(`${gh.origin}/oauth/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

// Everything that leaves an event: a user created (sapi), a wrong password (fp), an unknown user
// (fu), a login (s) and its code exchange (seacft), a refresh (sertft), a replayed code (feacft), a
// bogus refresh token (fertft), a password change (scp), a client_credentials token (seccft).
async function scenario() {
  const email = `${unique('logs')}@example.com`;
  const password = 'logs user password 1';
  secrets.push(password);
  const created = await api('POST', '/users', { body: { connection: 'Username-Password-Authentication', email, password } });
  assert.equal(created.status, 201, created.text);
  user = { id: created.body.user_id, email, password };

  await assert.rejects(login(email, 'a wrong password 123'), /login failed: 400/);
  secrets.push('a wrong password 123');
  await assert.rejects(login('nobody@example.com', 'unknown user password'), /login failed: 400/);
  secrets.push('unknown user password');
  const tokens = await login(email, password);
  secrets.push(tokens.access_token, tokens.id_token, tokens.refresh_token);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  secrets.push(refreshed.access_token, refreshed.refresh_token);
  const bogus = await tokenCall({ grant_type: 'refresh_token', client_id: gh.demoClientId, refresh_token: 'not-a-refresh-token-0123456789' });
  assert.equal(bogus.status, 403);
  secrets.push('not-a-refresh-token-0123456789');
  const replay = await tokenCall({ grant_type: 'authorization_code', client_id: gh.demoClientId, code: lastCode, redirect_uri: REDIRECT_URI, code_verifier: 'x'.repeat(43) });
  assert.notEqual(replay.status, 200);
  const changed = await api('PATCH', `/users/${encodeURIComponent(user.id)}`, { body: { password: 'logs user password 2' } });
  assert.equal(changed.status, 200, changed.text);
  secrets.push('logs user password 2');
  const m2m = await createM2MClient(gh, { scope: ['read:users'] });
  secrets.push(m2m.client_secret);
  secrets.push(await mgmtToken(gh, { clientId: m2m.client_id, clientSecret: m2m.client_secret }));
}

// Events are written in batches off the request path: wait (bounded) until `predicate` holds.
async function eventually(read, predicate, what) {
  let last;
  for (let i = 0; i < 50; i += 1) {
    last = await read();
    if (predicate(last)) return last;
    await sleep(100);
  }
  assert.fail(`${what}: ${JSON.stringify(last)?.slice(0, 2000)}`);
}

async function allEvents() {
  const r = await api('GET', '/logs?per_page=100&include_totals=true');
  assert.equal(r.status, 200, r.text);
  return r.body.logs;
}

const types = (logs) => logs.map((e) => e.type);

test('every outcome leaves its Auth0 event, in Auth0\'s shape, newest first', async () => {
  const expected = ['sapi', 'fp', 'fu', 's', 'seacft', 'sertft', 'fertft', 'feacft', 'scp', 'seccft'];
  const logs = await eventually(allEvents, (l) => expected.every((t) => types(l).includes(t)), 'events');
  for (let i = 1; i < logs.length; i += 1) assert.ok(logs[i - 1].date >= logs[i].date, 'newest first');
  const s = logs.find((e) => e.type === 's');
  assert.equal(s.user_id, user.id);
  assert.equal(s.client_id, gh.demoClientId);
  assert.equal(typeof s.client_name, 'string');
  assert.equal(s.connection, 'Username-Password-Authentication');
  assert.equal(s.user_name, user.email);
  assert.match(s.ip, /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  assert.match(s.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.match(s.log_id, /^\d+$/);
  const fp = logs.find((e) => e.type === 'fp');
  assert.equal(fp.user_id, user.id, 'a wrong password names the user');
  assert.equal(fp.description, 'Wrong email or password.');
  assert.equal(logs.find((e) => e.type === 'fu').user_id, undefined, 'an unknown user has no id');
  assert.equal(logs.find((e) => e.type === 'seacft').user_id, user.id);
  // A failed exchange says why, as the token endpoint's answer did (the text outlives the request).
  const fertft = logs.find((e) => e.type === 'fertft');
  assert.equal(fertft.description, 'Unknown or invalid refresh token.');
  assert.deepEqual(fertft.details, { error: { message: 'Unknown or invalid refresh token.' } });
  assert.equal(logs.find((e) => e.type === 'feacft').details.error.message, logs.find((e) => e.type === 'feacft').description);
  assert.equal(logs.find((e) => e.type === 'scp').user_id, user.id);
  const sapi = logs.find((e) => e.type === 'sapi' && e.details.request.method === 'POST');
  assert.equal(sapi.client_id, gh.mgmtClientId);
  assert.equal(sapi.details.response.statusCode, 201);
});

test('auth0 ManagementClient: logs.list with search and paging, logs.get, users.logs.list', async () => {
  await eventually(allEvents, (l) => types(l).includes('scp'), 'events');
  const page = await mgmt.logs.list({ search: 'type:"s" OR type:"fp"', per_page: 1 });
  assert.equal(page.data.length, 1);
  assert.equal(page.response.total, 2);
  assert.equal(page.response.limit, 1);
  const [newest] = page.data;
  assert.equal(newest.type, 's', 'newest first');
  assert.ok(page.hasNextPage());
  const next = await page.getNextPage();  // the SDK's Page moves to the next page in place
  assert.equal(next.data.length, 1);
  assert.equal(next.data[0].type, 'fp');
  assert.equal(next.response.start, 1);

  const one = await mgmt.logs.get(newest.log_id);
  assert.deepEqual(one, newest);

  const mine = await mgmt.users.logs.list(user.id, { per_page: 50 });
  assert.ok(mine.data.length >= 4, JSON.stringify(mine.data));
  assert.ok(mine.data.every((e) => e.user_id === user.id));
  assert.ok(types(mine.data).includes('s') && types(mine.data).includes('sertft'));

  const missing = await mgmt.logs.get('90020000000000000000000000000000').catch((e) => e);
  assert.equal(missing.statusCode, 404);
});

test('q: type, user_id, client_id and date ranges with AND/OR and parentheses', async () => {
  await eventually(allEvents, (l) => types(l).includes('seccft'), 'events');
  const search = async (q) => {
    const r = await api('GET', `/logs?q=${encodeURIComponent(q)}&per_page=100`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    return r.body;
  };
  assert.deepEqual(types(await search(`user_id:"${user.id}" AND type:s`)), ['s']);
  const either = await search(`(type:fu OR type:fp) AND client_id:"${gh.demoClientId}"`);
  assert.deepEqual(new Set(types(either)), new Set(['fu', 'fp']));
  const now = new Date(Date.now() + 60000).toISOString();
  assert.ok((await search(`date:[${started} TO ${now}] AND type:sapi`)).length >= 2);
  assert.equal((await search('date:[2001-01-01 TO 2001-12-31]')).length, 0);
  assert.ok((await search(`date:[* TO "${now}"]`)).length > 5);
});

test('from/take: events after a checkpoint, oldest first, with Auth0\'s Link header to the next page', async () => {
  const all = await eventually(allEvents, (l) => l.length >= 8, 'events');
  const oldest = all.at(-1);
  const r = await api('GET', `/logs?from=${oldest.log_id}&take=3`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.length, 3);
  const chronological = [...all].reverse();
  assert.deepEqual(r.body.map((e) => e.log_id), chronological.slice(1, 4).map((e) => e.log_id));
  const link = r.headers.get('link');
  assert.equal(link, `<${gh.issuer}api/v2/logs?from=${r.body[2].log_id}&take=3>; rel="next"`);
  const next = await api('GET', `/logs?from=${r.body[2].log_id}&take=3`);
  assert.deepEqual(next.body.map((e) => e.log_id), chronological.slice(4, 7).map((e) => e.log_id));
});

test('secret disclosure through tenant logs: no password, code, token, client secret or refresh token in any event', async () => {
  const logs = await eventually(allEvents, (l) => types(l).includes('seccft') && types(l).includes('scp'), 'events');
  const text = JSON.stringify(logs);
  for (const secret of secrets.filter(Boolean)) assert.ok(!text.includes(secret), `a secret is in the logs: ${secret.slice(0, 12)}...`);
  // One at a time, too, as GET /logs/{id} renders them.
  for (const e of logs) {
    const one = JSON.stringify((await api('GET', `/logs/${e.log_id}`)).body);
    for (const secret of secrets.filter(Boolean)) assert.ok(!one.includes(secret));
  }
});

test('SQL injection through the log search: quotes and operators in values are only values, anything else in q is a 400', async () => {
  const r = await api('GET', `/logs?q=${encodeURIComponent(`type:"s' OR '1'='1"`)}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, []);
  const hostile = await api('GET', `/logs?q=${encodeURIComponent(`user_id:"x\\" OR 1=1; DROP TABLE logs; --"`)}`);
  assert.equal(hostile.status, 200, hostile.text);
  assert.deepEqual(hostile.body, []);
  for (const q of ['type:s) OR (1=1', 'description:"x"', 'type:s AND', 'date:[yesterday TO now]', 'NOT type:s',
    '(((((((((type:s)))))))))', 'type:"unterminated', 'type:s type:f', 'x'.repeat(2000)]) {
    assertAuth0Error(await api('GET', `/logs?q=${encodeURIComponent(q)}`), 400, 'invalid_query_string');
  }
  assertAuth0Error(await api('GET', '/logs?from=1%27%20OR%201=1&take=5'), 400, 'invalid_query_string');
  assertAuth0Error(await api('GET', '/logs?take=1000&from=1'), 400, 'invalid_query_string');
  assertAuth0Error(await api('GET', '/logs?sort=type:1'), 400, 'invalid_query_string');
  // The table is still there.
  assert.ok((await allEvents()).length > 5);
});

test('log reads broken by a crafted field: a username with NUL and JSON brackets stays text in its own event, and every read still answers', async () => {
  const crafted = `evil\u0000"],["x\\${unique('nul')}@example.com`;
  await assert.rejects(login(crafted, 'crafted user password'), /login failed: 400/);
  const stored = crafted.replace('\u0000', '\uFFFD');
  const logs = await eventually(allEvents, (l) => l.some((e) => e.type === 'fu' && e.user_name === stored), 'the crafted fu event');
  const event = logs.find((e) => e.type === 'fu' && e.user_name === stored);
  const one = await api('GET', `/logs/${event.log_id}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.body.user_name, stored);
  assert.equal(one.body.description, event.description);
  const q = encodeURIComponent(`type:fu AND date:[${started} TO *]`);
  const filtered = await api('GET', `/logs?q=${q}&per_page=100`);
  assert.equal(filtered.status, 200, filtered.text);
  assert.ok(filtered.body.some((e) => e.log_id === event.log_id));
  const checkpoint = await api('GET', `/logs?from=${logs.at(-1).log_id}&take=100`);
  assert.equal(checkpoint.status, 200, checkpoint.text);
  assert.ok(checkpoint.body.some((e) => e.log_id === event.log_id));
});

test('password guessing leaves limit_wc once the failed-login limit is reached', async () => {
  const u = await api('POST', '/users', { body: { connection: 'Username-Password-Authentication', email: `${unique('guess')}@example.com`, password: 'guessed user password' } });
  assert.equal(u.status, 201, u.text);
  let throttled = false;
  for (let i = 0; i < 12 && !throttled; i += 1) {
    await login(u.body.email, `guess number ${i} wrong`).catch((e) => {
      throttled = /login failed: 429/.test(String(e));
    });
  }
  assert.ok(throttled, 'the 11th guess is throttled');
  const q = encodeURIComponent(`user_id:"${u.body.user_id}" AND type:limit_wc`);
  await eventually(async () => (await api('GET', `/logs?q=${q}`)).body, (l) => l.length === 1, 'limit_wc');
});

test('log reading without read:logs: a client whose grant lacks it gets 403 insufficient_scope', async () => {
  const m2m = await createM2MClient(gh, { scope: ['read:users'] });
  const other = apiCaller(gh, await mgmtToken(gh, { clientId: m2m.client_id, clientSecret: m2m.client_secret }));
  assertAuth0Error(await other('GET', '/logs'), 403, 'insufficient_scope');
  assertAuth0Error(await other('GET', `/users/${encodeURIComponent(user.id)}/logs`), 403, 'insufficient_scope');
  const unknown = await api('GET', '/logs/0123');
  assertAuth0Error(unknown, 404, 'inexistent_log');
});
