// Security regression tests for the signing keys of the Management API (/api/v2/keys/signing, issue 18):
// a revoked key is trusted nowhere, no answer carries private key material, and the routes need their
// scopes. Each test is named after the attack it stops; the file runs on SQLite and on PostgreSQL.
import { test, describe, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken, createM2MClient, assertAuth0Error, unique } from '../mgmt/helpers.mjs';
import { jwtClaims } from '../federation/helpers.mjs';

const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const DB = 'Username-Password-Authentication';

const kidOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid;

let gh;
let api;
before(async () => {
  gh = await startGatehouse({ quiet: true });
});
// A token per test: a test that revokes a key also invalidates the tokens it signed.
beforeEach(async () => {
  api = apiCaller(gh, await mgmtToken(gh));
});
after(async () => gh?.stop());

// A user's JWT access token for the Management API (read:current_user), also valid at /userinfo.
async function userToken() {
  const client = await api('POST', '/clients', {
    body: { name: unique('keys'), app_type: 'regular_web', token_endpoint_auth_method: 'client_secret_post',
      grant_types: [PASSWORD_REALM] },
  });
  assert.equal(client.status, 201, client.text);
  const email = `${unique('k')}@example.com`.toLowerCase();
  const user = await api('POST', '/users', { body: { connection: DB, email, password: 'a long enough password 1' } });
  assert.equal(user.status, 201, user.text);
  const res = await fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: PASSWORD_REALM, realm: DB, client_id: client.body.client_id,
      client_secret: client.body.client_secret, username: email, password: 'a long enough password 1',
      audience: `${gh.issuer}api/v2/`, scope: 'openid read:current_user' }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

const userinfo = (token) => fetch(`${gh.origin}/userinfo`, {
  headers: { authorization: `Bearer ${token}` },
});

const jwksKids = async () => (await (await fetch(`${gh.origin}/.well-known/jwks.json`)).json()).keys.map((k) => k.kid);

describe('signing keys', () => {
  test('stolen key replay: a token signed with a revoked key is refused at /userinfo and by the Management API', async () => {
    const userAccess = await userToken();
    const oldMgmtToken = await mgmtToken(gh);
    const oldKid = kidOf(userAccess);
    assert.equal(kidOf(oldMgmtToken), oldKid);
    assert.equal((await userinfo(userAccess)).status, 200);

    const rotated = await api('POST', '/keys/signing/rotate');
    assert.equal(rotated.status, 201, rotated.text);
    assert.notEqual(rotated.body.kid, oldKid);
    // Rotated out, not revoked: what it signed still verifies.
    assert.equal((await userinfo(userAccess)).status, 200);
    assert.ok((await jwksKids()).includes(oldKid));

    const fresh = apiCaller(gh, await mgmtToken(gh));
    const revoked = await fresh('PUT', `/keys/signing/${oldKid}/revoke`);
    assert.equal(revoked.status, 200, revoked.text);
    assert.equal(revoked.body.kid, oldKid);

    assert.ok(!(await jwksKids()).includes(oldKid), 'a revoked key is no longer published');
    const res = await userinfo(userAccess);
    assert.equal(res.status, 401);
    const stale = await apiCaller(gh, oldMgmtToken)('GET', '/keys/signing');
    assert.equal(stale.status, 401, stale.text);
    // The listing shows it revoked.
    const listed = (await fresh('GET', '/keys/signing')).body.find((k) => k.kid === oldKid);
    assert.equal(listed.revoked, true);
    assert.equal(listed.current, false);
    assert.match(listed.revoked_at, /^\d{4}-\d\d-\d\dT/);
  });

  test('locking the tenant out: the key that signs cannot be revoked', async () => {
    const keys = await api('GET', '/keys/signing');
    assert.equal(keys.status, 200, keys.text);
    const current = keys.body.filter((k) => k.current);
    assert.ok(current.length >= 1);
    for (const key of current) {
      const r = await api('PUT', `/keys/signing/${key.kid}/revoke`);
      assertAuth0Error(r, 400, 'operation_not_supported');
    }
    // Still signing and verifying.
    const token = await mgmtToken(gh);
    assert.equal((await apiCaller(gh, token)('GET', '/keys/signing')).status, 200);
  });

  test('key exfiltration: no signing-key answer carries private key material', async () => {
    const rotated = await api('POST', '/keys/signing/rotate');
    assert.equal(rotated.status, 201, rotated.text);
    const list = await api('GET', '/keys/signing');
    const one = await api('GET', `/keys/signing/${rotated.body.kid}`);
    assert.equal(one.status, 200, one.text);
    const old = list.body.find((k) => !k.current && !k.revoked);
    const revoked = await api('PUT', `/keys/signing/${old.kid}/revoke`);
    assert.equal(revoked.status, 200, revoked.text);
    for (const r of [rotated, list, one, revoked]) {
      assert.doesNotMatch(r.text, /PRIVATE KEY/);
      // No JWK private members (d, p, q, dp, dq, qi) anywhere.
      assert.doesNotMatch(r.text, /"(d|p|q|dp|dq|qi)"\s*:/);
    }
    // The certificate holds the public key the JWKS publishes, nothing more.
    const cert = new X509Certificate(one.body.cert);
    const jwk = cert.publicKey.export({ format: 'jwk' });
    const published = (await (await fetch(`${gh.origin}/.well-known/jwks.json`)).json()).keys.find((k) => k.kid === one.body.kid);
    assert.equal(jwk.n, published.n);
    assert.equal(jwk.d, undefined);
    assert.ok(cert.verify(cert.publicKey), 'self-signed by the key');
  });

  test('privilege escalation: a token without the signing-key scopes gets 403 on every signing-key route', async () => {
    const m2m = await createM2MClient(gh, { scope: ['read:clients'] });
    const token = await mgmtToken(gh, { clientId: m2m.client_id, clientSecret: m2m.client_secret });
    const weak = apiCaller(gh, token);
    const kid = (await api('GET', '/keys/signing')).body[0].kid;
    for (const [method, path, scopes] of [
      ['GET', '/keys/signing', /read:signing_keys/],
      ['GET', `/keys/signing/${kid}`, /read:signing_keys/],
      ['POST', '/keys/signing/rotate', /create:signing_keys/],
      ['PUT', `/keys/signing/${kid}/revoke`, /update:signing_keys/],
    ]) {
      const r = await weak(method, path);
      assertAuth0Error(r, 403, 'insufficient_scope', scopes);
    }
    // A read-only token may list but not rotate.
    const reader = await createM2MClient(gh, { scope: ['read:signing_keys'] });
    const read = apiCaller(gh, await mgmtToken(gh, { clientId: reader.client_id, clientSecret: reader.client_secret }));
    assert.equal((await read('GET', '/keys/signing')).status, 200);
    assertAuth0Error(await read('POST', '/keys/signing/rotate'), 403, 'insufficient_scope');
  });
});
