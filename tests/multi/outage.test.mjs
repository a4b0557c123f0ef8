// The database goes away under running instances (failover, restart, network): what the clients
// see, and that the instances recover by themselves once it is back. The outage is simulated on
// the throwaway server: the database stops accepting connections and its sessions are terminated,
// so every pooled connection fails and its reconnect is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Browser, CALLBACK, authorizeUrl, createPgDatabase, exchangeCode, pgUrl, pkce, psql, refresh, sleep, startCluster } from './lib.mjs';

const skip = pgUrl() ? false : 'GATEHOUSE_TEST_PG_URL not set (run under tests/store/with-postgres.sh)';

let cluster;
let dbName;
before(async () => {
  if (skip) return;
  const db = createPgDatabase('outage');
  dbName = new URL(db).pathname.slice(1);
  cluster = await startCluster(db, 2);
});
after(async () => {
  if (dbName) psql(pgUrl(), `ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`);
  await cluster?.stop();
});

function outage(on) {
  psql(pgUrl(), `ALTER DATABASE ${dbName} ALLOW_CONNECTIONS ${on ? 'false' : 'true'}`);
  if (on) psql(pgUrl(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${dbName}'`);
}

async function tokens(inst) {
  const b = new Browser();
  const { verifier, challenge } = pkce();
  const back = new URL(await b.login(authorizeUrl(cluster.demoClientId, challenge), cluster.demoUser, cluster.demoPassword, { a: inst }));
  assert.equal(back.origin + back.pathname, CALLBACK);
  const t = await exchangeCode(inst, cluster.demoClientId, back.searchParams.get('code'), verifier);
  assert.equal(t.status, 200, t.text);
  const next = pkce();
  const code2 = (await b.silent(inst, authorizeUrl(cluster.demoClientId, next.challenge))).searchParams.get('code');
  return { refreshToken: t.body.refresh_token, code: code2, verifier: next.verifier };
}

test('during a database outage /healthz says 503; afterwards every instance recovers without a restart', { skip }, async () => {
  const [A, B] = cluster.instances;
  const t = await tokens(A);
  outage(true);
  try {
    await sleep(100);
    for (const inst of [A, B]) {
      const h = await fetch(new URL('/healthz', inst.origin));
      assert.equal(h.status, 503, `${inst.name} /healthz during the outage`);
    }
  } finally {
    outage(false);
  }
  await sleep(100);
  for (const inst of [A, B]) assert.equal((await fetch(new URL('/healthz', inst.origin))).status, 200, `${inst.name} recovered`);
  const r = await refresh(B, cluster.demoClientId, t.refreshToken);
  assert.equal(r.status, 200, r.text);
  const c = await exchangeCode(A, cluster.demoClientId, t.code, t.verifier);
  assert.equal(c.status, 200, c.text);
});

// An outage must not tell clients their refresh token or code is bad: SDKs throw the refresh token
// away after invalid_grant (forcing a new login) but retry a 5xx.
test('a token request during a database outage is a 5xx, not invalid_grant', { skip }, async () => {
  const [A] = cluster.instances;
  const t = await tokens(A);
  outage(true);
  let r;
  let c;
  try {
    await sleep(100);
    r = await refresh(A, cluster.demoClientId, t.refreshToken);
    c = await exchangeCode(A, cluster.demoClientId, t.code, t.verifier);
  } finally {
    outage(false);
  }
  console.log(`# during the outage: refresh -> ${r.status} ${r.text}; code -> ${c.status} ${c.text}`);
  assert.ok(r.status >= 500, `refresh during the outage: ${r.status} ${r.text}`);
  assert.ok(c.status >= 500, `code exchange during the outage: ${c.status} ${c.text}`);
});

// The login survives in the database: a user who submits the page during the outage is asked to
// try again (503), not told the login expired, and the same page works once the database is back.
test('a login page submitted during a database outage is a 503, and the same page logs in afterwards', { skip }, async () => {
  const [A] = cluster.instances;
  const b = new Browser();
  const { challenge } = pkce();
  let res = await b.fetch(A, authorizeUrl(cluster.demoClientId, challenge));
  assert.equal(res.status, 302);
  res = await b.fetch(A, new URL(res.headers.get('location'), A.origin));
  const html = await res.text();
  assert.equal(res.status, 200, html);
  const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
  const post = () =>
    b.fetch(A, '/u/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state: field('state'), csrf: field('csrf'), username: cluster.demoUser, password: cluster.demoPassword }),
    });
  outage(true);
  let during;
  try {
    await sleep(100);
    during = await post();
  } finally {
    outage(false);
  }
  const text = await during.text();
  assert.equal(during.status, 503, text);
  assert.doesNotMatch(text, /Login expired/);
  await sleep(100);
  const after = await post();
  assert.equal(after.status, 302, await after.text());
  const back = new URL(after.headers.get('location'));
  assert.equal(back.origin + back.pathname, CALLBACK);
  assert.ok(back.searchParams.get('code'));
});
