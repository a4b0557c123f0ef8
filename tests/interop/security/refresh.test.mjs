// Refresh-token families under the client's `refresh_token` settings (shared/spec/auth0-apps.md §4,
// security.md §3), driven by openid-client v6 as a relying party: rotation and reuse detection
// with Auth0's leeway, reusable non-rotating tokens, the switch to rotation, idle and absolute
// lifetimes (1-3 s, the server's clock), and the Management API's checks of the object. Each
// security test is named after the attack it stops; the file runs on SQLite and on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as client from 'openid-client';
import { startGatehouse, browserLogin } from '../lib/gatehouse.mjs';
import { apiCaller, assertAuth0Error, mgmtToken } from '../mgmt/helpers.mjs';

const REDIRECT_URI = 'http://localhost:3000/callback';
const opts = { execute: [client.allowInsecureRequests], timeout: 10 };

let gh;
let api;
let config;

before(async () => {
  gh = await startGatehouse({ demoCallbacks: [REDIRECT_URI], quiet: true });
  api = apiCaller(gh, await mgmtToken(gh));
  config = await client.discovery(new URL(gh.issuer), gh.demoClientId, undefined, client.None(), opts);
});
after(() => gh?.stop());

// Sets fields of the demo SPA's refresh_token object through the Management API.
async function settings(fields) {
  const r = await api('PATCH', `/clients/${gh.demoClientId}`, { body: { refresh_token: fields } });
  assert.equal(r.status, 200, r.text);
  return r.body.refresh_token;
}

// A login with offline_access: the first refresh token of a new family.
async function login() {
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callbackUrl = new URL(await browserLogin(url.href, gh.demoUser, gh.demoPassword));
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier });
  assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
  lastIssuedAt = tokens.claims().iat;
  return tokens.refresh_token;
}

async function refresh(token) {
  const tokens = await client.refreshTokenGrant(config, token);
  lastIssuedAt = tokens.claims().iat;
  return tokens;
}

async function assertRefused(token, why) {
  await assert.rejects(refresh(token), (err) => {
    assert.ok(err instanceof client.ResponseBodyError, `${why}: ${err}`);
    assert.equal(err.error, 'invalid_grant', why);
    assert.match(err.error_description, /invalid refresh token/, why);
    return true;
  }, why);
}

// The server's clock: the iat (whole seconds) of the ID token it just issued. The server and this
// process read the same system clock, so waiting is done against it in whole seconds, as the
// server compares.
let lastIssuedAt = 0;
const serverNow = () => lastIssuedAt;
async function serverClockPast(since, seconds) {
  const until = (since + seconds) * 1000;
  assert.ok(until - Date.now() < 5000, 'bounded wait');
  while (Date.now() < until) await sleep(Math.max(20, until - Date.now()));
}

const defaults = { rotation_type: 'rotating', expiration_type: 'expiring', leeway: 0, token_lifetime: 2592000,
  idle_token_lifetime: 1296000, infinite_token_lifetime: false, infinite_idle_token_lifetime: false };

describe('refresh_token settings', { concurrency: false }, () => {
  test('defaults: a client created through the API is non-rotating and non-expiring; a SPA rotates and expires', async () => {
    const web = await api('POST', '/clients', { body: { name: 'Regular app', app_type: 'regular_web' } });
    assert.equal(web.status, 201, web.text);
    assert.deepEqual(web.body.refresh_token, {
      rotation_type: 'non-rotating', expiration_type: 'non-expiring', leeway: 0, token_lifetime: 2592000,
      idle_token_lifetime: 1296000, infinite_token_lifetime: true, infinite_idle_token_lifetime: true,
    });
    const spa = await api('POST', '/clients', { body: { name: 'SPA', app_type: 'spa' } });
    assert.deepEqual(spa.body.refresh_token, defaults);
  });

  test('bad refresh_token objects get Auth0 400s and change nothing', async () => {
    const before = (await api('GET', `/clients/${gh.demoClientId}`)).body.refresh_token;
    const bad = [
      [{ rotation_type: 'sometimes' }, /No enum match for: "sometimes".*refresh_token\.rotation_type/],
      [{ expiration_type: 1 }, /Expected type string but found type integer.*refresh_token\.expiration_type/],
      [{ leeway: -1 }, /less than minimum 0.*refresh_token\.leeway/],
      [{ leeway: '5' }, /Expected type integer but found type string.*refresh_token\.leeway/],
      [{ token_lifetime: 0 }, /less than minimum 1.*refresh_token\.token_lifetime/],
      [{ idle_token_lifetime: 157788001 }, /greater than maximum.*refresh_token\.idle_token_lifetime/],
      [{ infinite_token_lifetime: 'yes' }, /Expected type boolean.*refresh_token\.infinite_token_lifetime/],
      [{ rotation: 'rotating' }, /Additional properties not allowed: rotation/],
    ];
    for (const [body, message] of bad) {
      const r = await api('PATCH', `/clients/${gh.demoClientId}`, { body: { refresh_token: body } });
      assertAuth0Error(r, 400, 'invalid_body', message);
    }
    const created = await api('POST', '/clients', { body: { name: 'Bad', refresh_token: { rotation_type: 'x' } } });
    assertAuth0Error(created, 400, 'invalid_body', /refresh_token\.rotation_type/);
    assert.deepEqual((await api('GET', `/clients/${gh.demoClientId}`)).body.refresh_token, before);
  });

  test('non-rotating: the same refresh token works repeatedly and no other one is returned', async () => {
    await settings({ ...defaults, rotation_type: 'non-rotating', expiration_type: 'non-expiring' });
    const token = await login();
    for (let i = 0; i < 3; ++i) {
      const r = await refresh(token);
      assert.ok(r.access_token);
      assert.equal(r.refresh_token, undefined, 'no new refresh token');
    }
  });

  test('switching a client to rotating: its old non-rotating token is exchanged once, then refused', async () => {
    await settings({ ...defaults, rotation_type: 'non-rotating', expiration_type: 'non-expiring' });
    const old = await login();
    await refresh(old);
    await settings({ rotation_type: 'rotating' });
    const rotating = (await refresh(old)).refresh_token;
    assert.ok(rotating && rotating !== old, 'a rotating token in exchange');
    const next = (await refresh(rotating)).refresh_token;
    assert.ok(next, 'the new one keeps working');
    await assertRefused(old, 'the old non-rotating token');
  });

  test('rotating: a new token each exchange; the previous one is reusable within the leeway and returns a new token', async () => {
    await settings({ ...defaults, leeway: 30 });
    const first = await login();
    const second = (await refresh(first)).refresh_token;
    assert.ok(second && second !== first);
    const again = (await refresh(first)).refresh_token;  // a lost response, retried within the leeway
    assert.ok(again && again !== second && again !== first, 'a new token');
    assert.ok((await refresh(again)).refresh_token, 'the family is alive');
  });

  test('refresh token replay outside leeway revokes the family', async () => {
    await settings({ ...defaults, leeway: 1 });
    const first = await login();
    const t0 = serverNow();
    const second = (await refresh(first)).refresh_token;
    await serverClockPast(t0, 2);
    await assertRefused(first, 'the previous token outside the leeway');
    await assertRefused(second, 'the family is revoked');
  });

  test('refresh token replay of an older token within the leeway revokes the family', async () => {
    await settings({ ...defaults, leeway: 60 });
    const first = await login();
    const second = (await refresh(first)).refresh_token;
    const third = (await refresh(second)).refresh_token;
    await assertRefused(first, 'two rotations old: not the previous token');
    await assertRefused(third, 'the family is revoked');
  });

  test('stolen idle refresh token: a token unused for idle_token_lifetime is refused', async () => {
    await settings({ ...defaults, idle_token_lifetime: 2 });
    const token = await login();
    const t0 = serverNow();
    await serverClockPast(t0, 3);
    await assertRefused(token, 'idle for longer than idle_token_lifetime');
  });

  test('rotation does not extend an expiring family', async () => {
    await settings({ ...defaults, token_lifetime: 3, idle_token_lifetime: 60 });
    let token = await login();
    const t0 = serverNow();  // the family was first issued at t0 or just before
    token = (await refresh(token)).refresh_token;
    await serverClockPast(t0, 1);
    // A token issued a second or more after the family: if rotation extended the family, it would
    // live until t0 + 4 at least.
    token = (await refresh(token)).refresh_token;
    assert.ok(token);
    await serverClockPast(t0, 3);
    await assertRefused(token, 'the family ended token_lifetime after its first issue');
  });

  test('non-expiring families ignore the lifetimes and end only by revocation', async () => {
    await settings({ ...defaults, rotation_type: 'non-rotating', expiration_type: 'non-expiring',
      token_lifetime: 1, idle_token_lifetime: 1 });
    const token = await login();
    const t0 = serverNow();
    await serverClockPast(t0, 2);
    assert.ok((await refresh(token)).access_token, 'still valid after both lifetimes');
    await client.tokenRevocation(config, token);
    await assertRefused(token, 'revoked');
  });
});
