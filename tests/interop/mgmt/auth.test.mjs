// Management API authentication and authorization over real HTTP: client_credentials tokens for
// both spellings of the audience, 401 bodies, 403 insufficient_scope for a client whose grant
// (made through the API itself) holds only read:connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { mgmtToken, apiCaller, assertAuth0Error, unique } from './helpers.mjs';

let gh;
let api;
before(async () => {
  gh = await startGatehouse();
  api = apiCaller(gh, await mgmtToken(gh));
});
after(async () => gh?.stop());

const b64json = (s) => JSON.parse(Buffer.from(s, 'base64url').toString());

test('client_credentials with audience <issuer>api/v2/ gives a management token', async () => {
  const res = await fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: gh.mgmtClientId,
      client_secret: gh.mgmtClientSecret,
      audience: `${gh.issuer}api/v2/`,
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.token_type, 'Bearer');
  assert.ok(body.expires_in > 60);
  const claims = b64json(body.access_token.split('.')[1]);
  assert.equal(claims.aud, `${gh.issuer}api/v2/`);
  assert.equal(claims.sub, `${gh.mgmtClientId}@clients`);
  for (const s of ['read:connections', 'create:connections', 'update:connections', 'delete:connections', 'read:users', 'create:client_grants'])
    assert.ok(claims.scope.split(' ').includes(s), s);
  const r = await apiCaller(gh, body.access_token)('GET', '/connections');
  assert.equal(r.status, 200, r.text);
});

test('the https:// spelling of the audience (what the Node SDK sends) works too', async () => {
  const token = await mgmtToken(gh, { audience: `https://127.0.0.1:${gh.port}/api/v2/` });
  const r = await apiCaller(gh, token)('GET', '/clients');
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.body));
});

test('no token: 401 Missing authentication', async () => {
  for (const [method, path] of [['GET', '/connections'], ['POST', '/clients'], ['DELETE', '/users/auth0%7Cx'], ['GET', '/nope']]) {
    const r = await api(method, path, { token: null, body: method === 'POST' ? {} : undefined });
    assertAuth0Error(r, 401);
    assert.equal(r.body.error, 'Unauthorized');
    assert.equal(r.body.message, 'Missing authentication');
  }
});

test('bad tokens: 401 Invalid token', async () => {
  const good = await mgmtToken(gh);
  const [h, p, s] = good.split('.');
  const claims = b64json(p);
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: claims.scope + ' admin' })).toString('base64url')}.${s}`;
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
  for (const token of ['garbage', 'a.b.c', forged, none, `${h}.${p}.${s.slice(0, -4)}AAAA`]) {
    const r = await api('GET', '/connections', { token });
    assertAuth0Error(r, 401);
    assert.equal(r.body.error, 'Unauthorized');
    assert.equal(r.body.message, 'Invalid token');
  }
  // Basic instead of Bearer is no bearer token at all.
  const basic = await fetch(`${gh.origin}/api/v2/connections`, {
    headers: { authorization: `Basic ${Buffer.from(`${gh.mgmtClientId}:${gh.mgmtClientSecret}`).toString('base64')}` },
  });
  assert.equal(basic.status, 401);
  assert.equal((await basic.json()).statusCode, 401);
});

test('a token for another API is not a management token: 401', async () => {
  const rs = await api('POST', '/resource-servers', {
    body: { name: 'Other API', identifier: 'https://other.example.com/', scopes: [{ value: 'read:things' }] },
  });
  assert.equal(rs.status, 201, rs.text);
  const g = await api('POST', '/client-grants', {
    body: { client_id: gh.mgmtClientId, audience: 'https://other.example.com/', scope: ['read:things'] },
  });
  assert.equal(g.status, 201, g.text);
  const other = await mgmtToken(gh, { audience: 'https://other.example.com/' });
  const r = await api('GET', '/connections', { token: other });
  assertAuth0Error(r, 401);
  assert.equal(r.body.message, 'Invalid token');
});

test('a client granted only read:connections (through the API) gets 403 insufficient_scope elsewhere', async () => {
  const created = await api('POST', '/clients', { body: { name: unique('reader'), app_type: 'non_interactive' } });
  assert.equal(created.status, 201, created.text);
  const { client_id, client_secret } = created.body;
  assert.match(client_id, /^[A-Za-z0-9]{32}$/);
  assert.ok(client_secret);
  // Without a grant the client cannot get a management token at all.
  const denied = await fetch(`${gh.origin}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id, client_secret, audience: `${gh.issuer}api/v2/` }),
  });
  assert.equal(denied.status, 403);
  assert.equal((await denied.json()).error, 'access_denied');

  const grant = await api('POST', '/client-grants', {
    body: { client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:connections'] },
  });
  assert.equal(grant.status, 201, grant.text);
  assert.match(grant.body.id, /^cgr_[A-Za-z0-9]{16}$/);
  assert.deepEqual(grant.body.scope, ['read:connections']);

  const token = await mgmtToken(gh, { clientId: client_id, clientSecret: client_secret });
  assert.equal(b64json(token.split('.')[1]).scope, 'read:connections');
  const reader = apiCaller(gh, token);
  const list = await reader('GET', '/connections');
  assert.equal(list.status, 200, list.text);
  const id = list.body[0].id;
  assert.equal((await reader('GET', `/connections/${id}`)).status, 200);

  const cases = [
    ['POST', '/connections', { name: unique('c'), strategy: 'auth0' }, 'create:connections'],
    ['PATCH', `/connections/${id}`, { display_name: 'x' }, 'update:connections'],
    ['DELETE', `/connections/${id}`, undefined, 'delete:connections'],
    ['GET', '/clients', undefined, 'read:clients'],
    ['POST', '/clients', { name: 'x' }, 'create:clients'],
    ['GET', '/users', undefined, 'read:users'],
    ['GET', '/users-by-email?email=a@b.c', undefined, 'read:users'],
    ['GET', '/resource-servers', undefined, 'read:resource_servers'],
    ['GET', '/client-grants', undefined, 'read:client_grants'],
    ['POST', '/client-grants', { client_id, audience: `${gh.issuer}api/v2/`, scope: ['read:users'] }, 'create:client_grants'],
  ];
  for (const [method, path, body, scope] of cases) {
    const r = await reader(method, path, { body });
    assertAuth0Error(r, 403, 'insufficient_scope');
    assert.equal(r.body.error, 'Forbidden');
    assert.match(r.body.message, new RegExp(`^Insufficient scope, expected any of: .*${scope}`), `${method} ${path}`);
  }
  // The forbidden DELETE changed nothing.
  assert.equal((await api('GET', `/connections/${id}`)).status, 200);

  // Widening the grant through the API takes effect on the next token.
  const widened = await api('PATCH', `/client-grants/${grant.body.id}`, { body: { scope: ['read:connections', 'read:clients'] } });
  assert.equal(widened.status, 200, widened.text);
  const token2 = await mgmtToken(gh, { clientId: client_id, clientSecret: client_secret });
  assert.equal((await apiCaller(gh, token2)('GET', '/clients')).status, 200);
});
