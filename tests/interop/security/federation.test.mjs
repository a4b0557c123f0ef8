// Federation security (shared/spec/security.md §5), the real binary over loopback: IdP mix-up
// (RFC 9700 §4.4, RFC 9207), account takeover across connections, and SSRF through connection
// endpoints. Upstreams: a second Gatehouse and node-oidc-provider (both announce RFC 9207 iss), and
// fake WordPress providers (no iss).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
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
  startFakeProvider,
  startOidcProvider,
} from '../federation/helpers.mjs';
import { apiCaller, assertAuth0Error, mgmtToken } from '../mgmt/helpers.mjs';

const PRIVATE_OK = { args: ['--allow-private-upstreams'] };

// Where the downstream Gatehouse sends the client's browser back to (its redirect_uri), parsed.
function clientCallback(res, base) {
  assert.equal(res.status, 302, `expected a redirect to the client, got ${res.status}`);
  const url = new URL(res.headers.get('location'), base);
  assert.equal(url.origin + url.pathname, DEMO_CALLBACK);
  return url;
}

// Starts a login of the demo client through `connection` and stops where the browser would first
// load `stopAt`: returns that URL and the client's state.
async function startLogin(gh, browser, connection, stopAt, onPage) {
  const auth = authorizeUrl(gh, { connection });
  const end = await browser.navigate(auth.url, { stop: (u) => u.startsWith(stopAt), onPage });
  assert.ok(end.url.startsWith(stopAt), `expected to reach ${stopAt}, ended at ${end.url} ${end.body ?? ''}`);
  return { ...auth, at: new URL(end.url) };
}

// The same provider response, with its state (and iss) replaced, at `path` of the downstream issuer.
function forge(gh, response, { state, iss, path } = {}) {
  const url = new URL(response);
  if (path) url.pathname = path;
  if (state) url.searchParams.set('state', state);
  if (iss === null) url.searchParams.delete('iss');
  else if (iss) url.searchParams.set('iss', iss);
  return url;
}

describe('IdP mix-up (RFC 9700 §4.4)', () => {
  let d, a, b, wp1, wp2, secretA;
  before(async () => {
    [d, a] = await Promise.all([startGatehouse(PRIVATE_OK), startGatehouse()]);
    // Upstream A: a Gatehouse whose demo user logs in; the downstream is its regular_web client.
    const client = await mgmt(a, 'POST', '/clients', {
      name: 'downstream',
      app_type: 'regular_web',
      callbacks: [`${d.issuer}login/callback`],
      grant_types: ['authorization_code'],
      // Gatehouse as an OIDC client authenticates with Basic (the OIDC default A's discovery offers).
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const [database] = await mgmt(a, 'GET', '/connections?name=Username-Password-Authentication');
    await mgmt(a, 'PATCH', `/connections/${database.id}`, { enabled_clients: [a.demoClientId, client.client_id] });
    secretA = client.client_secret;
    await createConnection(d, 'upstream-a', 'oidc', {
      client_id: client.client_id,
      client_secret: client.client_secret,
      discovery_url: `${a.issuer}.well-known/openid-configuration`,
    });
    // Upstream B: node-oidc-provider, counting the requests its token endpoint gets.
    b = await startOidcProvider(`${d.issuer}login/callback`);
    await createConnection(d, 'upstream-b', 'oidc', {
      client_id: 'gatehouse-rp',
      client_secret: 'gatehouse-rp-secret-0123456789',
      issuer: b.issuer,
    });
    // Two WordPress-shaped providers: no iss, so each connection has its own callback path.
    [wp1, wp2] = await Promise.all([startFakeProvider('wordpress'), startFakeProvider('wordpress')]);
    await createConnection(d, 'mix-wp1', 'wordpress', wp1.options);
    await createConnection(d, 'mix-wp2', 'wordpress', wp2.options);
  });
  after(async () => {
    await d?.stop();
    await a?.stop();
    await b?.stop();
    await wp1?.stop();
    await wp2?.stop();
  });

  // A's real response (code + iss) to a login through upstream-a, not yet delivered.
  async function responseFromA(browser) {
    const started = await startLogin(d, browser, 'upstream-a', `${d.issuer}login/callback`,
      gatehouseLoginPage(a.demoUser, a.demoPassword));
    assert.equal(started.at.searchParams.get('iss'), a.issuer, 'upstream Gatehouse sends RFC 9207 iss');
    assert.ok(started.at.searchParams.get('code'));
    return started;
  }

  test("IdP mix-up: a code from upstream A delivered with upstream B's state is refused before any token request", async () => {
    const browser = new Browser();
    const loginB = await startLogin(d, browser, 'upstream-b', `${b.issuer}/auth`);
    const stateB = loginB.at.searchParams.get('state');
    assert.equal(loginB.at.searchParams.get('redirect_uri'), `${d.issuer}login/callback`);
    const fromA = await responseFromA(browser);

    const refused = clientCallback(await browser.request(forge(d, fromA.at, { state: stateB })), d.origin);
    assert.equal(refused.searchParams.get('error'), 'server_error');
    assert.equal(refused.searchParams.get('state'), loginB.state, "B's login is the one that fails");
    assert.equal(refused.searchParams.get('code'), null);
    assert.equal(b.seen.token, 0, "B's token endpoint was never called");
    assert.match(d.log(), /mix-up defence: iss "http:\/\/127\.0\.0\.1:\d+\/" is not the issuer http:\/\/127\.0\.0\.1:\d+/);

    // A's code was not redeemed anywhere: its own login still completes with it.
    const ok = clientCallback(await browser.request(fromA.at), d.origin);
    assert.equal(ok.searchParams.get('state'), fromA.state);
    const tokens = await redeem(d, ok.searchParams.get('code'), fromA.verifier);
    assert.match(jwtClaims(tokens.id_token).sub, /^oidc\|upstream-a\|auth0\|/);
  });

  test("IdP mix-up: the same attack with A's iss stripped is refused, since B announces iss", async () => {
    const browser = new Browser();
    const loginB = await startLogin(d, browser, 'upstream-b', `${b.issuer}/auth`);
    const fromA = await responseFromA(browser);
    const forged = forge(d, fromA.at, { state: loginB.at.searchParams.get('state'), iss: null });
    const refused = clientCallback(await browser.request(forged), d.origin);
    assert.equal(refused.searchParams.get('error'), 'server_error');
    assert.equal(b.seen.token, 0, "B's token endpoint was never called");
    assert.ok(clientCallback(await browser.request(fromA.at), d.origin).searchParams.get('code'), "A's code is unused");
  });

  test('secret disclosure from a database copy: upstream client_secrets are sealed at rest, opened only for the token request and the Management API', async () => {
    const stored = (name) => d.sql(`SELECT doc FROM connections WHERE name = '${name}'`);
    assert.ok(!stored('upstream-a').includes(secretA), 'the database never holds the secret in clear');
    assert.match(stored('upstream-a'), /"client_secret":"sealed:/);
    // The token request to A (which checks the secret with HTTP Basic) still gets the clear secret.
    const browser = new Browser();
    const fromA = await responseFromA(browser);
    const ok = clientCallback(await browser.request(fromA.at), d.origin);
    assert.ok(ok.searchParams.get('code'), `login through A completes: ${ok}`);
    // Auth0 returns the secret to read:connections holders: so does Gatehouse, in clear.
    const [conn] = await mgmt(d, 'GET', '/connections?name=upstream-a');
    assert.equal(conn.options.client_secret, secretA);
    // A new secret sent by PATCH is sealed too, and what PATCH answers is the clear value.
    const options = { ...conn.options, client_secret: 'rotated-upstream-secret-0123456789' };
    const patched = await mgmt(d, 'PATCH', `/connections/${conn.id}`, { options });
    assert.equal(patched.options.client_secret, 'rotated-upstream-secret-0123456789');
    assert.ok(!stored('upstream-a').includes('rotated-upstream-secret'));
    assert.match(stored('upstream-a'), /"client_secret":"sealed:/);
    await mgmt(d, 'PATCH', `/connections/${conn.id}`, { options: { ...conn.options, client_secret: secretA } });
  });

  test("IdP mix-up: a code from WordPress provider 1 delivered with provider 2's state is refused at every callback, before any token request", async () => {
    const browser = new Browser();
    // Two logins through mix-wp2, stopped before provider 2 answers: two states of its legs.
    const states = [];
    for (let i = 0; i < 2; i++) {
      const login = await startLogin(d, browser, 'mix-wp2', wp2.origin);
      assert.equal(login.at.searchParams.get('redirect_uri'), `${d.issuer}login/callback/mix-wp2`);
      states.push(login.at.searchParams.get('state'));
    }
    const from1 = await startLogin(d, browser, 'mix-wp1', `${d.issuer}login/callback`);
    assert.equal(from1.at.pathname, '/login/callback/mix-wp1');
    // Where provider 1 sends it (its own callback), and at Auth0's shared callback.
    for (const [state, path] of [[states[0], '/login/callback/mix-wp1'], [states[1], '/login/callback']]) {
      const refused = clientCallback(await browser.request(forge(d, from1.at, { state, path })), d.origin);
      assert.equal(refused.searchParams.get('error'), 'server_error', path);
    }
    assert.equal(wp2.tokenRequests.length, 0, "provider 2's token endpoint was never called");
    assert.equal(wp1.tokenRequests.length, 0, "provider 1's code was not redeemed either");
    const ok = clientCallback(await browser.request(from1.at), d.origin);
    assert.ok(ok.searchParams.get('code'));
    assert.equal(wp1.tokenRequests.at(-1).form.redirect_uri, `${d.issuer}login/callback/mix-wp1`,
      'the token request names the redirect_uri the leg sent');
  });
});

describe('account takeover across connections', () => {
  let d, wpA, wpB;
  before(async () => {
    d = await startGatehouse(PRIVATE_OK);
    [wpA, wpB] = await Promise.all([startFakeProvider('wordpress'), startFakeProvider('wordpress')]);
    // The same WordPress ID at two providers, with different people behind it.
    wpA.profile = { ID: 777, display_name: 'First Owner', username: 'first', email: 'first@example.org', email_verified: true };
    wpB.profile = { ID: 777, display_name: 'Second Person', username: 'second', email: 'second@example.org', email_verified: true };
    await createConnection(d, 'blog-a', 'wordpress', wpA.options);
    await createConnection(d, 'blog-b', 'wordpress', wpB.options);
  });
  after(async () => {
    await d?.stop();
    await wpA?.stop();
    await wpB?.stop();
  });

  async function loginAs(connection) {
    const auth = authorizeUrl(d, { connection });
    const end = new URL((await new Browser().navigate(auth.url)).url);
    const code = end.searchParams.get('code');
    assert.ok(code, `expected a code: ${end}`);
    return jwtClaims((await redeem(d, code, auth.verifier)).id_token);
  }

  test('account takeover: the same upstream id from a second wordpress connection logs in its own user and never touches the first', async () => {
    const first = await loginAs('blog-a');
    assert.equal(first.sub, 'wordpress|777');
    const second = await loginAs('blog-b');
    assert.equal(second.sub, 'wordpress|blog-b|777', "blog-b's user is namespaced by its connection");
    assert.equal(second.email, 'second@example.org');
    // Each login lands on its own user again.
    assert.equal((await loginAs('blog-a')).sub, 'wordpress|777');
    assert.equal((await loginAs('blog-b')).sub, 'wordpress|blog-b|777');

    const userA = await mgmt(d, 'GET', `/users/${encodeURIComponent('wordpress|777')}`);
    assert.equal(userA.email, 'first@example.org', "the first user's email is unchanged");
    assert.equal(userA.name, 'First Owner');
    assert.equal(userA.logins_count, 2);
    assert.deepEqual(userA.identities, [{ connection: 'blog-a', user_id: '777', provider: 'wordpress', isSocial: true }]);
    const userB = await mgmt(d, 'GET', `/users/${encodeURIComponent('wordpress|blog-b|777')}`);
    assert.equal(userB.email, 'second@example.org');
    assert.equal(userB.logins_count, 2);
    assert.deepEqual(userB.identities, [{ connection: 'blog-b', user_id: '777', provider: 'wordpress', isSocial: true }]);
  });
});

describe('SSRF through connection endpoints', () => {
  let d, wp, listener;
  const accepted = [];
  before(async () => {
    d = await startGatehouse({ quiet: true });  // no --allow-private-upstreams
    wp = await startFakeProvider('wordpress');  // only the browser talks to it (its authorize page)
    // A loopback listener standing for an internal service: it proves whether Gatehouse connected.
    listener = createServer((socket) => {
      accepted.push(socket.remoteAddress);
      socket.destroy();
    });
    await new Promise((r) => listener.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await d?.stop();
    await wp?.stop();
    await new Promise((r) => listener?.close(r));
  });

  const internal = () => `127.0.0.1:${listener.address().port}`;

  // A login through `connection` that fails upstream: the client gets a generic error naming no
  // address, port or status, and the log says why.
  async function failedLogin(connection) {
    const before = d.log().length;
    const auth = authorizeUrl(d, { connection });
    const end = await new Browser().navigate(auth.url);
    const callback = new URL(end.url);
    assert.equal(callback.origin + callback.pathname, DEMO_CALLBACK, `ended at ${end.url} ${end.body ?? ''}`);
    assert.equal(callback.searchParams.get('error'), 'server_error');
    const description = callback.searchParams.get('error_description');
    assert.equal(description, `Could not reach the identity provider of connection "${connection}".`);
    await new Promise((r) => setTimeout(r, 50));
    return d.log().slice(before);
  }

  test('SSRF: a token and profile endpoint on loopback are refused without --allow-private-upstreams, before any connection', async () => {
    await createConnection(d, 'ssrf-loopback', 'wordpress', {
      ...wp.options,
      tokenURL: `http://${internal()}/oauth2/token`,
      userInfoURL: `http://${internal()}/rest/v1.1/me`,
    });
    const log = await failedLogin('ssrf-loopback');
    assert.equal(accepted.length, 0, 'nothing connected to the loopback service');
    assert.match(log, /token endpoint at http:\/\/127\.0\.0\.1:\d+\/oauth2\/token: the host has no public address/);
  });

  test('SSRF: a name that resolves to loopback (localhost) is refused after resolution, before any connection', async () => {
    await createConnection(d, 'ssrf-localhost', 'oidc', {
      client_id: 'x',
      discovery_url: `http://localhost:${listener.address().port}/.well-known/openid-configuration`,
    });
    const log = await failedLogin('ssrf-localhost');
    assert.equal(accepted.length, 0, 'nothing connected to the loopback service');
    assert.match(log, /discovery document at http:\/\/localhost:\d+\/\.well-known\/openid-configuration: the host has no public address/);
  });

  // The address check refuses these before any packet leaves: no traffic goes to them.
  for (const [name, host] of [['ssrf-metadata', '169.254.169.254'], ['ssrf-rfc1918', '10.0.0.1'], ['ssrf-mapped', '[::ffff:169.254.169.254]']]) {
    test(`SSRF: discovery at ${host} is refused before connecting, with a generic error`, async () => {
      await createConnection(d, name, 'oidc', { client_id: 'x', discovery_url: `https://${host}/latest/meta-data/` });
      const started = Date.now();
      const log = await failedLogin(name);
      assert.ok(Date.now() - started < 2000, 'refused at once, not after a connect timeout');
      assert.match(log, /discovery document at https:\/\/\S+\/latest\/meta-data\/: the host has no public address/);
    });
  }

  test('SSRF: endpoint URLs that are not absolute http(s) URLs, and relative ca_file paths, are refused by the Management API', async () => {
    const api = apiCaller(d, await mgmtToken(d));
    const cases = [
      [{ strategy: 'wordpress', options: { tokenURL: 'file:///etc/passwd' } }, /options\.tokenURL must be an absolute http\(s\) URL/],
      [{ strategy: 'oauth2', options: { client_id: 'c', authorizationURL: 'https://idp.example.com/a', tokenURL: 'gopher://127.0.0.1:6379/_x' } },
        /options\.tokenURL/],
      [{ strategy: 'oidc', options: { client_id: 'c', issuer: 'https://op.example.com/', oidc_metadata: { jwks_uri: 'file:///etc/shadow' } } },
        /options\.oidc_metadata\.jwks_uri must be an absolute http\(s\) URL/],
      [{ strategy: 'wordpress', options: { ca_file: 'certs/ca.pem' } }, /options\.ca_file must be an absolute file path/],
    ];
    for (const [body, message] of cases) {
      const name = `bad-${Math.random().toString(36).slice(2, 8)}`;
      assertAuth0Error(await api('POST', '/connections', { body: { name, ...body } }), 400, 'invalid_body', message);
      const listed = await api('GET', `/connections?name=${name}`);
      assert.deepEqual(listed.body, [], 'nothing stored');
    }
  });
});
