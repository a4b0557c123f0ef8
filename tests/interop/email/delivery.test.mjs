// Mail through the queue to a real SMTP server (`smtp-server` 3.14.0) on 127.0.0.1: anonymous,
// AUTH PLAIN and AUTH LOGIN; a server that is down at first (the mail waits in the store, the
// failure is logged without secrets, and the mail arrives once the server is up); a restart of
// Gatehouse in between loses nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse, freePort } from '../lib/gatehouse.mjs';
import { apiCaller, mgmtToken } from '../mgmt/helpers.mjs';
import { startSmtp, smtpProvider, RETRY_ENV } from './smtp.mjs';

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

// The queue row's "status attempts", once it matches (the SMTP server sees the mail a moment
// before the worker records the outcome).
async function queueRow(gh, id, pattern) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const row = gh.sql(`SELECT status || ' ' || attempts FROM mail_queue WHERE id = '${id}'`).trim();
    if (pattern.test(row) || Date.now() > deadline) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function tenantWith(smtp, auth, options = {}) {
  const gh = await startGatehouse({ args: ['--allow-private-upstreams'], env: RETRY_ENV, quiet: true, ...options });
  cleanup.push(() => gh.stop());
  const api = apiCaller(gh, await mgmtToken(gh));
  const r = await api('POST', '/emails/provider', { body: smtpProvider(smtp, auth ?? {}) });
  assert.equal(r.status, 201, r.text);
  return { gh, api };
}

test('a queued mail reaches the SMTP server with the default template, From and an encoded Subject', async () => {
  const smtp = await startSmtp();
  cleanup.push(() => smtp.close());
  const { gh } = await tenantWith(smtp);
  const id = gh.cli(['email', 'send', '--to', 'alice@example.com', '--template', 'welcome_email']).trim();
  assert.match(id, /^mail_[A-Za-z0-9]{20}$/);
  const [mail] = await smtp.waitFor(1);
  assert.equal(mail.from, 'no-reply@gatehouse.test');
  assert.deepEqual(mail.to, ['alice@example.com']);
  assert.equal(mail.subject, 'Welcome to Gatehouse');
  assert.match(mail.html, /your account is ready/);
  assert.match(mail.headers['content-type'][0], /text\/html; charset=UTF-8/);
  assert.equal(await queueRow(gh, id, /^sent/), 'sent 1');
});

for (const method of ['PLAIN', 'LOGIN']) {
  test(`SMTP AUTH ${method} with the provider's user and password`, async () => {
    const auth = { user: 'mailer', pass: `s3cret-${method}`, methods: [method] };
    const smtp = await startSmtp({ auth });
    cleanup.push(() => smtp.close());
    const { gh, api } = await tenantWith(smtp, auth);
    const t = await api('POST', '/email-templates', {
      body: { template: 'verify_email', from: 'Team <team@gatehouse.test>', subject: 'Hi {{ user.email }}', body: '<p>{{ url }}</p>', syntax: 'liquid', enabled: true },
    });
    assert.equal(t.status, 200, t.text);
    gh.cli(['email', 'send', '--to', 'bob@example.com', '--template', 'verify_email']);
    const [mail] = await smtp.waitFor(1);
    assert.equal(mail.user, 'mailer');
    assert.equal(mail.from, 'team@gatehouse.test', "the template's from wins over default_from_address");
    assert.equal(mail.subject, 'Hi bob@example.com');
    assert.equal(mail.html, `<p>${gh.issuer}</p>`);
  });
}

test('wrong SMTP credentials: the failure is logged without the password and the mail is kept for retry', async () => {
  const smtp = await startSmtp({ auth: { user: 'mailer', pass: 'right', methods: ['PLAIN'] } });
  cleanup.push(() => smtp.close());
  const { gh } = await tenantWith(smtp, { user: 'mailer', pass: 'wrong-password-xyz' });
  const id = gh.cli(['email', 'send', '--to', 'carol@example.com']).trim();
  const deadline = Date.now() + 10_000;
  while (!/not sent/.test(gh.log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.match(gh.log(), new RegExp(`mail ${id} not sent \\(attempt 1\\): 127\\.0\\.0\\.1:${smtp.port}: .*\\(SMTP status 535\\); retry in 1 s`));
  assert.doesNotMatch(gh.log(), /wrong-password-xyz/);
  assert.equal(gh.sql(`SELECT status FROM mail_queue WHERE id = '${id}'`).trim(), 'pending');
  assert.equal(smtp.received.length, 0);
});

test('the SMTP server is down first: the mail survives a restart and arrives once the server is up', async () => {
  const port = await freePort();
  const { gh } = await tenantWith({ port });
  const id = gh.cli(['email', 'send', '--to', 'dave@example.com']).trim();
  const deadline = Date.now() + 10_000;
  while (!/not sent \(attempt 1\)/.test(gh.log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.match(gh.log(), new RegExp(`mail ${id} not sent \\(attempt 1\\): 127\\.0\\.0\\.1:${port}: (Couldn't connect to server|Could not connect)`));
  assert.equal(gh.sql(`SELECT status || ' ' || attempts FROM mail_queue WHERE id = '${id}'`).trim(), 'pending 1');

  // Gatehouse restarts on the same database: the pending mail is still there and is retried by
  // the new process once the server comes up.
  await gh.restart();
  const smtp = await startSmtp({ port });
  cleanup.push(() => smtp.close());
  const [mail] = await smtp.waitFor(1);
  assert.deepEqual(mail.to, ['dave@example.com']);
  assert.equal(smtp.received.length, 1);
  assert.match(await queueRow(gh, id, /^sent/), /^sent [2-9]$/);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(smtp.received.length, 1, 'a sent mail is never sent again');
});
