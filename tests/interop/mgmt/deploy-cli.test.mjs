// Auth0's own configuration tool, `auth0-deploy-cli` 8.44.0, unmodified (issue 18 item 5,
// auth0-apps.md §7): it exports a Gatehouse tenant to YAML, imports that export into a second fresh
// tenant, and an export of the second tenant equals the first. The tool always calls
// https://<domain>, so both tenants serve TLS with a throwaway certificate that only the tool's
// process trusts (NODE_EXTRA_CA_CERTS), as a real deployment behind a private CA would.
//
// AUTH0_EXCLUDED leaves out the families whose Auth0 answer cannot be given without implementing
// the feature: `pages` (the tool requires Auth0's global "All Applications" client, which holds the
// custom login page; Gatehouse has neither), `prompts` (Universal Login prompt texts and partials)
// and `attackProtection` (Auth0 always returns its bot/breached-password/IP-throttling settings
// objects). Every other family is read and written: Gatehouse answers the families it does not
// implement as Auth0 answers a tenant without them (src/mgmt/absent_features_api.cpp).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken } from './helpers.mjs';

const run = promisify(execFile);
const A0DEPLOY = new URL('../node_modules/auth0-deploy-cli/lib/index.js', import.meta.url).pathname;
const EXCLUDED = ['pages', 'prompts', 'attackProtection'];
const API = 'https://inventory.example.com/';

let source;
let target;
let work;
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'deploy-cli-'));
  [source, target] = await Promise.all([startGatehouse({ tls: true, quiet: !process.env.LOUD, logLevel: process.env.LOUD ? 'info' : 'warn' }), startGatehouse({ tls: true, quiet: !process.env.LOUD, logLevel: process.env.LOUD ? 'info' : 'warn' })]);
  await seed(source);
});
after(async () => {
  await source?.stop();
  await target?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// What a real tenant holds: an API with scopes and RBAC, a web app and a machine client with
// grants, a role with permissions, a second database, tenant settings.
async function seed(gh) {
  const api = apiCaller(gh, await mgmtToken(gh));
  const ok = async (method, path, body, status) => {
    const r = await api(method, path, { body });
    assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
    return r.body;
  };
  await ok('POST', '/resource-servers', {
    name: 'Inventory', identifier: API, signing_alg: 'RS256', token_lifetime: 7200, allow_offline_access: true,
    skip_consent_for_verifiable_first_party_clients: true, enforce_policies: true, token_dialect: 'access_token_authz',
    scopes: [{ value: 'read:stock', description: 'Read stock' }, { value: 'write:stock', description: 'Write stock' }],
  }, 201);
  const web = await ok('POST', '/clients', {
    name: 'Inventory Web', app_type: 'regular_web', description: 'the shop floor', token_endpoint_auth_method: 'client_secret_post',
    callbacks: ['https://inventory.example.com/callback'], allowed_logout_urls: ['https://inventory.example.com/'],
    web_origins: ['https://inventory.example.com'], cross_origin_authentication: true,
    client_metadata: { team: 'stock' }, grant_types: ['authorization_code', 'refresh_token'],
  }, 201);
  const robot = await ok('POST', '/clients', { name: 'Inventory Robot', app_type: 'non_interactive' }, 201);
  await ok('POST', '/client-grants', { client_id: robot.client_id, audience: API, scope: ['read:stock'] }, 201);
  await ok('POST', '/client-grants', { client_id: web.client_id, audience: API, scope: ['read:stock', 'write:stock'] }, 201);
  const role = await ok('POST', '/roles', { name: 'Stock keeper', description: 'keeps the stock' }, 200);
  await ok('POST', `/roles/${role.id}/permissions`, {
    permissions: [{ resource_server_identifier: API, permission_name: 'write:stock' }],
  }, 201);
  await ok('POST', '/connections', {
    name: 'partners', strategy: 'auth0', enabled_clients: [web.client_id],
    options: { requires_username: true, brute_force_protection: true },
  }, 201);
  await ok('PATCH', '/tenants/settings', {
    friendly_name: 'Inventory Inc', support_email: 'support@inventory.example.com', session_lifetime: 72,
    idle_session_lifetime: 12, default_audience: API,
  }, 200);
}

// Runs `a0deploy <command>` against `gh` in its own process; returns its output.
async function a0deploy(gh, args) {
  const config = join(work, `config-${gh.port}.json`);
  writeFileSync(config, JSON.stringify({
    AUTH0_DOMAIN: `127.0.0.1:${gh.port}`, AUTH0_CLIENT_ID: gh.mgmtClientId, AUTH0_CLIENT_SECRET: gh.mgmtClientSecret,
    AUTH0_EXCLUDED: EXCLUDED,
  }));
  try {
    const { stdout, stderr } = await run(process.execPath, [A0DEPLOY, ...args, '-c', config], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(gh.dir, 'cert.pem') }, maxBuffer: 1 << 26, timeout: 300_000,
    });
    return stdout + stderr;
  } catch (e) {
    assert.fail(`a0deploy ${args[0]} failed:\n${e.stdout}\n${e.stderr}`);
  }
}

async function exportTenant(gh, name) {
  const dir = join(work, name);
  await a0deploy(gh, ['export', '-f', 'yaml', '-o', dir]);
  return { file: join(dir, 'tenant.yaml'), doc: yaml.load(readFileSync(join(dir, 'tenant.yaml'), 'utf8')) };
}

let second;  // the target's export after the first import, which the second test imports again

test('deploy-cli: export, import into a fresh tenant, export again: the two exports are equal', async () => {
  const first = await exportTenant(source, 'first');
  const doc = first.doc;
  // What the export holds (names, not ids: the tool maps ids to names).
  const clients = Object.fromEntries(doc.clients.map((c) => [c.name, c]));
  assert.equal(clients['Inventory Web'].cross_origin_authentication, true);
  assert.equal(clients['Inventory Web'].description, 'the shop floor');
  assert.deepEqual(clients['Inventory Web'].client_metadata, { team: 'stock' });
  assert.deepEqual(doc.resourceServers.map((r) => r.name), ['Inventory'], 'the Management API is left out');
  assert.deepEqual(doc.clientGrants.map((g) => [g.client_id, g.audience, g.scope]).sort(), [
    ['Inventory Robot', API, ['read:stock']],
    ['Inventory Web', API, ['read:stock', 'write:stock']],
  ]);
  assert.deepEqual(doc.roles.map((r) => [r.name, r.permissions]), [
    ['Stock keeper', [{ permission_name: 'write:stock', resource_server_identifier: API }]],
  ]);
  assert.deepEqual(doc.databases.map((d) => d.name).sort(), ['Username-Password-Authentication', 'partners']);
  assert.equal(doc.tenant.friendly_name, 'Inventory Inc');
  assert.equal(doc.tenant.default_audience, API);
  assert.deepEqual(doc.actions, []);

  const out = await a0deploy(target, ['import', '-i', first.file]);
  assert.match(out, /Import Successful/);
  second = await exportTenant(target, 'second');
  assert.deepEqual(second.doc, first.doc);
});

// The target's export of the test above is its own, current export: nothing changed it since. Each run
// of the tool costs it seconds of CPU, so it is not exported once more here.
test('deploy-cli: importing a tenant\'s own export again changes nothing', async () => {
  assert.ok(second, 'the test above exported the target');
  const before = second;
  await a0deploy(target, ['import', '-i', before.file]);
  const after = await exportTenant(target, 'again-after');
  assert.deepEqual(after.doc, before.doc);
});
