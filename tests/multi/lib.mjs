// Several `gatehouse serve` processes on one database behind one public issuer (tests/multi).
//
// The issuer is a public URL no process listens on (https://id.gatehouse.test/), as behind a
// reverse proxy: every instance is started with the same --issuer and a different --listen port.
// The tests play the proxy themselves, deciding per request which instance answers (`via`), so a
// flow can start on A and finish on B deterministically.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { binary, createPgDatabase as createFreshPgDatabase, freePort } from '../interop/lib/gatehouse.mjs';

export const ISSUER = 'https://id.gatehouse.test/';
export const MGMT_CLIENT_ID = 'mgmtClientForMultiTests000000000';
export const MGMT_CLIENT_SECRET = 'multi-instance-test-management-secret-0123456789abcdefghijklmnop';
// base64 of 32 fixed bytes: GATEHOUSE_MASTER_KEY must be a real key, not a passphrase (tests only).
export const MASTER_KEY = Buffer.alloc(32, 9).toString('base64');
export const CALLBACK = 'http://localhost:3000/callback';

export { binary, freePort };

export const pgUrl = () => process.env.GATEHOUSE_TEST_PG_URL;

// Every request of these tests comes from 127.0.0.1: the per-IP login limit would throttle the
// races, so it is switched off where the binary has the switch.
let noRateLimits;
function rateLimitArgs() {
  noRateLimits ??= execFileSync(binary(), ['serve', '--help'], { encoding: 'utf8' }).includes('--no-rate-limits');
  return noRateLimits ? ['--no-rate-limits'] : [];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A fresh database on the throwaway server of tests/store/with-postgres.sh; one per test file keeps
// files independent.
export const createPgDatabase = (prefix = 'multi') => createFreshPgDatabase(prefix);

export function psql(url, sql) {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();
}

function env(extra = {}) {
  return { ...process.env, GATEHOUSE_MASTER_KEY: MASTER_KEY, ...extra };
}

// `gatehouse <args> --db <db> --issuer ISSUER` with the master key; returns stdout.
export function cli(db, args, extraEnv = {}) {
  return execFileSync(binary(), [...args, '--db', db, '--issuer', ISSUER], { encoding: 'utf8', env: env(extraEnv) });
}

// `init --demo` on the database; returns the tenant (demo client, user, password, management client).
export function initTenant(db) {
  const out = cli(db, ['init', '--demo', '--demo-callback', CALLBACK], {
    GATEHOUSE_BOOTSTRAP_CLIENT_ID: MGMT_CLIENT_ID,
    GATEHOUSE_BOOTSTRAP_CLIENT_SECRET: MGMT_CLIENT_SECRET,
  });
  const field = (label) => out.match(new RegExp(`${label}\\s+(\\S+)`))?.[1];
  return {
    db,
    issuer: ISSUER,
    demoClientId: field('demo SPA client_id'),
    demoUser: 'demo@example.com',
    demoPassword: field('demo user password'),
  };
}

// One `serve` process. options: port, threads, poolSize, args (extra serve flags), env.
export async function startInstance(db, name, options = {}) {
  const port = options.port ?? (await freePort());
  const args = ['serve', '--db', db, '--issuer', ISSUER, '--listen', `127.0.0.1:${port}`, '--threads',
    String(options.threads ?? 2), '--log-level', options.logLevel ?? 'warn', ...rateLimitArgs(),
    ...(options.poolSize ? ['--pool-size', String(options.poolSize)] : []), ...(options.args ?? [])];
  const child = spawn(binary(), args, { stdio: ['ignore', 'inherit', 'inherit'], env: env(options.env) });
  const inst = { name, port, db, origin: `http://127.0.0.1:${port}`, child };
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const r = await fetch(`${inst.origin}/healthz`);
      if (r.ok) break;
    } catch {}
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name}: gatehouse serve exited (${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name}: gatehouse serve did not become healthy`);
    }
    await sleep(25);
  }
  inst.stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  inst.kill9 = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      return exited;
    }
    return { code: child.exitCode, signal: child.signalCode };
  };
  return inst;
}

// init + n instances ("A", "B", "C") on one database and one issuer.
export async function startCluster(db, n = 2, options = {}) {
  const tenant = initTenant(db);
  const instances = [];
  for (let i = 0; i < n; i++) instances.push(await startInstance(db, String.fromCharCode(65 + i), options));
  return { ...tenant, instances, stop: () => Promise.all(instances.map((i) => i.stop())) };
}

// The "reverse proxy": a URL on the public issuer (or relative) sent to one instance.
export function via(inst, url) {
  const u = new URL(url, ISSUER);
  if (u.origin !== new URL(ISSUER).origin) return u;  // left Gatehouse (e.g. the client's callback)
  return new URL(u.pathname + u.search, inst.origin);
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(clientId, challenge, extra = {}) {
  const u = new URL('/authorize', ISSUER);
  u.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, scope: 'openid profile email offline_access',
    state: 'st-' + randomBytes(6).toString('hex'), nonce: 'nn-' + randomBytes(6).toString('hex'),
    code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  });
  return u;
}

// A browser without JavaScript: a cookie jar kept across instances, like one behind a proxy.
export class Browser {
  constructor() {
    this.jar = new Map();
  }
  cookieHeader() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  remember(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      this.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  async fetch(inst, url, init = {}) {
    const res = await fetch(via(inst, url), { redirect: 'manual', ...init, headers: { ...(init.headers ?? {}), cookie: this.cookieHeader() } });
    this.remember(res);
    return res;
  }
  // /authorize on `a`, the login page on `b`, the credentials posted to `c` (each a serve
  // instance); returns the final redirect URL (to the callback, with code or error).
  async login(authorize, username, password, { a, b = a, c = b }) {
    let res = await this.fetch(a, authorize);
    if (res.status !== 302) throw new Error(`/authorize on ${a.name}: ${res.status} ${await res.text()}`);
    const location = new URL(res.headers.get('location'), ISSUER);
    if (!location.pathname.startsWith('/u/login')) return location.href;  // a session answered at once
    res = await this.fetch(b, location);
    const html = await res.text();
    if (res.status !== 200) throw new Error(`login page on ${b.name}: ${res.status} ${html}`);
    const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
    res = await this.fetch(c, '/u/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state: field('state'), csrf: field('csrf'), username, password }),
    });
    if (res.status !== 302) throw new Error(`login post on ${c.name}: ${res.status} ${await res.text()}`);
    return new URL(res.headers.get('location'), ISSUER).href;
  }
  // /authorize with the session cookie: the code comes back at once (no login page).
  async silent(inst, authorize) {
    const res = await this.fetch(inst, authorize);
    if (res.status !== 302) throw new Error(`/authorize on ${inst.name}: ${res.status} ${await res.text()}`);
    return new URL(res.headers.get('location'), ISSUER);
  }
}

export async function postForm(inst, path, params) {
  const res = await fetch(new URL(path, inst.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, text };
}

export function exchangeCode(inst, clientId, code, verifier) {
  return postForm(inst, '/oauth/token', { grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: CALLBACK });
}

export function refresh(inst, clientId, refreshToken) {
  return postForm(inst, '/oauth/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken });
}

export async function mgmtToken(inst) {
  const r = await postForm(inst, '/oauth/token', {
    grant_type: 'client_credentials', client_id: MGMT_CLIENT_ID, client_secret: MGMT_CLIENT_SECRET, audience: `${ISSUER}api/v2/`,
  });
  if (r.status !== 200) throw new Error(`management token from ${inst.name}: ${r.status} ${r.text}`);
  return r.body.access_token;
}

// api(inst, 'GET', '/clients') -> {status, headers, body, text}
export async function api(inst, token, method, path, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(`/api/v2${path}`, inst.origin), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, headers: res.headers, body: json, text };
}

export function jwtHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url'));
}

export function jwtPayload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
}

export async function jwks(inst) {
  const res = await fetch(new URL('/.well-known/jwks.json', inst.origin));
  return (await res.json()).keys;
}

export function tmpDir(prefix = 'gatehouse-multi-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
