// Shared by the bulk job tests (mgmt/jobs.test.mjs, security/jobs.test.mjs): an import file upload
// through Auth0's SDK or by hand, waiting for a job, downloading an export.
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';

export const DB = 'Username-Password-Authentication';
export const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
// crypt_blowfish's published test vector: password "U*U".
export const BCRYPT = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';

export async function connectionId(api, name = DB) {
  const r = await api('GET', `/connections?name=${encodeURIComponent(name)}`);
  assert.equal(r.status, 200, r.text);
  return r.body[0].id;
}

// The SDK's import call: `users` is the file (a JSON array of rows).
export function importUsers(mgmt, rows, fields) {
  return mgmt.jobs.usersImports.create({
    users: { data: Buffer.from(JSON.stringify(rows)), filename: 'users.json', contentType: 'application/json' },
    ...fields,
  });
}

// Polls GET /jobs/{id} until the job is done (completed or failed).
export async function waitForJob(mgmt, id, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await mgmt.jobs.get(id);
    if (job.status === 'completed' || job.status === 'failed') return job;
    if (Date.now() > deadline) assert.fail(`job ${id} still ${job.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The export's file, un-gzipped.
export async function download(location) {
  const res = await fetch(location);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'application/gzip');
  return gunzipSync(Buffer.from(await res.arrayBuffer())).toString('utf8');
}

// A password-realm login of the tenant's database connection: the HTTP status.
export function passwordLogin(gh, client) {
  return async (username, password) => {
    const r = await fetch(`${gh.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: PASSWORD_REALM, realm: DB, client_id: client.client_id,
        client_secret: client.client_secret, username, password, scope: 'openid' }),
    });
    return r.status;
  };
}
