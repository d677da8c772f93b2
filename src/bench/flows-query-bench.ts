// Flows-query benchmark (target: "flows involving address X in a window" answers within 100 ms at
// the 95th percentile with ten million flow records stored). It reads the triage benchmark's
// seeded week of flow records (bench-data.ts): the SQLite file under bench/out/ is built once and
// shared with that benchmark; on PostgreSQL the same records are loaded into a schema of their own
// (dropped afterwards, or kept with --pg-schema for repeated runs). Each query is the store's
// queryFlows with its default row limit, timed from the call to the rows in hand, one at a time.
// Query kinds: an internal client, one of the 20 most popular external servers, a miner-like client
// with its pool as the peer, and a popular server with one of its clients as the peer (picked from
// the server's flows before the clock starts); each over a 24 h window (ending in days 2 to 7) and
// over the whole week.
// Standalone: node dist/bench/flows-query-bench.js [--flows N] [--queries N]
//   [--stores sqlite,postgres] [--pg URL] [--pg-schema NAME] [--dir PATH] [--json]

import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlowRecord } from '../flows/types.js';
import { DAY_US } from '../store/common.js';
import { openStore } from '../store/index.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import type { FlowQuery, Store } from '../store/types.js';
import {
  BENCH_T0,
  BUILD_FLOW_BATCH,
  clientIp,
  figures,
  type Figures,
  FLOW_DAYS,
  flowRecords,
  flowStore,
  INTERNAL_CLIENTS,
  MINER_PAIRS,
  minerClientIp,
  poolIp,
  rng,
  serverIp,
} from './bench-data.js';
import { arg, isInvokedDirectly, storesArg } from './cli-args.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Target of issue 4. */
export const FLOWS_QUERY_P95_TARGET_MS = 100;
/** The popular servers asked about: the top POPULAR_SERVERS of the r³ popularity curve. */
const POPULAR_SERVERS = 20;

export interface FlowsQueryBenchOptions {
  flows?: number;
  /** Queries timed per kind. */
  queries?: number;
  stores?: ('sqlite' | 'postgres')[];
  pgUrl?: string;
  /** PostgreSQL schema to keep: loaded when it holds no flows, reused otherwise, never dropped. */
  pgSchema?: string;
  /** Folder of the cached SQLite data (bench/out by default). */
  dir?: string;
  log?: (line: string) => void;
}

export interface FlowsQueryBenchResult {
  store: 'sqlite' | 'postgres';
  flows: number;
  /** Seconds to build (or load) the flow records; 0 for a reused PostgreSQL schema. */
  buildSeconds: number;
  buildReused: boolean;
  byKind: Record<string, Figures & { meanRows: number }>;
  targetP95Ms: number;
  /** Kinds whose p95 is above the target. */
  failing: string[];
  loadAverage: number[];
}

/** One query kind: its next query, drawn with `r`; `store` may be read (untimed) to pick a peer. */
type Kind = (r: () => number, store: Store) => Promise<FlowQuery> | FlowQuery;

const END_US = BENCH_T0 + FLOW_DAYS * DAY_US;

/** A 24 h window ending somewhere in days 2..7, so the whole window holds stored flows. */
function window24h(r: () => number): { from_us: number; to_us: number } {
  const to = BENCH_T0 + DAY_US + Math.floor(r() * (FLOW_DAYS - 1) * DAY_US);
  return { from_us: to - DAY_US, to_us: to };
}
const WEEK = { from_us: BENCH_T0, to_us: END_US };

const popularServer = (r: () => number): string => serverIp(Math.floor(r() * POPULAR_SERVERS));
const minerPair = (r: () => number): { ip: string; peer: string } => {
  const m = Math.floor(r() * MINER_PAIRS);
  return { ip: minerClientIp(m), peer: poolIp(m) };
};

/** A popular server and one of its clients in the window (read from the store, before the clock starts). */
async function serverAndClient(r: () => number, store: Store, window: { from_us: number; to_us: number }): Promise<FlowQuery> {
  const ip = popularServer(r);
  const seen = await store.queryFlows({ ip, ...window, limit: 500 });
  const clients = seen.map((f) => (f.src_ip === ip ? f.dest_ip : f.src_ip));
  return { ip, peer: clients[Math.floor(r() * clients.length)] ?? clientIp(0), ...window };
}

export const FLOW_QUERY_KINDS: Record<string, Kind> = {
  host_24h: (r) => ({ ip: clientIp(Math.floor(r() * INTERNAL_CLIENTS)), ...window24h(r) }),
  host_7d: (r) => ({ ip: clientIp(Math.floor(r() * INTERNAL_CLIENTS)), ...WEEK }),
  server_24h: (r) => ({ ip: popularServer(r), ...window24h(r) }),
  server_7d: (r) => ({ ip: popularServer(r), ...WEEK }),
  host_peer_24h: (r) => ({ ...minerPair(r), ...window24h(r) }),
  host_peer_7d: (r) => ({ ...minerPair(r), ...WEEK }),
  server_peer_24h: (r, store) => serverAndClient(r, store, window24h(r)),
  server_peer_7d: (r, store) => serverAndClient(r, store, WEEK),
};

async function loadPostgres(store: Store, flows: number, log: (line: string) => void): Promise<void> {
  let batch: FlowRecord[] = [];
  let n = 0;
  for (const f of flowRecords(flows)) {
    batch.push(f);
    if (batch.length === BUILD_FLOW_BATCH) {
      await store.putFlows(batch);
      n += batch.length;
      batch = [];
      if (n % 1_000_000 === 0) log(`  postgres: ${n} flows`);
    }
  }
  if (batch.length > 0) await store.putFlows(batch);
  if (store instanceof PostgresStore) await store.optimize();
}

/** Whether the store already holds the benchmark's flows (the last miner reconnect of the week is there). */
async function holdsFlows(store: Store): Promise<boolean> {
  return (await store.queryFlows({ ip: minerClientIp(0), from_us: BENCH_T0, to_us: END_US, limit: 1 })).length > 0;
}

async function benchOne(kind: 'sqlite' | 'postgres', o: Required<Omit<FlowsQueryBenchOptions, 'pgSchema'>> & { pgSchema?: string }): Promise<FlowsQueryBenchResult> {
  const log = o.log;
  let store: Store;
  let buildSeconds: number;
  let buildReused = false;
  let cleanup: () => Promise<void> = async () => undefined;
  if (kind === 'sqlite') {
    const info = await flowStore(o.dir, o.flows, log);
    buildSeconds = info.buildSeconds ?? info.recordedBuildSeconds;
    buildReused = info.buildSeconds === null;
    log(`sqlite: ${info.path}, ${(info.bytes / 1e9).toFixed(2)} GB, ${buildReused ? `reused (built in ${buildSeconds} s)` : `built in ${buildSeconds} s`}`);
    store = await openStore(info.path);
  } else {
    const schema = o.pgSchema ?? `mw_flows_bench_${process.pid}`;
    if (o.pgSchema === undefined) {
      cleanup = async () => {
        const s = new PostgresStore(o.pgUrl, { schema });
        await s.dropSchema();
        await s.close();
      };
    }
    store = await openStore(o.pgUrl, { schema, poolSize: 2 });
    try {
      const t0 = process.hrtime.bigint();
      if (await holdsFlows(store)) {
        log(`postgres: reusing the flows of schema ${schema}`);
        buildSeconds = 0;
        buildReused = true;
      } else {
        log(`postgres: loading ${o.flows} flows into schema ${schema}...`);
        await loadPostgres(store, o.flows, log);
        buildSeconds = Math.round(Number(process.hrtime.bigint() - t0) / 1e7) / 100;
        log(`postgres: loaded in ${buildSeconds} s`);
      }
    } catch (err) {
      await store.close();
      await cleanup();
      throw err;
    }
  }
  try {
    const byKind: FlowsQueryBenchResult['byKind'] = {};
    for (const [name, make] of Object.entries(FLOW_QUERY_KINDS)) {
      const r = rng(17);
      // One untimed query first, so statement preparation is not in the figures.
      await store.queryFlows(await make(rng(3), store));
      const times: number[] = [];
      let rows = 0;
      for (let k = 0; k < o.queries; k++) {
        const q = await make(r, store);
        const t0 = process.hrtime.bigint();
        rows += (await store.queryFlows(q)).length;
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      byKind[name] = { ...figures(times), meanRows: Math.round(rows / o.queries) };
      log(`${kind}: ${name.padEnd(16)} ${JSON.stringify(byKind[name])}`);
    }
    const failing = Object.entries(byKind)
      .filter(([, f]) => f.p95Ms > FLOWS_QUERY_P95_TARGET_MS)
      .map(([n]) => n);
    return {
      store: kind,
      flows: o.flows,
      buildSeconds,
      buildReused,
      byKind,
      targetP95Ms: FLOWS_QUERY_P95_TARGET_MS,
      failing,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    };
  } finally {
    await store.close();
    await cleanup();
  }
}

export async function runFlowsQueryBench(opts: FlowsQueryBenchOptions = {}): Promise<FlowsQueryBenchResult[]> {
  const o = {
    flows: opts.flows ?? 10_000_000,
    queries: opts.queries ?? 40,
    stores: opts.stores ?? ['sqlite'],
    pgUrl: opts.pgUrl ?? 'postgres://postgres@127.0.0.1:5432/test',
    dir: opts.dir ?? path.join(ROOT, 'bench', 'out'),
    log: opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
    ...(opts.pgSchema !== undefined ? { pgSchema: opts.pgSchema } : {}),
  };
  const out: FlowsQueryBenchResult[] = [];
  for (const kind of o.stores) out.push(await benchOne(kind, o));
  return out;
}

export function flowsQueryTable(results: FlowsQueryBenchResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`flows query, ${r.store}, ${r.flows} flows stored (${r.buildReused ? 'reused store' : 'built'}, ${r.buildSeconds} s); load average ${r.loadAverage.join(' ')}`);
    for (const [name, f] of Object.entries(r.byKind)) {
      lines.push(
        `  ${name.padEnd(16)} n ${String(f.count).padStart(3)}  p50 ${String(f.p50Ms).padStart(7)} ms  p95 ${String(f.p95Ms).padStart(7)} ms  max ${String(f.maxMs).padStart(7)} ms  rows ${f.meanRows}${f.p95Ms > r.targetP95Ms ? '  over target' : ''}`,
      );
    }
    lines.push(`  target p95 <= ${r.targetP95Ms} ms per kind: ${r.failing.length === 0 ? 'PASS' : `FAIL (${r.failing.join(', ')})`}`);
  }
  return lines.join('\n');
}

const invokedDirectly = isInvokedDirectly(import.meta.url);
if (invokedDirectly) {
  const stores = storesArg();
  const flows = arg('flows');
  const queries = arg('queries');
  runFlowsQueryBench({
    ...(flows !== undefined ? { flows: Number(flows) } : {}),
    ...(queries !== undefined ? { queries: Number(queries) } : {}),
    ...(stores !== undefined ? { stores } : {}),
    ...(arg('pg') !== undefined ? { pgUrl: arg('pg') } : {}),
    ...(arg('pg-schema') !== undefined ? { pgSchema: arg('pg-schema') } : {}),
    ...(arg('dir') !== undefined ? { dir: arg('dir') } : {}),
  })
    .then((res) => {
      process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(res, null, 2)}\n` : `${flowsQueryTable(res)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`flows-query-bench: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    });
}
