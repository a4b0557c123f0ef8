// Password reset and email verification end to end (issues 15 and 16): Auth0's AuthenticationClient
// (`auth0` 7.1.0, `database.signUp` / `database.changePassword`) and ManagementClient (tickets, jobs,
// users) against the real binary over TLS, the mails received by a real SMTP server (`smtp-server`),
// and their links followed by a real Chromium (playwright-core).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { AuthenticationClient } from 'auth0/legacy';
import { ManagementClient } from 'auth0';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken, rejectionOf, unique } from '../mgmt/helpers.mjs';
import { startSmtp, smtpProvider, RETRY_ENV } from './smtp.mjs';

const CHROMIUM = '/usr/bin/chromium';
const STEP_TIMEOUT = 15_000;
const skipBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (scripts/install-deps.sh test)`;
const DB = 'Username-Password-Authentication';
const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const PASSWORD = 'correct horse battery staple';
const RESULT_URL = 'https://app.example.test/after';

let gh;
let api;
let smtp;
let app;
let browser;
let management;

before(async () => {
  smtp = await startSmtp();
  gh = await startGatehouse({ tls: true, quiet: true, args: ['--allow-private-upstreams'], env: RETRY_ENV });
  api = apiCaller(gh, await mgmtToken(gh));
  const provider = await api('POST', '/emails/provider', { body: smtpProvider(smtp) });
  assert.equal(provider.status, 201, provider.text);
  const created = await api('POST', '/clients', {
    body: { name: 'Acme Web', app_type: 'regular_web', token_endpoint_auth_method: 'client_secret_post',
      grant_types: [PASSWORD_REALM, 'refresh_token', 'authorization_code'], callbacks: ['https://app.example.test/callback'] },
  });
  assert.equal(created.status, 201, created.text);
  app = created.body;
  management = new ManagementClient({ domain: `127.0.0.1:${gh.port}`, clientId: gh.mgmtClientId, clientSecret: gh.mgmtClientSecret, fetch: gh.fetch });
  if (!skipBrowser) {
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true, timeout: STEP_TIMEOUT,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }
});
after(async () => {
  await browser?.close().catch(() => {});
  await gh?.stop();
  await smtp?.close();
});

function auth() {
  return new AuthenticationClient({ domain: `127.0.0.1:${gh.port}`, clientId: app.client_id, clientSecret: app.client_secret, agent: gh.agent, fetch: gh.fetch });
}

// The next mail to `address` (mails to others are left for their tests).
async function nextMailTo(address, seen = new Set()) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const mail = smtp.received.find((m) => m.to.includes(address) && !seen.has(m));
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no mail to ${address}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const mailsTo = (address) => smtp.received.filter((m) => m.to.includes(address));
const linkIn = (mail) => mail.html.match(/href="([^"]+)"/)[1].replaceAll('&amp;', '&');

async function createUser(email, extra = {}) {
  const r = await api('POST', '/users', { body: { connection: DB, email, password: PASSWORD, ...extra } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}
const getUser = async (id) => (await api('GET', `/users/${encodeURIComponent(id)}`)).body;

async function passwordLogin(username, password) {
  return auth().oauth.passwordGrant({ username, password, realm: DB, scope: 'openid offline_access' });
}

async function page() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const p = await context.newPage();
  p.setDefaultTimeout(STEP_TIMEOUT);
  return p;
}

test('database.signUp creates the user as Auth0 answers it and sends one verification mail; its link verifies the email in Chromium', { skip: skipBrowser }, async () => {
  const email = `${unique('signup')}@example.com`;
  const { data } = await auth().database.signUp({
    email, password: PASSWORD, connection: DB, given_name: 'Sally', user_metadata: { plan: 'gold' },
  });
  assert.match(data._id, /^[0-9a-f]{24}$/);
  assert.equal(data.id, data._id, 'the SDK maps _id to id');
  assert.equal(data.email, email);
  assert.equal(data.email_verified, false);
  assert.equal(data.given_name, 'Sally');
  assert.deepEqual(data.user_metadata, { plan: 'gold' });
  const user = await getUser(`auth0|${data._id}`);
  assert.equal(user.email_verified, false);

  const mail = await nextMailTo(email);
  assert.equal(mail.subject, 'Verify your email');
  assert.match(mail.html, /Acme Web/, 'the mail names the application');
  const link = linkIn(mail);
  assert.ok(link.startsWith(`${gh.issuer}u/email-verification?ticket=`), link);

  const p = await page();
  await p.goto(link);
  assert.match(await p.locator('h1').innerText(), /Email verified/);
  assert.equal((await getUser(`auth0|${data._id}`)).email_verified, true);
  await p.context().close();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(mailsTo(email).length, 1, 'exactly one mail');
});

test('database.signUp refusals: existing user, weak password, signup disabled, missing fields', async () => {
  const email = `${unique('dup')}@example.com`;
  await createUser(email);
  const dup = await rejectionOf(auth().database.signUp({ email, password: PASSWORD, connection: DB }));
  assert.equal(dup.statusCode, 400);
  assert.equal(dup.error, 'invalid_signup');
  assert.equal(dup.error_description, 'The user already exists');

  const weakEmail = `${unique('weak')}@example.com`;
  const weak = await rejectionOf(auth().database.signUp({ email: weakEmail, password: 'short', connection: DB }));
  assert.equal(weak.statusCode, 400);
  assert.equal(weak.error, 'invalid_password');
  const body = JSON.parse(weak.body);
  assert.equal(body.name, 'PasswordStrengthError');
  assert.equal(body.code, 'invalid_password');
  assert.deepEqual(body.description.rules[0], { message: 'At least %d characters in length', format: [8], code: 'lengthAtLeast', verified: false });
  assert.equal(body.description.verified, false);
  assert.match(body.policy, /^\* At least 8 characters in length/);
  assert.equal((await api('GET', `/users-by-email?email=${encodeURIComponent(weakEmail)}`)).body.length, 0, 'nothing created');

  const closed = await api('POST', '/connections', { body: { name: unique('closed'), strategy: 'auth0', options: { disable_signup: true }, enabled_clients: [app.client_id] } });
  assert.equal(closed.status, 201, closed.text);
  const off = await rejectionOf(auth().database.signUp({ email: `${unique('off')}@example.com`, password: PASSWORD, connection: closed.body.name }));
  assert.equal(off.statusCode, 400);
  assert.equal(off.error, 'operation_not_allowed');

  for (const bad of [{ password: PASSWORD, connection: DB }, { email: 'x@example.com', connection: DB }, { email: 'x@example.com', password: PASSWORD, connection: 'no-such-db' }]) {
    const res = await gh.fetch(`${gh.origin}/dbconnections/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: app.client_id, ...bad }) });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error, 'invalid_request');
  }
  const notJson = await gh.fetch(`${gh.origin}/dbconnections/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
  assert.equal(notJson.status, 400);
});

test('database.changePassword: the fixed answer; the reset link works once in Chromium, enforces the policy, ends the old password and its refresh tokens and clears blocked', { skip: skipBrowser }, async () => {
  const email = `${unique('reset')}@example.com`;
  const user = await createUser(email);
  const before = (await passwordLogin(email, PASSWORD)).data;
  assert.ok(before.refresh_token);
  assert.equal((await api('PATCH', `/users/${encodeURIComponent(user.user_id)}`, { body: { blocked: true } })).status, 200);

  const answer = await auth().database.changePassword({ email, connection: DB });
  assert.equal(answer.data, "We've just sent you an email to reset your password.");
  const mail = await nextMailTo(email);
  assert.equal(mail.subject, 'Reset your password');
  const link = linkIn(mail);
  assert.ok(link.startsWith(`${gh.issuer}u/reset-password?ticket=`), link);

  const p = await page();
  await p.goto(link);
  assert.match(await p.locator('h1').innerText(), /Change your password/);
  // A password the policy refuses changes nothing, and the form comes back with the reason.
  await p.fill('#password', 'short');
  await p.fill('#password_confirmation', 'short');
  await p.evaluate(() => document.querySelectorAll('input').forEach((i) => i.removeAttribute('minlength')));
  await p.click('button[type="submit"]');
  assert.match(await p.locator('.alert').innerText(), /too short/);
  assert.equal((await getUser(user.user_id)).blocked, true);

  const NEW = 'a brand new passphrase 42';
  await p.fill('#password', NEW);
  await p.fill('#password_confirmation', NEW);
  await p.click('button[type="submit"]');
  await p.waitForSelector('h1:has-text("Password changed")');

  const after = await getUser(user.user_id);
  assert.notEqual(after.blocked, true, 'a password change clears blocked');
  assert.ok((await passwordLogin(email, NEW)).data.access_token, 'the new password works');
  const old = await rejectionOf(passwordLogin(email, PASSWORD));
  assert.equal(old.error, 'invalid_grant');
  const refresh = await rejectionOf(auth().oauth.refreshTokenGrant({ refresh_token: before.refresh_token }));
  assert.equal(refresh.error, 'invalid_grant', "the old password's refresh tokens are over");

  await p.goto(link);
  assert.match(await p.locator('h1').innerText(), /Link expired/, 'the link works once');
  await p.context().close();
  assert.equal(mailsTo(email).length, 1);
});

test('database.changePassword for an unknown email: the same answer, and no mail', async () => {
  const email = `${unique('nobody')}@example.com`;
  const answer = await auth().database.changePassword({ email, connection: DB });
  assert.equal(answer.data, "We've just sent you an email to reset your password.");
  const res = await gh.fetch(`${gh.origin}/dbconnections/change_password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: app.client_id, connection: DB }) });
  assert.equal(res.status, 400, 'missing email');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(mailsTo(email).length, 0);
});

test('tickets.changePassword returns a ticket URL without mail; after the reset Chromium lands on result_url?success=true', { skip: skipBrowser }, async () => {
  const email = `${unique('ticket')}@example.com`;
  const user = await createUser(email);
  const { ticket } = await management.tickets.changePassword({ user_id: user.user_id, result_url: RESULT_URL, ttl_sec: 600, mark_email_as_verified: true });
  assert.ok(ticket.startsWith(`${gh.issuer}u/reset-password?ticket=`), ticket);

  const p = await page();
  let landed;
  await p.route('https://app.example.test/**', (route) => {
    landed = route.request().url();
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'back in the app' });
  });
  await p.goto(ticket);
  const NEW = 'ticket chosen passphrase 7';
  await p.fill('#password', NEW);
  await p.fill('#password_confirmation', NEW);
  await p.click('button[type="submit"]');
  await p.waitForURL((u) => u.href.startsWith(RESULT_URL));
  assert.equal(landed, `${RESULT_URL}?success=true`);
  await p.context().close();
  assert.equal((await getUser(user.user_id)).email_verified, true, 'mark_email_as_verified');
  assert.ok((await passwordLogin(email, NEW)).data.access_token);
  assert.equal(mailsTo(email).length, 0, 'a ticket sends no mail');
});

test('tickets.verifyEmail, jobs.verificationEmail.create and jobs.get; POST /users with verify_email', { skip: skipBrowser }, async () => {
  const email = `${unique('verify')}@example.com`;
  const user = await createUser(email);
  assert.equal(user.email_verified, false);
  // A result URL Chromium can reach (a redirect chain is not routed by Playwright past its first URL).
  const resultUrl = `${gh.origin}/healthz`;
  const { ticket } = await management.tickets.verifyEmail({ user_id: user.user_id, result_url: resultUrl });
  assert.ok(ticket.startsWith(`${gh.issuer}u/email-verification?ticket=`), ticket);
  const p = await page();
  await p.goto(ticket);
  assert.equal(p.url(), `${resultUrl}?success=true`);
  assert.equal((await getUser(user.user_id)).email_verified, true);
  assert.equal(mailsTo(email).length, 0);

  const job = await management.jobs.verificationEmail.create({ user_id: user.user_id });
  assert.equal(job.type, 'verification_email');
  assert.equal(job.status, 'pending');
  assert.match(job.id, /^job_/);
  assert.ok(!Number.isNaN(Date.parse(job.created_at)));
  const mail = await nextMailTo(email);
  assert.ok(linkIn(mail).startsWith(`${gh.issuer}u/email-verification?ticket=`));
  const deadline = Date.now() + 10_000;
  let fetched;
  do {
    fetched = await management.jobs.get(job.id);
    if (fetched.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  assert.equal(fetched.status, 'completed');
  assert.equal(fetched.id, job.id);

  const asked = `${unique('asked')}@example.com`;
  await createUser(asked, { verify_email: true });
  await nextMailTo(asked);
  const notAsked = `${unique('quiet')}@example.com`;
  await createUser(notAsked, { verify_email: false });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(mailsTo(asked).length, 1);
  assert.equal(mailsTo(notAsked).length, 0);
  await p.context().close();
});

test('ticket and job bad input: unknown user, missing user_id, bad result_url, unknown job', async () => {
  const unknownTicket = await api('POST', '/tickets/password-change', { body: { user_id: 'auth0|000000000000000000000000' } });
  assert.equal(unknownTicket.status, 404, unknownTicket.text);
  assert.equal(unknownTicket.body.errorCode, 'inexistent_user');
  const missing = await api('POST', '/tickets/email-verification', { body: { result_url: RESULT_URL } });
  assert.equal(missing.status, 400, missing.text);
  const user = await createUser(`${unique('bad')}@example.com`);
  for (const result_url of ['javascript:alert(1)', 'http://evil.example/x', 'https://app.example.test/#frag', 'https://*.example.test/']) {
    const r = await api('POST', '/tickets/password-change', { body: { user_id: user.user_id, result_url } });
    assert.equal(r.status, 400, `${result_url}: ${r.text}`);
  }
  const unknownJob = await api('POST', '/jobs/verification-email', { body: { user_id: 'auth0|000000000000000000000000' } });
  assert.equal(unknownJob.status, 400, unknownJob.text);
  const noJob = await api('GET', '/jobs/job_doesnotexist0000');
  assert.equal(noJob.status, 404, noJob.text);
  assert.equal(noJob.body.errorCode, 'inexistent_job');
});

test('hosted signup (/u/signup) sends one verification mail', async () => {
  const email = `${unique('hosted')}@example.com`;
  const params = new URLSearchParams({ client_id: gh.demoClientId, response_type: 'code', redirect_uri: 'http://localhost:3000/callback',
    scope: 'openid', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGZSsb8rmc', code_challenge_method: 'S256', screen_hint: 'signup' });
  const jar = [];
  const cookies = () => jar.join('; ');
  const keep = (res) => { for (const c of res.headers.getSetCookie()) jar.push(c.split(';')[0]); };
  let res = await gh.fetch(`${gh.origin}/authorize?${params}`, { redirect: 'manual' });
  keep(res);
  const form = new URL(res.headers.get('location'), gh.origin);
  assert.equal(form.pathname, '/u/signup');
  res = await gh.fetch(form, { headers: { cookie: cookies() } });
  keep(res);
  const html = await res.text();
  const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]*)"`))[1];
  res = await gh.fetch(`${gh.origin}/u/signup`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies() },
    body: new URLSearchParams({ state: field('state'), csrf: field('csrf'), username: email, password: PASSWORD }),
  });
  assert.equal(res.status, 302, await res.text());
  const mail = await nextMailTo(email);
  assert.ok(linkIn(mail).startsWith(`${gh.issuer}u/email-verification?ticket=`));
});

// Runs last: the flows above leave their Auth0 events in the tenant logs (written in batches, so
// waited for), naming the user and never holding the ticket, the password or the link.
test('signup, reset request, refused and accepted reset, and verification leave ss, scpr, fcp, scp and sv events', { skip: skipBrowser }, async () => {
  const wanted = ['ss', 'scpr', 'fcp', 'scp', 'sv'];
  let logs = [];
  for (let i = 0; i < 50 && !wanted.every((t) => logs.some((e) => e.type === t)); i += 1) {
    if (i) await new Promise((r) => setTimeout(r, 100));
    const r = await api('GET', `/logs?per_page=100&q=${encodeURIComponent(wanted.map((t) => `type:${t}`).join(' OR '))}`);
    assert.equal(r.status, 200, r.text);
    logs = r.body;
  }
  for (const type of wanted) {
    const e = logs.find((l) => l.type === type);
    assert.ok(e, `a ${type} event: ${JSON.stringify(logs).slice(0, 1000)}`);
    assert.match(e.user_id, /^auth0\|/, type);
    assert.match(e.user_name, /@example\.com$/, type);
    assert.equal(e.connection, DB, type);
  }
  const text = JSON.stringify(logs);
  assert.doesNotMatch(text, /ticket=|brand new passphrase|correct horse/, 'no link, ticket or password in any event');
});
