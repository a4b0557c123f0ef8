// Security regression tests for password reset and email verification (issue 16 items 2-3): the
// tickets in reset and verification links, the hosted reset form, and the Authentication API's
// /dbconnections endpoints. Each test is named after the attack it stops; ticket links are taken
// from the Management API (POST /tickets/*) or from the store's mail queue, as a mailbox would get them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startGatehouse, browserLogin } from '../lib/gatehouse.mjs';
import { mgmtToken, apiCaller, unique } from '../mgmt/helpers.mjs';

const DB = 'Username-Password-Authentication';
const PASSWORD = 'Correct-Horse-Battery-9';

let gh;
let api;
before(async () => {
  gh = await startGatehouse({ quiet: true });
  api = apiCaller(gh, await mgmtToken(gh));
});
after(async () => gh?.stop());

async function createUser(email = `${unique('u')}@example.com`) {
  const r = await api('POST', '/users', { body: { connection: DB, email, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function ticketFor(user, body = {}) {
  const r = await api('POST', '/tickets/password-change', { body: { user_id: user.user_id, ...body } });
  assert.equal(r.status, 201, r.text);
  return r.body.ticket;
}

// A browser's visit to a reset link: its binding cookie and the form's hidden fields.
async function openForm(link) {
  const res = await fetch(link, { redirect: 'manual' });
  const html = await res.text();
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1];
  return { status: res.status, html, cookie, ticket: field('ticket'), csrf: field('csrf') };
}

async function submit(form, password, extra = {}, cookie = form.cookie) {
  return fetch(`${gh.origin}/u/reset-password`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams({ ticket: form.ticket, csrf: form.csrf, password, password_confirmation: password, ...extra }),
  });
}

// Whether `password` logs `email` in (the hosted login, as a browser does).
async function passwordWorks(email, password) {
  const params = new URLSearchParams({ client_id: gh.demoClientId, response_type: 'code', redirect_uri: 'http://localhost:3000/callback',
    scope: 'openid', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGZSsb8rmc', code_challenge_method: 'S256' });
  try {
    const final = await browserLogin(`${gh.origin}/authorize?${params}`, email, password);
    return new URL(final).searchParams.has('code');
  } catch {
    return false;
  }
}

test('ticket replay: a used reset link changes nothing the second time', async () => {
  const user = await createUser();
  const form = await openForm(await ticketFor(user));
  assert.equal(form.status, 200);
  const first = await submit(form, 'first new passphrase 1');
  assert.equal(first.status, 200);
  const replay = await submit(form, 'second new passphrase 2');
  assert.equal(replay.status, 400);
  assert.match(await replay.text(), /Link expired/);
  assert.equal(await passwordWorks(user.email, 'first new passphrase 1'), true);
  assert.equal(await passwordWorks(user.email, 'second new passphrase 2'), false);
  assert.equal((await openForm(await ticketFor(user))).status, 200, 'a new ticket still works');
});

test('ticket replay: two reset links of one user, the second is dead once the first was used', async () => {
  const user = await createUser();
  const a = await openForm(await ticketFor(user));
  const b = await openForm(await ticketFor(user));
  assert.equal((await submit(a, 'passphrase from link a')).status, 200);
  const late = await submit(b, 'passphrase from link b');
  assert.equal(late.status, 400);
  assert.equal(await passwordWorks(user.email, 'passphrase from link a'), true);
});

test('reset link forgery: a made-up, altered or verification ticket opens no form and changes nothing', async () => {
  const user = await createUser();
  const real = await ticketFor(user);
  const value = new URL(real).searchParams.get('ticket');
  const altered = value.slice(0, -2) + (value.endsWith('AA') ? 'BB' : 'AA');
  const verify = await api('POST', '/tickets/email-verification', { body: { user_id: user.user_id } });
  const verifyValue = new URL(verify.body.ticket).searchParams.get('ticket');
  for (const ticket of ['', 'x', 'A'.repeat(43), altered, verifyValue]) {
    const page = await openForm(`${gh.origin}/u/reset-password?ticket=${encodeURIComponent(ticket)}`);
    assert.equal(page.status, 400, ticket);
    assert.match(page.html, /Link expired/);
    const post = await submit({ ticket, csrf: 'x', cookie: page.cookie }, 'forged new passphrase');
    assert.equal(post.status, 400, ticket);
  }
  assert.equal(await passwordWorks(user.email, PASSWORD), true, 'nothing changed');
});

test('stealing reset links from a copy of the database: only the hash of a ticket is stored', async () => {
  const user = await createUser();
  const value = new URL(await ticketFor(user)).searchParams.get('ticket');
  const rows = gh.sql(`SELECT id_hash || ' ' || doc FROM user_tickets WHERE user_id = '${user.user_id}'`);
  assert.doesNotMatch(rows, new RegExp(value));
  assert.match(rows, new RegExp(createHash('sha256').update(value).digest('base64url')));
});

test('expired reset link: past its ttl_sec it opens no form and changes nothing', async () => {
  const user = await createUser();
  // Expiry is kept in whole seconds: a 1 s link made just before a second ticks over is already
  // expired when it is opened, so the link lives 2 s and the test waits past that.
  const link = await ticketFor(user, { ttl_sec: 2 });
  const form = await openForm(link);
  assert.equal(form.status, 200);
  await new Promise((r) => setTimeout(r, 3100));
  assert.equal((await openForm(link)).status, 400);
  assert.equal((await submit(form, 'too late passphrase')).status, 400);
  assert.equal(await passwordWorks(user.email, PASSWORD), true);
});

test('CSRF on the reset form: a post without the browser binding, or with another browser\'s token, is refused and changes nothing', async () => {
  const user = await createUser();
  const link = await ticketFor(user);
  const victim = await openForm(link);
  const attacker = await openForm(link);
  // The victim's browser posts a form built by another page: its cookie, the attacker's token.
  const crossed = await submit({ ...victim, csrf: attacker.csrf }, 'attacker chosen passphrase');
  assert.equal(crossed.status, 403);
  const noCookie = await submit(victim, 'attacker chosen passphrase', {}, '');
  assert.equal(noCookie.status, 403);
  const noToken = await submit({ ...victim, csrf: '' }, 'attacker chosen passphrase');
  assert.equal(noToken.status, 403);
  assert.equal(await passwordWorks(user.email, PASSWORD), true, 'nothing changed');
  assert.equal((await submit(victim, 'the owner passphrase 3')).status, 200, 'the real form still works');
});

test('weak password through the reset form: the policy refuses it and nothing changes (the link stays usable)', async () => {
  const user = await createUser();
  const form = await openForm(await ticketFor(user));
  for (const password of ['short', 'x'.repeat(129)]) {
    const res = await submit(form, password);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /class="alert"/);
  }
  const mismatch = await submit(form, 'a good passphrase 1', { password_confirmation: 'another passphrase 2' });
  assert.equal(mismatch.status, 400);
  assert.equal(await passwordWorks(user.email, PASSWORD), true);
  assert.equal((await submit(form, 'a good passphrase 1')).status, 200);
});

test('open redirect through result_url: the page redirects only to the ticket\'s stored result_url', async () => {
  const user = await createUser();
  const stored = 'https://app.example.test/reset-done';
  const link = await ticketFor(user, { result_url: stored });
  const form = await openForm(`${link}&result_url=${encodeURIComponent('https://evil.example/')}`);
  const res = await submit(form, 'redirect test passphrase', { result_url: 'https://evil.example/', returnTo: 'https://evil.example/' });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), `${stored}?success=true`);
  // Without a stored result_url there is no redirect at all, whatever the request carries.
  const other = await createUser();
  const plain = await openForm(`${await ticketFor(other)}&result_url=${encodeURIComponent('https://evil.example/')}`);
  const done = await submit(plain, 'redirect test passphrase', { result_url: 'https://evil.example/' });
  assert.equal(done.status, 200);
  assert.equal(done.headers.get('location'), null);
  // And the Management API stores only a URL an app could register.
  for (const result_url of ['javascript:alert(1)', '//evil.example/', 'https://user@evil.example/', 'https://*.evil.example/']) {
    const r = await api('POST', '/tickets/password-change', { body: { user_id: user.user_id, result_url } });
    assert.equal(r.status, 400, result_url);
  }
});

test('reset link for an old address: after the user\'s email changed, links sent before stop working', async () => {
  const user = await createUser();
  const link = await ticketFor(user);
  const changed = await api('PATCH', `/users/${encodeURIComponent(user.user_id)}`, { body: { email: `${unique('new')}@example.com` } });
  assert.equal(changed.status, 200, changed.text);
  assert.equal((await openForm(link)).status, 400);
  const verify = await api('POST', '/tickets/email-verification', { body: { user_id: user.user_id } });
  await api('PATCH', `/users/${encodeURIComponent(user.user_id)}`, { body: { email: `${unique('newer')}@example.com` } });
  const res = await fetch(verify.body.ticket, { redirect: 'manual' });
  assert.equal(res.status, 400);
  assert.equal((await api('GET', `/users/${encodeURIComponent(user.user_id)}`)).body.email_verified, false);
});

test('session and refresh-token survival after a reset: the reset ends them', async () => {
  const user = await createUser();
  const before = gh.sql(`SELECT COUNT(*) FROM sessions WHERE user_id = '${user.user_id}'`).trim();
  assert.equal(await passwordWorks(user.email, PASSWORD), true);
  assert.ok(Number(gh.sql(`SELECT COUNT(*) FROM sessions WHERE user_id = '${user.user_id}'`).trim()) > Number(before));
  const form = await openForm(await ticketFor(user));
  assert.equal((await submit(form, 'session ending passphrase')).status, 200);
  assert.equal(gh.sql(`SELECT COUNT(*) FROM sessions WHERE user_id = '${user.user_id}'`).trim(), '0');
});

test('XSS through the reset page: the user\'s address is escaped', async () => {
  const user = await createUser(`${unique('x')}<img>"'@example.com`);
  const form = await openForm(await ticketFor(user));
  assert.equal(form.status, 200, form.html);
  assert.doesNotMatch(form.html, /<img>/);
  assert.match(form.html, /&lt;img&gt;&quot;/);
});

test('verification ticket replay: a used verification link changes nothing the second time', async () => {
  const user = await createUser();
  const verify = await api('POST', '/tickets/email-verification', { body: { user_id: user.user_id } });
  assert.equal((await fetch(verify.body.ticket, { redirect: 'manual' })).status, 200);
  assert.equal((await api('GET', `/users/${encodeURIComponent(user.user_id)}`)).body.email_verified, true);
  await api('PATCH', `/users/${encodeURIComponent(user.user_id)}`, { body: { email_verified: false } });
  assert.equal((await fetch(verify.body.ticket, { redirect: 'manual' })).status, 400);
  assert.equal((await api('GET', `/users/${encodeURIComponent(user.user_id)}`)).body.email_verified, false);
});

async function changePassword(email) {
  const started = performance.now();
  const res = await fetch(`${gh.origin}/dbconnections/change_password`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: gh.demoClientId, email, connection: DB }),
  });
  const body = await res.text();
  return { status: res.status, body, type: res.headers.get('content-type'), cookies: res.headers.getSetCookie().length, ms: performance.now() - started };
}

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('user enumeration through change_password: known and unknown emails get the same status, body and time', async () => {
  const user = await createUser();
  const known = [];
  const unknown = [];
  for (let i = 0; i < 15; i++) {
    known.push(await changePassword(user.email));
    unknown.push(await changePassword(`${unique('ghost')}@example.com`));
  }
  for (const r of [...known, ...unknown]) {
    assert.equal(r.status, 200);
    assert.equal(r.body, "We've just sent you an email to reset your password.");
    assert.equal(r.type, known[0].type);
    assert.equal(r.cookies, 0);
  }
  const gap = Math.abs(median(known.map((r) => r.ms)) - median(unknown.map((r) => r.ms)));
  assert.ok(gap < 15, `median times differ by ${gap.toFixed(1)} ms`);
  // The known user did get the mails (queued after the answer).
  const deadline = Date.now() + 5000;
  let queued = 0;
  while (Date.now() < deadline) {
    queued = Number(gh.sql(`SELECT COUNT(*) FROM mail_queue WHERE recipient = '${user.email}'`).trim());
    if (queued === 15) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(queued, 15);
});

test('password-policy probing through /dbconnections/signup: a refused signup creates nothing', async () => {
  const email = `${unique('weak')}@example.com`;
  const res = await fetch(`${gh.origin}/dbconnections/signup`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: gh.demoClientId, email, password: 'short', connection: DB }),
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, 'invalid_password');
  assert.equal((await api('GET', `/users-by-email?email=${encodeURIComponent(email)}`)).body.length, 0);
  assert.equal(gh.sql(`SELECT COUNT(*) FROM mail_queue WHERE recipient = '${email}'`).trim(), '0');
});

test('mail bombing and enumeration through /dbconnections: the per-address limit answers 429', async () => {
  let limited;
  for (let i = 0; i < 130 && !limited; i++) {
    const res = await fetch(`${gh.origin}/dbconnections/change_password`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: gh.demoClientId, email: 'victim@example.com', connection: DB }),
    });
    if (res.status === 429) limited = res;
    else assert.equal(res.status, 200);
  }
  assert.ok(limited, 'no 429 within 130 requests');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal((await limited.json()).error, 'too_many_requests');
});
