// Shared by the server-side SDK tests (not a test file itself): a real Express app with
// express-openid-connect on 127.0.0.1, and the hosted-page steps a browser takes.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import express from 'express';
import eoc from 'express-openid-connect';
import { freePort } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken, unique } from '../mgmt/helpers.mjs';

export const { auth, requiresAuth, attemptSilentLogin } = eoc;

// An app's address before it runs (its client must be registered with it first).
export async function appAddress() {
  const port = await freePort();
  return { port, url: `http://127.0.0.1:${port}` };
}

// Starts an Express app set up by `configure(app)` on `port`: { url, port, close() }.
export async function startApp(port, configure) {
  const app = express();
  configure(app);
  // The SDK's errors (a refused callback) as a readable 4xx/5xx, not Express's HTML stack page.
  app.use((err, req, res, next) => res.status(err.status ?? 500).json({ error: err.error ?? err.message, message: err.message }));
  const server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

// A regular web application created through the Management API, as the Auth0 dashboard does for the
// quickstart: callbacks <base>/callback, logout URL <base>. Extra fields override.
export async function createWebApp(gh, baseURL, extra = {}) {
  const api = apiCaller(gh, await mgmtToken(gh));
  const r = await api('POST', '/clients', { body: {
    name: unique('web'), app_type: 'regular_web', callbacks: [`${baseURL}/callback`],
    allowed_logout_urls: [baseURL, `${baseURL}/`], ...extra } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

const entities = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };
export const htmlUnescape = (s) => s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (m) => entities[m]);

// The fields and action of a form_post page: { action, fields }.
export function parseFormPost(html) {
  const action = htmlUnescape(html.match(/<form method="post" action="([^"]*)"/)?.[1] ?? '');
  const fields = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
    fields[htmlUnescape(m[1])] = htmlUnescape(m[2]);
  return { action, fields };
}

// Fills the hosted login form (already fetched as `res`) and posts it.
export async function submitLogin(browser, pageUrl, html, username, password) {
  const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
  const path = new URL(pageUrl).pathname.startsWith('/u/signup') ? '/u/signup' : '/u/login';
  return browser.request(new URL(path, pageUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ state: field('state'), csrf: field('csrf'), username, password }),
  });
}

// Drives a browser from `start` like a user: follows redirects, logs in on the hosted page when
// it appears (when credentials are given), submits form_post pages like their script would, and
// stops at the first page that is none of these, or at a redirect to a URL starting with `stopAt`
// (a callback that does not run here). Returns { url, status, body, res, pages }, where
// pages lists the hosted pages seen ('login', 'signup', 'form_post').
export async function drive(browser, start, { username, password, onFormPost, stopAt, maxHops = 20 } = {}) {
  let url = String(start);
  if (stopAt && url.startsWith(stopAt)) return { url, pages: [] };
  let res = await browser.request(url);
  const pages = [];
  for (let hop = 0; hop < maxHops; hop++) {
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location'), url).href;
      if (stopAt && url.startsWith(stopAt)) return { url, status: res.status, pages };
      res = await browser.request(url);
      continue;
    }
    const body = await res.text();
    const path = new URL(url).pathname;
    if ((path === '/u/login' || path === '/u/signup') && res.status === 200 && username !== undefined) {
      pages.push(path === '/u/login' ? 'login' : 'signup');
      res = await submitLogin(browser, url, body, username, password);
      username = undefined;  // one login per drive: a second login page is the answer
      continue;
    }
    if (/<form method="post" action="/.test(body) && /document\.forms\[0\]\.submit\(\)/.test(body)) {
      pages.push('form_post');
      const { action, fields } = parseFormPost(body);
      onFormPost?.(fields, res);
      if (stopAt && action.startsWith(stopAt)) return { url: action, status: res.status, fields, res, pages };
      url = action;
      res = await browser.request(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });
      continue;
    }
    return { url, status: res.status, body, res, pages };
  }
  throw new Error(`too many hops, last ${url}`);
}

export const jwtClaims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

// c_hash / at_hash of RS256 (OIDC Core §3.3.2.11): base64url of the left half of SHA-256.
export const leftHalfHash = (value) => createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');

// An /authorize URL of `client` for `redirect_uri`, with a fresh state and nonce; `params` add to or
// override them (undefined removes one).
export function authorizeUrl(gh, client, redirect_uri, params = {}) {
  const u = new URL(`${gh.origin}/authorize`);
  u.search = new URLSearchParams({
    client_id: client.client_id, redirect_uri, scope: 'openid profile email',
    state: `st-${randomBytes(6).toString('hex')}`, nonce: `nn-${randomBytes(6).toString('hex')}`, ...params,
  });
  for (const [k, v] of Object.entries(params)) if (v === undefined) u.searchParams.delete(k);
  return u;
}
