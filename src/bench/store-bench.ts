// Store benchmark: flow ingest rate, the alert queue (first page, filtered pages, free-text search,
// a keyset next page) at a million alerts, and "flows involving address X in a 24 h window" at ten million flows, on
// SQLite and PostgreSQL. Data is generated from a seeded generator, so runs are comparable.
// Standalone: node dist/bench/store-bench.js [--flows N] [--alerts N] [--stores sqlite,postgres]
//   [--pg URL] [--dir PATH] [--queries N] [--json]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Alert } from '../alerts/types.js';
import { MINING_CATEGORY } from '../alerts/types.js';
import type { FlowRecord } from '../flows/types.js';
import { DAY_US } from '../store/common.js';
import { openStore } from '../store/index.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { AlertQuery, Store } from '../store/types.js';
import { arg, isInvokedDirectly, storesArg } from './cli-args.js';
import { mulberry32 as rng } from '../util/prng.js';

export interface StoreBenchOptions {
  flows?: number;
  alerts?: number;
  stores?: ('sqlite' | 'postgres')[];
  pgUrl?: string;
  /** Folder for the SQLite file (a temporary folder, removed afterwards, by default). */
  dir?: string;
  /** Repetitions of each query (p50/p95 over these). */
  queries?: number;
  /** Flows per putFlows call, as a collector batches them. */
  flowBatch?: number;
  log?: (line: string) => void;
}

export interface QueryFigures {
  p50Ms: number;
  p95Ms: number;
  meanRows: number;
}

export interface StoreBenchResult {
  store: 'sqlite' | 'postgres';
  flows: number;
  flowIngestPerSec: number;
  flowIngestPerCpuSec: number;
  flowBytesOnDisk: number | null;
  /** Time to drop the first day of flows whole, and how many went. */
  expireDayMs: number;
  expiredFlows: number;
  /** Time to delete the second day's finished flows row by row, and how many went. */
  trimDayMs: number;
  trimmedFlows: number;
  alerts: number;
  alertIngestPerSec: number;
  alertQueue: Record<string, QueryFigures>;
  flowQuery: Record<string, QueryFigures>;
}

/** Trace start: 2026-11-01T00:00:00Z. Flows spread over FLOW_DAYS days from here. */
const BENCH_T0 = 1_761_955_200_000_000;
const FLOW_DAYS = 7;
const INTERNAL_HOSTS = 5000;
const EXTERNAL_HOSTS = 200_000;
const SIGNATURES = 50;


function internalIp(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
function externalIp(n: number): string {
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
}

function flowAt(i: number, total: number, r: () => number): FlowRecord {
  const start = BENCH_T0 + Math.floor((i / total) * FLOW_DAYS * DAY_US) + Math.floor(r() * 1_000_000);
  // Mostly short flows, a few long ones (up to 6 h) as real traffic has.
  const dur = r() < 0.01 ? Math.floor(r() * 6 * 3600e6) : Math.floor(-Math.log(1 - r()) * 20e6);
  const host = Math.floor(r() * INTERNAL_HOSTS);
  const ext = Math.floor(Math.pow(r(), 2) * EXTERNAL_HOSTS);
  const outbound = r() < 0.8;
  return {
    flow_id: String(i),
    source: 'netflow9',
    observer: 'bench-exporter',
    src_ip: outbound ? internalIp(host) : externalIp(ext),
    src_port: outbound ? 32768 + Math.floor(r() * 28000) : 443,
    dest_ip: outbound ? externalIp(ext) : internalIp(host),
    dest_port: outbound ? [443, 80, 3333, 53, 14444][Math.floor(r() * 5)] ?? 443 : 32768 + Math.floor(r() * 28000),
    proto: 'TCP',
    start_us: start,
    end_us: start + dur,
    pkts_toserver: 1 + Math.floor(r() * 50),
    pkts_toclient: 1 + Math.floor(r() * 50),
    bytes_toserver: 60 + Math.floor(r() * 50_000),
    bytes_toclient: 60 + Math.floor(r() * 50_000),
    tcp_flags: 0x1b,
  };
}

function alertAt(i: number, total: number, r: () => number): Alert {
  const ts = BENCH_T0 + Math.floor((i / total) * 30 * DAY_US) + Math.floor(r() * 1000);
  const sig = Math.floor(r() * SIGNATURES);
  const host = Math.floor(r() * INTERNAL_HOSTS);
  const ext = Math.floor(r() * EXTERNAL_HOSTS);
  return {
    id: `bench-${i.toString(36).padStart(8, '0')}`,
    source: r() < 0.7 ? 'panos' : 'sensor',
    ts_us: ts,
    src_ip: internalIp(host),
    src_port: 32768 + Math.floor(r() * 28000),
    dest_ip: externalIp(ext),
    dest_port: 3333,
    proto: 'TCP',
    app_proto: 'stratum',
    alert: {
      action: 'allowed',
      gid: 1,
      signature_id: 9_100_000 + sig,
      rev: 1,
      signature: `MINERWATCH mining signature ${sig}`,
      category: MINING_CATEGORY,
      severity: (1 + (sig % 3)) as 1 | 2 | 3,
    },
    confidence: 0.5 + r() * 0.5,
    explanation: `Host ${internalIp(host)} spoke stratum to ${externalIp(ext)}`,
    rules: ['stratum.login'],
    evidence: { stratum: { method: 'login', agent: 'XMRig/6.21.0', wallet: '4'.padEnd(95, 'A') } },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? 0;
}

async function timeQueries(n: number, run: (k: number) => Promise<number>): Promise<QueryFigures> {
  const times: number[] = [];
  let rows = 0;
  // One warm-up so the first figure is not a cold statement cache.
  await run(-1);
  for (let k = 0; k < n; k++) {
    const t = process.hrtime.bigint();
    rows += await run(k);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return { p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), meanRows: Math.round(rows / n) };
}

/** Planner statistics after the bulk load, as a deployment has them once autovacuum or close ran. */
async function optimize(store: Store): Promise<void> {
  if (store instanceof SqliteStore || store instanceof PostgresStore) await store.optimize();
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const f of fs.readdirSync(dir)) total += fs.statSync(path.join(dir, f)).size;
  return total;
}

async function benchOne(kind: 'sqlite' | 'postgres', opts: Required<Omit<StoreBenchOptions, 'dir'>> & { dir?: string }): Promise<StoreBenchResult> {
  const log = opts.log;
  let store: Store;
  let cleanup: () => Promise<void>;
  let sqliteDir: string | undefined;
  if (kind === 'sqlite') {
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-'));
    sqliteDir = fs.mkdtempSync(path.join(dir, 'store-'));
    store = await openStore(path.join(sqliteDir, 'bench.db'));
    const d = sqliteDir;
    cleanup = async () => fs.rmSync(opts.dir === undefined ? dir : d, { recursive: true, force: true });
  } else {
    const schema = `mw_bench_${process.pid}_${Date.now().toString(36)}`;
    store = await openStore(opts.pgUrl, { schema, poolSize: 2 });
    cleanup = async () => {
      const s = new PostgresStore(opts.pgUrl, { schema });
      await s.dropSchema();
      await s.close();
    };
  }
  try {
    // Flow ingest.
    const r = rng(42);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let batch: FlowRecord[] = [];
    for (let i = 0; i < opts.flows; i++) {
      batch.push(flowAt(i, opts.flows, r));
      if (batch.length === opts.flowBatch) {
        await store.putFlows(batch);
        batch = [];
        if ((i + 1) % 1_000_000 === 0) log(`${kind}: ${i + 1} flows`);
      }
    }
    if (batch.length > 0) await store.putFlows(batch);
    const flowSecs = Number(process.hrtime.bigint() - t0) / 1e9;
    const flowIngestPerSec = Math.round(opts.flows / flowSecs);
    const cpu = process.cpuUsage(cpu0);
    // Flows per second of this process's CPU time: for SQLite the whole cost of ingest (the work is
    // in-process), for PostgreSQL only the client's share. Comparable across loaded machines.
    const flowIngestPerCpuSec = Math.round(opts.flows / ((cpu.user + cpu.system) / 1e6));
    log(`${kind}: flow ingest ${flowIngestPerSec}/s wall, ${flowIngestPerCpuSec}/s of client CPU`);
    await optimize(store);

    // Flows involving an address over the last 24 h of the trace.
    const qr = rng(7);
    const end = BENCH_T0 + FLOW_DAYS * DAY_US;
    const flowQuery: Record<string, QueryFigures> = {};
    flowQuery.internal_host_24h = await timeQueries(opts.queries, async () => {
      const ip = internalIp(Math.floor(qr() * INTERNAL_HOSTS));
      const at = end - Math.floor(qr() * 5 * DAY_US);
      return (await store.queryFlows({ ip, from_us: at - DAY_US, to_us: at })).length;
    });
    flowQuery.external_host_24h = await timeQueries(opts.queries, async () => {
      // Popular destinations: the square in the generator makes low numbers frequent.
      const ip = externalIp(Math.floor(Math.pow(qr(), 2) * 2000));
      const at = end - Math.floor(qr() * 5 * DAY_US);
      return (await store.queryFlows({ ip, from_us: at - DAY_US, to_us: at })).length;
    });
    flowQuery.host_peer_7d = await timeQueries(opts.queries, async () => {
      const ip = internalIp(Math.floor(qr() * INTERNAL_HOSTS));
      const peer = externalIp(Math.floor(Math.pow(qr(), 2) * 50));
      return (await store.queryFlows({ ip, peer, from_us: BENCH_T0, to_us: end })).length;
    });
    log(`${kind}: flow queries ${JSON.stringify(flowQuery)}`);

    // Retention: drop the first day of the trace whole (its flows all ended before the cut), then
    // trim the second day row by row, to show what the whole-day path saves.
    const e0 = process.hrtime.bigint();
    const expiredFlows = await store.expireFlows(BENCH_T0 + 2 * DAY_US, { wholeDaysOnly: true });
    const expireDayMs = Math.round(Number(process.hrtime.bigint() - e0) / 1e6);
    const e1 = process.hrtime.bigint();
    const trimmedFlows = await store.expireFlows(BENCH_T0 + 2 * DAY_US);
    const trimDayMs = Math.round(Number(process.hrtime.bigint() - e1) / 1e6);
    log(`${kind}: dropped ${expiredFlows} flows of day one in ${expireDayMs} ms; deleted ${trimmedFlows} of day two row by row in ${trimDayMs} ms`);

    // Alerts.
    const ar = rng(99);
    const a0 = process.hrtime.bigint();
    let abatch: Alert[] = [];
    for (let i = 0; i < opts.alerts; i++) {
      abatch.push(alertAt(i, opts.alerts, ar));
      if (abatch.length === 1000) {
        await store.putAlerts(abatch, BENCH_T0);
        abatch = [];
      }
    }
    if (abatch.length > 0) await store.putAlerts(abatch, BENCH_T0);
    const alertIngestPerSec = Math.round(opts.alerts / (Number(process.hrtime.bigint() - a0) / 1e9));
    log(`${kind}: alert ingest ${alertIngestPerSec}/s`);
    // Workflow states: most old alerts closed, recent ones new or in progress.
    const page = await store.listAlerts({ limit: Math.min(5000, opts.alerts) });
    for (const [k, a] of page.entries()) await store.updateAlert(a.id, { status: k % 3 === 0 ? 'in_progress' : 'closed' });

    await optimize(store);
    await optimize(store);
    const alertQueue: Record<string, QueryFigures> = {};
    const q = async (query: AlertQuery): Promise<number> => (await store.listAlerts(query)).length;
    alertQueue.first_page_newest = await timeQueries(opts.queries, () => q({ limit: 50 }));
    alertQueue.status_new_page = await timeQueries(opts.queries, () => q({ limit: 50, status: 'new' }));
    alertQueue.status_in_progress_page = await timeQueries(opts.queries, () => q({ limit: 50, status: 'in_progress' }));
    alertQueue.signature_page = await timeQueries(opts.queries, (k) => q({ limit: 50, signature_id: 9_100_000 + (Math.abs(k) % SIGNATURES) }));
    alertQueue.signature_severity_source_page = await timeQueries(opts.queries, (k) =>
      q({ limit: 50, signature_id: 9_100_000 + (Math.abs(k) % SIGNATURES), severity: 1 + ((Math.abs(k) % SIGNATURES) % 3), source: 'sensor' }),
    );
    alertQueue.ip_page = await timeQueries(opts.queries, (k) => q({ limit: 50, ip: internalIp((Math.abs(k) * 37) % INTERNAL_HOSTS) }));
    const first = await store.listAlerts({ limit: 50 });
    const last = first[first.length - 1];
    alertQueue.keyset_next_page = await timeQueries(opts.queries, () =>
      q({ limit: 50, ...(last ? { after: { ts_us: last.ts_us, id: last.id } } : {}) }),
    );
    // Free text (`q=` of the queue): a common signature word (a fifth of the alerts), a rare one
    // (an external host as the explanation names it: a handful of alerts), one no alert holds (the
    // whole table for a scan), and a two-character term (below the trigram index: the LIKE scan).
    alertQueue.text_common_page = await timeQueries(opts.queries, (k) => q({ limit: 50, text: `mining signature ${1 + (Math.abs(k) % 4)}` }));
    alertQueue.text_rare_page = await timeQueries(opts.queries, (k) => q({ limit: 50, text: `stratum to ${externalIp((Math.abs(k) * 7919) % EXTERNAL_HOSTS)}` }));
    alertQueue.text_absent_page = await timeQueries(opts.queries, (k) => q({ limit: 50, text: ['kryptex', 'herominers', 'nanopool'][Math.abs(k) % 3]! }));
    alertQueue.text_short_page = await timeQueries(opts.queries, (k) => q({ limit: 50, text: ['rx', '14', 'ng'][Math.abs(k) % 3]! }));
    alertQueue.count_status_new = await timeQueries(Math.max(3, Math.floor(opts.queries / 10)), async () => store.countAlerts({ status: 'new' }));
    log(`${kind}: alert queue ${JSON.stringify(alertQueue)}`);

    const flowBytesOnDisk = sqliteDir !== undefined ? dirBytes(sqliteDir) : null;
    return { store: kind, flows: opts.flows, flowIngestPerSec, flowIngestPerCpuSec, flowBytesOnDisk, expireDayMs, expiredFlows, trimDayMs, trimmedFlows, alerts: opts.alerts, alertIngestPerSec, alertQueue, flowQuery };
  } finally {
    await store.close();
    await cleanup();
  }
}

export async function runStoreBench(opts: StoreBenchOptions = {}): Promise<StoreBenchResult[]> {
  const full = {
    flows: opts.flows ?? 10_000_000,
    alerts: opts.alerts ?? 1_000_000,
    stores: opts.stores ?? ['sqlite', 'postgres'],
    pgUrl: opts.pgUrl ?? 'postgres://postgres@127.0.0.1:5432/test',
    queries: opts.queries ?? 200,
    flowBatch: opts.flowBatch ?? 5000,
    log: opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
    ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
  };
  const out: StoreBenchResult[] = [];
  for (const kind of full.stores) out.push(await benchOne(kind, full));
  return out;
}

function table(results: StoreBenchResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `${r.store}: ${r.flows} flows ingested at ${r.flowIngestPerSec}/s (${r.flowIngestPerCpuSec}/s of client CPU); ${r.alerts} alerts at ${r.alertIngestPerSec}/s`,
    );
    if (r.flowBytesOnDisk !== null) lines.push(`  file size ${(r.flowBytesOnDisk / 1e9).toFixed(2)} GB`);
    lines.push(`  dropped one day (${r.expiredFlows} flows) in ${r.expireDayMs} ms; row-by-row delete of ${r.trimmedFlows} in ${r.trimDayMs} ms`);
    for (const [name, f] of [...Object.entries(r.flowQuery), ...Object.entries(r.alertQueue)]) {
      lines.push(`  ${name.padEnd(32)} p50 ${String(f.p50Ms).padStart(8)} ms  p95 ${String(f.p95Ms).padStart(8)} ms  rows ${f.meanRows}`);
    }
  }
  return lines.join('\n');
}

const invokedDirectly = isInvokedDirectly(import.meta.url);
if (invokedDirectly) {
  const stores = storesArg();
  const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
  runStoreBench({
    ...(num(arg('flows')) !== undefined ? { flows: num(arg('flows')) } : {}),
    ...(num(arg('alerts')) !== undefined ? { alerts: num(arg('alerts')) } : {}),
    ...(num(arg('queries')) !== undefined ? { queries: num(arg('queries')) } : {}),
    ...(stores !== undefined ? { stores } : {}),
    ...(arg('pg') !== undefined ? { pgUrl: arg('pg') } : {}),
    ...(arg('dir') !== undefined ? { dir: arg('dir') } : {}),
  })
    .then((res) => {
      process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(res, null, 2)}\n` : `${table(res)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`store-bench: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    });
}
