// express-openid-connect 3.4.0 (Auth0's Express quickstart SDK) as a real Express app on 127.0.0.1
// against the real binary: (a) its quickstart configuration (id_token + form_post, the SDK's
// defaults), (b) the code flow of a regular web app with a client secret and an API audience.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { Browser } from '../federation/helpers.mjs';
import { apiCaller, mgmtToken, unique } from '../mgmt/helpers.mjs';
import { auth, requiresAuth, attemptSilentLogin, appAddress, startApp, createWebApp, drive, jwtClaims } from './helpers.mjs';

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
