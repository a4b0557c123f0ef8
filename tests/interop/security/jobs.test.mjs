// Bulk user jobs (issue 18 item 2): the attacks on an import upload and on an export's file. The
// export's `location` downloads without a token, so the link itself must be unguessable, expiring
// and bound to its job; the file never holds a password hash; a bad upload changes nothing; an
// import never reaches the users of another connection. Runs on SQLite and on PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { sdk, apiCaller, mgmtToken, unique, assertAuth0Error, createM2MClient } from '../mgmt/helpers.mjs';
import { BCRYPT, connectionId, importUsers, waitForJob, download } from '../mgmt/jobs-helpers.mjs';

describe('bulk user jobs', () => {
  let gh, api, mgmt, dbId;
  before(async () => {
    gh = await startGatehouse({ quiet: true, env: { GATEHOUSE_JOB_POLL_MS: '100' } });
    api = apiCaller(gh, await mgmtToken(gh));
    mgmt = sdk(gh);
    dbId = await connectionId(api);
  });
  after(() => gh?.stop());

  const userCount = async () => (await api('GET', '/users?include_totals=true&per_page=1')).body.total;

  // A hand-made multipart body: parts = [[name, value, filename?]].
  function multipart(parts, boundary = 'XyZ123') {
    let body = '';
    for (const [name, value, filename] of parts) {
      body += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;
    }
    return body + `--${boundary}--\r\n`;
  }
  const upload = (body, contentType = 'multipart/form-data; boundary=XyZ123') =>
    api('POST', '/jobs/users-imports', { body, contentType });

  async function exportJob(body) {
    const job = await waitForJob(mgmt, (await mgmt.jobs.usersExports.create(body)).id);
    assert.equal(job.status, 'completed');
    return job;
  }

  test('export file theft: the download link without its signature, with a wrong, expired or another job\'s signature answers 404', async () => {
    const a = await exportJob({ format: 'json' });
    const b = await exportJob({ format: 'json' });
    await download(a.location);  // the genuine link works
    const link = new URL(a.location);
    const other = new URL(b.location);
    const attempts = [
      `${link.origin}${link.pathname}`,
      `${link.origin}${link.pathname}?expires=${link.searchParams.get('expires')}`,
      `${link.origin}${link.pathname}?expires=${link.searchParams.get('expires')}&signature=${'A'.repeat(43)}`,
      // A later expiry under the same signature: the signature covers it.
      `${link.origin}${link.pathname}?expires=${Number(link.searchParams.get('expires')) + 3600}&signature=${link.searchParams.get('signature')}`,
      // Job b's valid signature on job a's file, and a's on b's.
      `${link.origin}${link.pathname}?expires=${other.searchParams.get('expires')}&signature=${other.searchParams.get('signature')}`,
      `${other.origin}${other.pathname}?expires=${link.searchParams.get('expires')}&signature=${link.searchParams.get('signature')}`,
      // An expired link (signature checked after expiry, whatever it is).
      `${link.origin}${link.pathname}?expires=1000&signature=${link.searchParams.get('signature')}`,
      // Another name for the file, and listing.
      `${link.origin}${link.pathname.replace('.json.gz', '.csv.gz')}${link.search}`,
      `${link.origin}/jobs/exports/`,
      `${link.origin}/jobs/exports/${a.id}`,
    ];
    for (const url of attempts) {
      const res = await fetch(url);
      assert.equal(res.status, 404, url);
      assert.doesNotMatch(res.headers.get('content-type') ?? '', /gzip/, url);
    }
    // An import job has no file to download, whatever link is forged for it.
    const imported = await waitForJob(mgmt, (await importUsers(mgmt, [{ email: unique('i') + '@example.com' }], { connection_id: dbId })).id);
    const forged = await fetch(`${link.origin}/jobs/exports/${imported.id}.json.gz${link.search}`);
    assert.equal(forged.status, 404);
  });

  test('password hash exfiltration through an export: asking for password_hash exports no hash, and the default fields hold none', async () => {
    await waitForJob(mgmt, (await importUsers(mgmt, [{ email: 'hashed@example.com', password_hash: BCRYPT }], { connection_id: dbId })).id);
    const fields = ['password_hash', 'password', 'custom_password_hash', 'user_id'].map((name) => ({ name }));
    for (const format of ['json', 'csv']) {
      for (const body of [{ format, fields }, { format }]) {
        const text = await download((await exportJob(body)).location);
        assert.doesNotMatch(text, /\$2a\$|\$argon2id\$/, `${format}: ${text}`);
      }
    }
  });

  test('oversized upload: a users file over 500 KB is refused with 400 and nothing is imported', async () => {
    const before = await userCount();
    const rows = [];
    for (let i = 0; JSON.stringify(rows).length <= 500 * 1024; i++) rows.push({ email: `big${i}@example.com`, name: 'x'.repeat(200) });
    const r = await upload(multipart([['users', JSON.stringify(rows), 'users.json'], ['connection_id', dbId]]));
    assertAuth0Error(r, 400, 'invalid_body', /larger than 512000 bytes/);
    // Through the SDK too.
    await assert.rejects(importUsers(mgmt, rows, { connection_id: dbId }), (e) => e.statusCode === 400);
    assert.equal(await userCount(), before);
  });

  test('malformed multipart: a missing boundary, an unterminated part, duplicate fields or a bad file get a clear 400 and nothing is imported', async () => {
    const before = await userCount();
    const good = JSON.stringify([{ email: 'mal@example.com' }]);
    const cases = [
      [multipart([['users', good, 'u.json'], ['connection_id', dbId]]), 'multipart/form-data', /boundary/],
      [multipart([['users', good, 'u.json'], ['connection_id', dbId]]), 'application/json', /multipart\/form-data/],
      [`--XyZ123\r\nContent-Disposition: form-data; name="users"\r\n\r\n${good}`, undefined, /not terminated/],
      [multipart([['users', good, 'u.json'], ['connection_id', dbId], ['connection_id', dbId]]), undefined, /'connection_id' appears twice/],
      [multipart([['users', good, 'u.json'], ['users', good, 'v.json'], ['connection_id', dbId]]), undefined, /'users' appears twice/],
      [multipart([['users', good, 'u.json']]), undefined, /connection_id/],
      [multipart([['connection_id', dbId]]), undefined, /users/],
      [multipart([['users', '{"email":"a@b.c"}', 'u.json'], ['connection_id', dbId]]), undefined, /JSON array/],
      [multipart([['users', '[{"email":', 'u.json'], ['connection_id', dbId]]), undefined, /JSON array/],
      [multipart([['users', '[]', 'u.json'], ['connection_id', dbId]]), undefined, /at least one user/],
      [multipart([['users', good, 'u.json'], ['connection_id', dbId], ['upsert', 'yes']]), undefined, /boolean/],
      [multipart([['users', good, 'u.json'], ['connection_id', dbId], ['connection', 'other']]), undefined, /Additional properties/],
      [multipart([['users', good, 'u.json'], ['connection_id', 'con_doesnotexist000']]), undefined, /connection does not exist/],
    ];
    for (const [body, contentType, message] of cases) {
      const r = await upload(body, contentType);
      assertAuth0Error(r, 400, undefined, message);
    }
    assert.equal(await userCount(), before);
    assert.deepEqual((await api('GET', '/users-by-email?email=mal%40example.com')).body, []);
  });

  test("cross-connection takeover through an import: rows cannot name another connection, and neither a user_id nor an upsert touches another connection's user", async () => {
    const other = await api('POST', '/connections', { body: { name: unique('other-db'), strategy: 'auth0' } });
    assert.equal(other.status, 201, other.text);
    const victim = await api('POST', '/users', {
      body: { connection: other.body.name, email: 'victim@example.com', password: 'victim password 1', user_id: 'victim', name: 'Victim' },
    });
    assert.equal(victim.status, 201, victim.text);
    const hashBefore = gh.sql(`SELECT password_hash FROM users WHERE user_id = 'auth0|victim'`).trim();

    const rows = [
      { email: 'victim@example.com', user_id: 'victim', password_hash: BCRYPT, name: 'Attacker' },
      { email: 'victim@example.com', connection: other.body.name, password_hash: BCRYPT },
    ];
    const job = await waitForJob(mgmt, (await importUsers(mgmt, rows, { connection_id: dbId, upsert: true })).id);
    assert.equal(job.summary.inserted + job.summary.updated, 0, JSON.stringify(job.summary));
    const errors = await mgmt.jobs.errors.get(job.id);
    assert.deepEqual(errors.map((e) => e.errors[0].code), ['DUPLICATED_USER', 'OBJECT_ADDITIONAL_PROPERTIES']);
    assert.equal(errors[0].user.password_hash, '*****');

    const after = await api('GET', `/users/${encodeURIComponent('auth0|victim')}`);
    assert.equal(after.body.name, 'Victim');
    assert.equal(after.body.identities[0].connection, other.body.name);
    assert.equal(gh.sql(`SELECT password_hash FROM users WHERE user_id = 'auth0|victim'`).trim(), hashBefore);
    // And an import into a connection that is not a database connection is refused outright.
    const social = await api('POST', '/connections', {
      body: { name: unique('social'), strategy: 'oauth2', options: { client_id: 'x', client_secret: 'y',
        authorizationURL: 'https://idp.example/authorize', tokenURL: 'https://idp.example/token', scope: 'openid' } },
    });
    if (social.status === 201) {
      const r = await upload(multipart([['users', '[{"email":"s@example.com"}]', 'u.json'], ['connection_id', social.body.id]]));
      assertAuth0Error(r, 400, 'operation_not_supported');
    }
  });

  test('job scope bypass: an import needs create:users and an export read:users', async () => {
    const reader = await createM2MClient(gh, { scope: ['read:users'] });
    const creator = await createM2MClient(gh, { scope: ['create:users'] });
    const asReader = apiCaller(gh, await mgmtToken(gh, { clientId: reader.client_id, clientSecret: reader.client_secret }));
    const asCreator = apiCaller(gh, await mgmtToken(gh, { clientId: creator.client_id, clientSecret: creator.client_secret }));
    const body = multipart([['users', '[{"email":"scope@example.com"}]', 'u.json'], ['connection_id', dbId]]);
    assertAuth0Error(await asReader('POST', '/jobs/users-imports', { body, contentType: 'multipart/form-data; boundary=XyZ123' }), 403, 'insufficient_scope');
    assertAuth0Error(await asCreator('POST', '/jobs/users-exports', { body: { format: 'json' } }), 403, 'insufficient_scope');
    assert.deepEqual((await api('GET', '/users-by-email?email=scope%40example.com')).body, []);
  });
});
