// Interop: oauth4webapi v3 (panva's low-level OAuth 2 / OIDC client) against the real gatehouse
// binary: discovery, code flow with PKCE, authorization response validation incl. `iss`
// (RFC 9207), ID token claims with nonce, userinfo, refresh, revocation, client_credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { startGatehouse, browserLogin } from '../lib/gatehouse.mjs';
import { verifyJwt } from '../lib/jwt.mjs';
import { createM2MClient } from '../mgmt/helpers.mjs';

const REDIRECT_URI = 'http://localhost:3000/callback';
const SCOPE = 'openid profile email offline_access';
const http = { [oauth.allowInsecureRequests]: true, signal: undefined };
const req = () => ({ ...http, signal: AbortSignal.timeout(10_000) });

let gh;
let as;
let spa;  // public client
const none = oauth.None();

before(async () => {
  gh = await startGatehouse({ demoCallbacks: [REDIRECT_URI] });
  const issuer = new URL(gh.issuer);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, req()));
  spa = { client_id: gh.demoClientId };
});

after(async () => {
  await gh?.stop();
});

async function authorize(extra = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: spa.client_id,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: SCOPE,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  }).toString();
  const callback = new URL(await browserLogin(url.href, gh.demoUser, gh.demoPassword));
  return { verifier, state, nonce, callback };
}

async function exchange({ verifier, state, nonce, callback }) {
  const params = oauth.validateAuthResponse(as, spa, callback, state);
  const response = await oauth.authorizationCodeGrantRequest(as, spa, none, params, REDIRECT_URI, verifier, req());
  return oauth.processAuthorizationCodeResponse(as, spa, response, { expectedNonce: nonce, requireIdToken: true });
}

test('discovery metadata', () => {
  assert.equal(as.issuer, gh.issuer);
  for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'revocation_endpoint'])
    assert.ok(as[k], k);
  assert.ok(as.code_challenge_methods_supported?.includes('S256'));
  assert.ok(as.response_types_supported?.includes('code'));
  assert.ok(as.id_token_signing_alg_values_supported?.includes('RS256'));
});

test('code flow + PKCE, iss in the redirect, nonce, userinfo, refresh, revocation', async () => {
  const round = await authorize();
  assert.equal(round.callback.searchParams.get('iss'), gh.issuer, `RFC 9207 iss missing in ${round.callback}`);
  const result = await exchange(round);
  assert.ok(result.access_token);
  assert.ok(result.refresh_token);
  assert.equal(result.token_type.toLowerCase(), 'bearer');
  const claims = oauth.getValidatedIdTokenClaims(result);
  assert.equal(claims.iss, gh.issuer);
  assert.equal(claims.aud, gh.demoClientId);
  assert.equal(claims.nonce, round.nonce);
  assert.equal(claims.email, gh.demoUser);
  // oauth4webapi does not verify token-endpoint ID token signatures itself (TLS-protected per
  // OIDC Core 3.1.3.7): do it against the JWKS here.
  await verifyJwt(result.id_token, as.jwks_uri);

  const ui = await oauth.processUserInfoResponse(as, spa, claims.sub,
    await oauth.userInfoRequest(as, spa, result.access_token, req()));
  assert.equal(ui.sub, claims.sub);
  assert.equal(ui.email, gh.demoUser);

  const refreshed = await oauth.processRefreshTokenResponse(as, spa,
    await oauth.refreshTokenGrantRequest(as, spa, none, result.refresh_token, req()));
  assert.ok(refreshed.access_token);
  assert.ok(refreshed.refresh_token);
  assert.notEqual(refreshed.refresh_token, result.refresh_token);
  assert.equal(oauth.getValidatedIdTokenClaims(refreshed)?.sub, claims.sub);

  await oauth.processRevocationResponse(await oauth.revocationRequest(as, spa, none, refreshed.refresh_token, req()));
  await assert.rejects(
    oauth.processRefreshTokenResponse(as, spa,
      await oauth.refreshTokenGrantRequest(as, spa, none, refreshed.refresh_token, req())),
    (err) => {
      assert.ok(err instanceof oauth.ResponseBodyError, `${err}`);
      assert.equal(err.error, 'invalid_grant');
      return true;
    },
  );
});

test('an unknown refresh token: invalid_grant whose description contains "invalid refresh token"', async () => {
  // auth0-spa-js falls back to the iframe only when error_description contains this exact
  // (case-sensitive) substring (wire contract §2.4, §4.5 item 5; Auth0: "Unknown or invalid
  // refresh token.").
  const err = await oauth.processRefreshTokenResponse(as, spa,
    await oauth.refreshTokenGrantRequest(as, spa, none, 'not-a-refresh-token', req())).then(() => null, (e) => e);
  assert.ok(err instanceof oauth.ResponseBodyError, `${err}`);
  assert.equal(err.error, 'invalid_grant');
  assert.match(err.error_description ?? '', /invalid refresh token/);
});

test('validateAuthResponse rejects a forged iss and a wrong state', async () => {
  const round = await authorize();
  const forged = new URL(round.callback);
  forged.searchParams.set('iss', 'http://evil.example/');
  assert.throws(() => oauth.validateAuthResponse(as, spa, forged, round.state), /iss/);
  assert.throws(() => oauth.validateAuthResponse(as, spa, round.callback, 'other-state'), /state/);
});

test('authorization error comes back to the client as an AuthorizationResponseError (prompt=none, no session)', async () => {
  const round = await authorize({ prompt: 'none' });
  assert.equal(round.callback.searchParams.get('error'), 'login_required', `${round.callback}`);
  assert.throws(() => oauth.validateAuthResponse(as, spa, round.callback, round.state), (err) => {
    assert.ok(err instanceof oauth.AuthorizationResponseError, `${err}`);
    assert.equal(err.error, 'login_required');
    return true;
  });
});

test('wrong code_verifier is invalid_grant; the code is single-use', async () => {
  const round = await authorize();
  const params = oauth.validateAuthResponse(as, spa, round.callback, round.state);
  const bad = await oauth.authorizationCodeGrantRequest(as, spa, none, params, REDIRECT_URI,
    oauth.generateRandomCodeVerifier(), req());
  await assert.rejects(oauth.processAuthorizationCodeResponse(as, spa, bad, { expectedNonce: round.nonce }), (err) => {
    assert.ok(err instanceof oauth.ResponseBodyError, `${err}`);
    assert.equal(err.error, 'invalid_grant');
    return true;
  });

  // A fresh code: the first exchange works, a replay is invalid_grant.
  const ok = await authorize();
  await exchange(ok);
  await assert.rejects(exchange(ok), (err) => err.error === 'invalid_grant');
});

test('client_credentials (client_secret_basic and client_secret_post) for the Management API', async () => {
  const audience = `${gh.issuer}api/v2/`;
  // Each client authenticates with the method it registered (the bootstrap client: post).
  const basic = await createM2MClient(gh, { method: 'client_secret_basic' });
  for (const [id, auth] of [[basic.client_id, oauth.ClientSecretBasic(basic.client_secret)],
    [gh.mgmtClientId, oauth.ClientSecretPost(gh.mgmtClientSecret)]]) {
    const client = { client_id: id };
    const result = await oauth.processClientCredentialsResponse(as, client,
      await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ audience }), req()));
    assert.ok(result.access_token);
    assert.equal(result.refresh_token, undefined);
    const at = await verifyJwt(result.access_token, as.jwks_uri);
    assert.ok([at.aud].flat().includes(audience));
    assert.equal(at.azp ?? id, id);
  }
});
