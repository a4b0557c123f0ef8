// Two Gatehouse processes (A, B) on one PostgreSQL database behind one issuer, driven alternately:
// every protocol artefact (interaction, session, code, refresh token, revocation, key, connection)
// written by one instance must be honoured by the other. Races are repeated RACE_ROUNDS times and
// their tallies printed (the report of issue 7 quotes them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Browser, ISSUER, CALLBACK, api, authorizeUrl, cli, createPgDatabase, exchangeCode, jwks, jwtHeader, jwtPayload,
  mgmtToken, pgUrl, pkce, postForm, refresh, sleep, startCluster, startInstance,
} from './lib.mjs';

const RACE_ROUNDS = Number(process.env.MULTI_RACE_ROUNDS ?? 50);
const skip = pgUrl() ? false : 'GATEHOUSE_TEST_PG_URL not set (run under tests/store/with-postgres.sh)';

let cluster;
let A;
let B;
before(async () => {
  if (skip) return;
  cluster = await startCluster(createPgDatabase('cluster'), 2);
  [A, B] = cluster.instances;
});
after(async () => cluster?.stop());

// A logged-in browser (session cookie set through A) and the first code.
async function loginOn(a, b = a, c = b) {
  const browser = new Browser();
  const { verifier, challenge } = pkce();
  const start = authorizeUrl(cluster.demoClientId, challenge);
  const back = new URL(await browser.login(start, cluster.demoUser, cluster.demoPassword, { a, b, c }));
  assert.equal(back.origin + back.pathname, CALLBACK, back.href);
  assert.equal(back.searchParams.get('state'), start.searchParams.get('state'));
  assert.equal(back.searchParams.get('iss'), ISSUER);
  const code = back.searchParams.get('code');
  assert.ok(code, back.href);
  return { browser, code, verifier, nonce: start.searchParams.get('nonce') };
}

// A fresh code for an already logged-in browser, from instance `inst`.
async function silentCode(browser, inst) {
  const { verifier, challenge } = pkce();
  const back = await browser.silent(inst, authorizeUrl(cluster.demoClientId, challenge));
  const code = back.searchParams.get('code');
  assert.ok(code, back.href);
  return { code, verifier };
}

// Auth0 answers a bad code or refresh token with 403 invalid_grant.
function assertInvalidGrant(r) {
  assert.ok(r.status === 400 || r.status === 403, r.text);
  assert.equal(r.body?.error, 'invalid_grant', r.text);
}

async function userinfo(inst, accessToken) {
  const res = await fetch(new URL('/userinfo', inst.origin), { headers: { authorization: `Bearer ${accessToken}` } });
  await res.arrayBuffer();
  return res.status;
}

test('authorize on A, login page on B, credentials to A, code exchanged on B; tokens verify on both', { skip }, async () => {
  const { browser, code, verifier, nonce } = await loginOn(A, B, A);
  const r = await exchangeCode(B, cluster.demoClientId, code, verifier);
  assert.equal(r.status, 200, r.text);
  const id = jwtPayload(r.body.id_token);
  assert.equal(id.iss, ISSUER);
  assert.equal(id.aud, cluster.demoClientId);
  assert.equal(id.nonce, nonce);
  assert.equal(id.email, cluster.demoUser);
  assert.equal(await userinfo(A, r.body.access_token), 200);
  assert.equal(await userinfo(B, r.body.access_token), 200);
  // Both publish the same JWKS, containing the signer.
  const [ka, kb] = [await jwks(A), await jwks(B)];
  assert.deepEqual(ka.map((k) => k.kid).sort(), kb.map((k) => k.kid).sort());
  assert.ok(ka.some((k) => k.kid === jwtHeader(r.body.id_token).kid));
  // The session made through A answers silent authentication on B, and the other way round.
  for (const [x, y] of [[B, A], [A, B]]) {
    const c = await silentCode(browser, x);
    const t = await exchangeCode(y, cluster.demoClientId, c.code, c.verifier);
    assert.equal(t.status, 200, t.text);
  }
});

test('a code exchanged on A is a replay on B: invalid_grant, and the tokens A issued are revoked', { skip }, async () => {
  const { code, verifier } = await loginOn(A);
  const first = await exchangeCode(A, cluster.demoClientId, code, verifier);
  assert.equal(first.status, 200, first.text);
  const replay = await exchangeCode(B, cluster.demoClientId, code, verifier);
  assertInvalidGrant(replay);
  assert.equal(await userinfo(A, first.body.access_token), 401);
  const r = await refresh(A, cluster.demoClientId, first.body.refresh_token);
  assertInvalidGrant(r);
});

test('a refresh token rotated on A is reuse on B: rejected, and the whole family revoked', { skip }, async () => {
  const { code, verifier } = await loginOn(B);
  const t0 = await exchangeCode(B, cluster.demoClientId, code, verifier);
  assert.equal(t0.status, 200, t0.text);
  // A healthy chain alternating between the instances.
  let current = t0.body.refresh_token;
  for (const inst of [A, B, A]) {
    const r = await refresh(inst, cluster.demoClientId, current);
    assert.equal(r.status, 200, `${inst.name}: ${r.text}`);
    assert.notEqual(r.body.refresh_token, current);
    current = r.body.refresh_token;
  }
  const r1 = await refresh(A, cluster.demoClientId, current);  // rotation on A
  assert.equal(r1.status, 200, r1.text);
  const reuse = await refresh(B, cluster.demoClientId, current);  // the rotated one, on B
  assertInvalidGrant(reuse);
  // The family is dead everywhere: the newest token and its access token too.
  for (const inst of [A, B]) {
    assertInvalidGrant(await refresh(inst, cluster.demoClientId, r1.body.refresh_token));
    assert.equal(await userinfo(inst, r1.body.access_token), 401);
  }
});

test(`the same code redeemed concurrently on A and B: exactly one 200, and the replay revokes it (${RACE_ROUNDS} rounds)`, { skip }, async () => {
  const { browser } = await loginOn(A);
  const tally = { A: 0, B: 0, both: 0, none: 0, revokedAfter: 0 };
  for (let i = 0; i < RACE_ROUNDS; i++) {
    const { code, verifier } = await silentCode(browser, i % 2 ? A : B);
    const [ra, rb] = await Promise.all([A, B].map((inst) => exchangeCode(inst, cluster.demoClientId, code, verifier)));
    const wins = [ra, rb].filter((r) => r.status === 200);
    for (const r of [ra, rb]) if (r.status !== 200) assert.equal(r.body?.error, 'invalid_grant', r.text);
    if (wins.length === 2) tally.both++;
    else if (wins.length === 0) tally.none++;
    else tally[ra.status === 200 ? 'A' : 'B']++;
    if (wins.length === 1) {
      // The loser's attempt is a replay: the winner's access token stops at /userinfo.
      const w = wins[0].body;
      const dead = (await userinfo(A, w.access_token)) === 401 && (await refresh(B, cluster.demoClientId, w.refresh_token)).body?.error === 'invalid_grant';
      if (dead) tally.revokedAfter++;
    }
  }
  console.log(`# code race, ${RACE_ROUNDS} rounds: ${JSON.stringify(tally)}`);
  assert.equal(tally.both, 0, 'two winners');
  assert.equal(tally.none, 0, 'no winner');
  assert.equal(tally.revokedAfter, RACE_ROUNDS, 'the loser\'s replay must revoke the winner\'s tokens');
});

test(`the same refresh token rotated concurrently on A and B: at most one 200, family revoked (${RACE_ROUNDS} rounds)`, { skip }, async () => {
  const { browser } = await loginOn(B);
  const tally = { A: 0, B: 0, both: 0, none: 0, familyRevoked: 0 };
  for (let i = 0; i < RACE_ROUNDS; i++) {
    const { code, verifier } = await silentCode(browser, i % 2 ? A : B);
    const t = await exchangeCode(i % 2 ? B : A, cluster.demoClientId, code, verifier);
    assert.equal(t.status, 200, t.text);
    const rt = t.body.refresh_token;
    const [ra, rb] = await Promise.all([A, B].map((inst) => refresh(inst, cluster.demoClientId, rt)));
    const wins = [ra, rb].filter((r) => r.status === 200);
    for (const r of [ra, rb]) if (r.status !== 200) assert.equal(r.body?.error, 'invalid_grant', r.text);
    if (wins.length === 2) tally.both++;
    else if (wins.length === 0) tally.none++;
    else tally[ra.status === 200 ? 'A' : 'B']++;
    // Whoever lost presented a rotated token: the winner's new token must be dead too.
    if (wins.length === 1 && (await refresh(A, cluster.demoClientId, wins[0].body.refresh_token)).body?.error === 'invalid_grant') tally.familyRevoked++;
  }
  console.log(`# refresh race, ${RACE_ROUNDS} rounds: ${JSON.stringify(tally)}`);
  assert.equal(tally.both, 0, 'two winners');
  assert.equal(tally.none, 0, 'no winner');
  assert.equal(tally.familyRevoked, RACE_ROUNDS);
});

test(`the same code redeemed at once on three instances A, B, C: exactly one 200 (${RACE_ROUNDS} rounds)`, { skip }, async () => {
  const C = await startInstance(cluster.db, 'C');
  try {
    const { browser } = await loginOn(C);
    const tally = { A: 0, B: 0, C: 0, several: 0, none: 0 };
    for (let i = 0; i < RACE_ROUNDS; i++) {
      const { code, verifier } = await silentCode(browser, [A, B, C][i % 3]);
      const rs = await Promise.all([A, B, C].map((inst) => exchangeCode(inst, cluster.demoClientId, code, verifier)));
      for (const r of rs) if (r.status !== 200) assert.equal(r.body?.error, 'invalid_grant', r.text);
      const wins = rs.map((r, j) => (r.status === 200 ? 'ABC'[j] : null)).filter(Boolean);
      if (wins.length > 1) tally.several++;
      else if (wins.length === 0) tally.none++;
      else tally[wins[0]]++;
    }
    console.log(`# 3-instance code race, ${RACE_ROUNDS} rounds: ${JSON.stringify(tally)}`);
    assert.equal(tally.several, 0, 'several winners');
    assert.equal(tally.none, 0, 'no winner');
  } finally {
    await C.stop();
  }
});

test('`gatehouse keys rotate` is served in B\'s JWKS and used by A\'s tokens within ~200 ms', { skip }, async () => {
  const before = new Set((await jwks(B)).map((k) => k.kid));
  await jwks(A);  // both catalogs warm
  const t0 = Date.now();
  cli(cluster.db, ['keys', 'rotate']);
  const rotatedAt = Date.now();
  let seenAfter;
  let fresh;
  while (Date.now() - rotatedAt < 2000) {
    fresh = (await jwks(B)).map((k) => k.kid).filter((k) => !before.has(k));
    if (fresh.length) {
      seenAfter = Date.now() - rotatedAt;
      break;
    }
    await sleep(5);
  }
  console.log(`# keys rotate: CLI took ${rotatedAt - t0} ms; new kid in B's JWKS after ${seenAfter} ms`);
  assert.equal(fresh.length, 1, 'one new key');
  assert.ok(seenAfter <= 200, `B served the new key after ${seenAfter} ms`);
  // The old keys stay published (tokens signed with them still verify).
  const now = new Set((await jwks(B)).map((k) => k.kid));
  for (const k of before) assert.ok(now.has(k), `old key ${k} still published`);
  // A signs with the new key (its catalog has also noticed by now).
  await sleep(150);
  const { code, verifier } = await loginOn(A);
  const t = await exchangeCode(A, cluster.demoClientId, code, verifier);
  assert.equal(t.status, 200, t.text);
  assert.equal(jwtHeader(t.body.id_token).kid, fresh[0]);
});

test('a connection changed through A\'s Management API is used by B\'s next login', { skip }, async () => {
  const tokA = await mgmtToken(A);
  const tokB = await mgmtToken(B);  // the management token of A is valid on B as well
  assert.equal((await api(B, tokA, 'GET', '/clients?per_page=1')).status, 200);
  const db = (await api(A, tokA, 'GET', '/connections?name=Username-Password-Authentication')).body[0];
  assert.ok(db.enabled_clients.includes(cluster.demoClientId));

  // A new database connection, created and populated on A, enabled for the demo client.
  const name = `multi-db-${Date.now()}`;
  const created = await api(A, tokA, 'POST', '/connections', { name, strategy: 'auth0', enabled_clients: [cluster.demoClientId] });
  assert.equal(created.status, 201, created.text);
  const email = `multi-${Date.now()}@example.com`;
  const password = 'Correct-Horse-9-Battery';
  const u = await api(A, tokA, 'POST', '/users', { connection: name, email, password });
  assert.equal(u.status, 201, u.text);
  await sleep(150);  // B's catalog checks config_version every 100 ms
  const { verifier, challenge } = pkce();
  const back = new URL(await new Browser().login(authorizeUrl(cluster.demoClientId, challenge, { connection: name }), email, password, { a: B }));
  const code = back.searchParams.get('code');
  assert.ok(code, back.href);
  const t = await exchangeCode(B, cluster.demoClientId, code, verifier);
  assert.equal(t.status, 200, t.text);
  assert.equal(jwtPayload(t.body.id_token).email, email);

  // Disabled for the client on A: B refuses the connection on the next /authorize.
  const off = await api(A, tokA, 'PATCH', `/connections/${created.body.id}/clients`, [{ client_id: cluster.demoClientId, status: false }]);
  assert.equal(off.status, 204, off.text);
  await sleep(150);
  const refused = await new Browser().fetch(B, authorizeUrl(cluster.demoClientId, pkce().challenge, { connection: name }));
  const loc = new URL(refused.headers.get('location') ?? 'http://none/', ISSUER);
  assert.ok(refused.status !== 302 || loc.searchParams.get('error'), `B still offered the disabled connection: ${refused.status} ${loc}`);

  // Re-enabled on B, used by A.
  const on = await api(B, tokB, 'PATCH', `/connections/${created.body.id}/clients`, [{ client_id: cluster.demoClientId, status: true }]);
  assert.equal(on.status, 204, on.text);
  await sleep(150);
  const p = pkce();
  const back2 = new URL(await new Browser().login(authorizeUrl(cluster.demoClientId, p.challenge, { connection: name }), email, password, { a: A }));
  assert.ok(back2.searchParams.get('code'), back2.href);
});

test('a client created on A can log in on B at once (no staleness after a Management API write)', { skip }, async () => {
  // A's own catalog is invalidated by its write; B's only by the 100 ms poll. Measure B's window.
  const tok = await mgmtToken(A);
  const windows = [];
  for (let i = 0; i < 10; i++) {
    const c = await api(A, tok, 'POST', '/clients', { name: `spa-${i}-${Date.now()}`, app_type: 'spa', callbacks: [CALLBACK], grant_types: ['authorization_code', 'refresh_token'] });
    assert.equal(c.status, 201, c.text);
    const t0 = Date.now();
    for (;;) {
      const res = await new Browser().fetch(B, authorizeUrl(c.body.client_id, pkce().challenge));
      await res.arrayBuffer();
      const loc = res.headers.get('location') ?? '';
      if (res.status === 302 && loc.includes('/u/login')) break;
      assert.ok(Date.now() - t0 < 1000, `B does not know client ${c.body.client_id} after 1 s: ${res.status} ${loc}`);
      await sleep(2);
    }
    windows.push(Date.now() - t0);
  }
  console.log(`# new client usable on B after (ms): ${windows.join(' ')}`);
  assert.ok(Math.max(...windows) <= 200, windows.join(' '));
});

test('the client_credentials grant and the Management API work through either instance', { skip }, async () => {
  const tok = await mgmtToken(B);
  const created = await api(A, tok, 'POST', '/clients', { name: `m2m-${Date.now()}`, app_type: 'non_interactive' });
  assert.equal(created.status, 201, created.text);
  const got = await api(B, tok, 'GET', `/clients/${created.body.client_id}`);
  assert.equal(got.status, 200, got.text);
  const gone = await api(B, tok, 'DELETE', `/clients/${created.body.client_id}`);
  assert.equal(gone.status, 204, gone.text);
  assert.equal((await api(A, tok, 'GET', `/clients/${created.body.client_id}`)).status, 404);
  const r = await postForm(A, '/oauth/token', { grant_type: 'client_credentials', client_id: created.body.client_id, client_secret: created.body.client_secret, audience: `${ISSUER}api/v2/` });
  assert.equal(r.status, 401, r.text);
});
