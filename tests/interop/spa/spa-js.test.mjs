// Interop: Auth0's own SPA SDK (@auth0/auth0-spa-js 2.28.3, unmodified UMD bundle) in a real
// headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the real
// gatehouse binary: loginWithRedirect through the hosted login page, handleRedirectCallback,
// getUser, getTokenSilently (cache, then a refresh_token grant from the SDK's web worker with
// CORS), silent authentication in a hidden iframe (prompt=none, response_mode=web_message) and
// logout through /v2/logout.
//
// Hosts: the app is served by node on http://localhost:<appPort>/ (redirect flow) and on
// http://127.0.0.1:<appPort>/ (iframe flow). Gatehouse runs on http://127.0.0.1:<port>/, so
// only the 127.0.0.1 app is same-site with it and gets the session cookie inside the iframe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { startGatehouse, freePort } from '../lib/gatehouse.mjs';
import { decodeJwt } from '../lib/jwt.mjs';
import { apiCaller, mgmtToken } from '../mgmt/helpers.mjs';

const CHROMIUM = '/usr/bin/chromium';
const require = createRequire(import.meta.url);
const SPA_JS = require.resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js');
const STEP_TIMEOUT = 15_000;
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (scripts/install-deps.sh test)`;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>spa-js interop app</title>
<script src="/auth0-spa-js.production.js"></script></head>
<body><h1>spa-js interop app</h1>
<script>
  window.makeClient = (cfg) => auth0.createAuth0Client(cfg);
</script></body></html>`;

let gh;
let app;
let appPort;
let browser;

function serveApp(port) {
  const bundle = readFileSync(SPA_JS);
  const handler = (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/auth0-spa-js.production.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(bundle);
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  };
  // Chromium may resolve localhost to ::1 or 127.0.0.1: listen on both loopbacks, nothing else.
  const servers = ['127.0.0.1', '::1'].map((host) => {
    const s = createServer(handler);
    return new Promise((resolve) => {
      s.once('error', () => resolve(null));  // no IPv6 loopback here: fine
      s.listen(port, host, () => resolve(s));
    });
  });
  return Promise.all(servers).then((list) => ({
    close: () => Promise.all(list.filter(Boolean).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); }))),
  }));
}

before(async () => {
  if (skip) return;
  appPort = await freePort();
  gh = await startGatehouse({
    demoCallbacks: [`http://localhost:${appPort}/`, `http://127.0.0.1:${appPort}/`],
  });
  app = await serveApp(appPort);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: STEP_TIMEOUT,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close().catch(() => {});
  await app?.close();
  await gh?.stop();
});

const clientConfig = (extra = {}) => ({
  domain: gh.origin,  // http://127.0.0.1:<port>, no trailing slash (spa-js appends one for iss)
  clientId: gh.demoClientId,
  authorizationParams: { scope: 'openid profile email offline_access' },
  cacheLocation: 'memory',
  ...extra,
});

// Records every request (page, iframes and workers) to Gatehouse in a browser context.
function recordGatehouseTraffic(context) {
  const seen = [];
  context.on('request', (r) => {
    if (r.url().startsWith(gh.origin)) seen.push({ method: r.method(), url: r.url(), body: r.postData() ?? '' });
  });
  return seen;
}

// loginWithRedirect from appOrigin, fill in the hosted login page, land back on the app.
// `onLoginPage(page)` runs on the hosted page before the credentials are filled in.
async function redirectLogin(page, appOrigin, cfg, { onLoginPage } = {}) {
  await page.goto(`${appOrigin}/`);
  await page.evaluate((c) => { window.makeClient(c).then((a) => a.loginWithRedirect()); }, cfg);
  await page.waitForURL((u) => u.href.startsWith(`${gh.origin}/u/login`));
  if (onLoginPage) await onLoginPage(page);
  await page.fill('input[name="username"]', gh.demoUser);
  await page.fill('input[name="password"]', gh.demoPassword);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${appOrigin}/?`)),
    page.click('button[type="submit"]'),
  ]);
  const back = new URL(page.url());
  assert.ok(back.searchParams.get('code'), `no code in ${back}`);
  return back;
}

test('loginWithRedirect, handleRedirectCallback, getUser, getTokenSilently (cache + refresh grant in the worker), logout',
  { skip, timeout: 30_000 }, async () => {
    const context = await browser.newContext();
    try {
      const traffic = recordGatehouseTraffic(context);
      const page = await context.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT);
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      const appOrigin = `http://localhost:${appPort}`;
      const cfg = clientConfig({ useRefreshTokens: true, authorizationParams: {
        scope: 'openid profile email offline_access', redirect_uri: `${appOrigin}/` } });

      await redirectLogin(page, appOrigin, cfg);

      const out = await page.evaluate(async (c) => {
        const a = await window.makeClient(c);
        window.a0 = a;
        const { appState } = await a.handleRedirectCallback();
        const user = await a.getUser();
        const claims = await a.getIdTokenClaims();
        const cached = await a.getTokenSilently({ detailedResponse: true });
        const cachedAgain = await a.getTokenSilently({ detailedResponse: true });
        const fresh = await a.getTokenSilently({ cacheMode: 'off', detailedResponse: true });
        const freshAgain = await a.getTokenSilently({ cacheMode: 'off', detailedResponse: true });
        return { appState, user, claims, cached, cachedAgain, fresh, freshAgain, authenticated: await a.isAuthenticated() };
      }, cfg);
      assert.deepEqual(errors, []);
      assert.equal(out.authenticated, true);
      assert.equal(out.user.email, gh.demoUser);
      assert.ok(out.user.sub);
      assert.equal(out.claims.iss, `${gh.origin}/`);
      assert.equal(out.claims.aud, gh.demoClientId);
      // The cached token is served without a network call; cacheMode off forces a new grant.
      assert.equal(out.cachedAgain.access_token, out.cached.access_token);
      assert.ok(out.fresh.id_token);
      assert.equal(decodeJwt(out.fresh.id_token).payload.sub, out.user.sub);

      const tokenCalls = traffic.filter((r) => r.method === 'POST' && r.url === `${gh.origin}/oauth/token`);
      const grants = tokenCalls.map((r) => new URLSearchParams(r.body).get('grant_type'));
      assert.deepEqual(grants, ['authorization_code', 'refresh_token', 'refresh_token'],
        `token calls: ${JSON.stringify(tokenCalls)}`);
      // The second refresh used the rotated token, not the first one.
      const rts = tokenCalls.slice(1).map((r) => new URLSearchParams(r.body).get('refresh_token'));
      assert.notEqual(rts[0], rts[1]);
      // The /authorize the SDK built (query mode, PKCE S256, nonce, state, auth0Client telemetry).
      const authorize = new URL(traffic.find((r) => r.url.startsWith(`${gh.origin}/authorize`)).url);
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorize.searchParams.get('response_mode'), 'query');
      assert.ok(authorize.searchParams.get('auth0Client'));

      // Logout: /v2/logout?client_id=…&returnTo=<app origin> redirects back to the app.
      await Promise.all([
        page.waitForURL((u) => u.href.startsWith(`${appOrigin}/`) && !u.search.includes('code=')),
        page.evaluate((returnTo) => { window.a0.logout({ logoutParams: { returnTo } }); }, appOrigin),
      ]);
      const logout = traffic.find((r) => r.url.startsWith(`${gh.origin}/v2/logout`));
      assert.ok(logout, 'the SDK called /v2/logout');
      const lq = new URL(logout.url).searchParams;
      assert.equal(lq.get('client_id'), gh.demoClientId);
      assert.equal(lq.get('returnTo'), appOrigin);
      const after = await page.evaluate(async (c) => (await window.makeClient(c)).isAuthenticated(), cfg);
      assert.equal(after, false);
    } finally {
      await context.close();
    }
  });

test('silent authentication in a hidden iframe (useRefreshTokens:false, prompt=none, web_message)',
  { skip, timeout: 30_000 }, async () => {
    const context = await browser.newContext();
    try {
      const traffic = recordGatehouseTraffic(context);
      const page = await context.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT);
      const appOrigin = `http://127.0.0.1:${appPort}`;  // same site as gatehouse: cookie reaches the iframe
      const cfg = clientConfig({ useRefreshTokens: false, authorizationParams: {
        scope: 'openid profile email', redirect_uri: `${appOrigin}/` } });

      // Without a session the iframe answers login_required (delivered by postMessage).
      await page.goto(`${appOrigin}/`);
      const before = await page.evaluate(async (c) => {
        const a = await window.makeClient(c);
        try { await a.getTokenSilently(); return 'no error'; } catch (e) { return e.error ?? String(e); }
      }, cfg);
      assert.equal(before, 'login_required');

      await redirectLogin(page, appOrigin, cfg);
      const out = await page.evaluate(async (c) => {
        const a = await window.makeClient(c);
        await a.handleRedirectCallback();
        const first = await a.getTokenSilently({ detailedResponse: true });
        // A second client instance has an empty memory cache: it must use the iframe.
        const b = await window.makeClient(c);
        const silent = await b.getTokenSilently({ detailedResponse: true });
        const user = await b.getUser();
        window.a0 = b;
        return { first, silent, user };
      }, cfg);
      assert.equal(out.user.email, gh.demoUser);
      assert.ok(out.silent.id_token);

      const silentAuthorize = traffic.filter((r) => r.url.startsWith(`${gh.origin}/authorize`))
        .map((r) => new URL(r.url).searchParams)
        .filter((q) => q.get('prompt') === 'none');
      assert.ok(silentAuthorize.length >= 2, 'iframe /authorize calls');
      for (const q of silentAuthorize) assert.equal(q.get('response_mode'), 'web_message');

      // After logout the session is gone: silent auth reports login_required again.
      await Promise.all([
        page.waitForURL((u) => u.href === `${appOrigin}/` || u.href === appOrigin),
        page.evaluate((returnTo) => { window.a0.logout({ logoutParams: { returnTo } }); }, appOrigin),
      ]);
      const afterLogout = await page.evaluate(async (c) => {
        const a = await window.makeClient(c);
        try { await a.getTokenSilently({ cacheMode: 'off' }); return 'no error'; } catch (e) { return e.error ?? String(e); }
      }, cfg);
      assert.equal(afterLogout, 'login_required');
    } finally {
      await context.close();
    }
  });

// Organizations (issue 17 items 3-4): spa-js validates the org_id claim (org_name when the
// organization is named) of the ID token against authorizationParams.organization; the hosted page
// names the organization, and asks for it when the application requires one (pre_login_prompt).
test('authorizationParams.organization: login through an organization by id and by name, the SDK validates org_id / org_name',
  { skip, timeout: 60_000 }, async () => {
    const api = apiCaller(gh, await mgmtToken(gh));
    const call = async (method, path, body, status) => {
      const r = await api(method, path, { body });
      assert.equal(r.status, status, r.text);
      return r.body;
    };
    await call('PATCH', `/clients/${gh.demoClientId}`, { organization_usage: 'allow' }, 200);
    const [database] = await call('GET', '/connections?name=Username-Password-Authentication', undefined, 200);
    const org = await call('POST', '/organizations', {
      name: 'spa-acme', display_name: 'Acme <SPA> Ltd',
      enabled_connections: [{ connection_id: database.id, assign_membership_on_login: true }],
    }, 201);
    const errors = [];
    const appOrigin = `http://localhost:${appPort}`;
    // Each login in a fresh browser (no session to answer it at once).
    const login = async (organization, hooks) => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(STEP_TIMEOUT);
        page.on('pageerror', (e) => errors.push(String(e)));
        const cfg = clientConfig({ authorizationParams: {
          scope: 'openid profile email', redirect_uri: `${appOrigin}/`, organization } });
        await redirectLogin(page, appOrigin, cfg, hooks);
        return await page.evaluate(async (c) => {
          const a = await window.makeClient(c);
          try {
            await a.handleRedirectCallback();
            return { claims: await a.getIdTokenClaims() };
          } catch (e) {
            return { error: String(e.message ?? e) };
          }
        }, cfg);
      } finally {
        await context.close();
      }
    };
    try {
      let heading;
      const byId = await login(org.id, { onLoginPage: async (p) => { heading = await p.textContent('.lead'); } });
      assert.equal(byId.error, undefined);
      assert.equal(byId.claims.org_id, org.id);
      assert.match(heading, /as a member of Acme <SPA> Ltd/, 'the page names the organization (escaped text)');

      // By name once the tenant allows names: the SDK then checks org_name.
      await call('PATCH', '/tenants/settings', { allow_organization_name_in_authentication_api: true }, 200);
      const byName = await login('SPA-Acme');
      assert.equal(byName.error, undefined);
      assert.equal(byName.claims.org_id, org.id);
      assert.equal(byName.claims.org_name, 'spa-acme');

      // An application that requires an organization asks for its name on the hosted page first.
      await call('PATCH', `/clients/${gh.demoClientId}`,
        { organization_usage: 'require', organization_require_behavior: 'pre_login_prompt' }, 200);
      const prompted = await login(undefined, {
        onLoginPage: async (p) => {
          await p.fill('input[name="organization"]', 'no-such-org');
          await p.click('button[type="submit"]');
          assert.match(await p.textContent('.alert'), /No organization has this name/);
          await p.fill('input[name="organization"]', 'spa-acme');
          await p.click('button[type="submit"]');
          await p.waitForSelector('input[name="password"]');
          assert.match(await p.textContent('.lead'), /Acme <SPA> Ltd/);
        },
      });
      assert.equal(prompted.error, undefined);
      assert.equal(prompted.claims.org_id, org.id);
      assert.deepEqual(errors, []);
    } finally {
      await call('PATCH', `/clients/${gh.demoClientId}`, { organization_usage: 'deny' }, 200);
      await call('PATCH', '/tenants/settings', { allow_organization_name_in_authentication_api: false }, 200);
    }
  });
