// Interop: openid-client v6 (panva) against the real gatehouse binary, as a relying party would
// use it: discovery, authorization code + PKCE S256 + state + nonce, ID token validation
// (iss, aud, nonce, signature against the JWKS), userinfo, refresh with rotation, revocation,
// client_credentials for the Management API with client_secret_post and client_secret_basic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startGatehouse, browserLogin } from '../lib/gatehouse.mjs';
import { decodeJwt, verifyJwt } from '../lib/jwt.mjs';
import { createM2MClient } from '../mgmt/helpers.mjs';

const REDIRECT_URI = 'http://localhost:3000/callback';
const SCOPE = 'openid profile email offline_access';
const opts = { execute: [client.allowInsecureRequests], timeout: 10 };

let gh;
let config;  // the demo SPA client (public, token_endpoint_auth_method none)

before(async () => {
  gh = await startGatehouse({ demoCallbacks: [REDIRECT_URI] });
  config = await client.discovery(new URL(gh.issuer), gh.demoClientId, undefined, client.None(), opts);
});

after(async () => {
  await gh?.stop();
});

// One full front-channel round: returns { tokens, verifier, nonce, state, callbackUrl }.
async function login(extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const callbackUrl = new URL(await browserLogin(url.href, gh.demoUser, gh.demoPassword));
  return { verifier, nonce, state, callbackUrl };
}

test('discovery document is usable by openid-client', () => {
  const md = config.serverMetadata();
  assert.equal(md.issuer, gh.issuer);
  assert.equal(md.authorization_endpoint, `${gh.issuer}authorize`);
  assert.equal(md.token_endpoint, `${gh.issuer}oauth/token`);
  assert.ok(md.jwks_uri, 'jwks_uri');
  assert.ok(md.userinfo_endpoint, 'userinfo_endpoint');
  assert.ok(md.revocation_endpoint, 'revocation_endpoint');
  assert.ok(md.code_challenge_methods_supported?.includes('S256'));
  assert.ok(config.serverMetadata().supportsPKCE());
});

test('code flow with PKCE: ID token validated, userinfo, refresh rotation and reuse detection', async () => {
  const { verifier, nonce, state, callbackUrl } = await login();
  assert.equal(callbackUrl.origin + callbackUrl.pathname, REDIRECT_URI);
  assert.ok(callbackUrl.searchParams.get('code'), `no code in ${callbackUrl}`);
  assert.equal(callbackUrl.searchParams.get('iss'), gh.issuer, 'RFC 9207 iss in the redirect');

  // openid-client checks state, iss (RFC 9207), exchanges the code, and validates the ID token:
  // signature (JWKS), iss, aud, exp/iat, nonce.
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(tokens.access_token);
  assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
  assert.ok(tokens.expires_in > 60, `expires_in ${tokens.expires_in}`);
  const claims = tokens.claims();
  assert.equal(claims.iss, gh.issuer);
  assert.equal(claims.aud, gh.demoClientId);
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.email, gh.demoUser);
  assert.ok(claims.sub);
  // Independent signature check of the ID token against the JWKS. No audience was asked for, so the
  // access token is Auth0's opaque kind (a JWE only the tenant reads): the client never decodes it.
  await verifyJwt(tokens.id_token, config.serverMetadata().jwks_uri);
  const jweHeader = JSON.parse(Buffer.from(tokens.access_token.split('.')[0], 'base64url'));
  assert.equal(tokens.access_token.split('.').length, 5);
  assert.deepEqual([jweHeader.alg, jweHeader.enc, jweHeader.iss], ['dir', 'A256GCM', gh.issuer]);

  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(userinfo.sub, claims.sub);
  assert.equal(userinfo.email, gh.demoUser);

  // Refresh: a new refresh token (rotation) and a new ID token, validated by the library.
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token);
  assert.ok(refreshed.refresh_token, 'rotation: a new refresh token');
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  assert.ok(refreshed.id_token, 'id_token on refresh');
  assert.equal(refreshed.claims().sub, claims.sub);
  await client.fetchUserInfo(config, refreshed.access_token, claims.sub);

  // The old refresh token is now rejected...
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (err) => {
    assert.ok(err instanceof client.ResponseBodyError, `${err}`);
    assert.equal(err.error, 'invalid_grant');
    return true;
  });
  // ...and its reuse revoked the whole family (spec §1.4: "a reused old refresh token fails and
  // revokes the whole family").
  await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token), (err) => {
    assert.equal(err.error, 'invalid_grant');
    return true;
  });
});

test('tokenRevocation revokes a refresh token', async () => {
  const { verifier, nonce, state, callbackUrl } = await login();
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce,
  });
  await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (err) => {
    assert.equal(err.error, 'invalid_grant');
    return true;
  });
  // Revoking again (already invalid) still succeeds (RFC 7009 §2.2).
  await client.tokenRevocation(config, tokens.refresh_token);
});

test('wrong PKCE verifier surfaces as invalid_grant', async () => {
  const { nonce, state, callbackUrl } = await login();
  await assert.rejects(
    client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: state, expectedNonce: nonce,
    }),
    (err) => {
      assert.ok(err instanceof client.ResponseBodyError, `${err}`);
      assert.equal(err.error, 'invalid_grant');
      return true;
    },
  );
});

test('state mismatch is caught by the library before any token request', async () => {
  const { verifier, nonce, callbackUrl } = await login();
  await assert.rejects(
    client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: verifier, expectedState: client.randomState(), expectedNonce: nonce,
    }),
    (err) => {
      assert.match(`${err.message} ${err.cause?.message}`, /state/i);
      return true;
    },
  );
});

for (const [name, auth] of [
  ['client_secret_post', client.ClientSecretPost],
  ['client_secret_basic', client.ClientSecretBasic],
]) {
  test(`client_credentials for the Management API with ${name}`, async () => {
    // A client registered with that token_endpoint_auth_method (each method is enforced).
    const m2m = await createM2MClient(gh, { method: name });
    const mgmt = await client.discovery(new URL(gh.issuer), m2m.client_id, undefined, auth(m2m.client_secret), opts);
    const audience = `${gh.issuer}api/v2/`;
    const tokens = await client.clientCredentialsGrant(mgmt, { audience });
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.id_token, undefined);
    assert.equal(tokens.refresh_token, undefined);
    const at = await verifyJwt(tokens.access_token, mgmt.serverMetadata().jwks_uri);
    assert.equal(at.iss, gh.issuer);
    assert.equal(at.sub, `${m2m.client_id}@clients`);
    assert.ok([at.aud].flat().includes(audience), `aud ${JSON.stringify(at.aud)}`);
    assert.match(at.scope, /read:connections/);
    // The token works on the Management API.
    const res = await fetch(`${gh.issuer}api/v2/connections`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(res.status, 200);

    // A wrong secret is refused with a 401 the library surfaces as a typed error: a
    // ResponseBodyError, or a WWWAuthenticateChallengeError when Gatehouse adds
    // `WWW-Authenticate: Basic` (RFC 6749 §5.2, client_secret_basic). Body: invalid_client
    // (security.md §4; not Auth0's access_denied "Unauthorized").
    const bad = await client.discovery(new URL(gh.issuer), m2m.client_id, undefined, auth('wrong-secret'), opts);
    const err = await client.clientCredentialsGrant(bad, { audience }).then(() => null, (e) => e);
    assert.ok(err instanceof client.ResponseBodyError || err instanceof client.WWWAuthenticateChallengeError, `${err}`);
    assert.equal(err.status, 401);
    const body = err instanceof client.ResponseBodyError ? err.cause : await err.response.json();
    assert.equal(body.error, 'invalid_client', JSON.stringify(body));
  });
}

// OpenID Connect RP-Initiated Logout 1.0: openid-client builds the URL from the discovered
// end_session_endpoint with id_token_hint, post_logout_redirect_uri and state; §3 of that spec:
// the OP "passes this value back to the RP using the state query parameter".
async function endSession(state) {
  const { verifier, nonce, state: s, callbackUrl } = await login();
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: verifier, expectedState: s, expectedNonce: nonce,
  });
  const url = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: 'http://localhost:3000',
    state,
  });
  const res = await fetch(url, { redirect: 'manual' });
  return { url, res, location: res.headers.get('location') };
}

test('RP-initiated logout via end_session_endpoint redirects to post_logout_redirect_uri', async () => {
  const { url, res, location } = await endSession('logout-state-1');
  assert.equal(res.status, 302, `${url} -> ${res.status}`);
  assert.equal(new URL(location).origin, 'http://localhost:3000');
});

test('RP-initiated logout echoes state to post_logout_redirect_uri', async () => {
  const { location } = await endSession('logout-state-2');
  assert.equal(new URL(location).searchParams.get('state'), 'logout-state-2', `redirected to ${location}`);
});

test('decodeJwt sanity: access token header is RS256 with a kid', async () => {
  const mgmt = await client.discovery(new URL(gh.issuer), gh.mgmtClientId, undefined, client.ClientSecretPost(gh.mgmtClientSecret), opts);
  const tokens = await client.clientCredentialsGrant(mgmt, { audience: `${gh.issuer}api/v2/` });
  const { header } = decodeJwt(tokens.access_token);
  assert.equal(header.alg, 'RS256');
  assert.ok(header.kid);
});
