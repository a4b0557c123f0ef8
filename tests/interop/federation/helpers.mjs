// Helpers of the federation interop tests: a cookie-keeping browser that follows redirects across
// Gatehouse and an upstream provider, Management API calls, the demo client's PKCE authorize URL,
// small fake WordPress- and X-shaped providers on loopback with switchable faults, and
// node-oidc-provider as a real OpenID provider.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from '../lib/gatehouse.mjs';

export const DEMO_CALLBACK = 'http://localhost:3000/callback';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// A browser without JavaScript: one cookie jar per host:port, manual redirects, and a hook to fill in
// pages (a login form) that do not redirect by themselves.
export class Browser {
  constructor() {
    this.jars = new Map();
    this.visited = [];
  }
  jar(url) {
    const key = new URL(url).host;
    if (!this.jars.has(key)) this.jars.set(key, new Map());
    return this.jars.get(key);
  }
  cookieHeader(url) {
    return [...this.jar(url)].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  remember(url, res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (/max-age=0/i.test(c) || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar(url).delete(pair.slice(0, eq));
      else this.jar(url).set(pair.slice(0, eq), value);
    }
  }
  async request(url, init = {}) {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers ?? {}), cookie: this.cookieHeader(url) },
      signal: AbortSignal.timeout(20_000),
    });
    this.remember(url, res);
    this.visited.push(String(url));
    return res;
  }
  // Follows redirects until `stop(url)` is true (the client's callback) or a page answers. A page
  // goes to `onPage(url, res, browser)`, which returns the next URL (or a Response) or null to stop.
  async navigate(start, { stop = (u) => u.startsWith(DEMO_CALLBACK), onPage, maxHops = 20 } = {}) {
    let url = String(start);
    for (let hop = 0; hop < maxHops; hop++) {
      if (stop(url)) return { url, status: 302 };
      let res = await this.request(url);
      for (;;) {
        if (res.status >= 300 && res.status < 400) break;
        const next = onPage ? await onPage(url, res, this) : null;
        if (!next) return { url, status: res.status, res, body: res.bodyUsed ? undefined : await res.text() };
        if (next instanceof Response) {
          res = next;
          continue;
        }
        url = String(next);
        res = await this.request(url);
      }
      url = new URL(res.headers.get('location'), url).href;
    }
    throw new Error(`too many redirects, last ${url}`);
  }
}

// onPage handler that logs in on a Gatehouse hosted login page (used for Gatehouse-to-Gatehouse).
export function gatehouseLoginPage(username, password) {
  return async (url, res, browser) => {
    if (!new URL(url).pathname.startsWith('/u/login')) return null;
    const html = await res.text();
    const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
    return browser.request(new URL('/u/login', url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state: field('state'), csrf: field('csrf'), username, password }),
    });
  };
}

export async function mgmtToken(gh) {
  const res = await fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: gh.mgmtClientId,
      client_secret: gh.mgmtClientSecret,
      audience: `${gh.issuer}api/v2/`,
    }),
  });
  if (!res.ok) throw new Error(`management token: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

export async function mgmt(gh, method, path, body) {
  gh.mgmtToken ??= await mgmtToken(gh);
  const res = await fetch(`${gh.origin}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${gh.mgmtToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// Creates a connection enabled for the demo client.
export function createConnection(gh, name, strategy, options) {
  return mgmt(gh, 'POST', '/connections', { name, strategy, options, enabled_clients: [gh.demoClientId] });
}

// The demo SPA's /authorize URL with PKCE; returns { url, verifier, state }.
export function authorizeUrl(gh, params = {}) {
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(12));
  const q = new URLSearchParams({
    client_id: gh.demoClientId,
    redirect_uri: DEMO_CALLBACK,
    response_type: 'code',
    scope: 'openid profile email',
    state,
    nonce: b64url(randomBytes(12)),
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...params,
  });
  return { url: `${gh.origin}/authorize?${q}`, verifier, state };
}

export async function redeem(gh, code, verifier) {
  const res = await fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: gh.demoClientId,
      code,
      code_verifier: verifier,
      redirect_uri: DEMO_CALLBACK,
    }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export const jwtClaims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

// A fake OAuth 2.0 provider shaped like WordPress.com (`kind: 'wordpress'`) or X (`kind: 'twitter'`):
// /authorize records its query and answers at once (consent given, or `fault.authorize` = an error
// code such as access_denied), /token checks client authentication, redirect_uri and PKCE, /me
// (/rest/v1.1/me, /2/users/me) returns the profile. `fault.token` / `fault.profile`: 'slow' (never
// answers), 'status500', 'badjson', 'status400'.
export async function startFakeProvider(kind, { clientId = 'upstream-client', clientSecret = 'upstream-secret' } = {}) {
  const p = {
    kind,
    clientId,
    clientSecret,
    authorizeRequests: [],
    tokenRequests: [],
    fault: {},
    codes: new Map(),
    profile:
      kind === 'wordpress'
        ? { ID: 4242, display_name: 'Wendy Press', username: 'wendyp', email: 'wendy@example.org', email_verified: true, avatar_URL: 'https://example.org/w.png' }
        : { data: { id: '2921946821', name: 'Xavier Bird', username: 'xbird', profile_image_url: 'https://example.org/x.png' } },
  };
  const hanging = new Set();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, body, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const fault = (which) => {
      const f = p.fault[which];
      if (f === 'slow') {
        hanging.add(res);
        return true;
      }
      if (f === 'status500') return send(500, { error: 'server_error' }), true;
      if (f === 'status400') return send(400, { error: 'invalid_grant', error_description: 'code expired' }), true;
      if (f === 'badjson') return send(200, '{"access_token": nope', 'application/json'), true;
      return false;
    };
    if (url.pathname === '/oauth2/authorize' || url.pathname === '/i/oauth2/authorize') {
      const q = Object.fromEntries(url.searchParams);
      p.authorizeRequests.push(q);
      const back = new URL(q.redirect_uri);
      back.searchParams.set('state', q.state);
      if (p.fault.authorize) {
        back.searchParams.set('error', p.fault.authorize);
        back.searchParams.set('error_description', 'The user denied the request');
      } else {
        const code = b64url(randomBytes(16));
        p.codes.set(code, q);
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === 'POST' && (url.pathname === '/oauth2/token' || url.pathname === '/2/oauth2/token')) {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = Object.fromEntries(new URLSearchParams(body));
      const basic = req.headers.authorization?.startsWith('Basic ')
        ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':').map(decodeURIComponent)
        : null;
      p.tokenRequests.push({ form, basic });
      if (fault('token')) return;
      const [id, secret] = basic ?? [form.client_id, form.client_secret];
      if (id !== clientId || secret !== clientSecret) return send(401, { error: 'invalid_client' });
      const issued = p.codes.get(form.code);
      p.codes.delete(form.code);
      if (!issued || issued.redirect_uri !== form.redirect_uri) return send(400, { error: 'invalid_grant' });
      if (issued.code_challenge) {
        const expect = b64url(createHash('sha256').update(form.code_verifier ?? '').digest());
        if (expect !== issued.code_challenge) return send(400, { error: 'invalid_grant', error_description: 'pkce' });
      }
      return send(200, { access_token: 'upstream-access-token', token_type: 'bearer', scope: issued.scope });
    }
    if (url.pathname === '/rest/v1.1/me' || url.pathname === '/2/users/me') {
      if (fault('profile')) return;
      if (req.headers.authorization !== 'Bearer upstream-access-token') return send(401, { error: 'invalid_token' });
      return send(200, p.profile);
    }
    send(404, { error: 'not_found' });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  p.origin = `http://127.0.0.1:${server.address().port}`;
  p.options =
    kind === 'wordpress'
      ? {
          client_id: clientId,
          client_secret: clientSecret,
          authorizationURL: `${p.origin}/oauth2/authorize`,
          tokenURL: `${p.origin}/oauth2/token`,
          userInfoURL: `${p.origin}/rest/v1.1/me`,
        }
      : {
          client_id: clientId,
          client_secret: clientSecret,
          authorizationURL: `${p.origin}/i/oauth2/authorize`,
          tokenURL: `${p.origin}/2/oauth2/token`,
          userInfoURL: `${p.origin}/2/users/me`,
        };
  p.stop = async () => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return p;
}

export const OIDC_ACCOUNT = { sub: 'alice-0001', email: 'Alice@Example.com', email_verified: true, name: 'Alice Liddell', nickname: 'alice' };

// node-oidc-provider 9 (it announces RFC 9207 iss) with an interaction that logs OIDC_ACCOUNT in at
// once, and grants that skip consent, so a redirect-following browser completes the flow.
// `seen.authorize` holds the authorization requests' queries, `seen.token` counts token requests.
export async function startOidcProvider(redirectUri) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const seen = { authorize: [], token: 0 };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'gatehouse-rp',
        client_secret: 'gatehouse-rp-secret-0123456789',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['interop-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'nickname'] },
    async findAccount(ctx, id) {
      return { accountId: id, async claims() { return { ...OIDC_ACCOUNT, sub: id }; } };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();
  const server = createServer(async (req, res) => {
    try {
      if (req.url.startsWith('/auth?')) seen.authorize.push(Object.fromEntries(new URL(req.url, issuer).searchParams));
      if (req.method === 'POST' && req.url.startsWith('/token')) seen.token += 1;
      if (req.url.startsWith('/interaction/')) {
        await provider.interactionFinished(req, res, { login: { accountId: OIDC_ACCOUNT.sub } }, { mergeWithLastSubmission: false });
        return;
      }
      callback(req, res);
    } catch (e) {
      res.writeHead(500);
      res.end(String(e));
    }
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    issuer,
    seen,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
