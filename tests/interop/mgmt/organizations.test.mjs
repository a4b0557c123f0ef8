// Organizations through Auth0's own Node SDK (`auth0` 7.1.0 ManagementClient), unmodified, over
// plain HTTP (issue 17 items 3 and 4, auth0-apps.md §6): organizations, members, member roles,
// enabled connections and invitations, with Auth0's shapes, paging and errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { sdk, apiCaller, mgmtToken, allPages, unique, rejectionOf, assertAuth0Error } from './helpers.mjs';
import { startSmtp, smtpProvider, parseMail } from '../email/smtp.mjs';

const DB = 'Username-Password-Authentication';

let gh;
let mgmt;
let api;
let dbConnectionId;
let appClientId;
let smtp;
before(async () => {
  smtp = await startSmtp();
  gh = await startGatehouse({ quiet: true, args: ['--allow-private-upstreams'] });
  mgmt = sdk(gh);
  api = apiCaller(gh, await mgmtToken(gh));
  const connections = await allPages(await mgmt.connections.list());
  dbConnectionId = connections.items.find((c) => c.name === DB).id;
  const app = await mgmt.clients.create({
    name: 'Org App', app_type: 'spa', callbacks: ['http://127.0.0.1:9/callback'],
    initiate_login_uri: 'https://app.example.com/login', organization_usage: 'allow',
  });
  appClientId = app.client_id;
});
after(async () => {
  await gh?.stop();
  await smtp?.close();
});

const newUser = async (name) =>
  mgmt.users.create({ connection: DB, email: `${unique("member")}@example.com`, password: 'member password 1', name });

test('organizations: create / get / getByName / update / list (checkpoint and offset paging) / delete', async () => {
  const name = unique('acme');
  const created = await mgmt.organizations.create({
    name, display_name: 'Acme Inc', metadata: { tier: 'gold' },
    branding: { logo_url: 'https://acme.example.com/logo.png', colors: { primary: '#112233', page_background: '#fff' } },
    enabled_connections: [{ connection_id: dbConnectionId, assign_membership_on_login: true }],
  });
  assert.match(created.id, /^org_[A-Za-z0-9]{16}$/);
  assert.equal(created.name, name);
  assert.equal(created.display_name, 'Acme Inc');
  assert.deepEqual(created.metadata, { tier: 'gold' });
  assert.equal(created.enabled_connections[0].connection_id, dbConnectionId);
  assert.deepEqual(await mgmt.organizations.get(created.id), {
    id: created.id, name, display_name: 'Acme Inc', metadata: { tier: 'gold' },
    branding: { logo_url: 'https://acme.example.com/logo.png', colors: { primary: '#112233', page_background: '#fff' } },
  });
  assert.equal((await mgmt.organizations.getByName(name)).id, created.id);

  const updated = await mgmt.organizations.update(created.id, { display_name: 'Acme Corporation', metadata: { tier: 'silver' } });
  assert.equal(updated.display_name, 'Acme Corporation');
  assert.equal(updated.name, name);
  assert.deepEqual(updated.metadata, { tier: 'silver' });

  const others = [];
  for (let i = 0; i < 3; i++) others.push(await mgmt.organizations.create({ name: unique(`org${i}`) }));
  // The SDK pages organizations by checkpoint (from/take) and follows `next`.
  const { items, pages } = await allPages(await mgmt.organizations.list({ take: 2 }));
  assert.ok(pages >= 2, 'checkpoint paging follows next');
  for (const o of [created, ...others]) assert.ok(items.some((i) => i.id === o.id));
  const offset = await api('GET', '/organizations?page=0&per_page=2&include_totals=true');
  assert.equal(offset.status, 200);
  assert.equal(offset.body.organizations.length, 2);
  assert.equal(offset.body.start, 0);
  assert.equal(offset.body.limit, 2);
  assert.ok(offset.body.total >= 4);
  const bare = await api('GET', '/organizations');
  assert.ok(Array.isArray(bare.body), 'no paging parameters: a bare array');

  for (const o of others) await mgmt.organizations.delete(o.id);
  const gone = await rejectionOf(mgmt.organizations.get(others[0].id));
  assert.equal(gone.statusCode, 404);
  assert.equal(gone.body.errorCode, 'inexistent_organization');
  await mgmt.organizations.delete(created.id);
});

test('organizations: bad names are 400, a taken name 409, unknown ids 404, nothing written', async () => {
  for (const name of ['Upper', 'has space', '', 'x'.repeat(51), 'dot.name', 'émoji']) {
    const r = await api('POST', '/organizations', { body: { name } });
    assertAuth0Error(r, 400, 'invalid_body');
  }
  const name = unique('taken');
  const first = await mgmt.organizations.create({ name });
  const dup = await rejectionOf(mgmt.organizations.create({ name }));
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.body.errorCode, 'organization_conflict');
  const other = await mgmt.organizations.create({ name: unique('other') });
  assertAuth0Error(await api('PATCH', `/organizations/${other.id}`, { body: { name } }), 409, 'organization_conflict');
  assertAuth0Error(await api('PATCH', `/organizations/${other.id}`, { body: { name: 'Bad Name' } }), 400, 'invalid_body');
  assertAuth0Error(await api('GET', '/organizations/org_0000000000000000'), 404, 'inexistent_organization');
  assertAuth0Error(await api('GET', '/organizations/name/nobody-here'), 404, 'inexistent_organization');
  assertAuth0Error(await api('GET', '/organizations/not-an-id'), 400, 'invalid_uri');
  assertAuth0Error(await api('POST', '/organizations', { body: { name: unique('x'), bogus: 1 } }), 400, 'invalid_body');
  assertAuth0Error(await api('POST', '/organizations', {
    body: { name: unique('x'), enabled_connections: [{ connection_id: 'con_0000000000000000' }] },
  }), 404, 'inexistent_connection');
  const metadata = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, 'v']));
  assertAuth0Error(await api('POST', '/organizations', { body: { name: unique('x'), metadata } }), 400, 'invalid_body');
  assert.equal((await mgmt.organizations.get(first.id)).name, name);
});

test('members: create / list (checkpoint) / delete; member roles: assign / list / delete', async () => {
  const org = await mgmt.organizations.create({ name: unique('members') });
  const users = [];
  for (let i = 0; i < 3; i++) users.push(await newUser(`Member ${i}`));
  await mgmt.organizations.members.create(org.id, { members: users.map((u) => u.user_id) });
  const { items, pages } = await allPages(await mgmt.organizations.members.list(org.id, { take: 2 }));
  assert.equal(pages, 2);
  assert.deepEqual(items.map((m) => m.user_id).sort(), users.map((u) => u.user_id).sort());
  assert.ok(items.every((m) => m.email && m.name?.startsWith('Member ')));

  const unknownUser = await rejectionOf(mgmt.organizations.members.create(org.id, { members: [users[0].user_id, 'auth0|nobody'] }));
  assert.equal(unknownUser.statusCode, 404);

  const admin = await mgmt.roles.create({ name: unique('org-admin') });
  const viewer = await mgmt.roles.create({ name: unique('org-viewer') });
  const member = users[0].user_id;
  await mgmt.organizations.members.roles.assign(org.id, member, { roles: [admin.id, viewer.id] });
  const roles = await mgmt.organizations.members.roles.list(org.id, member);
  assert.deepEqual(roles.data.map((r) => r.id).sort(), [admin.id, viewer.id].sort());
  assert.ok(roles.data.every((r) => typeof r.name === 'string' && 'description' in r));
  await mgmt.organizations.members.roles.delete(org.id, member, { roles: [viewer.id] });
  assert.deepEqual((await mgmt.organizations.members.roles.list(org.id, member)).data.map((r) => r.id), [admin.id]);

  assertAuth0Error(await api('POST', `/organizations/${org.id}/members/${encodeURIComponent(member)}/roles`, {
    body: { roles: [viewer.id, 'rol_0000000000000000'] },
  }), 404, 'inexistent_role');
  assert.deepEqual((await mgmt.organizations.members.roles.list(org.id, member)).data.map((r) => r.id), [admin.id], 'nothing written');
  const outsider = await newUser('Outsider');
  assertAuth0Error(await api('POST', `/organizations/${org.id}/members/${encodeURIComponent(outsider.user_id)}/roles`, {
    body: { roles: [admin.id] },
  }), 404, 'inexistent_user');

  await mgmt.organizations.members.delete(org.id, { members: [member] });
  const left = await allPages(await mgmt.organizations.members.list(org.id));
  assert.equal(left.items.length, 2);
  await mgmt.organizations.members.create(org.id, { members: [member] });
  assert.deepEqual((await mgmt.organizations.members.roles.list(org.id, member)).data, [], 'roles went with the membership');
  assertAuth0Error(await api('GET', '/organizations/org_0000000000000000/members'), 404, 'inexistent_organization');
});

test('enabled connections: add / list / get / update (assign_membership_on_login) / delete', async () => {
  const org = await mgmt.organizations.create({ name: unique('conns') });
  const added = await mgmt.organizations.enabledConnections.add(org.id, {
    connection_id: dbConnectionId, assign_membership_on_login: true, is_signup_enabled: true,
  });
  assert.deepEqual(added, {
    connection_id: dbConnectionId, assign_membership_on_login: true, show_as_button: true, is_signup_enabled: true,
    connection: { name: DB, strategy: 'auth0' },
  });
  const list = await mgmt.organizations.enabledConnections.list(org.id);
  assert.deepEqual(list.data.map((c) => c.connection_id), [dbConnectionId]);
  assert.equal((await mgmt.organizations.enabledConnections.get(org.id, dbConnectionId)).assign_membership_on_login, true);
  const updated = await mgmt.organizations.enabledConnections.update(org.id, dbConnectionId, { assign_membership_on_login: false });
  assert.equal(updated.assign_membership_on_login, false);
  assert.equal(updated.is_signup_enabled, true, 'fields left out keep their value');

  const dup = await rejectionOf(mgmt.organizations.enabledConnections.add(org.id, { connection_id: dbConnectionId }));
  assert.equal(dup.statusCode, 409);
  const unknown = await rejectionOf(mgmt.organizations.enabledConnections.add(org.id, { connection_id: 'con_0000000000000000' }));
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.body.errorCode, 'inexistent_connection');
  assertAuth0Error(await api('PATCH', `/organizations/${org.id}/enabled_connections/${dbConnectionId}`, {
    body: { assign_membership_on_login: 'yes' },
  }), 400, 'invalid_body');

  await mgmt.organizations.enabledConnections.delete(org.id, dbConnectionId);
  const gone = await rejectionOf(mgmt.organizations.enabledConnections.get(org.id, dbConnectionId));
  assert.equal(gone.statusCode, 404);
  assert.deepEqual((await mgmt.organizations.enabledConnections.list(org.id)).data, []);
});

test('invitations: create (invitation_url to initiate_login_uri) / list / get / delete', async () => {
  const org = await mgmt.organizations.create({ name: unique('invites'), display_name: 'Invites Ltd' });
  await mgmt.organizations.enabledConnections.add(org.id, { connection_id: dbConnectionId });
  const role = await mgmt.roles.create({ name: unique('invited-role') });
  const invitation = await mgmt.organizations.invitations.create(org.id, {
    inviter: { name: 'Alice' }, invitee: { email: 'bob@example.com' }, client_id: appClientId,
    connection_id: dbConnectionId, roles: [role.id], ttl_sec: 3600, send_invitation_email: false,
    app_metadata: { plan: 'pro' },
  });
  assert.match(invitation.id, /^uinv_[A-Za-z0-9]{16}$/);
  assert.equal(invitation.organization_id, org.id);
  assert.deepEqual(invitation.inviter, { name: 'Alice' });
  assert.deepEqual(invitation.invitee, { email: 'bob@example.com' });
  assert.deepEqual(invitation.roles, [role.id]);
  assert.equal(invitation.client_id, appClientId);
  const url = new URL(invitation.invitation_url);
  assert.equal(url.origin + url.pathname, 'https://app.example.com/login');
  assert.equal(url.searchParams.get('invitation'), invitation.ticket_id);
  assert.equal(url.searchParams.get('organization'), org.id);
  assert.equal(url.searchParams.get('organization_name'), org.name);
  const lifetime = Date.parse(invitation.expires_at) - Date.parse(invitation.created_at);
  assert.ok(Math.abs(lifetime - 3600 * 1000) < 2000, `ttl_sec: ${lifetime}`);

  // Without send_invitation_email: false, the user_invitation mail carries the link.
  assert.equal((await api('POST', '/emails/provider', { body: smtpProvider(smtp) })).status, 201);
  const mailsBefore = smtp.received.length;
  const second = await mgmt.organizations.invitations.create(org.id, {
    inviter: { name: 'Alice' }, invitee: { email: 'carol@example.com' }, client_id: appClientId,
  });
  const mails = await smtp.waitFor(mailsBefore + 1);
  const mail = parseMail(mails[mailsBefore].raw);
  assert.equal(mails.length, mailsBefore + 1, 'the first invitation (send_invitation_email: false) sent nothing');
  assert.match(mail.headers.to[0], /carol@example\.com/);
  assert.match(mail.html, /Alice invited you to join Invites Ltd on Org App/);
  assert.ok(mail.html.includes(second.invitation_url.replaceAll('&', '&amp;')), 'the mail carries the link');
  const days = (Date.parse(second.expires_at) - Date.parse(second.created_at)) / 86400000;
  assert.ok(Math.abs(days - 7) < 0.01, 'default lifetime: 7 days');
  const list = await mgmt.organizations.invitations.list(org.id);
  assert.deepEqual(list.data.map((i) => i.id).sort(), [invitation.id, second.id].sort());
  const got = await mgmt.organizations.invitations.get(org.id, invitation.id);
  assert.equal(got.invitee.email, 'bob@example.com');
  assert.equal(got.invitation_url, undefined, 'only the creation answer carries the link (its ticket is stored hashed)');

  assertAuth0Error(await api('POST', `/organizations/${org.id}/invitations`, {
    body: { inviter: { name: 'A' }, invitee: { email: 'x@example.com' }, client_id: gh.mgmtClientId },
  }), 400, 'invalid_body');  // a client without initiate_login_uri
  assertAuth0Error(await api('POST', `/organizations/${org.id}/invitations`, {
    body: { inviter: { name: 'A' }, invitee: { email: 'not-an-email' }, client_id: appClientId },
  }), 400, 'invalid_body');
  assertAuth0Error(await api('POST', `/organizations/${org.id}/invitations`, {
    body: { inviter: { name: 'A' }, invitee: { email: 'x@example.com' }, client_id: appClientId, roles: ['rol_0000000000000000'] },
  }), 404, 'inexistent_role');

  await mgmt.organizations.invitations.delete(org.id, invitation.id);
  const gone = await rejectionOf(mgmt.organizations.invitations.get(org.id, invitation.id));
  assert.equal(gone.statusCode, 404);
  assert.equal((await mgmt.organizations.invitations.list(org.id)).data.length, 1);
});

test('scopes: each route asks for its organization scope', async () => {
  const token = await (async () => {
    const created = await api('POST', '/clients', { body: { name: unique('m2m'), app_type: 'non_interactive' } });
    await api('POST', '/client-grants', {
      body: { client_id: created.body.client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:organizations'] },
    });
    return mgmtToken(gh, { clientId: created.body.client_id, clientSecret: created.body.client_secret });
  })();
  const reader = apiCaller(gh, token);
  assert.equal((await reader('GET', '/organizations')).status, 200);
  assertAuth0Error(await reader('POST', '/organizations', { body: { name: unique('nope') } }), 403, 'insufficient_scope',
    /create:organizations/);
  assertAuth0Error(await reader('GET', '/organizations/org_0000000000000000/members'), 403, 'insufficient_scope',
    /read:organization_members/);
});
