// Security regression tests for email (shared/spec/security.md; issue 16): the SMTP password at
// rest and on the wire, template and header injection through user-controlled values, and SSRF
// through the operator-set SMTP host. Each test is named after the attack it stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { mgmtToken, apiCaller } from '../mgmt/helpers.mjs';
import { startSmtp, smtpProvider, RETRY_ENV } from '../email/smtp.mjs';

const SMTP_PASSWORD = 'smtp-pass-never-shown-7f3a9c';
let gh;
let api;
let smtp;
before(async () => {
  smtp = await startSmtp({ auth: { user: 'mailer', pass: SMTP_PASSWORD, methods: ['PLAIN'] } });
  gh = await startGatehouse({ quiet: true, logLevel: 'info', args: ['--allow-private-upstreams'], env: RETRY_ENV });
  api = apiCaller(gh, await mgmtToken(gh));
  const r = await api('POST', '/emails/provider', { body: smtpProvider(smtp, { user: 'mailer', pass: SMTP_PASSWORD }) });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  await gh?.stop();
  await smtp?.close();
});

async function createUser(email, name) {
  const r = await api('POST', '/users', {
    body: { connection: 'Username-Password-Authentication', email, password: 'Correct-Horse-Battery-9', name },
  });
  assert.equal(r.status, 201, r.text);
}

async function mailTo(address) {
  const before = smtp.received.length;
  gh.cli(['email', 'send', '--to', address, '--template', 'welcome_email']);
  const mails = await smtp.waitFor(before + 1);
  return mails[mails.length - 1];
}

test('reading the SMTP password back through the Management API: no answer ever holds it', async () => {
  const answers = [
    await api('GET', '/emails/provider'),
    await api('GET', '/emails/provider?fields=credentials&include_fields=true'),
    await api('GET', '/emails/provider?fields=name&include_fields=false'),
    await api('PATCH', '/emails/provider', { body: { enabled: true } }),
    await api('POST', '/emails/provider', { body: smtpProvider(smtp, { user: 'mailer', pass: SMTP_PASSWORD }) }),
  ];
  for (const r of answers) {
    assert.doesNotMatch(r.text, new RegExp(SMTP_PASSWORD));
    assert.doesNotMatch(r.text, /smtp_pass/);
  }
  assert.equal(answers[1].body.credentials.smtp_user, 'mailer');
});

test('stealing the SMTP password from a copy of the database: it is sealed at rest', async () => {
  const stored = gh.sql("SELECT value FROM meta WHERE name = 'email_provider'");
  assert.match(stored, /"smtp_pass":"sealed:/);
  assert.doesNotMatch(stored, new RegExp(SMTP_PASSWORD));
  // ... and still usable by the sender: the server only accepts the right password.
  const mail = await mailTo('sealed-check@example.com');
  assert.equal(mail.user, 'mailer');
  assert.doesNotMatch(gh.log(), new RegExp(SMTP_PASSWORD));
});

test('template injection: a user name holding Liquid and HTML is printed escaped, never run', async () => {
  const r = await api('PUT', '/email-templates/welcome_email', {
    body: { template: 'welcome_email', syntax: 'liquid', enabled: true, subject: 'Welcome', body: '<p>Hello {{ user.name }}</p>' },
  });
  assert.equal(r.status, 200, r.text);
  await createUser('mallory@example.com', '{{ application.name }}{% if true %}RAN{% endif %}<img src=x onerror=alert(1)>');
  const mail = await mailTo('mallory@example.com');
  assert.equal(mail.html, '<p>Hello {{ application.name }}{% if true %}RAN{% endif %}&lt;img src=x onerror=alert(1)&gt;</p>');
});

test('SMTP header injection: CR/LF in a user name used in the Subject adds no header or recipient', async () => {
  const r = await api('PUT', '/email-templates/welcome_email', {
    body: { template: 'welcome_email', syntax: 'liquid', enabled: true, from: '{{ user.name }} <team@gatehouse.test>', subject: 'Hi {{ user.name }}', body: '<p>x</p>' },
  });
  assert.equal(r.status, 200, r.text);
  await createUser('eve@example.com', 'Eve\r\nBcc: victim@attacker.test\r\nX-Injected: 1');
  const mail = await mailTo('eve@example.com');
  assert.deepEqual(mail.to, ['eve@example.com'], 'no extra envelope recipient');
  assert.equal(mail.headers.bcc, undefined);
  assert.equal(mail.headers['x-injected'], undefined);
  assert.equal(mail.subject, 'Hi Eve  Bcc: victim@attacker.test  X-Injected: 1');
  assert.equal(mail.from, 'team@gatehouse.test');
  assert.equal(mail.headers.from.length, 1);
  assert.match(mail.headers.from[0], /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <team@gatehouse\.test>$/);
});

test('SMTP recipient injection: an address with CR/LF or a second recipient is refused before queueing', async () => {
  for (const address of ['a@example.com\r\nRCPT TO:<evil@attacker.test>', 'a@example.com,evil@attacker.test', '<a@example.com>']) {
    assert.throws(() => gh.cli(['email', 'send', '--to', address]), /cannot queue the mail/);
  }
});

test('SSRF through the SMTP host: a loopback host is refused without --allow-private-upstreams', async () => {
  const strict = await startGatehouse({ quiet: true, env: RETRY_ENV });
  try {
    const strictApi = apiCaller(strict, await mgmtToken(strict));
    const r = await strictApi('POST', '/emails/provider', { body: smtpProvider(smtp, { user: 'mailer', pass: SMTP_PASSWORD }) });
    assert.equal(r.status, 201, r.text);
    const before = smtp.received.length;
    const id = strict.cli(['email', 'send', '--to', 'ssrf@example.com']).trim();
    const deadline = Date.now() + 10_000;
    while (!/not sent/.test(strict.log()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    assert.match(strict.log(), new RegExp(`mail ${id} not sent .*private or loopback address is refused`));
    assert.equal(smtp.received.length, before, 'the loopback SMTP server was never reached');
  } finally {
    await strict.stop();
  }
});
