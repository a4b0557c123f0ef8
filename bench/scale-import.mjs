// Imports users user<first>..user<first+count-1>@example.com through Gatehouse's bulk import jobs
// (POST /api/v2/jobs/users-imports, Auth0's bulk-import schema), as a tenant moving in would: files
// of at most 500 KB (the per-job limit), as many in flight as the server accepts (it answers 429 to
// a third active import, as Auth0 does), each polled with GET /api/v2/jobs/{id} until it completes.
// Every row carries the same precomputed bcrypt hash (custom_password_hash), so generating a
// million rows costs nothing; the server stores it and rehashes to argon2id at the first login.
//   node bench/scale-import.mjs --url http://127.0.0.1:P --token T --connection-id C --first 1 --count N --hash H
// Prints one JSON line: {"users":N,"jobs":J,"seconds":S,"rate":N/S,"failed":F}.
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
    options: {
        url: { type: 'string' },
        token: { type: 'string' },
        'connection-id': { type: 'string' },
        first: { type: 'string', default: '1' },
        count: { type: 'string' },
        hash: { type: 'string' },
        'in-flight': { type: 'string', default: '2' },
    },
});
const first = Number(opt.first);
const count = Number(opt.count);
const inFlight = Number(opt['in-flight']);
const fileLimit = 500 * 1024 - 512; // the server's limit of one file part, less a margin
const auth = { authorization: `Bearer ${opt.token}` };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The next file of rows starting at user `next`, up to the file limit (or the end).
let next = first;
const end = first + count;
function nextFile() {
    const rows = [];
    let size = 2;
    const hash = JSON.stringify({ algorithm: 'bcrypt', hash: { value: opt.hash } });
    while (next < end) {
        const row = `{"email":"user${next}@example.com","email_verified":true,"custom_password_hash":${hash}}`;
        if (size + row.length + 1 > fileLimit) break;
        rows.push(row);
        size += row.length + 1;
        next++;
    }
    return { text: `[${rows.join(',')}]`, rows: rows.length };
}

async function submit(file) {
    for (;;) {
        const form = new FormData();
        form.append('users', new Blob([file.text], { type: 'application/json' }), 'users.json');
        form.append('connection_id', opt['connection-id']);
        form.append('send_completion_email', 'false');
        const res = await fetch(`${opt.url}/api/v2/jobs/users-imports`, { method: 'POST', headers: auth, body: form });
        if (res.status === 429) {
            await res.arrayBuffer();
            await sleep(50);
            continue;
        }
        const body = await res.json();
        if (res.status !== 201 && res.status !== 202) throw new Error(`import POST ${res.status}: ${JSON.stringify(body)}`);
        return body.id;
    }
}

async function waitFor(id) {
    for (;;) {
        const res = await fetch(`${opt.url}/api/v2/jobs/${id}`, { headers: auth });
        const job = await res.json();
        if (job.status === 'completed') return job.summary ?? {};
        if (job.status === 'failed') throw new Error(`job ${id} failed: ${JSON.stringify(job)}`);
        await sleep(100);
    }
}

const t0 = process.hrtime.bigint();
let jobs = 0;
let failed = 0;
let inserted = 0;
async function worker() {
    while (next < end) {
        const file = nextFile();
        const id = await submit(file);
        jobs++;
        const summary = await waitFor(id);
        failed += summary.failed ?? 0;
        inserted += summary.inserted ?? 0;
    }
}
await Promise.all(Array.from({ length: inFlight }, worker));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ users: count, inserted, jobs, seconds, rate: count / seconds, failed }));
if (failed > 0 || inserted !== count) process.exit(1);
