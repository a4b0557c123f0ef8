// /authorize response types and modes on the wire (shared/spec/auth0-apps.md §1): every implicit and
// hybrid type in any word order, fragment by default, form_post on request, query only for `code`;
// what each response holds; discovery lists exactly what is accepted; bad input gets an error in
// the right mode and nothing is issued.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { Browser } from '../federation/helpers.mjs';
import { apiCaller, mgmtToken, unique } from '../mgmt/helpers.mjs';
import { drive, jwtClaims, leftHalfHash, parseFormPost, authorizeUrl as authorizeUrlOf } from './helpers.mjs';

const CALLBACK = 'https://rwa.example.test/callback';

let gh;
let api;
let implicitClient;
let codeOnlyClient;
let audience;
let loggedIn;  // a browser with a Gatehouse session
before(async () => {
  gh = await startGatehouse();
  api = apiCaller(gh, await mgmtToken(gh));
  const create = async (extra) => {
    const r = await api('POST', '/clients', { body: { name: unique('rwa'), app_type: 'regular_web', callbacks: [CALLBACK], ...extra } });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  implicitClient = await create({ grant_types: ['authorization_code', 'implicit', 'refresh_token'] });
  codeOnlyClient = await create({ grant_types: ['authorization_code', 'refresh_token'] });
  audience = `https://${unique('api')}.example.test/`;
  const rs = await api('POST', '/resource-servers', { body: { name: unique('api'), identifier: audience, token_lifetime: 86400, token_lifetime_for_web: 1234, scopes: [{ value: 'read:things', description: 'x' }] } });
  assert.equal(rs.status, 201, rs.text);
  loggedIn = new Browser();
  const first = await drive(loggedIn, authorizeUrl(implicitClient, { response_type: 'id_token' }), { username: gh.demoUser, password: gh.demoPassword, stopAt: CALLBACK });
  assert.ok(first.url.startsWith(CALLBACK), JSON.stringify(first));
});
after(async () => gh?.stop());

const authorizeUrl = (client, params) => authorizeUrlOf(gh, client, CALLBACK, params);

// The answer of /authorize for a browser with a session: { mode, params } of the redirect or form_post.
async function answer(browser, url) {
  const res = await browser.request(url);
  if (res.status === 200) {
    const html = await res.text();
    const { action, fields } = parseFormPost(html);
    assert.equal(action, CALLBACK);
    return { mode: 'form_post', params: fields, res, html };
  }
  assert.equal(res.status, 302, await res.text());
  const location = new URL(res.headers.get('location'));
  assert.equal(location.origin + location.pathname, CALLBACK, location.href);
  if (location.hash) return { mode: 'fragment', params: Object.fromEntries(new URLSearchParams(location.hash.slice(1))), location };
  return { mode: 'query', params: Object.fromEntries(location.searchParams), location };
}

const TOKEN_KEYS = ['access_token', 'id_token', 'code'];
const assertNothingIssued = (params) => {
  for (const k of TOKEN_KEYS) assert.equal(params[k], undefined, `${k} must not be issued: ${JSON.stringify(params)}`);
};

test('discovery lists exactly the accepted response types and modes, and Auth0\'s end_session_endpoint', async () => {
  const d = await (await fetch(`${gh.origin}/.well-known/openid-configuration`)).json();
  assert.deepEqual(d.response_types_supported, ['code', 'id_token', 'code id_token', 'token id_token', 'code token', 'code token id_token']);
  assert.deepEqual(d.response_modes_supported, ['query', 'fragment', 'form_post', 'web_message']);
  assert.equal(d.end_session_endpoint, `${gh.issuer}oidc/logout`);
});

describe('accepted response types (client with implicit, browser with a session)', () => {
  const cases = [
    ['id_token', { id_token: true }],
    ['code id_token', { code: true, id_token: true }],
    ['id_token code', { code: true, id_token: true }],
    ['token id_token', { token: true, id_token: true }],
    ['id_token token', { token: true, id_token: true }],
    ['code token', { code: true, token: true }],
    ['code token id_token', { code: true, token: true, id_token: true }],
    ['id_token token code', { code: true, token: true, id_token: true }],
  ];
  for (const [type, expect] of cases) {
    test(`response_type="${type}": fragment by default, with exactly what it names`, async () => {
      const url = authorizeUrl(implicitClient, { response_type: type, audience: expect.token ? audience : undefined, scope: 'openid profile email read:things' });
      const { mode, params } = await answer(loggedIn, url);
      assert.equal(mode, 'fragment');
      const keys = ['state', 'iss'];
      if (expect.code) keys.push('code');
      if (expect.token) keys.push('access_token', 'token_type', 'expires_in');
      if (expect.id_token) keys.push('id_token');
      assert.deepEqual(Object.keys(params).sort(), keys.sort(), JSON.stringify(params));
      assert.equal(params.state, url.searchParams.get('state'));
      assert.equal(params.iss, gh.issuer);
      if (expect.token) {
        assert.equal(params.token_type, 'Bearer');
        assert.equal(params.expires_in, '1234', 'the API\'s token_lifetime_for_web');
        const at = jwtClaims(params.access_token);
        assert.deepEqual(at.aud, [audience, `${gh.issuer}userinfo`]);
        assert.equal(at.exp - at.iat, 1234);
        assert.equal(at.azp, implicitClient.client_id);
        // The front-channel access token works at /userinfo.
        const info = await fetch(`${gh.origin}/userinfo`, { headers: { authorization: `Bearer ${params.access_token}` } });
        assert.equal(info.status, 200);
        assert.equal((await info.json()).email, gh.demoUser);
      }
      if (expect.id_token) {
        const id = jwtClaims(params.id_token);
        assert.equal(id.nonce, url.searchParams.get('nonce'));
        assert.equal(id.aud, implicitClient.client_id);
        assert.equal(id.email, gh.demoUser);
        assert.ok(id.auth_time > 0 && id.sid, JSON.stringify(id));
        assert.equal(id.c_hash, expect.code ? leftHalfHash(params.code) : undefined);
        assert.equal(id.at_hash, expect.token ? leftHalfHash(params.access_token) : undefined);
      }
    });
  }

  test('response_mode=form_post: an auto-submitting page whose CSP lets its one script post the form', async () => {
    const url = authorizeUrl(implicitClient, { response_type: 'token id_token', response_mode: 'form_post' });
    const { mode, params, res, html } = await answer(loggedIn, url);
    assert.equal(mode, 'form_post');
    assert.ok(params.id_token && params.access_token && params.state && params.iss);
    const csp = res.headers.get('content-security-policy');
    const nonce = html.match(/<script nonce="([^"]+)">document\.forms\[0\]\.submit\(\);<\/script>/)?.[1];
    assert.ok(nonce, html);
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce}'`));
    assert.match(csp, /form-action \*/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('response_type=code keeps its query default and PKCE/redirect rules; fragment on request', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const q = await answer(loggedIn, authorizeUrl(implicitClient, { response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256' }));
    assert.equal(q.mode, 'query');
    assert.ok(q.params.code);
    const f = await answer(loggedIn, authorizeUrl(implicitClient, { response_type: 'code', response_mode: 'fragment', code_challenge: challenge, code_challenge_method: 'S256' }));
    assert.equal(f.mode, 'fragment');
    assert.ok(f.params.code);
  });
});

describe('bad input: an error in the right response mode, and nothing issued', () => {
  const refused = [
    ['unknown response type', { response_type: 'token' }, 'unsupported_response_type', 'fragment'],
    ['unknown word', { response_type: 'code banana' }, 'unsupported_response_type', 'fragment'],
    ['repeated word', { response_type: 'id_token id_token' }, 'unsupported_response_type', 'fragment'],
    ['missing nonce', { response_type: 'id_token', nonce: undefined }, 'invalid_request', 'fragment'],
    ['missing nonce (hybrid)', { response_type: 'code id_token', nonce: undefined }, 'invalid_request', 'fragment'],
    ['missing nonce, form_post', { response_type: 'token id_token', nonce: undefined, response_mode: 'form_post' }, 'invalid_request', 'form_post'],
    ['query mode with id_token', { response_type: 'id_token', response_mode: 'query' }, 'invalid_request', 'fragment'],
    ['query mode with token', { response_type: 'code token', response_mode: 'query' }, 'invalid_request', 'fragment'],
    ['unknown response mode', { response_type: 'id_token', response_mode: 'jwt' }, 'invalid_request', 'fragment'],
  ];
  for (const [what, params, error, expectedMode] of refused) {
    test(`${what}: ${error} in ${expectedMode}`, async () => {
      const url = authorizeUrl(implicitClient, params);
      const { mode, params: got } = await answer(loggedIn, url);
      assert.equal(mode, expectedMode);
      assert.equal(got.error, error, JSON.stringify(got));
      assert.equal(got.state, url.searchParams.get('state'));
      assert.equal(got.iss, gh.issuer);
      assertNothingIssued(got);
    });
  }

  test('missing nonce is refused before any login: no login page, no session needed', async () => {
    const res = await new Browser().request(authorizeUrl(implicitClient, { response_type: 'id_token', nonce: undefined }));
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location'));
    assert.equal(location.origin + location.pathname, CALLBACK);
    assert.equal(new URLSearchParams(location.hash.slice(1)).get('error'), 'invalid_request');
  });

  for (const type of ['id_token', 'token id_token', 'code id_token', 'code token']) {
    test(`a client without implicit asking for "${type}": unauthorized_client, nothing issued`, async () => {
      const url = authorizeUrl(codeOnlyClient, { response_type: type });
      const { mode, params } = await answer(loggedIn, url);
      assert.equal(mode, 'fragment');
      assert.equal(params.error, 'unauthorized_client', JSON.stringify(params));
      assertNothingIssued(params);
    });
  }
});
