// Abuse (shared/spec/security.md §6), the real binary over loopback: per-address request-rate limits
// (429 + Retry-After, an IPv6 client counted by its /64), bounded pending-login state (oversized
// parameters refused with 400, nothing stored), and the failed-login limit reserving its attempt
// before the password hash is checked. Each test starts its own server with small limits set by the
// serve flags, so it stays fast and independent of the defaults.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { authorizeUrl, Browser } from '../federation/helpers.mjs';

const servers = [];
after(() => Promise.all(servers.map((s) => s.stop())));

async function start(options) {
  const gh = await startGatehouse({ quiet: true, ...options });
  servers.push(gh);
  return gh;
}

// Rows of a store table, straight from the database (SQLite file or PostgreSQL).
function rows(gh, table) {
  return Number(gh.sql(`SELECT count(*) FROM ${table}`).trim());
}

const get = (url, headers = {}) => fetch(url, { redirect: 'manual', headers, signal: AbortSignal.timeout(20_000) });

// Sends `count` requests one after the other; returns their statuses and the first 429.
async function flood(count, send) {
  const statuses = [];
  let throttled;
  for (let i = 0; i < count; i++) {
    const res = await send(i);
    statuses.push(res.status);
    if (res.status === 429 && !throttled) throttled = { res, body: await res.text() };
    else await res.arrayBuffer();
  }
  return { statuses, served: statuses.filter((s) => s !== 429).length, throttled };
}

function assertRetryAfter(res) {
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${res.headers.get('retry-after')}`);
}

describe('request-rate limits per client address', () => {
  test('interaction flooding: unauthenticated /authorize from one address is throttled with 429 and Retry-After', async () => {
    const gh = await start({ args: ['--authorize-rate-limit', '1/min,20'] });
    const before = rows(gh, 'interactions');
    const { served, throttled } = await flood(60, () => get(authorizeUrl(gh).url));
    // A burst of 20, refilled at one a minute: 20 (21 if the test straddles a refill) are served.
    assert.ok(served >= 20 && served <= 21, `served ${served} of 60`);
    assert.ok(throttled, 'the flood must be throttled');
    assertRetryAfter(throttled.res);
    assert.match(throttled.res.headers.get('content-type'), /^text\/html/);
    assert.match(throttled.body, /Too many requests/);
    assert.ok(rows(gh, 'interactions') - before <= 21, 'throttled requests store no interaction');
    // The limit is per route family: the hosted login pages still answer this address.
    assert.notEqual((await get(`${gh.origin}/u/login?state=none`)).status, 429);
  });

  test('interaction flooding through /u/connection and /login/callback is throttled per address', async () => {
    const gh = await start({ args: ['--login-page-rate-limit', '1/min,5', '--callback-rate-limit', '1/min,5'] });
    for (const path of ['/u/connection?state=x&connection=wordpress', '/u/login?state=x', '/u/signup?state=x', '/login/callback?state=x&code=y']) {
      const { throttled } = await flood(12, () => get(`${gh.origin}${path}`));
      assert.ok(throttled, `${path} is throttled`);
      assertRetryAfter(throttled.res);
      assert.match(throttled.res.headers.get('content-type'), /^text\/html/);
    }
    // /u/connection, /u/login and /u/signup share one bucket: together at most 5 (+1) were served.
    const { served } = await flood(3, () => get(`${gh.origin}/u/login?state=x`));
    assert.equal(served, 0);
  });

  test('token endpoint flooding from one address is answered with the JSON too_many_requests error', async () => {
    const gh = await start({ args: ['--token-ip-rate-limit', '1/min,5'] });
    const post = (path) => fetch(`${gh.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'guess', token: 'x' }),
    });
    const { served, throttled } = await flood(10, (i) => post(i % 2 ? '/oauth/revoke' : '/oauth/token'));
    assert.ok(served >= 5 && served <= 6, `served ${served}: /oauth/token and /oauth/revoke share one bucket`);
    assert.equal(throttled.res.status, 429);
    assertRetryAfter(throttled.res);
    assert.deepEqual(JSON.parse(throttled.body).error, 'too_many_requests');
  });

  test('IPv6 address rotation: addresses of one /64 share a bucket, another /64 is another client', async () => {
    const gh = await start({ args: ['--authorize-rate-limit', '1/min,4', '--trusted-proxies', '127.0.0.1'] });
    const from = (address) => () => get(authorizeUrl(gh).url, { 'x-forwarded-for': address });
    assert.equal((await flood(2, from('2001:db8:1:2::a'))).served, 2);
    assert.equal((await flood(2, from('2001:db8:1:2:ffff:ffff:ffff:b'))).served, 2);
    const rotated = await flood(3, from('2001:db8:1:2:1234::c'));
    assert.equal(rotated.served, 0, 'a third address of the same /64 is the same client, already over its limit');
    assertRetryAfter(rotated.throttled.res);
    assert.equal((await flood(2, from('2001:db8:1:3::a'))).served, 2, 'the neighbouring /64 has its own bucket');
    assert.equal((await flood(2, from('192.0.2.7'))).served, 2, 'an IPv4 client is its own address');
  });

  test('--no-rate-limits (GATEHOUSE_NO_RATE_LIMITS=1) turns the request-rate limits off, never the size limits', async () => {
    const gh = await start({ args: ['--authorize-rate-limit', '1/min,2'], env: { GATEHOUSE_NO_RATE_LIMITS: '1' } });
    assert.equal((await flood(10, () => get(authorizeUrl(gh).url))).served, 10);
    const res = await get(authorizeUrl(gh, { state: 's'.repeat(7000) }).url);
    assert.equal(res.status, 400);
  });
});

describe('bounded pending-login state', () => {
  test('oversized state / login_hint is refused with 400 and nothing is stored', async () => {
    const gh = await start();
    const before = rows(gh, 'interactions');
    const oversized = {
      state: 's'.repeat(7000),
      login_hint: `${'a'.repeat(7000)}@example.com`,
      nonce: 'n'.repeat(600),
      ui_locales: 'fr '.repeat(100),
      acr_values: 'urn:x '.repeat(100),
      scope: `openid ${'read:x '.repeat(700)}`,
      audience: `https://api.example.com/${'a'.repeat(1100)}`,
      connection: 'c'.repeat(200),
      redirect_uri: `http://localhost:3000/callback?${'q'.repeat(2100)}`,
      code_challenge: 'c'.repeat(200),
      // Not in the table, but with the other parameters upstream_params may copy over their 4 KiB total.
      id_token_hint: 'h'.repeat(4500),
    };
    for (const [name, value] of Object.entries(oversized)) {
      const res = await get(authorizeUrl(gh, { [name]: value }).url);
      const body = await res.text();
      assert.equal(res.status, 400, `${name}: ${body.slice(0, 200)}`);
      assert.equal(res.headers.get('location'), null, `${name}: an error page, not a redirect`);
      assert.match(res.headers.get('content-type'), /^text\/html/);
      assert.match(body, name === 'id_token_hint' ? /too long together/ : new RegExp(`parameter ${name} is too long`));
      assert.ok(!body.includes(String(value).slice(0, 300)), `${name}: the value is not echoed`);
    }
    assert.equal(rows(gh, 'interactions'), before, 'no oversized request stored a pending login');

    // What real SDKs send fits: a 2 KiB state (base64 JSON with a return URL), a 320-octet login_hint.
    const res = await get(authorizeUrl(gh, { state: 'e'.repeat(2048), login_hint: `${'a'.repeat(64)}@${'d'.repeat(255)}` }).url);
    assert.equal(res.status, 302);
    assert.match(res.headers.get('location'), /\/u\/login\?state=/);
    assert.equal(rows(gh, 'interactions'), before + 1);
  });
});

describe('failed-login limit', () => {
  test('parallel password guessing: with one attempt left, 16 concurrent wrong passwords check at most one', async () => {
    const gh = await start({ args: ['--failed-login-limit', '1/h,3'] });
    gh.cli(['user', 'add', '--email', 'victim@example.com', '--password', 'the right password 1'], {});
    const browser = new Browser();
    const end = await browser.navigate(authorizeUrl(gh).url, { stop: (u) => new URL(u).pathname === '/u/login' });
    const page = await (await browser.request(end.url)).text();
    const field = (name) => page.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
    const guess = (password, username = 'victim@example.com') =>
      browser.request(`${gh.origin}/u/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ state: field('state'), csrf: field('csrf'), username, password }),
      });

    // Two wrong passwords (one typed in capitals: the same user) leave one attempt of three.
    for (const username of ['victim@example.com', 'VICTIM@example.com']) {
      const res = await guess('wrong', username);
      assert.equal(res.status, 400);
      assert.match(await res.text(), /Wrong email or password/);
    }
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => guess(`guess ${i}`)));
    const checked = answers.filter((r) => r.status !== 429);
    assert.equal(checked.length, 1, `statuses: ${answers.map((r) => r.status)}: only one guess may reach the password check`);
    assert.equal(checked[0].status, 400);
    for (const r of answers.filter((r) => r.status === 429)) assertRetryAfter(r);

    // Now the right password waits too; another user of the same address is not affected.
    assert.equal((await guess('the right password 1')).status, 429);
    gh.cli(['user', 'add', '--email', 'bystander@example.com', '--password', 'the right password 2'], {});
    assert.equal((await guess('the right password 2', 'bystander@example.com')).status, 302);
  });
});
