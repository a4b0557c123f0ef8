// The command-line helpers (issue 15 item 5): `gatehouse pkce` prints steps 1-2 of a PKCE login
// without a tenant, and no helper creates a database as a side effect.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { binary, startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken } from '../mgmt/helpers.mjs';

const dir = mkdtempSync(join(tmpdir(), 'gh-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (args) => spawnSync(binary(), args, { encoding: 'utf8', timeout: 20000, env: { ...process.env, GATEHOUSE_MASTER_KEY: '' } });
const field = (out, name) => out.match(new RegExp(`^${name} +(\\S+)`, 'm'))?.[1];

test('a typo in --db does not create a database: pkce, user add and keys rotate leave no file behind', () => {
  const db = join(dir, 'missing', 'tenant.db');
  const common = ['--db', db, '--issuer', 'http://127.0.0.1:1/'];
  const pkce = run(['pkce', ...common]);
  assert.equal(pkce.status, 0, pkce.stderr);
  const verifier = field(pkce.stdout, 'code_verifier');
  const challenge = field(pkce.stdout, 'code_challenge');
  assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'), 'S256 of the verifier');
  assert.match(pkce.stdout, /authorize URL +\(not built: no tenant database yet; run `gatehouse init`/);

  const add = run(['user', 'add', ...common, '--email', 'a@example.com', '--password', 'a long password']);
  assert.notEqual(add.status, 0);
  assert.match(add.stderr + add.stdout, /no tenant database at/);
  const rotate = run(['keys', 'rotate', ...common]);
  assert.notEqual(rotate.status, 0);
  assert.match(rotate.stderr + rotate.stdout, /no tenant database at/);

  assert.equal(existsSync(db), false, 'no database file');
  assert.equal(existsSync(join(dir, 'missing')), false, 'no directory either');
  assert.deepEqual(readdirSync(dir), []);
});

test('pkce on a tenant without a client prints the verifier and challenge and says how to get the URL', async () => {
  const gh = await startGatehouse({ quiet: true });
  try {
    const api = apiCaller(gh, await mgmtToken(gh));
    assert.equal((await api('DELETE', `/clients/${gh.demoClientId}`)).status, 204);  // no client left for logins
    const out = gh.cli(['pkce']);
    assert.match(out, /^code_verifier +[A-Za-z0-9_-]{43}$/m);
    assert.match(out, /^code_challenge +[A-Za-z0-9_-]{43} +\(S256\)$/m);
    assert.match(out, /authorize URL +\(not built: this tenant has no demo client; .*--client-id <id>\)/);
  } finally {
    await gh.stop();
  }
});
