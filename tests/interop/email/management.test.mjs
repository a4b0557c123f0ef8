// /api/v2/emails/provider and /api/v2/email-templates through Auth0's own Node SDK (`auth0` 7.1.0,
// unmodified) and raw calls for the bad input the SDK's types would not let through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { sdk, apiCaller, mgmtToken, assertAuth0Error, createM2MClient } from '../mgmt/helpers.mjs';

let gh;
let mgmt;
let api;
before(async () => {
  gh = await startGatehouse();
  mgmt = sdk(gh);
  api = apiCaller(gh, await mgmtToken(gh));
});
after(async () => gh?.stop());

async function sdkError(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the SDK call to fail');
}

const provider = {
  name: 'smtp',
  enabled: true,
  default_from_address: 'no-reply@example.com',
  credentials: { smtp_host: 'smtp.example.com', smtp_port: 587, smtp_user: 'mailer', smtp_pass: 'hunter2-smtp-secret' },
};

test('email provider: none, create, get (fields), update keeps the password, delete', async () => {
  const none = await sdkError(mgmt.emails.provider.get());
  assert.equal(none.statusCode, 404);
  assert.equal(none.body.errorCode, 'inexistent_email_provider');

  const created = await mgmt.emails.provider.create(provider);
  assert.deepEqual(created, {
    name: 'smtp',
    enabled: true,
    default_from_address: 'no-reply@example.com',
    credentials: { smtp_host: 'smtp.example.com', smtp_port: 587, smtp_user: 'mailer' },
  });
  const again = await sdkError(mgmt.emails.provider.create(provider));
  assert.equal(again.statusCode, 409);

  assert.deepEqual(await mgmt.emails.provider.get(), { name: 'smtp', enabled: true });
  const full = await mgmt.emails.provider.get({ fields: 'name,enabled,credentials,default_from_address', include_fields: true });
  assert.deepEqual(full.credentials, { smtp_host: 'smtp.example.com', smtp_port: 587, smtp_user: 'mailer' });
  const without = await mgmt.emails.provider.get({ fields: 'credentials', include_fields: false });
  assert.equal(without.credentials, undefined);
  assert.equal(without.default_from_address, 'no-reply@example.com');

  const updated = await mgmt.emails.provider.update({ credentials: { smtp_host: 'mail.example.org' }, enabled: false });
  assert.equal(updated.enabled, false);
  assert.deepEqual(updated.credentials, { smtp_host: 'mail.example.org', smtp_port: 587, smtp_user: 'mailer' });
  assert.match(gh.sql("SELECT value FROM meta WHERE name = 'email_provider'"), /"smtp_pass":"sealed:/, 'password kept');

  await mgmt.emails.provider.delete();
  assert.equal((await sdkError(mgmt.emails.provider.get())).statusCode, 404);
  await mgmt.emails.provider.delete(); // 204 also when none
  const gone = await api('DELETE', '/emails/provider');
  assert.equal(gone.status, 204);
});

test('email provider: bad input is refused and nothing is stored', async () => {
  for (const body of [
    { ...provider, name: 'mandrill' },
    { name: 'smtp', credentials: { smtp_port: 25 } },
    { name: 'smtp', credentials: { smtp_host: 'h.example', smtp_port: 0 } },
    { name: 'smtp', credentials: { smtp_host: 'h.example', smtp_port: 25, smtp_user: 'only-user' } },
    { name: 'smtp' },
    { name: 'smtp', credentials: { smtp_host: 'h.example', smtp_port: 25 }, default_from_address: 'a@b.c\r\nBcc: x@evil.test' },
    { name: 'smtp', credentials: { smtp_host: 'h.example', smtp_port: 25 }, unknown: 1 },
  ]) {
    const r = await api('POST', '/emails/provider', { body });
    assertAuth0Error(r, 400, 'invalid_body');
  }
  assertAuth0Error(await api('GET', '/emails/provider'), 404, 'inexistent_email_provider');
  assertAuth0Error(await api('PATCH', '/emails/provider', { body: { enabled: true } }), 404, 'inexistent_email_provider');
});

test('email provider and templates: each route asks for its own scope', async () => {
  const reader = await createM2MClient(gh, { scope: ['read:email_provider', 'read:email_templates'] });
  const token = await mgmtToken(gh, { clientId: reader.client_id, clientSecret: reader.client_secret });
  assertAuth0Error(await api('POST', '/emails/provider', { token, body: provider }), 403, 'insufficient_scope', /create:email_provider/);
  assertAuth0Error(await api('DELETE', '/emails/provider', { token }), 403, 'insufficient_scope', /delete:email_provider/);
  assertAuth0Error(await api('GET', '/emails/provider', { token }), 404, 'inexistent_email_provider');
  assertAuth0Error(await api('POST', '/email-templates', { token, body: { template: 'welcome_email' } }), 403, 'insufficient_scope', /create:email_templates/);
  assertAuth0Error(await api('PATCH', '/email-templates/welcome_email', { token, body: {} }), 403, 'insufficient_scope', /update:email_templates/);
  assert.equal((await api('GET', '/email-templates/verify_email', { token: null })).status, 401);
});

test('email templates: create, duplicate, get, update, set, unknown names', async () => {
  const missing = await sdkError(mgmt.emailTemplates.get('reset_email'));
  assert.equal(missing.statusCode, 404);
  const body = {
    template: 'reset_email',
    body: '<p>Hi {{ user.email }}, {% if user.name %}{{ user.name | upcase }}{% else %}friend{% endif %}: <a href="{{ url }}">reset</a></p>',
    from: 'Support <support@example.com>',
    subject: 'Reset your {{ application.name }} password',
    syntax: 'liquid',
    enabled: true,
    resultUrl: 'https://app.example.com/done',
    urlLifetimeInSeconds: 3600,
  };
  const created = await mgmt.emailTemplates.create(body);
  assert.deepEqual(created, body);
  const dup = await sdkError(mgmt.emailTemplates.create(body));
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.body.message, 'Template reset_email already exists.');
  assert.deepEqual(await mgmt.emailTemplates.get('reset_email'), body);

  const patched = await mgmt.emailTemplates.update('reset_email', { subject: 'New subject', enabled: false });
  assert.deepEqual(patched, { ...body, subject: 'New subject', enabled: false }, 'PATCH answers the whole template');
  const replaced = await mgmt.emailTemplates.set('verify_email', { template: 'verify_email', body: '<p>{{ url }}</p>', syntax: 'liquid', enabled: true, subject: 'Verify' });
  assert.equal(replaced.template, 'verify_email');
  assert.equal((await mgmt.emailTemplates.get('verify_email')).subject, 'Verify');

  assertAuth0Error(await api('GET', '/email-templates/not_a_template'), 404, 'inexistent_email_template');
  assertAuth0Error(await api('PATCH', '/email-templates/welcome_email', { body: { subject: 'x' } }), 404, 'inexistent_email_template');
  assertAuth0Error(await api('POST', '/email-templates', { body: { template: 'not_a_template', body: 'x' } }), 400, 'invalid_body');
  assertAuth0Error(await api('POST', '/email-templates', { body: { body: 'x' } }), 400, 'invalid_body');
  assertAuth0Error(await api('POST', '/email-templates', { body: { template: 'welcome_email', syntax: 'handlebars' } }), 400, 'invalid_body');
});

test('email templates: Liquid that does not parse is refused with the error and its position', async () => {
  const cases = [
    ['{{ user.email ', /line 1, column 1.*not closed/],
    ['ok\n{% if user.name %}unclosed', /line 2, column 1.*endif/],
    ['{{ user.email | explode }}', /unknown filter 'explode'/],
    ['{% for x in y %}{% endfor %}', /unknown or misplaced tag 'for'/],
    ['{% endif %}', /misplaced tag 'endif'/],
    ['{% if a === b %}{% endif %}', /operator|unexpected/],
  ];
  for (const [text, message] of cases) {
    const r = await api('POST', '/email-templates', { body: { template: 'welcome_email', body: text, syntax: 'liquid', enabled: true } });
    assertAuth0Error(r, 400, 'invalid_body', message);
    assert.match(r.body.message, /body: Liquid syntax error/);
  }
  const subject = await api('POST', '/email-templates', { body: { template: 'welcome_email', subject: '{{ oops' } });
  assertAuth0Error(subject, 400, 'invalid_body', /subject: Liquid syntax error/);
  assertAuth0Error(await api('GET', '/email-templates/welcome_email'), 404, 'inexistent_email_template');
});
