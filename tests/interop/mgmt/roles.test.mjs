// Roles and permissions through Auth0's own Node SDK (`auth0` 7.1.0, and its bundled v4 API
// `auth0/legacy`), unmodified, over plain HTTP (issue 17 item 1, auth0-apps.md §6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementClient as LegacyManagementClient } from 'auth0/legacy';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { sdk, httpFetch, allPages, unique, rejectionOf } from './helpers.mjs';

const API = 'https://catalogue.example.com';
const DB = 'Username-Password-Authentication';

let gh;
let mgmt;
before(async () => {
  gh = await startGatehouse({ quiet: true });
  mgmt = sdk(gh);
  await mgmt.resourceServers.create({
    identifier: API, name: 'Catalogue', enforce_policies: true, token_dialect: 'access_token_authz',
    scopes: [{ value: 'read:items', description: 'Read items' }, { value: 'write:items', description: 'Write items' }],
  });
});
after(async () => gh?.stop());

const permission = (permission_name) => ({ resource_server_identifier: API, permission_name });

test('roles: list (name_filter, paging) / create / get / update / delete', async () => {
  const created = await mgmt.roles.create({ name: 'Catalogue Editor', description: 'edits items' });
  assert.match(created.id, /^rol_[A-Za-z0-9]{16}$/);
  assert.equal(created.name, 'Catalogue Editor');
  assert.equal(created.description, 'edits items');
  const other = await mgmt.roles.create({ name: 'auditor' });
  assert.deepEqual(await mgmt.roles.get(created.id), { id: created.id, name: 'Catalogue Editor', description: 'edits items' });

  const filtered = await mgmt.roles.list({ name_filter: 'EDITOR' });
  assert.deepEqual(filtered.data.map((r) => r.id), [created.id]);
  assert.equal(filtered.response.total, 1);
  const { items, pages } = await allPages(await mgmt.roles.list({ per_page: 1 }));
  assert.equal(items.length, 2);
  assert.ok(pages >= 2);

  const updated = await mgmt.roles.update(created.id, { description: 'edits and publishes' });
  assert.equal(updated.name, 'Catalogue Editor');
  assert.equal(updated.description, 'edits and publishes');

  await mgmt.roles.delete(other.id);
  const missing = await rejectionOf(mgmt.roles.get(other.id));
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.body.errorCode, 'inexistent_role');
  const bad = await rejectionOf(mgmt.roles.create({ description: 'no name' }));
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.body.errorCode, 'invalid_body');
  await mgmt.roles.delete(created.id);
});

test('role permissions and users: permissions.list / add / delete, users.list (from/take) / assign', async () => {
  const role = await mgmt.roles.create({ name: unique('writer') });
  await mgmt.roles.permissions.add(role.id, { permissions: [permission('read:items'), permission('write:items')] });
  const perms = await mgmt.roles.permissions.list(role.id);
  assert.deepEqual(perms.data, [
    { permission_name: 'read:items', description: 'Read items', resource_server_name: 'Catalogue', resource_server_identifier: API },
    { permission_name: 'write:items', description: 'Write items', resource_server_name: 'Catalogue', resource_server_identifier: API },
  ]);
  await mgmt.roles.permissions.delete(role.id, { permissions: [permission('write:items')] });
  assert.deepEqual((await mgmt.roles.permissions.list(role.id)).data.map((p) => p.permission_name), ['read:items']);
  const undefinedScope = await rejectionOf(mgmt.roles.permissions.add(role.id, { permissions: [permission('admin:items')] }));
  assert.equal(undefinedScope.statusCode, 400);
  const unknownApi = await rejectionOf(mgmt.roles.permissions.add(role.id, {
    permissions: [{ resource_server_identifier: 'https://unknown.example.com', permission_name: 'read:items' }],
  }));
  assert.equal(unknownApi.statusCode, 404);

  const ids = [];
  for (let i = 0; i < 3; i++) {
    const u = await mgmt.users.create({ connection: DB, email: `${unique('member')}@example.com`, password: 'member password 1', name: `Member ${i}` });
    ids.push(u.user_id);
  }
  await mgmt.roles.users.assign(role.id, { users: ids });
  const { items, pages } = await allPages(await mgmt.roles.users.list(role.id, { take: 2 }));
  assert.equal(pages, 2, 'checkpoint paging follows next');
  assert.deepEqual(items.map((u) => u.user_id).sort(), [...ids].sort());
  assert.ok(items.every((u) => u.email && u.name?.startsWith('Member ')));
});

test("users: roles.list / assign / delete and permissions.list (with sources) / create / delete", async () => {
  const reader = await mgmt.roles.create({ name: unique('reader') });
  await mgmt.roles.permissions.add(reader.id, { permissions: [permission('read:items')] });
  const user = await mgmt.users.create({ connection: DB, email: `${unique('user')}@example.com`, password: 'user password 1' });

  await mgmt.users.roles.assign(user.user_id, { roles: [reader.id] });
  const roles = await mgmt.users.roles.list(user.user_id);
  assert.deepEqual(roles.data.map((r) => r.id), [reader.id]);

  await mgmt.users.permissions.create(user.user_id, { permissions: [permission('read:items'), permission('write:items')] });
  const perms = (await mgmt.users.permissions.list(user.user_id)).data;
  assert.deepEqual(perms.map((p) => p.permission_name), ['read:items', 'write:items']);
  const read = perms.find((p) => p.permission_name === 'read:items');
  assert.deepEqual(read.sources.map((s) => s.source_type).sort(), ['DIRECT', 'ROLE']);
  assert.ok(read.sources.some((s) => s.source_id === reader.id && s.source_name === reader.name));

  await mgmt.users.permissions.delete(user.user_id, { permissions: [permission('write:items'), permission('read:items')] });
  await mgmt.users.roles.delete(user.user_id, { roles: [reader.id] });
  assert.deepEqual((await mgmt.users.roles.list(user.user_id)).data, []);
  assert.deepEqual((await mgmt.users.permissions.list(user.user_id)).data, []);
  const unknown = await rejectionOf(mgmt.users.roles.assign(user.user_id, { roles: ['rol_0000000000000000'] }));
  assert.equal(unknown.statusCode, 404);
});

test('legacy v4 API (auth0/legacy): roles.* and users.getRoles / assignRoles / deleteRoles / getPermissions / assignPermissions / deletePermissions', async () => {
  const legacy = new LegacyManagementClient({ domain: `127.0.0.1:${gh.port}`, clientId: gh.mgmtClientId, clientSecret: gh.mgmtClientSecret, fetch: httpFetch });
  const created = await legacy.roles.create({ name: unique('legacy'), description: 'v4' });
  const id = created.data.id;
  assert.equal((await legacy.roles.get({ id })).data.description, 'v4');
  assert.equal((await legacy.roles.update({ id }, { description: 'v4 updated' })).data.description, 'v4 updated');
  const all = await legacy.roles.getAll();
  assert.ok(Array.isArray(all.data), 'bare array without paging parameters');
  const paged = await legacy.roles.getAll({ include_totals: true, per_page: 1, page: 0 });
  assert.equal(paged.data.roles.length, 1);
  assert.ok(paged.data.total >= 1);

  await legacy.roles.addPermissions({ id }, { permissions: [permission('read:items')] });
  assert.deepEqual((await legacy.roles.getPermissions({ id })).data.map((p) => p.permission_name), ['read:items']);
  await legacy.roles.deletePermissions({ id }, { permissions: [permission('read:items')] });
  assert.deepEqual((await legacy.roles.getPermissions({ id })).data, []);
  await legacy.roles.addPermissions({ id }, { permissions: [permission('write:items')] });

  const user = await legacy.users.create({ connection: DB, email: `${unique('legacy')}@example.com`, password: 'legacy password 1' });
  const userId = user.data.user_id;
  await legacy.roles.assignUsers({ id }, { users: [userId] });
  assert.deepEqual((await legacy.roles.getUsers({ id })).data.map((u) => u.user_id), [userId]);
  assert.deepEqual((await legacy.users.getRoles({ id: userId })).data.map((r) => r.id), [id]);
  await legacy.users.deleteRoles({ id: userId }, { roles: [id] });
  await legacy.users.assignRoles({ id: userId }, { roles: [id] });
  await legacy.users.assignPermissions({ id: userId }, { permissions: [permission('read:items')] });
  const perms = await legacy.users.getPermissions({ id: userId });
  assert.deepEqual(perms.data.map((p) => p.permission_name), ['read:items', 'write:items']);
  await legacy.users.deletePermissions({ id: userId }, { permissions: [permission('read:items')] });
  assert.deepEqual((await legacy.users.getPermissions({ id: userId })).data.map((p) => p.permission_name), ['write:items']);
  await legacy.roles.delete({ id });
  assert.deepEqual((await legacy.users.getRoles({ id: userId })).data, []);
});
