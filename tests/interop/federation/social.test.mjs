// The seed's upstream_params examples end to end (WordPress `blog`, X `screen_name` <- login_hint),
// the user they create, and every upstream fault of the federation leg, against small
// WordPress- and X-shaped providers on loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import {
  Browser,
  DEMO_CALLBACK,
  authorizeUrl,
  createConnection,
  jwtClaims,
  mgmt,
  redeem,
  startFakeProvider,
} from './helpers.mjs';

let gh, wp, x;

before(async () => {
  gh = await startGatehouse({ args: ['--allow-private-upstreams'] });
  wp = await startFakeProvider('wordpress');
  x = await startFakeProvider('twitter');
  await createConnection(gh, 'wordpress', 'wordpress', {
    ...wp.options,
    scope: ['profile'],
    upstream_params: { blog: { value: 'myblog.wordpress.com' } },
  });
  await createConnection(gh, 'twitter', 'twitter', {
    ...x.options,
    upstream_params: { screen_name: { alias: 'login_hint' } },
  });
});

after(async () => {
  await gh?.stop();
  await wp?.stop();
  await x?.stop();
});

// Runs /authorize through the upstream leg; returns the final URL at the demo client's callback.
async function login(params, browser = new Browser()) {
  const auth = authorizeUrl(gh, params);
  const end = await browser.navigate(auth.url);
  return { ...auth, end, browser, callback: new URL(end.url) };
}

describe('wordpress', () => {
  test('blog=<value> reaches WordPress on every login, and the code redeems for the wordpress user', async () => {
    for (let i = 0; i < 2; i++) {
      const { callback, verifier, state } = await login({ connection: 'wordpress' });
      assert.equal(callback.origin + callback.pathname, DEMO_CALLBACK);
      assert.equal(callback.searchParams.get('state'), state);
      const code = callback.searchParams.get('code');
      assert.ok(code, `expected a code, got ${callback}`);
      const upstream = wp.authorizeRequests.at(-1);
      assert.equal(upstream.blog, 'myblog.wordpress.com');
      assert.equal(upstream.client_id, 'upstream-client');
      // WordPress sends no RFC 9207 iss: the connection's own callback (mix-up defence).
      assert.equal(upstream.redirect_uri, `${gh.issuer}login/callback/wordpress`);
      assert.equal(upstream.response_type, 'code');
      assert.equal(upstream.scope, 'profile');
      assert.ok(upstream.state.length >= 32);
      assert.notEqual(upstream.state, state, 'the upstream leg has its own state');
      // WordPress is client_secret_post and gets no PKCE (only twitter/oidc/pkce_enabled do).
      const tokenRequest = wp.tokenRequests.at(-1);
      assert.equal(tokenRequest.basic, null);
      assert.equal(tokenRequest.form.client_secret, 'upstream-secret');
      const tokens = await redeem(gh, code, verifier);
      assert.equal(jwtClaims(tokens.id_token).sub, 'wordpress|4242');
      assert.equal(jwtClaims(tokens.id_token).name, 'Wendy Press');
    }
    const user = await mgmt(gh, 'GET', `/users/${encodeURIComponent('wordpress|4242')}`);
    assert.equal(user.nickname, 'wendyp');
    assert.equal(user.email, 'wendy@example.org');
    assert.equal(user.email_verified, true);
    assert.equal(user.picture, 'https://example.org/w.png');
    assert.equal(user.logins_count, 2);
    assert.ok(user.last_login);
    assert.deepEqual(user.identities, [
      { connection: 'wordpress', user_id: '4242', provider: 'wordpress', isSocial: true },
    ]);
  });

  test('the login page button goes through /u/connection to WordPress', async () => {
    const browser = new Browser();
    const auth = authorizeUrl(gh);
    const res = await browser.request(auth.url);
    const loginPage = new URL(res.headers.get('location'), gh.origin);
    const html = await (await browser.request(loginPage)).text();
    const href = html.match(/href="([^"]*u\/connection[^"]*connection=wordpress[^"]*)"/)?.[1];
    assert.ok(href, 'the login page shows a WordPress button');
    const end = await browser.navigate(new URL(href.replaceAll('&amp;', '&'), gh.origin));
    assert.ok(new URL(end.url).searchParams.get('code'));
  });
});

describe('twitter', () => {
  test('screen_name=<login_hint> only when login_hint is given; PKCE S256 and HTTP Basic', async () => {
    const withHint = await login({ connection: 'twitter', login_hint: 'xbird' });
    assert.ok(withHint.callback.searchParams.get('code'));
    const first = x.authorizeRequests.at(-1);
    assert.equal(first.screen_name, 'xbird');
    assert.equal(first.code_challenge_method, 'S256');
    assert.match(first.code_challenge, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(first.scope, 'tweet.read users.read');
    const tokenRequest = x.tokenRequests.at(-1);
    assert.deepEqual(tokenRequest.basic, ['upstream-client', 'upstream-secret']);
    assert.equal(tokenRequest.form.client_secret, undefined);
    assert.ok(tokenRequest.form.code_verifier);

    const noHint = await login({ connection: 'twitter' });
    assert.ok(noHint.callback.searchParams.get('code'));
    assert.equal('screen_name' in x.authorizeRequests.at(-1), false);

    const tokens = await redeem(gh, noHint.callback.searchParams.get('code'), noHint.verifier);
    assert.equal(jwtClaims(tokens.id_token).sub, 'twitter|2921946821');
    const user = await mgmt(gh, 'GET', `/users/${encodeURIComponent('twitter|2921946821')}`);
    assert.equal(user.name, 'Xavier Bird');
    assert.equal(user.screen_name, 'xbird');
    assert.equal(user.picture, 'https://example.org/x.png');
  });
});

// The client (and the browser) learns only that the provider could not be reached; the log says why.
const UNREACHABLE = /^Could not reach the identity provider of connection "[a-z-]+"\./;

// What the server logged while `run` ran.
async function logDuring(run) {
  const before = gh.log().length;
  const result = await run();
  await new Promise((r) => setTimeout(r, 50));
  return { result, log: gh.log().slice(before) };
}

describe('upstream faults', () => {
  const cases = [
    ['user cancels at the provider', { authorize: 'access_denied' }, 'access_denied', /cancelled/, /cancelled/],
    ['token endpoint never answers (read timeout)', { token: 'slow' }, 'temporarily_unavailable', UNREACHABLE,
      /token endpoint at http:\/\/127\.0\.0\.1:\d+\/oauth2\/token: the provider did not answer in time/],
    ['token endpoint answers 500', { token: 'status500' }, 'temporarily_unavailable', UNREACHABLE, /token endpoint at .*: HTTP 500/],
    ['token endpoint refuses the code', { token: 'status400' }, 'server_error', UNREACHABLE, /HTTP 400 invalid_grant \(code expired\)/],
    ['token endpoint answers broken JSON', { token: 'badjson' }, 'server_error', UNREACHABLE, /not a JSON object/],
    ['profile endpoint answers 500', { profile: 'status500' }, 'temporarily_unavailable', UNREACHABLE, /profile endpoint at .*: HTTP 500/],
  ];
  for (const [name, fault, error, description, logged] of cases) {
    test(`${name}: the client gets ${error}, the log the detail`, async () => {
      wp.fault = fault;
      try {
        const started = Date.now();
        const { result: { callback, state }, log } = await logDuring(() => login({ connection: 'wordpress' }));
        assert.equal(callback.origin + callback.pathname, DEMO_CALLBACK);
        assert.equal(callback.searchParams.get('error'), error);
        assert.match(callback.searchParams.get('error_description'), description);
        assert.doesNotMatch(callback.searchParams.get('error_description'), /127\.0\.0\.1|HTTP|invalid_grant|JSON/);
        assert.match(log, logged);
        assert.equal(callback.searchParams.get('state'), state);
        assert.equal(callback.searchParams.get('iss'), gh.issuer);
        assert.ok(Date.now() - started < 15_000, 'bounded by the client timeouts');
      } finally {
        wp.fault = {};
      }
    });
  }

  test('connection refused: temporarily_unavailable', async () => {
    await createConnection(gh, 'wp-down', 'wordpress', {
      ...wp.options,
      tokenURL: 'http://127.0.0.1:9/oauth2/token',
    });
    const { result: { callback }, log } = await logDuring(() => login({ connection: 'wp-down' }));
    assert.equal(callback.searchParams.get('error'), 'temporarily_unavailable');
    assert.match(callback.searchParams.get('error_description'), UNREACHABLE);
    assert.match(log, /127\.0\.0\.1:9\/oauth2\/token: the connection was refused/);
  });

  test('plain http to a non-loopback provider is refused', async () => {
    await createConnection(gh, 'wp-insecure', 'wordpress', {
      ...wp.options,
      tokenURL: 'http://wordpress.invalid/oauth2/token',
    });
    const { result: { callback }, log } = await logDuring(() => login({ connection: 'wp-insecure' }));
    assert.equal(callback.searchParams.get('error'), 'server_error');
    assert.match(callback.searchParams.get('error_description'), UNREACHABLE);
    assert.match(log, /plain http is allowed only to loopback hosts/);
  });

  test('a replayed callback is an error page, not a redirect', async () => {
    const browser = new Browser();
    const auth = authorizeUrl(gh, { connection: 'wordpress' });
    let callbackUrl;
    await browser.navigate(auth.url, {
      stop: (u) => {
        if (u.startsWith(`${gh.issuer}login/callback`)) callbackUrl ??= u;
        return u.startsWith(DEMO_CALLBACK);
      },
    });
    assert.ok(callbackUrl);
    const replay = await browser.request(callbackUrl);
    assert.equal(replay.status, 400);
    assert.equal(replay.headers.get('location'), null);
    assert.match(await replay.text(), /already used or has expired/);
  });

  test('a missing state is an error page', async () => {
    const res = await fetch(`${gh.issuer}login/callback?code=abc`, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
  });

  test('a callback from another browser is refused', async () => {
    const browser = new Browser();
    const auth = authorizeUrl(gh, { connection: 'wordpress' });
    let callbackUrl;
    await browser.navigate(auth.url, {
      stop: (u) => {
        if (u.startsWith(`${gh.issuer}login/callback`)) {
          callbackUrl = u;
          return true;
        }
        return false;
      },
    });
    const res = await new Browser().request(callbackUrl);
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('location'), null);
  });
});
