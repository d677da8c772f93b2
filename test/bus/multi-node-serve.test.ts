// Scale-out with the real product on this machine: two `minerwatch serve --role sensor` processes
// replay corpus captures through the sensor and publish to JetStream; two `serve --role worker`
// processes store and triage into one PostgreSQL schema. One worker is killed with SIGKILL while
// alerts are flowing. Every alert the sensor raises on those captures (counted beforehand with
// `minerwatch scan`) must end stored once and triaged once, nothing lost.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsBus } from '../../src/bus/nats.js';
import { ALERT_WORKERS_DURABLE } from '../../src/bus/roles.js';
import { PostgresStore } from '../../src/store/index.js';
import { waitFor } from './contract.js';

const PG = process.env.MINERWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS = `nats://${process.env.MINERWATCH_TEST_NATS ?? '127.0.0.1:4222'}`;
const CLI = new URL('../../bin/minerwatch', import.meta.url).pathname;
const CORPUS = new URL('../../../shared/corpus/nesfit/', import.meta.url).pathname;
const CAPTURES = [`${CORPUS}cgminer.s2.pcapng`, `${CORPUS}cgminer.g0.pcapng`];
const BUS_MB = '64';

interface Child {
  proc: ChildProcess;
  out: string[];
  exit: Promise<number | string | null>;
}

function serve(args: string[]): Child {
  const proc = spawn(process.execPath, [CLI, 'serve', '--http', '127.0.0.1:0', '--no-netflow', '--no-ipfix', '--no-syslog', '--no-sample', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  proc.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  proc.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
  const exit = new Promise<number | string | null>((resolve) => proc.on('exit', (code, sig) => resolve(sig ?? code)));
  return { proc, out, exit };
}

/** The alert ids `scan` raises on a capture: the ground truth the cluster must store. */
function alertIds(capture: string): string[] {
  const r = spawnSync(process.execPath, [CLI, 'scan', capture, '--format', 'eve'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  expect(r.status).toBe(0);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { alert: { metadata: { alert_id: string[] } } }).alert.metadata.alert_id[0]!);
}

describe('sensors and workers of serve over NATS JetStream and PostgreSQL', () => {
  const schema = `mw_serve_${randomBytes(5).toString('hex')}`;
  const prefix = `mwserve${randomBytes(4).toString('hex')}`;
  const db = `${PG}?schema=${schema}`;
  const children: Child[] = [];
  let pool: pg.Pool;
  let bus: NatsBus;
  let expected: Set<string>;

  beforeAll(async () => {
    expected = new Set(CAPTURES.flatMap(alertIds));
    pool = new pg.Pool({ connectionString: PG, max: 2, options: `-c search_path=${schema}` });
    bus = await NatsBus.connect({ servers: NATS, prefix, maxBytes: Number(BUS_MB) * 1024 * 1024 });
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await bus?.deleteStreams();
    await bus?.close();
    await pool?.end();
    const s = new PostgresStore(PG, { schema });
    await s.dropSchema();
    await s.close();
  });

  it('stores and triages every alert exactly once although a worker is killed', async () => {
    const busArgs = ['--bus', NATS, '--bus-prefix', prefix, '--bus-max-mb', BUS_MB];
    const worker = () => serve(['--role', 'worker', '--db', db, ...busArgs]);
    const w1 = worker();
    const w2 = worker();
    children.push(w1, w2);
    await waitFor(() => [w1, w2].every((w) => w.out.join('').includes('Role worker')), 60_000, 'workers ready');

    const sensors = CAPTURES.map((c) => serve(['--role', 'sensor', '--replay', c, ...busArgs]));
    children.push(...sensors);
    const count = async (table: string): Promise<number> => {
      try {
        return Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
      } catch {
        return 0; // the schema is created by the first worker's migration
      }
    };
    // Kill one worker once part of the work is done.
    await waitFor(async () => (await count('triage_results')) >= expected.size / 4, 120_000, 'a quarter of the alerts triaged');
    w1.proc.kill('SIGKILL');
    expect(await w1.exit).toBe('SIGKILL');

    await waitFor(
      async () => (await count('triage_results')) === expected.size && (await bus.backlog('alerts', ALERT_WORKERS_DURABLE)) === 0,
      240_000,
      'every alert triaged and acknowledged',
    );
    for (const s of sensors) s.proc.kill('SIGTERM');
    w2.proc.kill('SIGTERM');
    expect(await w2.exit).toBe(0);

    const stored = (await pool.query<{ id: string; triage_verdict: string | null }>('SELECT id, triage_verdict FROM alerts')).rows;
    expect(stored.length).toBe(expected.size);
    expect(new Set(stored.map((r) => r.id))).toEqual(expected);
    expect(stored.filter((r) => r.triage_verdict === null)).toEqual([]);
    const tr = (await pool.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT alert_id) AS d FROM triage_results')).rows[0]!;
    expect([Number(tr.n), Number(tr.d)]).toEqual([expected.size, expected.size]);
    // The sensors' flow records arrived too, each once.
    const flows = (await pool.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT (flow_id, source, start_us)) AS d FROM flows')).rows[0]!;
    expect(Number(flows.n)).toBeGreaterThan(0);
    expect(Number(flows.n)).toBe(Number(flows.d));
    console.log(`multi-node serve: ${expected.size} alerts from 2 sensors, ${flows.n} flows, stored and triaged once each after SIGKILL of a worker`);
  }, 480_000);
});
