// `kill -9` of an instance in the middle of a stream of Management API writes loses no write that
// was answered 2xx: after the kill (and a restart), every acknowledged client is read back. Run on
// SQLite (one instance, restarted on the same file) and, under tests/store/with-postgres.sh, on
// PostgreSQL (two instances: the survivor is checked at once, then the restarted one).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CALLBACK, api, createPgDatabase, initTenant, mgmtToken, pgUrl, sleep, startInstance, tmpDir } from './lib.mjs';

const CYCLES = Number(process.env.MULTI_KILL_CYCLES ?? 3);
const WRITERS = 6;  // concurrent POST loops, so several writes are in flight at the kill

const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

// Concurrent loops of POST /clients spread over `targets` until `stop()`; returns the acknowledged
// {client_id, name} pairs, the count of requests that got no answer (in flight at the kill), and
// any non-2xx answers.
function writeStream(targets, token, tag) {
  const acked = [];
  const unanswered = [];
  const refused = [];
  let running = true;
  let seq = 0;
  const loops = Array.from({ length: WRITERS }, async (_, w) => {
    while (running) {
      const inst = targets[(seq + w) % targets.length];
      const name = `${tag}-${w}-${seq++}`;
      try {
        const r = await api(inst, token, 'POST', '/clients', { name, app_type: 'spa', callbacks: [CALLBACK] });
        if (r.status >= 200 && r.status < 300) acked.push({ client_id: r.body.client_id, name, via: inst.name });
        else refused.push(`${r.status} ${r.text}`);
      } catch {
        unanswered.push(name);  // connection reset by the kill: the write may or may not exist
        if (!targets.some((t) => t.child.exitCode === null && t.child.signalCode === null)) return;
        await sleep(5);
      }
    }
  });
  return {
    acked,
    unanswered,
    refused,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function verifyAll(inst, token, acked) {
  let missing = 0;
  let wrong = 0;
  // Read back in small parallel batches.
  for (let i = 0; i < acked.length; i += 16) {
    const batch = acked.slice(i, i + 16);
    const got = await Promise.all(batch.map((a) => api(inst, token, 'GET', `/clients/${a.client_id}`)));
    got.forEach((g, j) => {
      if (g.status === 404) missing++;
      else if (g.status !== 200 || g.body.name !== batch[j].name) wrong++;
    });
  }
  return { missing, wrong };
}

async function killCycles(label, db, count) {
  initTenant(db);
  const results = [];
  let instances = [];
  for (let i = 0; i < count; i++) instances.push(await startInstance(db, String.fromCharCode(65 + i)));
  cleanup.push(() => Promise.all(instances.map((x) => x.stop())));
  const token = await mgmtToken(instances[0]);
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const victim = instances[0];
    const stream = writeStream(instances, token, `${label}-c${cycle}`);
    await sleep(400 + Math.floor(Math.random() * 400));
    const ackedAtKill = stream.acked.length;
    await victim.kill9();
    await sleep(50);  // let the other writers run on the survivor, or notice the kill
    if (instances.length === 1) await stream.stop();
    const survivor = instances[1];
    let onSurvivor;
    if (survivor) {
      await stream.stop();
      onSurvivor = await verifyAll(survivor, token, stream.acked);
    }
    const restarted = await startInstance(db, victim.name);
    instances = [restarted, ...instances.slice(1)];
    const after = await verifyAll(restarted, token, stream.acked);
    const r = {
      label, cycle, ackedAtKill, acked: stream.acked.length, unanswered: stream.unanswered.length,
      refused: stream.refused.length, missingAfterRestart: after.missing, wrongAfterRestart: after.wrong,
      ...(onSurvivor ? { missingOnSurvivor: onSurvivor.missing, wrongOnSurvivor: onSurvivor.wrong } : {}),
    };
    console.log(`# kill -9 ${JSON.stringify(r)}`);
    results.push(r);
    assert.deepEqual(stream.refused, [], 'no write is refused before the kill');
    assert.ok(stream.acked.length > 0, 'the stream wrote something');
    assert.equal(after.missing + after.wrong, 0, `${label} cycle ${cycle}: acknowledged writes lost after kill -9`);
    if (onSurvivor) assert.equal(onSurvivor.missing + onSurvivor.wrong, 0, `${label} cycle ${cycle}: lost on the survivor`);
  }
  return results;
}

// MULTI_BACKEND=sqlite|postgres picks one (ctest registers one test per backend); unset: both.
const only = process.env.MULTI_BACKEND;

test('SQLite: kill -9 during POST /clients loses no acknowledged write', {
  skip: only && only !== 'sqlite' ? `MULTI_BACKEND=${only}` : false,
}, async () => {
  const tmp = tmpDir();
  cleanup.push(async () => tmp.remove());
  await killCycles('sqlite', `sqlite://${tmp.dir}/gatehouse.db`, 1);
});

test('PostgreSQL, 2 instances: kill -9 of one during POST /clients loses no acknowledged write', {
  skip: only && only !== 'postgres' ? `MULTI_BACKEND=${only}`
    : pgUrl() ? false : 'GATEHOUSE_TEST_PG_URL not set (run under tests/store/with-postgres.sh)',
}, async () => {
  await killCycles('postgres', createPgDatabase('durability'), 2);
});
