// The seed document "Pass Parameters to Identity Providers", played literally over HTTP:
// WordPress (static `blog`), Twitter (`screen_name` aliased to `login_hint`), and its warning
// that an Update Connection which omits a field loses it (while Gatehouse's merge-patch does not).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { mgmtToken, apiCaller, federationMissing, followToUpstream } from './helpers.mjs';

let gh;
let api;
before(async () => {
  gh = await startGatehouse();
  api = apiCaller(gh, await mgmtToken(gh));
});
after(async () => gh?.stop());

test('WordPress: GET, copy options, add upstream_params.blog, PATCH; preview sends blog=myblog.wordpress.com', async () => {
  // "Let's assume that you have a working WordPress connection"
  const created = await api('POST', '/connections', { body: {
    name: 'wordpress', strategy: 'wordpress', enabled_clients: [gh.demoClientId],
    options: { client_id: 'wp-client-id', client_secret: 'wp-client-secret', profile: true, scope: ['profile'] } } });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id;

  // "First, we will use the Get Connection endpoint, to retrieve the existing values of the options object."
  const got = await api('GET', `/connections/${id}`);
  assert.equal(got.status, 200);
  const options = got.body.options;

  // "Now we can send the update request, copying the existing options contents and adding also the blog parameter."
  const patched = await api('PATCH', `/connections/${id}`, {
    body: { options: { ...options, upstream_params: { blog: { value: 'myblog.wordpress.com' } } } },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.body.options, { ...options, upstream_params: { blog: { value: 'myblog.wordpress.com' } } });

  // "Now every time a user authenticates with this connection the request to Wordpress will include the query parameter blog"
  const preview = await api('GET', `/connections/${id}/authorize-preview`);
  assert.equal(preview.status, 200, preview.text);
  const url = new URL(preview.body.url);
  assert.equal(url.origin + url.pathname, 'https://public-api.wordpress.com/oauth2/authorize');
  assert.equal(url.searchParams.get('blog'), 'myblog.wordpress.com');
  assert.equal(url.searchParams.get('client_id'), 'wp-client-id');
  assert.equal(url.searchParams.get('scope'), 'profile');
  assert.match(preview.body.url, /[?&]blog=myblog\.wordpress\.com(&|$)/);
  // ... whatever the login request carries.
  const withHint = new URL((await api('GET', `/connections/${id}/authorize-preview?login_hint=x%40y.z`)).body.url);
  assert.equal(withHint.searchParams.get('blog'), 'myblog.wordpress.com');

});

test('WordPress: the real login (/authorize?connection=wordpress) redirects upstream with blog=', async (t) => {
  // And the real login does it too: /authorize?connection=wordpress redirects upstream with blog=.
  const authorize = new URL(`${gh.origin}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code', client_id: gh.demoClientId, redirect_uri: 'http://localhost:3000/callback', scope: 'openid',
    state: 's1', nonce: 'n1', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    connection: 'wordpress',
  });
  const location = await followToUpstream(gh, authorize);
  if (federationMissing(location)) return t.skip('federated login not implemented yet');
  const upstream = new URL(location);
  assert.equal(upstream.host, 'public-api.wordpress.com');
  assert.equal(upstream.searchParams.get('blog'), 'myblog.wordpress.com');
  // WordPress sends no RFC 9207 iss: the connection's own callback (mix-up defence).
  assert.equal(upstream.searchParams.get('redirect_uri'), `${gh.issuer}login/callback/wordpress`);
});

test('Twitter: screen_name aliased to login_hint; preview with login_hint sends screen_name, without it none', async () => {
  const created = await api('POST', '/connections', { body: {
    name: 'twitter', strategy: 'twitter', enabled_clients: [gh.demoClientId],
    options: { client_id: 'tw-client-id', client_secret: 'tw-client-secret', protocol: 'oauth2', scope: ['tweet.read', 'users.read'] } } });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id;
  // "Let's assume that you already retrieved the contents of the options object"
  const options = (await api('GET', `/connections/${id}`)).body.options;
  // "Send the update request, copying the existing options contents and adding also the screen_name parameter."
  const patched = await api('PATCH', `/connections/${id}`, {
    body: { options: { ...options, upstream_params: { screen_name: { alias: 'login_hint' } } } },
  });
  assert.equal(patched.status, 200, patched.text);

  // "you can pass their email address in the login_hint parameter ... passed along ... in the screen_name parameter."
  const hint = 'ann.smith@example.com';
  const withHint = await api('GET', `/connections/${id}/authorize-preview?login_hint=${encodeURIComponent(hint)}`);
  assert.equal(withHint.status, 200, withHint.text);
  const u = new URL(withHint.body.url);
  assert.equal(u.searchParams.get('screen_name'), hint);
  assert.match(withHint.body.url, /[?&]screen_name=ann\.smith%40example\.com(&|$)/, 'encoded exactly once');
  assert.equal(u.searchParams.get('client_id'), 'tw-client-id');
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');

  const without = new URL((await api('GET', `/connections/${id}/authorize-preview`)).body.url);
  assert.equal(without.searchParams.has('screen_name'), false);
  assert.equal(without.searchParams.has('login_hint'), false);

});

test('Twitter: the real login (/authorize?connection=twitter&login_hint=) redirects upstream with screen_name', async (t) => {
  const hint = 'ann.smith@example.com';
  // The real login: /authorize?connection=twitter&login_hint=... redirects upstream with screen_name.
  const authorize = new URL(`${gh.origin}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code', client_id: gh.demoClientId, redirect_uri: 'http://localhost:3000/callback', scope: 'openid',
    state: 's2', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    connection: 'twitter', login_hint: hint,
  });
  const location = await followToUpstream(gh, authorize);
  if (federationMissing(location)) return t.skip('federated login not implemented yet');
  const upstream = new URL(location);
  assert.equal(upstream.host, 'twitter.com');
  assert.equal(upstream.searchParams.get('screen_name'), hint);
  assert.equal(upstream.searchParams.has('login_hint'), false);
  const without = new URL(await followToUpstream(gh, String(authorize).replace(/&login_hint=[^&]*/, '')));
  assert.equal(without.host, 'twitter.com');
  assert.equal(without.searchParams.has('screen_name'), false);
});

test("the seed's warning: a PATCH that omits a field loses it; a merge-patch does not", async () => {
  const created = await api('POST', '/connections', { body: {
    name: 'wordpress-warning', strategy: 'wordpress',
    options: { client_id: 'wp', client_secret: 'keep-me', upstream_params: { blog: { value: 'myblog.wordpress.com' } } } } });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id;

  // Merge-patch: only the key sent changes; the blog parameter and the secret survive.
  const merged = await api('PATCH', `/connections/${id}`, {
    contentType: 'application/merge-patch+json', body: { options: { scope: ['auth'] } },
  });
  assert.equal(merged.status, 200, merged.text);
  assert.deepEqual(merged.body.options, { client_id: 'wp', client_secret: 'keep-me', scope: ['auth'], upstream_params: { blog: { value: 'myblog.wordpress.com' } } });
  let url = new URL((await api('GET', `/connections/${id}/authorize-preview`)).body.url);
  assert.equal(url.searchParams.get('blog'), 'myblog.wordpress.com');

  // Plain PATCH (Auth0's Update Connection) without upstream_params: it is lost, as the seed warns.
  const replaced = await api('PATCH', `/connections/${id}`, { body: { options: { client_id: 'wp', scope: ['auth'] } } });
  assert.equal(replaced.status, 200, replaced.text);
  assert.deepEqual(replaced.body.options, { client_id: 'wp', scope: ['auth'] });
  const after = await api('GET', `/connections/${id}`);
  assert.equal(after.body.options.upstream_params, undefined);
  assert.equal(after.body.options.client_secret, undefined);
  url = new URL((await api('GET', `/connections/${id}/authorize-preview`)).body.url);
  assert.equal(url.searchParams.has('blog'), false);
});
