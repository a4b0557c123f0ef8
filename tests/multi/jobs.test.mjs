// Bulk user jobs on three Gatehouse processes sharing one PostgreSQL database: jobs created through
// any instance are each claimed and run exactly once (jobs.attempts = 1), by whichever instance's
// worker claims them first, and every instance serves their status and export file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { api, createPgDatabase, mgmtToken, pgUrl, psql, sleep, startCluster } from './lib.mjs';

const skip = pgUrl() ? false : 'GATEHOUSE_TEST_PG_URL not set (run under tests/store/with-postgres.sh)';
const JOBS = 12;
const ROWS = 25;

let cluster;
before(async () => {
  if (skip) return;
  cluster = await startCluster(createPgDatabase('jobs'), 3, { env: { GATEHOUSE_JOB_POLL_MS: '20' } });
});
after(async () => cluster?.stop());

async function waitForJob(inst, token, id) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await api(inst, token, 'GET', `/jobs/${id}`);
    assert.equal(r.status, 200, r.text);
    if (r.body.status === 'completed' || r.body.status === 'failed') return r.body;
    if (Date.now() > deadline) assert.fail(`job ${id} still ${r.body.status}`);
    await sleep(50);
  }
}

test('import and export jobs created on three instances each run exactly once', { skip }, async () => {
  const instances = cluster.instances;
  const token = await mgmtToken(instances[0]);
  const connections = await api(instances[0], token, 'GET', '/connections?name=Username-Password-Authentication');
  const connectionId = connections.body[0].id;
  const created = [];
  for (let j = 0; j < JOBS; j++) {
    const inst = instances[j % instances.length];
    const rows = Array.from({ length: ROWS }, (_, i) => ({ email: `job${j}-user${i}@example.com` }));
    const form = new FormData();
    form.append('users', new Blob([JSON.stringify(rows)], { type: 'application/json' }), 'users.json');
    form.append('connection_id', connectionId);
    // Two imports may wait at once; a third is refused with 429 until one is done.
    for (;;) {
      const res = await fetch(new URL('/api/v2/jobs/users-imports', inst.origin), {
        method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form,
      });
      const body = await res.json();
      if (res.status === 429) {
        await sleep(20);
        continue;
      }
      assert.equal(res.status, 201, JSON.stringify(body));
      created.push(body.id);
      break;
    }
    const exported = await api(inst, token, 'POST', '/jobs/users-exports', { connection_id: connectionId, format: 'json' });
    assert.equal(exported.status, 201, exported.text);
    created.push(exported.body.id);
  }
  for (const [i, id] of created.entries()) {
    const job = await waitForJob(instances[(i + 1) % instances.length], token, id);
    assert.equal(job.status, 'completed', JSON.stringify(job));
    if (job.type === 'users_import') assert.deepEqual(job.summary, { failed: 0, updated: 0, inserted: ROWS, total: ROWS });
    else {
      const file = await fetch(new URL(new URL(job.location).pathname + new URL(job.location).search, instances[i % 3].origin));
      assert.equal(file.status, 200);
      assert.ok(gunzipSync(Buffer.from(await file.arrayBuffer())).toString().length > 0);
    }
  }
  const attempts = psql(cluster.db, "SELECT id || ':' || attempts FROM jobs WHERE attempts <> 1").trim();
  assert.equal(attempts, '', 'every job was claimed exactly once');
  const users = psql(cluster.db, "SELECT COUNT(*) FROM users WHERE email LIKE 'job%-user%@example.com'").trim();
  assert.equal(Number(users), JOBS * ROWS);
});
