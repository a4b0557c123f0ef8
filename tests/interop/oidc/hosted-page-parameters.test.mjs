// The /authorize parameters apps send to the hosted pages (shared/spec/auth0-apps.md §2):
// screen_hint=signup, prompt=login, max_age, login_hint, ui_locales, and Auth0's end-session
// endpoint <issuer>oidc/logout next to /v2/logout. Real binary, a browser without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { Browser } from '../federation/helpers.mjs';
import { mgmtToken, apiCaller, unique } from '../mgmt/helpers.mjs';
import { drive, jwtClaims, submitLogin, authorizeUrl as authorizeUrlOf } from '../server-sdks/helpers.mjs';

const CALLBACK = 'https://rwa.example.test/callback';
const LOGOUT_URL = 'https://rwa.example.test/';

let gh;
let client;
before(async () => {
  gh = await startGatehouse();
  const api = apiCaller(gh, await mgmtToken(gh));
  const r = await api('POST', '/clients', { body: {
    name: unique('rwa'), app_type: 'regular_web', callbacks: [CALLBACK], allowed_logout_urls: [LOGOUT_URL],
    grant_types: ['authorization_code', 'implicit'] } });
  assert.equal(r.status, 201, r.text);
  client = r.body;
});
after(async () => gh?.stop());

const authorizeUrl = (params = {}) => authorizeUrlOf(gh, client, CALLBACK, { response_type: 'id_token', scope: 'openid email', ...params });

// Where /authorize lands: { page: 'login' | 'signup', url, body } or { page: 'callback', params }.
async function land(browser, params) {
  const r = await drive(browser, authorizeUrl(params), { stopAt: CALLBACK });
  if (r.url.startsWith(CALLBACK)) return { page: 'callback', params: Object.fromEntries(new URLSearchParams(new URL(r.url).hash.slice(1))) };
  const path = new URL(r.url).pathname;
  assert.ok(path === '/u/login' || path === '/u/signup', `${r.url} ${r.status} ${r.body}`);
  return { page: path === '/u/login' ? 'login' : 'signup', url: r.url, body: r.body };
}

// Submits the page `at` shows and returns the callback's parameters.
async function submit(browser, at, username, password) {
  const res = await submitLogin(browser, at.url, at.body, username, password);
  assert.equal(res.status, 302, await res.text());
  const location = new URL(res.headers.get('location'));
  assert.equal(location.origin + location.pathname, CALLBACK);
  return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
}

async function loggedInBrowser() {
  const browser = new Browser();
  const at = await land(browser, {});
  assert.equal(at.page, 'login');
  const params = await submit(browser, at, gh.demoUser, gh.demoPassword);
  return { browser, idToken: jwtClaims(params.id_token) };
}

test('screen_hint=signup without a session shows the sign-up page, prefilled by login_hint; submitting signs up and completes', async () => {
  const browser = new Browser();
  const email = `${unique('new')}@example.com`;
  const at = await land(browser, { screen_hint: 'signup', login_hint: email });
  assert.equal(at.page, 'signup');
  assert.match(at.body, /Create your account/);
  assert.match(at.body, /autocomplete="new-password"/);
  assert.match(at.body, new RegExp(`name="username"[^>]*value="${email.replace(/\./g, '\\.')}"`));
  const params = await submit(browser, at, email, 'Correct-Horse-9-Battery');
  assert.equal(jwtClaims(params.id_token).email, email);
});

test('screen_hint=signup with a session goes straight to the callback; prompt=login&screen_hint=signup shows sign-up', async () => {
  const { browser } = await loggedInBrowser();
  const direct = await land(browser, { screen_hint: 'signup' });
  assert.equal(direct.page, 'callback');
  assert.ok(direct.params.id_token);
  const forced = await land(browser, { screen_hint: 'signup', prompt: 'login' });
  assert.equal(forced.page, 'signup');
});

test('login_hint prefills the email of both pages, HTML-escaped', async () => {
  const hint = 'x"><script>alert(1)</script>@example.com';
  for (const screen_hint of [undefined, 'signup']) {
    const at = await land(new Browser(), { login_hint: hint, ...(screen_hint ? { screen_hint } : {}) });
    assert.equal(at.page, screen_hint ?? 'login');
    assert.ok(at.body.includes('value="x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com"'), at.body);
    assert.ok(!at.body.includes('<script>alert(1)'), 'the hint is never markup');
  }
});

test('prompt=login always shows the login form, and the ID token\'s auth_time is that new login', async () => {
  const { browser, idToken: first } = await loggedInBrowser();
  await sleep(1100);
  const at = await land(browser, { prompt: 'login' });
  assert.equal(at.page, 'login');
  const second = jwtClaims((await submit(browser, at, gh.demoUser, gh.demoPassword)).id_token);
  assert.ok(second.auth_time > first.auth_time, `${second.auth_time} > ${first.auth_time}`);
  // The new login is now the session's: without prompt, its auth_time comes back.
  const again = await land(browser, {});
  assert.equal(jwtClaims(again.params.id_token).auth_time, second.auth_time);
});

test('max_age=0 forces a login even in the same second as the last one; max_age=N once the login is older', async () => {
  const { browser, idToken } = await loggedInBrowser();
  const zero = await land(browser, { max_age: '0' });
  assert.equal(zero.page, 'login', 'max_age=0 right after a login still asks for the password');
  const fresh = jwtClaims((await submit(browser, zero, gh.demoUser, gh.demoPassword)).id_token);
  assert.ok(fresh.auth_time >= idToken.auth_time);
  const recent = await land(browser, { max_age: '60' });
  assert.equal(recent.page, 'callback', 'a login younger than max_age is reused');
  await sleep(2100);
  const stale = await land(browser, { max_age: '1' });
  assert.equal(stale.page, 'login', 'a login older than max_age is not');
  const bad = await land(browser, { max_age: '-1' });
  assert.equal(bad.params.error, 'invalid_request');
});

test('ui_locales is accepted', async () => {
  const { browser } = await loggedInBrowser();
  const r = await land(browser, { ui_locales: 'fr-CA en' });
  assert.equal(r.page, 'callback');
  assert.ok(r.params.id_token, JSON.stringify(r.params));
  assert.equal((await land(new Browser(), { ui_locales: 'de' })).page, 'login');
});

test('end_session_endpoint <issuer>oidc/logout: post_logout_redirect_uri, id_token_hint, state, logout_hint, client_id', async () => {
  const discovery = await (await fetch(`${gh.origin}/.well-known/openid-configuration`)).json();
  assert.equal(discovery.end_session_endpoint, `${gh.issuer}oidc/logout`);
  const { browser } = await loggedInBrowser();
  const hint = (await land(browser, {})).params.id_token;

  // An unregistered return URL: an error page, and the session stays.
  const evil = await browser.request(`${discovery.end_session_endpoint}?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: 'https://evil.example.test/' })}`);
  assert.equal(evil.status, 400);
  assert.equal((await land(browser, { prompt: 'none' })).page, 'callback');

  const url = `${discovery.end_session_endpoint}?${new URLSearchParams({
    id_token_hint: hint, post_logout_redirect_uri: LOGOUT_URL, state: 'st-9', logout_hint: 'whoever', client_id: client.client_id })}`;
  const res = await browser.request(url);
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), `${LOGOUT_URL}?state=st-9`);
  const after = await land(browser, { prompt: 'none' });
  assert.equal(after.params.error, 'login_required');

  // Only the id_token_hint names the client: still exact-matched against its logout URLs.
  const { browser: other } = await loggedInBrowser();
  const hint2 = (await land(other, {})).params.id_token;
  const byHint = await other.request(`${gh.origin}/oidc/logout?${new URLSearchParams({ id_token_hint: hint2, post_logout_redirect_uri: LOGOUT_URL })}`);
  assert.equal(byHint.headers.get('location'), LOGOUT_URL);
});

test('/v2/logout?returnTo=&client_id= keeps working', async () => {
  const { browser } = await loggedInBrowser();
  const res = await browser.request(`${gh.origin}/v2/logout?${new URLSearchParams({ returnTo: LOGOUT_URL, client_id: client.client_id })}`);
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), LOGOUT_URL);
  assert.equal((await land(browser, { prompt: 'none' })).params.error, 'login_required');
});
