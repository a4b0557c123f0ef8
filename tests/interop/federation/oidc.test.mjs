// Gatehouse as the OpenID relying party of real providers on loopback: node-oidc-provider 9.13.3
// (PKCE required, client_secret_basic, ID token + userinfo), and a second Gatehouse instance
// configured by discovery_url only, whose demo user logs in on its hosted page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import {
  Browser,
  DEMO_CALLBACK,
  authorizeUrl,
  createConnection,
  gatehouseLoginPage,
  jwtClaims,
  mgmt,
  redeem,
  startOidcProvider,
} from './helpers.mjs';

describe('oidc-provider upstream', () => {
  let gh, op;
  before(async () => {
    gh = await startGatehouse({ args: ['--allow-private-upstreams'] });
    op = await startOidcProvider(`${gh.issuer}login/callback`);
    await createConnection(gh, 'node-op', 'oidc', {
      client_id: 'gatehouse-rp',
      client_secret: 'gatehouse-rp-secret-0123456789',
      issuer: op.issuer,
      scope: 'openid profile email',
      upstream_params: { prompt: { value: 'login' }, ui_locales: { alias: 'ui_locales' } },
    });
  });
  after(async () => {
    await gh?.stop();
    await op?.stop();
  });

  test('logs in through oidc-provider: PKCE, nonce, ID token + userinfo, oidc|<connection>|<sub>', async () => {
    const auth = authorizeUrl(gh, { connection: 'node-op', ui_locales: 'fr' });
    const end = await new Browser().navigate(auth.url);
    const callback = new URL(end.url);
    assert.equal(callback.origin + callback.pathname, DEMO_CALLBACK, `ended at ${end.url} ${end.body ?? ''}`);
    const code = callback.searchParams.get('code');
    assert.ok(code, `expected a code: ${end.url}`);
    assert.equal(callback.searchParams.get('state'), auth.state);

    const upstream = op.seen.authorize.at(-1);
    assert.equal(upstream.code_challenge_method, 'S256');
    assert.ok(upstream.nonce);
    assert.equal(upstream.prompt, 'login');
    assert.equal(upstream.ui_locales, 'fr');
    // oidc-provider announces RFC 9207 iss: Auth0's shared callback, its iss checked.
    assert.equal(upstream.redirect_uri, `${gh.issuer}login/callback`);

    const tokens = await redeem(gh, code, auth.verifier);
    const claims = jwtClaims(tokens.id_token);
    assert.equal(claims.sub, 'oidc|node-op|alice-0001');
    assert.equal(claims.iss, gh.issuer);
    const user = await mgmt(gh, 'GET', `/users/${encodeURIComponent('oidc|node-op|alice-0001')}`);
    assert.equal(user.email, 'Alice@Example.com');
    assert.equal(user.email_verified, true);
    assert.equal(user.name, 'Alice Liddell');
    assert.equal(user.nickname, 'alice');
    assert.deepEqual(user.identities, [
      { connection: 'node-op', user_id: 'alice-0001', provider: 'oidc', isSocial: false },
    ]);
    assert.equal(user.logins_count, 1);
  });

  test('a wrong client secret at the provider: server_error to the client, not a hang; the detail only in the log', async () => {
    await createConnection(gh, 'node-op-bad-secret', 'oidc', {
      client_id: 'gatehouse-rp',
      client_secret: 'not-the-secret',
      issuer: op.issuer,
    });
    const auth = authorizeUrl(gh, { connection: 'node-op-bad-secret' });
    const callback = new URL((await new Browser().navigate(auth.url)).url);
    assert.equal(callback.searchParams.get('error'), 'server_error');
    assert.match(callback.searchParams.get('error_description'), /Could not reach the identity provider/);
    assert.doesNotMatch(callback.searchParams.get('error_description'), /invalid_client|401|127\.0\.0\.1/);
    assert.match(gh.log(), /token endpoint at http:\/\/127\.0\.0\.1:\d+\/token: HTTP 401 invalid_client/);
  });

  test('a discovery document for another issuer is refused', async () => {
    await createConnection(gh, 'node-op-wrong-issuer', 'oidc', {
      client_id: 'gatehouse-rp',
      client_secret: 'gatehouse-rp-secret-0123456789',
      issuer: `${op.issuer}/`,
      discovery_url: `${op.issuer}/.well-known/openid-configuration`,
    });
    const auth = authorizeUrl(gh, { connection: 'node-op-wrong-issuer' });
    const callback = new URL((await new Browser().navigate(auth.url)).url);
    assert.equal(callback.searchParams.get('error'), 'server_error');
    assert.match(callback.searchParams.get('error_description'), /another issuer/);
  });
});

describe('Gatehouse federating to Gatehouse', () => {
  let a, b;
  before(async () => {
    [a, b] = await Promise.all([startGatehouse({ args: ['--allow-private-upstreams'] }), startGatehouse()]);
    const client = await mgmt(b, 'POST', '/clients', {
      name: 'Gatehouse A',
      app_type: 'regular_web',
      callbacks: [`${a.issuer}login/callback`],
      grant_types: ['authorization_code'],
      // What A uses with B (OIDC's default, listed in B's discovery): B enforces the registered method.
      token_endpoint_auth_method: 'client_secret_basic',
    });
    // B's database connection must be enabled for the new client, as on Auth0.
    const [database] = await mgmt(b, 'GET', '/connections?name=Username-Password-Authentication');
    await mgmt(b, 'PATCH', `/connections/${database.id}`, { enabled_clients: [b.demoClientId, client.client_id] });
    await createConnection(a, 'gatehouse-b', 'oidc', {
      client_id: client.client_id,
      client_secret: client.client_secret,
      discovery_url: `${b.issuer}.well-known/openid-configuration`,
    });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  test("B's demo user logs in to A's demo client", async () => {
    const auth = authorizeUrl(a, { connection: 'gatehouse-b' });
    const end = await new Browser().navigate(auth.url, { onPage: gatehouseLoginPage(b.demoUser, b.demoPassword) });
    const callback = new URL(end.url);
    const code = callback.searchParams.get('code');
    assert.ok(code, `expected a code: ${end.url} ${end.body ?? ''}`);
    const tokens = await redeem(a, code, auth.verifier);
    const claims = jwtClaims(tokens.id_token);
    assert.match(claims.sub, /^oidc\|gatehouse-b\|auth0\|[0-9a-f]{24}$/);
    assert.equal(claims.email, b.demoUser);
  });
});
