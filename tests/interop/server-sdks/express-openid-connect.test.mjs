// express-openid-connect 3.4.0 (Auth0's Express quickstart SDK) as a real Express app on 127.0.0.1
// against the real binary: (a) its quickstart configuration (id_token + form_post, the SDK's
// defaults), (b) the code flow of a regular web app with a client secret and an API audience.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { Browser } from '../federation/helpers.mjs';
import { apiCaller, mgmtToken, unique } from '../mgmt/helpers.mjs';
import { auth, requiresAuth, attemptSilentLogin, appAddress, startApp, createWebApp, drive, jwtClaims, leftHalfHash } from './helpers.mjs';

const SECRET = 'a long, randomly-generated string stored in env';

let gh;
before(async () => {
  gh = await startGatehouse();
});
after(async () => gh?.stop());

describe('quickstart configuration: issuerBaseURL, baseURL, clientID, secret', () => {
  let app;
  let web;
  let lastIdToken;
  before(async () => {
    const { port, url } = await appAddress();
    // A regular web app as the dashboard creates it: every default grant, implicit included.
    web = await createWebApp(gh, url);
    app = await startApp(port, (express) => {
      express.use(auth({ issuerBaseURL: gh.issuer, baseURL: url, clientID: web.client_id, secret: SECRET }));
      express.get('/profile', requiresAuth(), (req, res) => {
        lastIdToken = req.oidc.idToken;
        res.json(req.oidc.user);
      });
    });
  });
  after(async () => app?.close());

  test('login through the hosted page (id_token + form_post), requiresAuth() returns req.oidc.user, logout', async () => {
    assert.ok(web.grant_types.includes('implicit'), JSON.stringify(web.grant_types));
    const browser = new Browser();
    const first = await browser.request(`${app.url}/profile`);
    assert.equal(first.status, 302);
    const authorize = new URL(first.headers.get('location'));
    assert.equal(authorize.origin + authorize.pathname, `${gh.origin}/authorize`);
    assert.equal(authorize.searchParams.get('response_type'), 'id_token');
    assert.equal(authorize.searchParams.get('response_mode'), 'form_post');
    assert.equal(authorize.searchParams.get('scope'), 'openid profile email');
    assert.ok(authorize.searchParams.get('nonce'));

    const done = await drive(browser, authorize, { username: gh.demoUser, password: gh.demoPassword });
    assert.deepEqual(done.pages, ['login', 'form_post']);
    assert.equal(done.status, 200, done.body);
    assert.equal(done.url, `${app.url}/profile`);
    const user = JSON.parse(done.body);
    assert.equal(user.email, gh.demoUser);
    assert.match(user.sub, /^auth0\|/);
    const id = jwtClaims(lastIdToken);
    assert.equal(id.nonce, authorize.searchParams.get('nonce'));
    assert.equal(id.aud, web.client_id);
    assert.equal(id.iss, gh.issuer);
    assert.ok(id.sid && id.auth_time, JSON.stringify(id));

    // The session is the app's: a second request needs no round trip to Gatehouse.
    const again = await browser.request(`${app.url}/profile`);
    assert.equal(again.status, 200);
    assert.equal((await again.json()).sub, user.sub);

    // /logout ends the app session (idpLogout is off in the quickstart: the SDK's default for an
    // issuer outside auth0.com) and lands on baseURL; /profile then sends the browser to log in.
    const out = await browser.request(`${app.url}/logout`);
    assert.equal(out.status, 302);
    assert.equal(new URL(out.headers.get('location')).origin, app.url);
    const after = await browser.request(`${app.url}/profile`);
    assert.equal(after.status, 302);
    assert.equal(new URL(after.headers.get('location')).pathname, '/authorize');
  });
});

describe('code flow: clientSecret, audience, offline_access, idpLogout', () => {
  let app;
  let web;
  let audience;
  before(async () => {
    const api = apiCaller(gh, await mgmtToken(gh));
    audience = `https://${unique('api')}.example.test/`;
    const rs = await api('POST', '/resource-servers', { body: {
      name: unique('api'), identifier: audience, allow_offline_access: true, token_lifetime: 3600,
      scopes: [{ value: 'read:things', description: 'read things' }] } });
    assert.equal(rs.status, 201, rs.text);
    const { port, url } = await appAddress();
    // The SDK authenticates with HTTP Basic unless told otherwise (its clientAuthMethod default),
    // and Gatehouse enforces the registered method (docs/security.md), so the app says basic.
    web = await createWebApp(gh, url, { token_endpoint_auth_method: 'client_secret_basic' });
    assert.ok(web.client_secret);
    app = await startApp(port, (express) => {
      express.use(auth({
        issuerBaseURL: gh.issuer, baseURL: url, clientID: web.client_id, clientSecret: web.client_secret, secret: SECRET,
        authRequired: false, idpLogout: true,
        authorizationParams: { response_type: 'code', audience, scope: 'openid profile email offline_access read:things' },
      }));
      express.get('/', attemptSilentLogin(), (req, res) => res.json({ authenticated: req.oidc.isAuthenticated(), user: req.oidc.user }));
      express.get('/profile', requiresAuth(), (req, res) => res.json({
        user: req.oidc.user, access_token: req.oidc.accessToken?.access_token, has_refresh: Boolean(req.oidc.refreshToken),
        id_token: req.oidc.idToken }));
      express.get('/refresh', requiresAuth(), async (req, res, next) => {
        try {
          const before = req.oidc.accessToken.access_token;
          const fresh = await req.oidc.accessToken.refresh();
          res.json({ before, after: fresh.access_token, expires_in: fresh.expires_in });
        } catch (e) {
          next(e);
        }
      });
      express.get('/userinfo', requiresAuth(), async (req, res, next) => {
        try {
          res.json(await req.oidc.fetchUserInfo());
        } catch (e) {
          next(e);
        }
      });
    });
  });
  after(async () => app?.close());

  const withoutAppCookies = (browser) => {
    browser.jars.delete(new URL(app.url).host);
    return browser;
  };

  test('login, access token for the audience, refresh(), fetchUserInfo(), attemptSilentLogin, idpLogout', async () => {
    const browser = new Browser();
    const first = await browser.request(`${app.url}/profile`);
    const authorize = new URL(first.headers.get('location'));
    assert.equal(authorize.searchParams.get('response_type'), 'code');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('audience'), audience);
    const done = await drive(browser, authorize, { username: gh.demoUser, password: gh.demoPassword });
    assert.deepEqual(done.pages, ['login']);
    assert.equal(done.status, 200, done.body);
    const profile = JSON.parse(done.body);
    assert.equal(profile.user.email, gh.demoUser);
    assert.ok(profile.has_refresh, 'offline_access gave a refresh token');
    const at = jwtClaims(profile.access_token);
    assert.deepEqual(at.aud, [audience, `${gh.issuer}userinfo`]);
    assert.equal(at.azp, web.client_id);
    assert.match(at.scope, /\bread:things\b/);

    // req.oidc.accessToken.refresh(): the refresh_token grant with client_secret_post.
    const refreshed = await (await browser.request(`${app.url}/refresh`)).json();
    assert.equal(refreshed.before, profile.access_token);
    assert.ok(refreshed.after && refreshed.after !== refreshed.before, JSON.stringify(refreshed));
    assert.equal(jwtClaims(refreshed.after).sub, at.sub);
    const stored = await (await browser.request(`${app.url}/profile`)).json();
    assert.equal(stored.access_token, refreshed.after, 'the app session keeps the refreshed token');

    // req.oidc.fetchUserInfo() with the (refreshed) access token.
    const info = await browser.request(`${app.url}/userinfo`);
    assert.equal(info.status, 200);
    const claims = await info.json();
    assert.equal(claims.sub, at.sub);
    assert.equal(claims.email, gh.demoUser);

    // attemptSilentLogin(): a browser holding a Gatehouse session but no app session is logged in
    // with prompt=none and no page...
    const silent = await drive(withoutAppCookies(browser), `${app.url}/`);
    assert.deepEqual(silent.pages, []);
    assert.equal(JSON.parse(silent.body).authenticated, true, silent.body);
    assert.ok(browser.visited.some((u) => u.startsWith(`${gh.origin}/authorize`) && new URL(u).searchParams.get('prompt') === 'none'));
    // ...and a browser without one comes back anonymous (login_required), again without a page.
    const stranger = await drive(new Browser(), `${app.url}/`);
    assert.deepEqual(stranger.pages, []);
    assert.equal(JSON.parse(stranger.body).authenticated, false, stranger.body);

    // idpLogout: /logout -> end_session_endpoint (<issuer>oidc/logout) with id_token_hint and
    // post_logout_redirect_uri -> back to baseURL, and the Gatehouse session is gone.
    const out = await browser.request(`${app.url}/logout`);
    assert.equal(out.status, 302);
    const endSession = new URL(out.headers.get('location'));
    assert.equal(endSession.origin + endSession.pathname, `${gh.origin}/oidc/logout`);
    const hint = jwtClaims(endSession.searchParams.get('id_token_hint'));  // the silent login's ID token
    assert.equal(hint.aud, web.client_id);
    assert.equal(hint.sub, at.sub);
    assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), app.url);
    const back = await browser.request(endSession);
    assert.equal(back.status, 302);
    assert.equal(new URL(back.headers.get('location')).origin, app.url);
    const afterLogout = await drive(withoutAppCookies(browser), `${app.url}/`);
    assert.equal(JSON.parse(afterLogout.body).authenticated, false, 'no Gatehouse session is left for a silent login');
  });
});

describe('hybrid: response_type "code id_token" (form_post)', () => {
  let app;
  let web;
  before(async () => {
    const { port, url } = await appAddress();
    web = await createWebApp(gh, url, { token_endpoint_auth_method: 'client_secret_basic' });
    app = await startApp(port, (express) => {
      express.use(auth({
        issuerBaseURL: gh.issuer, baseURL: url, clientID: web.client_id, clientSecret: web.client_secret, secret: SECRET,
        authorizationParams: { response_type: 'code id_token' },
      }));
      express.get('/profile', requiresAuth(), (req, res) => res.json({ user: req.oidc.user, access_token: req.oidc.accessToken?.access_token }));
    });
  });
  after(async () => app?.close());

  test('the front-channel ID token carries c_hash, the SDK redeems the code and logs in', async () => {
    const browser = new Browser();
    const first = await browser.request(`${app.url}/profile`);
    const authorize = new URL(first.headers.get('location'));
    assert.equal(authorize.searchParams.get('response_type'), 'code id_token');
    assert.equal(authorize.searchParams.get('response_mode'), 'form_post');
    let posted;
    const done = await drive(browser, authorize, { username: gh.demoUser, password: gh.demoPassword,
      onFormPost: (fields) => { posted = fields; } });
    assert.deepEqual(done.pages, ['login', 'form_post']);
    assert.equal(done.status, 200, done.body);
    assert.equal(JSON.parse(done.body).user.email, gh.demoUser);
    assert.deepEqual(Object.keys(posted).sort(), ['code', 'id_token', 'iss', 'state']);
    const id = jwtClaims(posted.id_token);
    assert.equal(id.c_hash, leftHalfHash(posted.code));
    assert.equal(id.nonce, authorize.searchParams.get('nonce'));
  });
});
