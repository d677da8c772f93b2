// Child process for the multi-node test: a triage worker. It joins the shared durable consumer on
// NATS JetStream, stores alerts in PostgreSQL and triages them with a test triage function that
// records every run in a `triage_runs` table of the test schema (so the parent can count runs),
// sleeping a little per alert so a kill lands mid-stream. Prints "handled ID" per acknowledged alert.
// Usage: node fixture-alert-worker.js SERVERS PREFIX PG_URL SCHEMA NAME TRIAGE_MS ACK_WAIT_MS

import pg from 'pg';
import { NatsBus } from '../../src/bus/nats.js';
import { TEST_STREAM_BYTES } from './stream-limits.js';
import { startRole, type TriageFn } from '../../src/bus/roles.js';
import { openStore } from '../../src/store/index.js';
import { systemClock } from '../../src/util/clock.js';

const [servers, prefix, pgUrl, schema, name, triageMs, ackWaitMs] = process.argv.slice(2);
if (!servers || !prefix || !pgUrl || !schema || !name || !triageMs || !ackWaitMs) {
  process.stderr.write('usage: fixture-alert-worker SERVERS PREFIX PG_URL SCHEMA NAME TRIAGE_MS ACK_WAIT_MS\n');
  process.exit(2);
}

const store = await openStore(pgUrl, { schema });
const runs = new pg.Pool({ connectionString: pgUrl, max: 2, options: `-c search_path=${schema}` });
const bus = await NatsBus.connect({ servers: servers.split(','), prefix, name, maxBytes: TEST_STREAM_BYTES });
const triage: TriageFn = async (a) => {
  const started = systemClock.nowUs();
  await runs.query('INSERT INTO triage_runs (alert_id, worker) VALUES ($1, $2)', [a.id, name]);
  await new Promise((r) => setTimeout(r, Number(triageMs)));
  return {
    alert_id: a.id,
    report: { worker: name, dest: a.dest_ip },
    verdict: 'true_positive',
    confidence: 0.9,
    started_us: started,
    finished_us: systemClock.nowUs(),
  };
};
const node = await startRole('worker', {
  bus,
  store,
  clock: systemClock,
  triage,
  retryDelayMs: 200,
  subscribe: { ackWaitMs: Number(ackWaitMs), maxInFlight: 4 },
});
const worker = node.alertWorker;
if (worker === undefined) throw new Error('worker role started no alert worker');
// Progress for the parent, from the worker's counters.
let last = 0;
const progress = setInterval(() => {
  const c = worker.counters();
  const n = c.triaged + c.triageAlreadyDone;
  if (n !== last) {
    last = n;
    process.stdout.write(`handled ${n}\n`);
  }
}, 50);
process.stdout.write('ready\n');

process.on('SIGTERM', () => {
  clearInterval(progress);
  void (async () => {
    await node.stop();
    await bus.close();
    await store.close();
    await runs.end();
    const c = worker.counters();
    process.stdout.write(`stopped ${JSON.stringify(c)}\n`);
    process.exit(0);
  })();
});
