// Issue 18 item 4 with Auth0's Node Management SDK (auth0 7.1.0): /api/v2/keys/signing through
// management.keys.signing.{list,get,rotate,revoke}, and the documented Auth0 fields of resource servers,
// clients and client grants accepted, stored and returned (bad values: Auth0's 400, nothing written).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken, sdk, assertAuth0Error, unique, rejectionOf } from './helpers.mjs';

let gh;
let mgmt;
before(async () => {
  gh = await startGatehouse({ quiet: true });
  mgmt = sdk(gh);
});
after(async () => gh?.stop());

describe('signing keys with the SDK', () => {
  test('list, get, rotate and revoke answer Auth0\'s documents', async () => {
    const keys = await mgmt.keys.signing.list();
    assert.ok(Array.isArray(keys) && keys.length >= 3, JSON.stringify(keys));  // RS256, ES256, EdDSA
    const rs256 = keys.find((k) => k.current && new X509Certificate(k.cert).publicKey.asymmetricKeyType === 'rsa');
    assert.ok(rs256, 'a current RS256 key');
    for (const field of ['kid', 'cert', 'pkcs7', 'fingerprint', 'thumbprint', 'current_since'])
      assert.equal(typeof rs256[field], 'string', field);
    assert.equal(rs256.next, false);
    assert.equal(rs256.revoked, false);
    assert.match(rs256.cert, /^-----BEGIN CERTIFICATE-----\n/);
    assert.match(rs256.pkcs7, /^-----BEGIN PKCS7-----\n/);
    const cert = new X509Certificate(rs256.cert);
    assert.equal(rs256.fingerprint, cert.fingerprint);                  // SHA-1, colon-separated
    assert.equal(rs256.thumbprint, cert.fingerprint.replaceAll(':', ''));
    assert.equal(cert.subject, `CN=127.0.0.1:${gh.port}`);

    const one = await mgmt.keys.signing.get(rs256.kid);
    assert.deepEqual(one, rs256, 'an RS256 certificate is the same at every read');

    const rotated = await mgmt.keys.signing.rotate();
    assert.notEqual(rotated.kid, rs256.kid);
    assert.match(rotated.cert, /BEGIN CERTIFICATE/);
    const after = await mgmt.keys.signing.list();
    const previous = after.find((k) => k.kid === rs256.kid);
    assert.equal(previous.current, false);
    assert.equal(previous.previous, true);
    assert.match(previous.current_until, /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.equal(after.find((k) => k.kid === rotated.kid).current, true);
    // The new key signs what the SDK itself asks for next (its token is cached: use a fresh one).
    const token = await mgmtToken(gh);
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0], 'base64url')).kid, rotated.kid);

    const revoked = await sdk(gh).keys.signing.revoke(rs256.kid);
    assert.equal(revoked.kid, rs256.kid);
    assert.equal(revoked.cert, rs256.cert);
    const gone = await sdk(gh).keys.signing.get(rs256.kid);
    assert.equal(gone.revoked, true);
    assert.equal(gone.previous, false);
  });

  test('an unknown kid is a 404; revoking twice is a 400', async () => {
    // A fresh token: the previous test revoked the key that signed the first one.
    const fresh = apiCaller(gh, await mgmtToken(gh));
    assertAuth0Error(await fresh('GET', '/keys/signing/no-such-kid'), 404, 'inexistent_key');
    assert.equal((await rejectionOf(sdk(gh).keys.signing.get('no-such-kid'))).statusCode, 404);
    const rotated = await fresh('POST', '/keys/signing/rotate');
    assert.equal(rotated.status, 201, rotated.text);
    const previous = (await fresh('GET', '/keys/signing')).body.find((k) => k.previous);
    const again = apiCaller(gh, await mgmtToken(gh));
    assert.equal((await again('PUT', `/keys/signing/${previous.kid}/revoke`)).status, 200);
    assertAuth0Error(await again('PUT', `/keys/signing/${previous.kid}/revoke`), 400, 'operation_not_supported');
  });
});

describe('Auth0 fields of resource servers, clients and client grants', () => {
  test('a resource server stores and returns every documented field', async () => {
    const fresh = apiCaller(gh, await mgmtToken(gh));
    const identifier = `https://${unique('api')}.example.com/`;
    const fields = {
      authorization_details: [{ type: 'payment' }, { type: 'shipping' }],
      subject_type_authorization: { user: { policy: 'allow_all' }, client: { policy: 'require_client_grant' } },
      allow_online_access: true,
      allow_online_access_with_ephemeral_sessions: false,
      token_lifetime_for_anonymous_access_tokens: 3600,
      proof_of_possession: { mechanism: 'dpop', required: false },
      token_encryption: null,
      consent_policy: null,
      authorization_policy: null,
    };
    const created = await sdk(gh).resourceServers.create({ identifier, ...fields });
    const read = await sdk(gh).resourceServers.get(created.id);
    for (const [k, v] of Object.entries(fields)) {
      if (v === null) assert.ok(read[k] === undefined || read[k] === null, k);
      else assert.deepEqual(read[k], v, k);
    }
    const patched = await fresh('PATCH', `/resource-servers/${created.id}`, {
      body: { authorization_details: null, allow_online_access: false },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.authorization_details, undefined);
    assert.equal(patched.body.allow_online_access, false);
  });

  test('bad values of resource-server fields are Auth0\'s 400 and change nothing', async () => {
    const fresh = apiCaller(gh, await mgmtToken(gh));
    const created = await fresh('POST', '/resource-servers', { body: { identifier: `https://${unique('v')}.example.com/` } });
    assert.equal(created.status, 201, created.text);
    const before = (await fresh('GET', `/resource-servers/${created.body.id}`)).body;
    for (const [body, match] of [
      [{ authorization_details: 'payment' }, /Expected type array/],
      [{ authorization_details: [{ kind: 'x' }] }, /authorization_details/],
      [{ subject_type_authorization: { user: { policy: 'everyone' } } }, /No enum match/],
      [{ subject_type_authorization: { client: { policy: 'deny_all' } } }, /not supported/],
      [{ subject_type_authorization: { user: { policy: 'deny_all' } } }, /not supported/],
      [{ allow_online_access: 'yes' }, /Expected type boolean/],
      [{ token_lifetime_for_anonymous_access_tokens: 0 }, /token_lifetime_for_anonymous_access_tokens/],
      [{ proof_of_possession: { mechanism: 'mtls', required: true } }, /proof_of_possession is not supported/],
      [{ proof_of_possession: { mechanism: 'carrier-pigeon', required: false } }, /No enum match/],
      [{ token_encryption: { format: 'compact-nested-jwe', encryption_key: { alg: 'RSA-OAEP-256', pem: 'x' } } }, /token_encryption/],
      [{ consent_policy: 'transactional-authorization-with-mfa' }, /consent_policy/],
      [{ signing_secret: 'a'.repeat(32) }, /signing_secret/],
      [{ verificationLocation: 'x' }, /Additional properties not allowed: verificationLocation/],
    ]) {
      const r = await fresh('PATCH', `/resource-servers/${created.body.id}`, { body });
      assertAuth0Error(r, 400, 'invalid_body', match);
    }
    assert.deepEqual((await fresh('GET', `/resource-servers/${created.body.id}`)).body, before);
  });

  test('a client stores b2b_integration_configuration, and PATCH client_secret sets the secret the client authenticates with', async () => {
    const fresh = apiCaller(gh, await mgmtToken(gh));
    const b2b = { sso_profiles: ['ssop_1'], integration_type: 'third_party' };
    const created = await fresh('POST', '/clients', {
      body: { name: unique('b2b'), app_type: 'non_interactive', b2b_integration_configuration: b2b },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual((await fresh('GET', `/clients/${created.body.client_id}`)).body.b2b_integration_configuration, b2b);
    assertAuth0Error(await fresh('PATCH', `/clients/${created.body.client_id}`, {
      body: { b2b_integration_configuration: { integration_type: 'other' } } }), 400, 'invalid_body', /No enum match/);
    assertAuth0Error(await fresh('PATCH', `/clients/${created.body.client_id}`, {
      body: { b2b_integration_configuration: { sso_profiles: ['a', 'b'] } } }), 400, 'invalid_body', /sso_profiles/);
    assertAuth0Error(await fresh('POST', '/clients', { body: { name: unique('c'), client_secret: 'x'.repeat(40) } }),
      400, 'invalid_body', /Additional properties not allowed: client_secret/);

    const grant = await fresh('POST', '/client-grants', {
      body: { client_id: created.body.client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:clients'] },
    });
    assert.equal(grant.status, 201, grant.text);
    // A guessable secret is refused, and changes nothing.
    assertAuth0Error(await fresh('PATCH', `/clients/${created.body.client_id}`, { body: { client_secret: 'x'.repeat(31) } }),
      400, 'invalid_body', /client_secret/);
    await mgmtToken(gh, { clientId: created.body.client_id, clientSecret: created.body.client_secret });
    const chosen = 'chosen-secret-0123456789-abcdefghijklmnop';
    const patched = await fresh('PATCH', `/clients/${created.body.client_id}`, { body: { client_secret: chosen } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.client_secret, undefined, 'a chosen secret is not echoed');
    await mgmtToken(gh, { clientId: created.body.client_id, clientSecret: chosen });
    const old = await fetch(`${gh.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: created.body.client_id,
        client_secret: created.body.client_secret, audience: `${gh.issuer}api/v2/` }),
    });
    assert.equal(old.status, 401, 'the previous secret no longer authenticates');
  });

  test('client grants accept Auth0\'s fields at the values Gatehouse applies and read back subject_type', async () => {
    const fresh = apiCaller(gh, await mgmtToken(gh));
    const client = await fresh('POST', '/clients', { body: { name: unique('cg'), app_type: 'non_interactive' } });
    const body = { client_id: client.body.client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:clients'] };
    for (const [extra, match] of [
      [{ subject_type: 'user' }, /subject_type is not supported/],
      [{ subject_type: 'robot' }, /No enum match/],
      [{ allow_all_scopes: true }, /allow_all_scopes is not supported/],
      [{ authorization_details_types: ['payment'] }, /authorization_details_types is not supported/],
      [{ organization_usage: 'require' }, /organization_usage is not supported/],
      [{ allow_any_organization: true }, /allow_any_organization is not supported/],
    ]) assertAuth0Error(await fresh('POST', '/client-grants', { body: { ...body, ...extra } }), 400, 'invalid_body', match);
    assert.equal((await fresh('GET', `/client-grants?client_id=${client.body.client_id}`)).body.length, 0, 'nothing created');
    const created = await fresh('POST', '/client-grants', {
      body: { ...body, subject_type: 'client', allow_all_scopes: false, authorization_details_types: [],
        organization_usage: 'deny', allow_any_organization: false, default_for: null },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.subject_type, 'client');
    const read = await sdk(gh).clientGrants.list({ client_id: client.body.client_id });
    assert.equal(read.data[0].subject_type, 'client');
  });
});
