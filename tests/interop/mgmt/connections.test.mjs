// /api/v2/connections over real HTTP: ids, status codes, PATCH semantics, ETag / If-Match,
// merge-patch (RFC 7396), enabled_clients, authorize-preview, every strategy of spec §2 and the
// upstream_params rules (each rejection a 400 naming the key, nothing stored).
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

const MERGE = 'application/merge-patch+json';

async function create(body) {
  const r = await api('POST', '/connections', { body });
  assert.equal(r.status, 201, r.text);
  return r;
}

const previewUrl = async (id, query = '') => {
  const r = await api('GET', `/connections/${id}/authorize-preview${query}`);
  assert.equal(r.status, 200, r.text);
  return new URL(r.body.url);
};

test('the bootstrap database connection is listed, bare array without paging params', async () => {
  const r = await api('GET', '/connections');
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.body));
  const db = r.body.find((c) => c.name === 'Username-Password-Authentication');
  assert.ok(db);
  assert.equal(db.strategy, 'auth0');
  assert.match(db.id, /^con_[A-Za-z0-9]{16}$/);
  assert.ok(db.enabled_clients.includes(gh.demoClientId));
});

test('create: 201, con_ + 16 alphanumerics, defaults, ETag; GET returns the same object and ETag', async () => {
  const name = unique('wp');
  const r = await create({ name, strategy: 'wordpress', options: { client_id: 'wp-id', client_secret: 'wp-secret', scope: ['auth'] } });
  assert.match(r.body.id, /^con_[A-Za-z0-9]{16}$/);
  assert.equal(r.body.name, name);
  assert.equal(r.body.strategy, 'wordpress');
  assert.deepEqual(r.body.enabled_clients, []);
  assert.deepEqual(r.body.realms, [name]);
  assert.equal(r.body.is_domain_connection, false);
  assert.equal(r.body.options.client_secret, 'wp-secret');
  const etag = r.headers.get('etag');
  assert.match(etag, /^"[^"]+"$/, 'a strong ETag');
  const g = await api('GET', `/connections/${r.body.id}`);
  assert.equal(g.status, 200);
  assert.deepEqual(g.body, r.body);
  assert.equal(g.headers.get('etag'), etag);
  assert.match(g.headers.get('content-type'), /^application\/json/);
});

test('PATCH replaces options whole (Auth0) and answers a new ETag', async () => {
  const c = await create({ name: unique('oa'), strategy: 'oauth2', options: {
    client_id: 'a', client_secret: 'b', authorizationURL: 'https://idp.example.com/authorize', tokenURL: 'https://idp.example.com/token',
    scope: 'openid profile', upstream_params: { prompt: { value: 'login' } }, strategy_version: 2 } });
  const p = await api('PATCH', `/connections/${c.body.id}`, { body: { options: {
    client_id: 'a', authorizationURL: 'https://idp.example.com/authorize', tokenURL: 'https://idp.example.com/token' } } });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual(p.body.options, { client_id: 'a', authorizationURL: 'https://idp.example.com/authorize', tokenURL: 'https://idp.example.com/token' });
  assert.notEqual(p.headers.get('etag'), c.headers.get('etag'));
  const g = await api('GET', `/connections/${c.body.id}`);
  assert.equal(g.body.options.upstream_params, undefined);
  assert.equal(g.body.options.strategy_version, undefined);
  assert.equal(g.body.options.client_secret, undefined);
  assert.equal(g.headers.get('etag'), p.headers.get('etag'));
  // Properties not sent at all are kept.
  const p2 = await api('PATCH', `/connections/${c.body.id}`, { body: { display_name: 'OAuth Two' } });
  assert.equal(p2.status, 200);
  assert.equal(p2.body.display_name, 'OAuth Two');
  assert.equal(p2.body.options.client_id, 'a');
});

test('PATCH with name or strategy is 400 invalid_body, nothing changed', async () => {
  const c = await create({ name: unique('tw'), strategy: 'twitter', options: { client_id: 'x' } });
  for (const body of [{ name: 'renamed' }, { strategy: 'oauth2' }, { strategy: 'oauth2', name: 'x', options: {} }]) {
    const r = await api('PATCH', `/connections/${c.body.id}`, { body });
    assertAuth0Error(r, 400, 'invalid_body', /Additional properties not allowed: .*(strategy|name)/);
  }
  const g = await api('GET', `/connections/${c.body.id}`);
  assert.deepEqual(g.body, c.body);
  assert.equal(g.headers.get('etag'), c.headers.get('etag'));
});

test('DELETE answers 202 {deleted_at}; the connection is gone (404 inexistent_connection)', async () => {
  const c = await create({ name: unique('del'), strategy: 'auth0' });
  const d = await api('DELETE', `/connections/${c.body.id}`);
  assert.equal(d.status, 202, d.text);
  assert.ok(!Number.isNaN(Date.parse(d.body.deleted_at)));
  const g = await api('GET', `/connections/${c.body.id}`);
  assert.deepEqual(g.body, { statusCode: 404, error: 'Not Found', message: 'The connection does not exist', errorCode: 'inexistent_connection' });
  assertAuth0Error(await api('DELETE', `/connections/${c.body.id}`), 404, 'inexistent_connection');
  assertAuth0Error(await api('PATCH', `/connections/${c.body.id}`, { body: {} }), 404, 'inexistent_connection');
});

test('If-Match: the current ETag passes, a stale one is 412 and changes nothing', async () => {
  const c = await create({ name: unique('im'), strategy: 'wordpress', options: { client_id: 'one' } });
  const etag1 = c.headers.get('etag');
  const ok = await api('PATCH', `/connections/${c.body.id}`, { headers: { 'if-match': etag1 }, body: { options: { client_id: 'two' } } });
  assert.equal(ok.status, 200, ok.text);
  const etag2 = ok.headers.get('etag');
  assert.notEqual(etag2, etag1);
  // Someone else's write happened in between: the first writer's tag is stale now.
  const stale = await api('PATCH', `/connections/${c.body.id}`, { headers: { 'if-match': etag1 }, body: { options: { client_id: 'three' } } });
  assertAuth0Error(stale, 412);
  assert.equal(stale.body.error, 'Precondition Failed');
  const stale2 = await api('PATCH', `/connections/${c.body.id}`, { headers: { 'if-match': etag1 }, contentType: MERGE, body: { options: { client_id: 'three' } } });
  assertAuth0Error(stale2, 412);
  const staleDelete = await api('DELETE', `/connections/${c.body.id}`, { headers: { 'if-match': etag1 } });
  assertAuth0Error(staleDelete, 412);
  const g = await api('GET', `/connections/${c.body.id}`);
  assert.equal(g.body.options.client_id, 'two');
  assert.equal(g.headers.get('etag'), etag2);
  // A weak tag never matches (strong comparison); "*" always does.
  assertAuth0Error(await api('PATCH', `/connections/${c.body.id}`, { headers: { 'if-match': `W/${etag2}` }, body: {} }), 412);
  const star = await api('PATCH', `/connections/${c.body.id}`, { headers: { 'if-match': '*' }, body: { display_name: 'Star' } });
  assert.equal(star.status, 200);
});

test('ETag on every connection response: list-free reads, create, patch, clients, preview', async () => {
  const c = await create({ name: unique('et'), strategy: 'wordpress' });
  const id = c.body.id;
  for (const [method, path, body] of [
    ['GET', `/connections/${id}`],
    ['PATCH', `/connections/${id}`, { display_name: 'E' }],
    ['GET', `/connections/${id}/authorize-preview`],
    ['GET', `/connections/${id}/clients`],
  ]) {
    const r = await api(method, path, { body });
    assert.ok(r.status < 300, `${method} ${path}: ${r.text}`);
    assert.match(r.headers.get('etag') ?? '', /^"[^"]+"$/, `${method} ${path}`);
  }
});

test('merge-patch (RFC 7396): options merge key by key, null deletes, arrays replace', async () => {
  const c = await create({ name: unique('mp'), strategy: 'oidc', options: {
    client_id: 'cid', client_secret: 'sec', issuer: 'https://op.example.com/', authorization_endpoint: 'https://op.example.com/auth',
    scope: 'openid email', domain_aliases: ['a.example.com', 'b.example.com'] } });
  const m = await api('PATCH', `/connections/${c.body.id}`, { contentType: MERGE, body: {
    options: { upstream_params: { login_hint: { alias: 'login_hint' } }, client_secret: null, domain_aliases: ['c.example.com'] },
    display_name: 'Merged' } });
  assert.equal(m.status, 200, m.text);
  assert.deepEqual(m.body.options, {
    client_id: 'cid', issuer: 'https://op.example.com/', authorization_endpoint: 'https://op.example.com/auth', scope: 'openid email',
    domain_aliases: ['c.example.com'], upstream_params: { login_hint: { alias: 'login_hint' } } });
  assert.equal(m.body.display_name, 'Merged');
  // null at the top level deletes the property too.
  const m2 = await api('PATCH', `/connections/${c.body.id}`, { contentType: `${MERGE}; charset=utf-8`, body: { display_name: null } });
  assert.equal(m2.status, 200, m2.text);
  assert.equal(m2.body.display_name, undefined);
  // A merge result that breaks validation is refused whole.
  const bad = await api('PATCH', `/connections/${c.body.id}`, { contentType: MERGE, body: {
    display_name: 'Should not stick', options: { upstream_params: { state: { value: 'x' } } } } });
  assertAuth0Error(bad, 400, 'invalid_body', /upstream_params\.state/);
  const g = await api('GET', `/connections/${c.body.id}`);
  assert.deepEqual(g.body, m2.body);
  // name/strategy are refused in a merge-patch too.
  assertAuth0Error(await api('PATCH', `/connections/${c.body.id}`, { contentType: MERGE, body: { name: 'x' } }), 400, 'invalid_body');
});

test('enabled_clients: set on create and by PATCH, read and toggled via /connections/{id}/clients', async () => {
  const c = await create({ name: unique('ec'), strategy: 'wordpress', enabled_clients: [gh.demoClientId] });
  assert.deepEqual(c.body.enabled_clients, [gh.demoClientId]);
  const list = await api('GET', `/connections/${c.body.id}/clients`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.clients, [{ client_id: gh.demoClientId }]);
  const off = await api('PATCH', `/connections/${c.body.id}/clients`, { body: [{ client_id: gh.demoClientId, status: false }, { client_id: gh.mgmtClientId, status: true }] });
  assert.equal(off.status, 204, off.text);
  assert.deepEqual((await api('GET', `/connections/${c.body.id}`)).body.enabled_clients, [gh.mgmtClientId]);
  const p = await api('PATCH', `/connections/${c.body.id}`, { body: { enabled_clients: [] } });
  assert.deepEqual(p.body.enabled_clients, []);
  assertAuth0Error(await api('PATCH', `/connections/${c.body.id}`, { body: { enabled_clients: 'all' } }), 400, 'invalid_body', /enabled_clients/);
  assertAuth0Error(await api('PATCH', `/connections/${c.body.id}`, { body: { enabled_clients: [1] } }), 400, 'invalid_body', /enabled_clients/);
});

test('every strategy of spec §2 can be created and previews its upstream URL', async () => {
  const cases = [
    { strategy: 'oauth2', options: { client_id: 'o2', authorizationURL: 'https://idp.example.com/oauth/authorize', tokenURL: 'https://idp.example.com/oauth/token', scope: 'read' },
      host: 'idp.example.com', path: '/oauth/authorize', params: { client_id: 'o2', response_type: 'code', scope: 'read' } },
    { strategy: 'oidc', options: { client_id: 'oi', issuer: 'https://op.example.com/', authorization_endpoint: 'https://op.example.com/authorize' },
      host: 'op.example.com', path: '/authorize', params: { client_id: 'oi', nonce: 'NONCE_PLACEHOLDER', code_challenge_method: 'S256' } },
    { strategy: 'wordpress', options: { client_id: 'wp' },
      host: 'public-api.wordpress.com', path: '/oauth2/authorize', params: { client_id: 'wp', response_type: 'code' } },
    { strategy: 'twitter', options: { client_id: 'tw' },
      host: 'twitter.com', path: '/i/oauth2/authorize', params: { client_id: 'tw', code_challenge: 'CODE_CHALLENGE_PLACEHOLDER', code_challenge_method: 'S256' } },
  ];
  for (const k of cases) {
    const c = await create({ name: unique(k.strategy), strategy: k.strategy, options: k.options });
    const u = await previewUrl(c.body.id);
    assert.equal(u.host, k.host, k.strategy);
    assert.equal(u.pathname, k.path, k.strategy);
    // None of these announces RFC 9207 iss: each connection gets its own callback (mix-up defence).
    assert.equal(u.searchParams.get('redirect_uri'), `${gh.issuer}login/callback/${c.body.name}`);
    assert.equal(u.searchParams.get('state'), 'STATE_PLACEHOLDER');
    for (const [key, value] of Object.entries(k.params)) assert.equal(u.searchParams.get(key), value, `${k.strategy} ${key}`);
  }
  // A database connection has no upstream request.
  const db = await create({ name: unique('db'), strategy: 'auth0' });
  assertAuth0Error(await api('GET', `/connections/${db.body.id}/authorize-preview`), 400, 'operation_not_supported');
  // Unknown strategies are refused naming the property.
  assertAuth0Error(await api('POST', '/connections', { body: { name: unique('x'), strategy: 'samlp' } }), 400, 'invalid_body', /strategy/);
  // oauth2 without its endpoints, oidc without issuer/discovery_url: 400 naming the option.
  assertAuth0Error(await api('POST', '/connections', { body: { name: unique('x'), strategy: 'oauth2', options: { client_id: 'a' } } }), 400, 'invalid_body', /authorizationURL/);
  assertAuth0Error(await api('POST', '/connections', { body: { name: unique('x'), strategy: 'oidc', options: { client_id: 'a' } } }), 400, 'invalid_body', /discovery_url|issuer/);
  assertAuth0Error(await api('POST', '/connections', { body: { name: unique('x'), strategy: 'wordpress', options: { authorizationURL: 'not a url' } } }), 400, 'invalid_body', /authorizationURL/);
  assertAuth0Error(await api('GET', '/connections/con_0000000000000000/authorize-preview'), 404, 'inexistent_connection');
});

test('upstream_params: every rejection is 400 naming the key, and nothing is stored', async () => {
  const base = await create({ name: unique('up'), strategy: 'oauth2', options: {
    client_id: 'c', authorizationURL: 'https://idp.example.com/a', tokenURL: 'https://idp.example.com/t' } });
  const options = (upstream_params) => ({ ...base.body.options, upstream_params });
  const rejected = [
    [{ screen_name: { alias: 'email' } }, 'screen_name'],                          // unknown alias
    [{ blog: { value: 'x', alias: 'login_hint' } }, 'blog'],                      // both
    [{ blog: {} }, 'blog'],                                                        // neither
    [{ blog: { value: 42 } }, 'blog'],                                             // non-string value
    [{ blog: { value: ['a'] } }, 'blog'],
    [{ blog: { alias: 7 } }, 'blog'],
    [{ blog: 'myblog' }, 'blog'],                                                  // entry not an object
    [{ blog: { value: 'x', extra: 1 } }, 'blog'],                                  // unknown property
    [{ 'bad name': { value: 'x' } }, 'bad name'],                                  // name charset
    [{ ['x'.repeat(65)]: { value: 'x' } }, 'x'.repeat(65)],                        // name length
    [{ 'a&b': { value: 'x' } }, 'a&b'],
    ...['client_id', 'redirect_uri', 'state', 'response_type', 'code_challenge', 'code_challenge_method', 'nonce', 'scope']
      .map((k) => [{ [k]: { value: 'x' } }, k]),                                   // reserved
  ];
  for (const [up, key] of rejected) {
    for (const [method, path, body] of [
      ['POST', '/connections', { name: unique('up'), strategy: 'oauth2', options: options(up) }],
      ['PATCH', `/connections/${base.body.id}`, { options: options(up) }],
    ]) {
      const r = await api(method, path, { body });
      assertAuth0Error(r, 400, 'invalid_body');
      assert.ok(r.body.message.includes(`upstream_params.${key}`), `${method} ${JSON.stringify(up)}: ${r.body.message}`);
    }
  }
  // The same rules for every federated strategy, on create.
  const federated = {
    wordpress: { client_id: 'w' },
    twitter: { client_id: 't' },
    oidc: { client_id: 'o', issuer: 'https://op.example.com/', authorization_endpoint: 'https://op.example.com/a' },
    oauth2: { client_id: 'c', authorizationURL: 'https://idp.example.com/a', tokenURL: 'https://idp.example.com/t' },
  };
  for (const [strategy, opts] of Object.entries(federated)) {
    for (const [up, key] of [[{ screen_name: { alias: 'email' } }, 'screen_name'], [{ nonce: { value: 'n' } }, 'nonce'], [{ blog: { value: 1 } }, 'blog']]) {
      const r = await api('POST', '/connections', { body: { name: unique(strategy), strategy, options: { ...opts, upstream_params: up } } });
      assertAuth0Error(r, 400, 'invalid_body');
      assert.ok(r.body.message.includes(`upstream_params.${key}`), `${strategy}: ${r.body.message}`);
    }
    const ok = await api('POST', '/connections', { body: { name: unique(strategy), strategy, options: { ...opts, upstream_params: { login_hint: { alias: 'login_hint' }, ui: { value: 'x' }, gone: null } } } });
    assert.equal(ok.status, 201, `${strategy}: ${ok.text}`);
    const u = await previewUrl(ok.body.id, '?login_hint=h%40x.y');
    assert.equal(u.searchParams.get('login_hint'), 'h@x.y', strategy);
    assert.equal(u.searchParams.get('ui'), 'x', strategy);
  }
  assertAuth0Error(await api('PATCH', `/connections/${base.body.id}`, { body: { options: options('x') } }), 400, 'invalid_body', /upstream_params/);
  assertAuth0Error(await api('PATCH', `/connections/${base.body.id}`, { body: { options: options([]) } }), 400, 'invalid_body', /upstream_params/);
  // A database connection stores them as Auth0 does (its Terraform provider sends them), by the same rules.
  assertAuth0Error(await api('POST', '/connections', { body: { name: unique('db'), strategy: 'auth0', options: { upstream_params: { a: { value: 1 } } } } }),
    400, 'invalid_body', /upstream_params/);
  const db = await api('POST', '/connections', { body: { name: unique('db'), strategy: 'auth0', options: { upstream_params: { a: { value: 'b' } } } } });
  assert.equal(db.status, 201, db.text);
  assert.deepEqual((await api('GET', `/connections/${db.body.id}`)).body.options.upstream_params, { a: { value: 'b' } });
  // Nothing half-written: the connection is exactly as created.
  const g = await api('GET', `/connections/${base.body.id}`);
  assert.deepEqual(g.body, base.body);
  assert.equal(g.headers.get('etag'), base.headers.get('etag'));

  // Accepted: every alias of the enum, a null entry, a value; the preview sends what applies.
  const aliases = ['acr_values', 'audience', 'client_id', 'display', 'id_token_hint', 'login_hint', 'max_age', 'prompt', 'resource', 'response_mode', 'response_type', 'ui_locales'];
  const up = Object.fromEntries(aliases.map((a) => [`x_${a}`, { alias: a }]));
  up.ignored = null;
  up['static.v~1'] = { value: 'a b&c=d+é' };
  const ok = await api('PATCH', `/connections/${base.body.id}`, { body: { options: options(up) } });
  assert.equal(ok.status, 200, ok.text);
  const u = await previewUrl(base.body.id, '?login_hint=ann%40example.com&ui_locales=fr%20de');
  assert.equal(u.searchParams.get('static.v~1'), 'a b&c=d+é', 'URL-encoded exactly once');
  assert.equal(u.searchParams.get('x_login_hint'), 'ann@example.com');
  assert.equal(u.searchParams.get('x_ui_locales'), 'fr de');
  assert.equal(u.searchParams.get('x_prompt'), null, 'an absent source parameter adds nothing');
  assert.equal(u.searchParams.has('ignored'), false);
  assert.equal(u.searchParams.getAll('client_id').length, 1);
});

test('names: duplicates 409, invalid 400, nothing created', async () => {
  const name = unique('dup');
  await create({ name, strategy: 'auth0' });
  const d = await api('POST', '/connections', { body: { name, strategy: 'wordpress' } });
  assertAuth0Error(d, 409);
  assert.equal(d.body.error, 'Conflict');
  for (const bad of ['-lead', 'trail-', 'sp ace', 'ü', 'a'.repeat(129), '']) {
    assertAuth0Error(await api('POST', '/connections', { body: { name: bad, strategy: 'auth0' } }), 400, 'invalid_body', /name/);
  }
  const all = await api('GET', `/connections?name=${name}`);
  assert.equal(all.body.length, 1);
  assert.equal(all.body[0].strategy, 'auth0');
});

test('pagination: checkpoint (take/from/next) and offset (page/per_page/include_totals)', async () => {
  for (let i = 0; i < 5; i++) await create({ name: unique(`pg${i}`), strategy: 'wordpress' });
  const everything = (await api('GET', '/connections')).body;
  assert.ok(everything.length >= 6);
  const seen = [];
  let from;
  let pages = 0;
  for (;;) {
    const r = await api('GET', `/connections?take=2${from ? `&from=${encodeURIComponent(from)}` : ''}&include_totals=true`);
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.body.connections));
    assert.equal(r.body.total, undefined, 'checkpoint pages carry no totals');
    seen.push(...r.body.connections.map((c) => c.id));
    pages++;
    if (!r.body.next) break;
    assert.equal(r.body.connections.length, 2);
    from = r.body.next;
  }
  assert.ok(pages > 1);
  assert.deepEqual(seen, everything.map((c) => c.id));
  const off = await api('GET', '/connections?page=1&per_page=2&include_totals=true');
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.total, everything.length);
  assert.equal(off.body.start, 2);
  assert.equal(off.body.limit, 2);
  assert.deepEqual(off.body.connections.map((c) => c.id), everything.slice(2, 4).map((c) => c.id));
  const noTotals = await api('GET', '/connections?page=0&per_page=3');
  assert.deepEqual(noTotals.body.map((c) => c.id), everything.slice(0, 3).map((c) => c.id));
  // filters and field selection
  const wp = await api('GET', '/connections?strategy=wordpress&strategy=twitter&fields=id,strategy');
  assert.ok(wp.body.length >= 5);
  for (const c of wp.body) {
    assert.deepEqual(Object.keys(c).sort(), ['id', 'strategy']);
    assert.ok(['wordpress', 'twitter'].includes(c.strategy));
  }
  assertAuth0Error(await api('GET', '/connections?take=0'), 400, 'invalid_query_string');
  assertAuth0Error(await api('GET', '/connections?per_page=abc'), 400, 'invalid_query_string');
  assertAuth0Error(await api('GET', '/connections?from=%21%21'), 400, 'invalid_query_string');
});
