// Bulk user import and export jobs (issue 18 item 2, auth0-apps.md §7) through Auth0's own Node SDK
// (`auth0` 7.1.0): jobs.usersImports.create (multipart upload), jobs.usersExports.create, jobs.get,
// jobs.errors.get. Jobs run in the background and survive a restart.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { sdk, apiCaller, mgmtToken, unique } from './helpers.mjs';
import { BCRYPT, PASSWORD_REALM, connectionId, importUsers, waitForJob, download, passwordLogin } from './jobs-helpers.mjs';

describe('bulk user jobs', () => {
  let gh, api, mgmt, login, dbId;
  before(async () => {
    gh = await startGatehouse({ quiet: true, env: { GATEHOUSE_JOB_POLL_MS: '100' } });
    api = apiCaller(gh, await mgmtToken(gh));
    mgmt = sdk(gh);
    dbId = await connectionId(api);
    const client = await api('POST', '/clients', {
      body: { name: unique('ropc'), app_type: 'regular_web', token_endpoint_auth_method: 'client_secret_post',
        grant_types: [PASSWORD_REALM] },
    });
    assert.equal(client.status, 201, client.text);
    login = passwordLogin(gh, client.body);
  });
  after(() => gh?.stop());

  test('an import of 3 good and 2 bad rows completes: summary, per-row errors, bcrypt users log in and are rehashed', async () => {
    const rows = [
      { email: 'Ada@Example.com', user_id: 'ada-1', given_name: 'Ada', family_name: 'Lovelace', name: 'Ada L',
        email_verified: true, app_metadata: { plan: 'gold' },
        custom_password_hash: { algorithm: 'bcrypt', hash: { value: BCRYPT } } },
      { email: 'bob@example.com', password_hash: BCRYPT, user_metadata: { lang: 'fr' }, blocked: false },
      { email: 'cy@example.com', nickname: 'cy' },
      { email: 'not-an-email', name: 'Bad Email' },
      { email: 'dee@example.com', custom_password_hash: { algorithm: 'md4', hash: { value: 'abcdef' } } },
    ];
    const created = await importUsers(mgmt, rows, { connection_id: dbId, external_id: 'batch-1', send_completion_email: false });
    assert.equal(created.type, 'users_import');
    assert.equal(created.status, 'pending');
    assert.match(created.id, /^job_[A-Za-z0-9]{16}$/);
    assert.equal(created.connection_id, dbId);
    assert.equal(created.connection, 'Username-Password-Authentication');
    assert.equal(created.external_id, 'batch-1');
    assert.ok(!Number.isNaN(Date.parse(created.created_at)));

    const job = await waitForJob(mgmt, created.id);
    assert.equal(job.status, 'completed');
    assert.deepEqual(job.summary, { failed: 2, updated: 0, inserted: 3, total: 5 });

    const errors = await mgmt.jobs.errors.get(created.id);
    assert.equal(errors.length, 2);
    assert.equal(errors[0].user.email, 'not-an-email');
    assert.deepEqual(errors[0].errors, [{ code: 'INVALID_FORMAT', message: "Object didn't pass validation for format email: not-an-email", path: 'email' }]);
    assert.equal(errors[1].user.email, 'dee@example.com');
    assert.equal(errors[1].user.custom_password_hash.hash.value, '*****', 'hashes never come back');
    assert.equal(errors[1].errors[0].code, 'ENUM_MISMATCH');
    assert.equal(errors[1].errors[0].path, 'custom_password_hash.algorithm');

    const ada = await mgmt.users.get('auth0|ada-1');
    assert.equal(ada.email, 'ada@example.com');
    assert.equal(ada.given_name, 'Ada');
    assert.equal(ada.email_verified, true);
    assert.deepEqual(ada.app_metadata, { plan: 'gold' });
    assert.equal(ada.password_hash, undefined);
    const bad = await api('GET', '/users-by-email?email=dee%40example.com');
    assert.deepEqual(bad.body, [], 'a bad row is not imported');

    const hash = (email) => gh.sql(`SELECT password_hash FROM users WHERE email = '${email}'`).trim();
    assert.equal(hash('ada@example.com'), BCRYPT);
    assert.equal(await login('ada@example.com', 'U*V'), 403);
    assert.equal(await login('ada@example.com', 'U*U'), 200);
    assert.match(hash('ada@example.com'), /^\$argon2id\$/, 'rehashed at the first login');
    assert.equal(await login('ada@example.com', 'U*U'), 200);
    assert.equal(await login('bob@example.com', 'U*U'), 200);
    assert.equal(await login('cy@example.com', ''), 400);
    assert.equal(await login('cy@example.com', 'anything at all'), 403, 'a user imported without a password cannot log in');
  });

  test('upsert updates the users of the connection by email and keeps their password; without it they are duplicates', async () => {
    const first = await waitForJob(mgmt, (await importUsers(mgmt, [{ email: 'up@example.com', password_hash: BCRYPT, given_name: 'Old', app_metadata: { a: 1, b: 2 } }], { connection_id: dbId })).id);
    assert.deepEqual(first.summary, { failed: 0, updated: 0, inserted: 1, total: 1 });

    const rows = [{ email: 'UP@example.com', given_name: 'New', app_metadata: { b: 3 } }, { email: 'fresh@example.com' }];
    const refused = await waitForJob(mgmt, (await importUsers(mgmt, rows, { connection_id: dbId })).id);
    assert.deepEqual(refused.summary, { failed: 1, updated: 0, inserted: 1, total: 2 });
    const errors = await mgmt.jobs.errors.get(refused.id);
    assert.equal(errors[0].errors[0].code, 'DUPLICATED_USER');

    const upserted = await waitForJob(mgmt, (await importUsers(mgmt, rows, { connection_id: dbId, upsert: true })).id);
    assert.equal(upserted.upsert, true);
    assert.deepEqual(upserted.summary, { failed: 0, updated: 2, inserted: 0, total: 2 });
    const [user] = await mgmt.users.listUsersByEmail({ email: 'up@example.com' });
    assert.equal(user.given_name, 'New');
    assert.deepEqual(user.app_metadata, { b: 3 }, 'metadata is replaced, as Auth0 does');
    assert.equal(await login('up@example.com', 'U*U'), 200, 'the password is kept');
    const none = await api('GET', `/jobs/${upserted.id}/errors`);
    assert.equal(none.status, 204);
  });

  test('export as NDJSON and as CSV with fields: the location downloads the gzip file', async () => {
    const rows = [
      { email: 'x1@example.com', user_id: 'exp-1', name: 'Quote "Q" , Comma', app_metadata: { tier: 'a' } },
      { email: 'x2@example.com', user_id: 'exp-2', name: '=cmd()', app_metadata: { tier: 'b' } },
    ];
    await waitForJob(mgmt, (await importUsers(mgmt, rows, { connection_id: dbId })).id);
    const fields = [{ name: 'user_id', export_as: 'id' }, { name: 'email' }, { name: 'name' },
      { name: 'app_metadata.tier', export_as: 'tier' }];
    const created = await mgmt.jobs.usersExports.create({ connection_id: dbId, format: 'json', fields });
    assert.equal(created.type, 'users_export');
    assert.equal(created.status, 'pending');
    assert.equal(created.format, 'json');
    assert.deepEqual(created.fields, fields);
    const job = await waitForJob(mgmt, created.id);
    assert.equal(job.status, 'completed');
    assert.equal(job.percentage_done, 100);
    assert.equal(job.time_left_seconds, 0);
    assert.match(job.location, new RegExp(`^${gh.issuer}jobs/exports/${created.id}\\.json\\.gz\\?expires=\\d+&signature=`));
    const lines = (await download(job.location)).trim().split('\n').map((l) => JSON.parse(l));
    const byId = Object.fromEntries(lines.map((l) => [l.id, l]));
    assert.deepEqual(byId['auth0|exp-1'], { id: 'auth0|exp-1', email: 'x1@example.com', name: 'Quote "Q" , Comma', tier: 'a' });
    assert.deepEqual(byId['auth0|exp-2'], { id: 'auth0|exp-2', email: 'x2@example.com', name: '=cmd()', tier: 'b' });
    const total = await api('GET', '/users?include_totals=true&per_page=1');
    assert.equal(lines.length, total.body.total, 'every user of the connection, once');

    const csvJob = await waitForJob(mgmt, (await mgmt.jobs.usersExports.create({ connection_id: dbId, format: 'csv', fields })).id);
    assert.match(csvJob.location, /\.csv\.gz\?/);
    const csv = (await download(csvJob.location)).trim().split('\n');
    assert.equal(csv[0], '"id","email","name","tier"');
    assert.ok(csv.includes(`"'auth0|exp-1","'x1@example.com","'Quote ""Q"" , Comma","'a"`), csv.join('\n'));
    assert.ok(csv.includes(`"'auth0|exp-2","'x2@example.com","'=cmd()","'b"`), 'a cell is never a formula');

    const limited = await waitForJob(mgmt, (await mgmt.jobs.usersExports.create({ format: 'json', limit: 2 })).id);
    assert.equal((await download(limited.location)).trim().split('\n').length, 2);
  });

  test('an import stopped by a shutdown midway resumes at its checkpoint after the restart: every user once', async () => {
    const big = await startGatehouse({ quiet: true, env: { GATEHOUSE_JOB_POLL_MS: '20' } });
    try {
      const bigApi = apiCaller(big, await mgmtToken(big));
      const bigMgmt = sdk(big);
      const rows = Array.from({ length: 10000 }, (_, i) => ({ email: `bulk${i}@example.com` }));
      const created = await importUsers(bigMgmt, rows, { connection_id: await connectionId(bigApi) });
      for (let status = 'pending'; status === 'pending';) {
        status = (await bigMgmt.jobs.get(created.id)).status;
        if (status === 'completed') assert.fail('the import finished before the restart; make it larger');
      }
      await new Promise((r) => setTimeout(r, 200));
      await big.restart();
      const done = String(big.sql(`SELECT attempts FROM jobs WHERE id = '${created.id}'`)).trim();
      const job = await waitForJob(bigMgmt, created.id, 120_000);
      assert.deepEqual(job.summary, { failed: 0, updated: 0, inserted: 10000, total: 10000 });
      assert.equal(Number(big.sql(`SELECT COUNT(*) FROM users WHERE email LIKE 'bulk%@example.com'`).trim()), 10000);
      assert.ok(Number(String(big.sql(`SELECT attempts FROM jobs WHERE id = '${created.id}'`)).trim()) >= 2, `attempts before: ${done}`);
      assert.match(big.log(), /stopped before it finished/);
    } finally {
      await big.stop();
    }
  });

  test('a job pending when the server stops is run after the restart', async () => {
    // Jobs are picked up at start and then only every hour: the import stays pending until the restart.
    const slow = await startGatehouse({ quiet: true, env: { GATEHOUSE_JOB_POLL_MS: '3600000' } });
    try {
      const slowMgmt = sdk(slow);
      const id = await connectionId(apiCaller(slow, await mgmtToken(slow)));
      const created = await importUsers(slowMgmt, [{ email: 'late@example.com' }], { connection_id: id });
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await slowMgmt.jobs.get(created.id)).status, 'pending');
      await slow.restart();
      const job = await waitForJob(slowMgmt, created.id);
      assert.deepEqual(job.summary, { failed: 0, updated: 0, inserted: 1, total: 1 });
    } finally {
      await slow.stop();
    }
  });
});
