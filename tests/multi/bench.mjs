// Round-trip throughput of a logged-in browser: /authorize (session cookie, no login page) -> code
// -> /oauth/token (PKCE), on 1 instance vs N instances on one PostgreSQL database. Not a test: run
//   tests/store/with-postgres.sh env GATEHOUSE_BINARY=build/gatehouse node tests/multi/bench.mjs [seconds] [concurrency]
// Prints one line per configuration. The load generator (this node process), PostgreSQL and every
// gatehouse share the machine's cores: the figures compare configurations, they are not capacity.
import { cpus } from 'node:os';
import { Browser, authorizeUrl, createPgDatabase, exchangeCode, initTenant, pkce, startInstance } from './lib.mjs';

const SECONDS = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 16);

async function run(label, count, threads) {
  const db = createPgDatabase('bench');
  const tenant = initTenant(db);
  const instances = [];
  for (let i = 0; i < count; i++) instances.push(await startInstance(db, String.fromCharCode(65 + i), { threads }));
  try {
    // One logged-in browser per worker, each pinned to no instance: requests alternate.
    const workers = [];
    for (let w = 0; w < CONCURRENCY; w++) {
      const b = new Browser();
      const { challenge } = pkce();
      await b.login(authorizeUrl(tenant.demoClientId, challenge), tenant.demoUser, tenant.demoPassword, { a: instances[w % count] });
      workers.push(b);
    }
    const lat = [];
    let errors = 0;
    let rr = 0;
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(workers.map(async (b) => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        const { verifier, challenge } = pkce();
        const back = await b.silent(instances[rr++ % count], authorizeUrl(tenant.demoClientId, challenge));
        const code = back.searchParams.get('code');
        const t = code ? await exchangeCode(instances[rr++ % count], tenant.demoClientId, code, verifier) : { status: 0 };
        if (t.status === 200) lat.push(performance.now() - t0);
        else errors++;
      }
    }));
    lat.sort((x, y) => x - y);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
    console.log(`${label}: ${(lat.length / SECONDS).toFixed(0)} round trips/s (${lat.length} in ${SECONDS} s, ${errors} errors), ` +
      `latency p50 ${q(0.5)} ms p90 ${q(0.9)} ms p99 ${q(0.99)} ms; concurrency ${CONCURRENCY}, ${cpus().length} cores shared`);
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
  }
}

await run('1 instance  (--threads 2)', 1, 2);
await run('2 instances (--threads 2 each)', 2, 2);
await run('2 instances (--threads 1 each)', 2, 1);
