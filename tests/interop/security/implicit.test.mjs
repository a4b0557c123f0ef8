// Security regression tests for tokens returned by /authorize itself (implicit and hybrid response
// types, shared/spec/auth0-apps.md §1, docs/security.md): where they may go, who may get them, and
// that the rules that end a login's tokens reach them too. Each test is named after the attack it stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { Browser } from '../federation/helpers.mjs';
import { mgmtToken, apiCaller, unique } from '../mgmt/helpers.mjs';
import { drive, authorizeUrl as authorizeUrlOf } from '../server-sdks/helpers.mjs';

const CALLBACK = 'https://rwa.example.test/callback';
const EVIL = 'https://evil.example.test/callback';

let gh;
let api;
let implicitClient;
let codeOnlyClient;
let browser;  // holds a Gatehouse session: a response would be issued at once
before(async () => {
  gh = await startGatehouse({ quiet: true });
  api = apiCaller(gh, await mgmtToken(gh));
  const create = async (grant_types) => {
    const r = await api('POST', '/clients', { body: { name: unique('sec'), app_type: 'regular_web', callbacks: [CALLBACK], grant_types } });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  implicitClient = await create(['authorization_code', 'implicit']);
  codeOnlyClient = await create(['authorization_code']);
  browser = new Browser();
  const first = await drive(browser, authorizeUrl(implicitClient, { response_type: 'id_token' }),
    { username: gh.demoUser, password: gh.demoPassword, stopAt: CALLBACK });
  assert.ok(first.url.startsWith(CALLBACK), JSON.stringify(first));
});
after(async () => gh?.stop());

const authorizeUrl = (client, params) => authorizeUrlOf(gh, client, CALLBACK, params);

// A token as a parameter of a redirect, or as a field of a form_post page.
const TOKENS = /[#?&](access_token|id_token|code)=|name="(access_token|id_token|code)"/;

test('token theft through an unregistered redirect_uri: no redirect and no token, for every token response type and mode', async () => {
  for (const response_type of ['id_token', 'token id_token', 'code id_token', 'code token', 'code token id_token']) {
    for (const response_mode of [undefined, 'fragment', 'form_post', 'query']) {
      for (const redirect_uri of [EVIL, `${CALLBACK}/../x`, `${CALLBACK}?x=1`, 'https://rwa.example.test.evil.test/callback']) {
        const res = await browser.request(authorizeUrl(implicitClient, { response_type, response_mode, redirect_uri }));
        const body = await res.text();
        assert.equal(res.status, 400, `${response_type}/${response_mode}/${redirect_uri}`);
        assert.equal(res.headers.get('location'), null);
        assert.doesNotMatch(body, TOKENS);
        assert.doesNotMatch(body, /<form method="post"/);
      }
    }
  }
});

test('implicit downgrade: a client without the implicit grant gets unauthorized_client in the fragment and no token', async () => {
  for (const response_type of ['id_token', 'token id_token', 'code id_token', 'code token', 'code token id_token']) {
    for (const response_mode of [undefined, 'fragment', 'form_post']) {
      const res = await browser.request(authorizeUrl(codeOnlyClient, { response_type, response_mode }));
      const text = await res.text();
      if (response_mode === 'form_post') {
        assert.equal(res.status, 200);
        assert.match(text, /name="error" value="unauthorized_client"/);
        assert.doesNotMatch(text, TOKENS);
        continue;
      }
      assert.equal(res.status, 302, text);
      const location = new URL(res.headers.get('location'));
      const params = new URLSearchParams(location.hash.slice(1));
      assert.equal(params.get('error'), 'unauthorized_client', location.href);
      assert.doesNotMatch(location.href, TOKENS);
    }
  }
});

test('ID token replay without a nonce: a token response type without nonce issues nothing', async () => {
  for (const response_type of ['id_token', 'token id_token', 'code id_token', 'code token id_token']) {
    const res = await browser.request(authorizeUrl(implicitClient, { response_type, nonce: undefined }));
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location'));
    assert.equal(new URLSearchParams(location.hash.slice(1)).get('error'), 'invalid_request');
    assert.doesNotMatch(location.href, TOKENS);
  }
});

test('tokens leaked through a query string: response_mode=query with a token response type is refused in the fragment', async () => {
  for (const response_type of ['id_token', 'token id_token', 'code token']) {
    const res = await browser.request(authorizeUrl(implicitClient, { response_type, response_mode: 'query' }));
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location'));
    assert.equal(location.search, '', 'nothing in the query string');
    assert.equal(new URLSearchParams(location.hash.slice(1)).get('error'), 'invalid_request');
    assert.doesNotMatch(location.href, TOKENS);
  }
});

async function frontChannelAccessToken(response_type) {
  const res = await browser.request(authorizeUrl(implicitClient, { response_type }));
  assert.equal(res.status, 302);
  return Object.fromEntries(new URLSearchParams(new URL(res.headers.get('location')).hash.slice(1)));
}
const userinfoStatus = async (token) =>
  (await fetch(`${gh.origin}/userinfo`, { headers: { authorization: `Bearer ${token}` } })).status;

test('code replay in a hybrid flow: replaying the code also revokes the access token issued beside it', async () => {
  const params = await frontChannelAccessToken('code token');
  assert.equal(await userinfoStatus(params.access_token), 200);
  const redeem = () => fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: implicitClient.client_id,
      client_secret: implicitClient.client_secret, code: params.code, redirect_uri: CALLBACK }),
  });
  assert.equal((await redeem()).status, 200);
  assert.equal((await redeem()).status, 403);
  assert.equal(await userinfoStatus(params.access_token), 401);
});

test('blocked user keeps a front-channel access token: blocking revokes tokens from /authorize too', async () => {
  const user = (await api('GET', `/users-by-email?email=${encodeURIComponent(gh.demoUser)}`)).body[0];
  const params = await frontChannelAccessToken('token id_token');
  assert.equal(await userinfoStatus(params.access_token), 200);
  const blocked = await api('PATCH', `/users/${encodeURIComponent(user.user_id)}`, { body: { blocked: true } });
  assert.equal(blocked.status, 200, blocked.text);
  assert.equal(await userinfoStatus(params.access_token), 401);
});
