// Scale-out with real processes on this machine: two publisher processes (standing in for sensors)
// and two worker processes sharing one durable JetStream consumer and one PostgreSQL schema. One
// worker is killed with SIGKILL mid-stream. Every alert must end stored once and triaged once (one
// triage result per alert), and triage may have run twice only for the few alerts the killed worker
// held in flight.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsBus } from '../../src/bus/nats.js';
import { TEST_STREAM_BYTES } from './stream-limits.js';
import { ALERT_WORKERS_DURABLE } from '../../src/bus/roles.js';
import { openStore, PostgresStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { evidenceAlert } from '../store/records.js';
import { compileChildren, type CompiledChildren } from './compile.js';
import { waitFor } from './contract.js';

const PG = process.env.MINERWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS = process.env.MINERWATCH_TEST_NATS ?? '127.0.0.1:4222';
const WORKER_IN_FLIGHT = 4;

interface Child {
  proc: ChildProcess;
  lines: string[];
  exit: Promise<number | string | null>;
}

function run(file: string, args: string[]): Child {
  const proc = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  proc.stderr?.on('data', (d: Buffer) => lines.push(`stderr: ${d.toString()}`));
  const exit = new Promise<number | string | null>((resolve) => proc.on('exit', (code, sig) => resolve(sig ?? code)));
  return { proc, lines, exit };
}

function handled(c: Child): number {
  let n = 0;
  for (const l of c.lines) {
    const m = /^handled (\d+)$/.exec(l);
    if (m) n = Number(m[1]);
  }
  return n;
}

describe('two publishers, two workers, one killed', () => {
  const schema = `mw_multi_${randomBytes(5).toString('hex')}`;
  const prefix = `mwmulti${randomBytes(4).toString('hex')}`;
  let bin: CompiledChildren;
  let store: Store;
  let db: pg.Pool;
  let bus: NatsBus;
  const children: Child[] = [];

  beforeAll(async () => {
    bin = compileChildren(['test/bus/fixture-alert-publisher.ts', 'test/bus/fixture-alert-worker.ts']);
    store = await openStore(PG, { schema });
    db = new pg.Pool({ connectionString: PG, max: 2, options: `-c search_path=${schema}` });
    await db.query('CREATE TABLE triage_runs (alert_id text NOT NULL, worker text NOT NULL)');
    bus = await NatsBus.connect({ servers: NATS, prefix, maxBytes: TEST_STREAM_BYTES });
  });
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await bus?.deleteStreams();
    await bus?.close();
    await db?.end();
    await store?.close();
    const s = new PostgresStore(PG, { schema });
    await s.dropSchema();
    await s.close();
    bin?.cleanup();
  });

  it('stores and triages every alert exactly once despite SIGKILL of a worker', async () => {
    const worker = (name: string): Child =>
      run(bin.entry('test/bus/fixture-alert-worker.ts'), [NATS, prefix, PG, schema, name, '20', '2000']);
    const w1 = worker('w1');
    const w2 = worker('w2');
    children.push(w1, w2);
    await waitFor(() => w1.lines.includes('ready') && w2.lines.includes('ready'), 20_000, 'workers ready');

    const publisher = (first: number, count: number): Child =>
      run(bin.entry('test/bus/fixture-alert-publisher.ts'), [NATS, prefix, String(first), String(count)]);
    const p1 = publisher(0, 300);
    const p2 = publisher(150, 300);
    children.push(p1, p2);

    await waitFor(() => handled(w1) >= 60, 30_000, 'w1 to handle 60 alerts');
    w1.proc.kill('SIGKILL');
    expect(await w1.exit).toBe('SIGKILL');
    const w1Handled = handled(w1);

    expect(await p1.exit).toBe(0);
    expect(await p2.exit).toBe(0);
    const published = [p1, p2].map((p) => /^published (\d+) duplicate (\d+)$/.exec(p.lines.find((l) => l.startsWith('published')) ?? ''));
    expect(published.reduce((s, m) => s + Number(m?.[1]), 0)).toBe(450);
    expect(published.reduce((s, m) => s + Number(m?.[2]), 0)).toBe(150);

    const triageCount = async (): Promise<number> =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM triage_results')).rows[0]?.n);
    await waitFor(
      async () => (await triageCount()) === 450 && (await bus.backlog('alerts', ALERT_WORKERS_DURABLE)) === 0,
      60_000,
      'all alerts triaged and acknowledged',
    );
    w2.proc.kill('SIGTERM');
    expect(await w2.exit).toBe(0);

    // Stored once each, every one of the 450 distinct alerts.
    expect(await store.countAlerts({})).toBe(450);
    for (let i = 0; i < 450; i++) expect(await store.getAlert(evidenceAlert(i).id)).toBeDefined();
    // One triage result per alert, and every alert carries its verdict.
    const tr = await db.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT alert_id) AS d FROM triage_results');
    expect([Number(tr.rows[0]?.n), Number(tr.rows[0]?.d)]).toEqual([450, 450]);
    const untriaged = await db.query<{ n: string }>('SELECT count(*) AS n FROM alerts WHERE triage_verdict IS NULL');
    expect(Number(untriaged.rows[0]?.n)).toBe(0);
    // Both workers did part of the work.
    const byWorker = await db.query<{ w: string; n: string }>("SELECT report->>'worker' AS w, count(*) AS n FROM triage_results GROUP BY 1");
    const split = Object.fromEntries(byWorker.rows.map((r) => [r.w, Number(r.n)]));
    expect(split.w1).toBeGreaterThanOrEqual(w1Handled - WORKER_IN_FLIGHT);
    expect(split.w2).toBeGreaterThan(0);
    // Triage ran at least once per alert; twice only for alerts the killed worker held in flight.
    const runs = await db.query<{ alert_id: string; n: string }>('SELECT alert_id, count(*) AS n FROM triage_runs GROUP BY alert_id');
    expect(runs.rows.length).toBe(450);
    const rerun = runs.rows.filter((r) => Number(r.n) > 1);
    expect(rerun.length).toBeLessThanOrEqual(WORKER_IN_FLIGHT);
    for (const r of rerun) expect(Number(r.n)).toBe(2);
    const stopped = w2.lines.find((l) => l.startsWith('stopped '));
    expect(stopped).toBeDefined();
    const c2 = JSON.parse((stopped ?? 'stopped {}').slice(8)) as { alertsStored: number; alertsAlreadyStored: number };
    expect(c2.alertsStored).toBeGreaterThan(0);
    console.log(
      `multi-node: w1 handled ${w1Handled} before SIGKILL, results w1=${split.w1} w2=${split.w2}, triage re-runs after redelivery: ${rerun.length}`,
    );
  });
});
