// Starts the real gatehouse binary for a test: a fresh tenant (`init --demo`) in a temp
// directory, `serve` on a free loopback port; stop() sends SIGTERM and removes the directory.
// The backend is SQLite unless GATEHOUSE_TEST_BACKEND=postgres (run under
// tests/store/with-postgres.sh, which sets GATEHOUSE_TEST_PG_URL): then every tenant gets a fresh
// database on that server and the master key comes from GATEHOUSE_MASTER_KEY.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchThrough, selfSignedCertificate, trustingAgent } from './tls.mjs';

export const MGMT_CLIENT_ID = 'mgmtClientForInteropTests0000000';
export const MGMT_CLIENT_SECRET = 'interop-test-management-secret-0123456789abcdefghijklmnopqrstuvw';

export function binary() {
  const bin = process.env.GATEHOUSE_BINARY;
  if (!bin) throw new Error('GATEHOUSE_BINARY is not set (ctest sets it)');
  return bin;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export const backend = () => (process.env.GATEHOUSE_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite');

// The master key of PostgreSQL tenants: base64 of 32 fixed bytes (tests only).
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

// A fresh database on the throwaway server of tests/store/with-postgres.sh (its role is a
// superuser with trust auth, so CREATE DATABASE works).
export function createPgDatabase(prefix = 'gh') {
  const base = process.env.GATEHOUSE_TEST_PG_URL;
  if (!base) throw new Error('GATEHOUSE_TEST_PG_URL is not set (run under tests/store/with-postgres.sh)');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  execFileSync('psql', [base, '-v', 'ON_ERROR_STOP=1', '-qAtc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.href;
}

// options.demoCallbacks: callback URLs of the demo SPA client; options.env: extra environment;
// options.args: extra `serve` flags; options.logLevel (default warn); options.tls: serve https with a
// self-signed certificate (issuer https://127.0.0.1:<port>/); then tenant.fetch, tenant.agent and
// tenant.ca trust it (use tenant.fetch for raw calls, { agent, fetch } for Auth0's SDK). tenant.log() is what the
// server wrote so far (it is also forwarded to this process's stderr unless options.quiet).
export async function startGatehouse(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-interop-'));
  const port = options.port ?? (await freePort());
  const scheme = options.tls ? 'https' : 'http';
  const issuer = options.issuer ?? `${scheme}://127.0.0.1:${port}/`;
  const certificate = options.tls ? selfSignedCertificate(dir) : undefined;
  const pg = backend() === 'postgres';
  const db = pg ? createPgDatabase() : `sqlite://${dir}/gatehouse.db`;
  const baseEnv = pg ? { ...process.env, GATEHOUSE_MASTER_KEY: TEST_MASTER_KEY } : { ...process.env };
  const common = ['--db', db, '--issuer', issuer];
  const callbacks = options.demoCallbacks ?? ['http://localhost:3000/callback'];
  const initOut = execFileSync(
    binary(),
    ['init', ...common, '--demo', ...callbacks.flatMap((c) => ['--demo-callback', c])],
    {
      env: { ...baseEnv, GATEHOUSE_BOOTSTRAP_CLIENT_ID: MGMT_CLIENT_ID, GATEHOUSE_BOOTSTRAP_CLIENT_SECRET: MGMT_CLIENT_SECRET },
      encoding: 'utf8',
    },
  );
  const field = (label) => initOut.match(new RegExp(`${label}\\s+(\\S+)`))?.[1];
  const tenant = {
    dir,
    db,
    port,
    issuer,
    origin: `${scheme}://127.0.0.1:${port}`,
    mgmtClientId: MGMT_CLIENT_ID,
    mgmtClientSecret: MGMT_CLIENT_SECRET,
    demoClientId: field('demo SPA client_id'),
    demoUser: 'demo@example.com',
    demoPassword: field('demo user password'),
    backend: backend(),
    ca: certificate?.pem,
    agent: certificate ? trustingAgent(certificate.pem) : undefined,
    cli(args, extraEnv = {}) {
      return execFileSync(binary(), [...args, ...common], { encoding: 'utf8', env: { ...baseEnv, ...extraEnv } });
    },
    // What an attacker holding a copy of the database reads: one query's rows, as text. The sqlite3
    // shell waits for the running server's write transactions (the tenant-log writer's among them)
    // as the server does, instead of failing at once with "database is locked".
    sql(query) {
      const [cmd, args] = pg ? ['psql', [db, '-qAtc', query]]
        : ['sqlite3', ['-cmd', '.timeout 5000', db.slice('sqlite://'.length), query]];
      return execFileSync(cmd, args, { encoding: 'utf8' });
    },
  };
  const serveArgs = ['serve', ...common, '--listen', `127.0.0.1:${port}`, '--threads', '2',
    '--log-level', options.logLevel ?? 'warn',
    ...(certificate ? ['--tls-cert', certificate.cert, '--tls-key', certificate.key] : []), ...(options.args ?? [])];
  const output = [];
  let child;
  tenant.log = () => Buffer.concat(output).toString('utf8');
  tenant.fetch = tenant.agent ? fetchThrough(tenant.agent) : fetch;
  const launch = async () => {
    child = spawn(binary(), serveArgs, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...baseEnv, ...(options.env ?? {}) },
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        output.push(chunk);
        if (!options.quiet) process.stderr.write(chunk);
      });
    }
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const r = await tenant.fetch(`${tenant.origin}/healthz`);
        if (r.ok) break;
      } catch {}
      if (child.exitCode !== null) throw new Error(`gatehouse serve exited with ${child.exitCode}: ${tenant.log()}`);
      if (Date.now() > deadline) throw new Error('gatehouse serve did not become healthy');
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const terminate = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  await launch();
  // Stops the server and starts it again on the same database and port (state must survive).
  tenant.restart = async () => {
    await terminate();
    await launch();
  };
  tenant.stop = async () => {
    await terminate();
    rmSync(dir, { recursive: true, force: true });
  };
  return tenant;
}

// Logs in through the hosted page like a browser without JavaScript: follows /authorize to the
// login form, posts the credentials, returns the final redirect URL (with code or error).
// `signup`: posts to the sign-up form instead.
export async function browserLogin(authorizeUrl, username, password, { signup = false } = {}) {
  const jar = new Map();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const base = new URL(authorizeUrl);
  let res = await fetch(authorizeUrl, { redirect: 'manual', headers: { cookie: cookieHeader() } });
  remember(res);
  let location = new URL(res.headers.get('location'), base);
  if (!location.pathname.startsWith('/u/login')) return location.href;  // a session answered at once
  const page = signup ? '/u/signup' : '/u/login';
  location.pathname = page;
  res = await fetch(location, { headers: { cookie: cookieHeader() } });
  remember(res);
  const html = await res.text();
  const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1] ?? '';
  res = await fetch(new URL(page, base), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() },
    body: new URLSearchParams({ state: field('state'), csrf: field('csrf'), username, password }),
  });
  remember(res);
  if (res.status !== 302) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return new URL(res.headers.get('location'), base).href;
}
