// Triage benchmark (target: an alert is completely triaged within 2 s at the 95th percentile with
// ten million flow records stored). A week of seeded flow records is built once into a SQLite file
// under bench/out/ (or loaded into a PostgreSQL schema of its own, dropped afterwards); the real
// runtime (Runtime.open: store, ASN data, hosting list, capture sources, the six actions) then
// takes alerts one at a time, and each is timed from the moment it is handed over for storing to
// the moment its triage report is stored. The alert mix covers destinations with many flow
// records, few and none, with and without the alert's packets in the capture store (the lab's
// XMRig capture).
// Standalone: node dist/bench/triage-bench.js [--flows N] [--alerts N] [--stores sqlite,postgres]
//   [--pg URL] [--dir PATH] [--json]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Alert } from '../alerts/types.js';
import { MINING_CATEGORY } from '../alerts/types.js';
import { Runtime } from '../app/runtime.js';
import type { FlowRecord } from '../flows/types.js';
import { DAY_US } from '../store/common.js';
import { openStore } from '../store/index.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import type { TriageReport } from '../triage/types.js';
import { systemClock } from '../util/clock.js';
import { BENCH_T0, BUILD_FLOW_BATCH, figures, type Figures, FLOW_DAYS, flowRecords, flowStore, minerClientIp, MINER_PAIRS, poolIp, rng, serverIp, clientIp, INTERNAL_CLIENTS } from './bench-data.js';
import { arg, isInvokedDirectly, storesArg } from './cli-args.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The lab capture of a real XMRig session: 10.1.2.3:57054 -> 203.0.113.21:3333. */
const LAB_CAPTURE = path.join(ROOT, 'test', 'fixtures', 'lab', 'xmrig-plain', 'capture.pcap');
const LAB_CLIENT = { ip: '10.1.2.3', port: 57054 };
const LAB_POOL = { ip: '203.0.113.21', port: 3333 };
/** Target of issue 6. */
export const TRIAGE_P95_TARGET_MS = 2000;

export type AlertKind = 'miner_with_capture' | 'miner_no_capture' | 'popular_server' | 'rare_server' | 'unseen_server';
const KINDS: readonly AlertKind[] = ['miner_with_capture', 'miner_no_capture', 'popular_server', 'rare_server', 'unseen_server'];

export interface TriageBenchOptions {
  flows?: number;
  /** Alerts timed (spread evenly over the kinds). */
  alerts?: number;
  stores?: ('sqlite' | 'postgres')[];
  pgUrl?: string;
  /** Folder of the cached SQLite data (bench/out by default). */
  dir?: string;
  log?: (line: string) => void;
}

export interface TriageBenchResult {
  store: 'sqlite' | 'postgres';
  flows: number;
  /** Seconds to build (or load) the flow records; for a reused SQLite file, the recorded build time. */
  buildSeconds: number;
  buildReused: boolean;
  /** First triage after start (loads the ASN tables), not counted in the figures. */
  warmupMs: number;
  overall: Figures;
  /** This process's CPU time per alert: what the figures would be on an idle machine, roughly. */
  cpu: Figures;
  byKind: Record<string, Figures & { meanFlowsRead: number; verdicts: Record<string, number> }>;
  /** Each action's own time over every timed alert. */
  byAction: Record<string, Figures>;
  targetP95Ms: number;
  pass: boolean;
  loadAverage: number[];
}

/** Alert k of the timed set: its kind cycles so every kind is spread over the whole trace. */
function benchAlert(k: number, nonce: string, r: () => number): { kind: AlertKind; alert: Alert } {
  const kind = KINDS[k % KINDS.length]!;
  // Alerts fall in days 2..6 of the week, so the whole ±24 h flow window holds stored flows.
  const ts = BENCH_T0 + DAY_US + Math.floor(r() * (FLOW_DAYS - 2) * DAY_US);
  let src = clientIp(Math.floor(r() * INTERNAL_CLIENTS));
  let srcPort = 32768 + Math.floor(r() * 28000);
  let dst: string;
  let dstPort = 3333;
  if (kind === 'miner_with_capture') {
    src = LAB_CLIENT.ip;
    srcPort = LAB_CLIENT.port;
    dst = LAB_POOL.ip;
    dstPort = LAB_POOL.port;
  } else if (kind === 'miner_no_capture') {
    const m = 1 + Math.floor(r() * (MINER_PAIRS - 1));
    src = minerClientIp(m);
    dst = poolIp(m);
  } else if (kind === 'popular_server') {
    // The three most popular servers: tens of thousands of flow records in the window.
    dst = serverIp(Math.floor(r() * 3));
    dstPort = 443;
  } else if (kind === 'rare_server') {
    dst = serverIp(200_000 + Math.floor(r() * 100_000));
  } else {
    dst = `198.51.100.${1 + Math.floor(r() * 250)}`;
  }
  const alert: Alert = {
    id: `triage-bench-${nonce}-${k}`,
    source: 'sensor',
    ts_us: ts,
    src_ip: src,
    src_port: srcPort,
    dest_ip: dst,
    dest_port: dstPort,
    proto: 'TCP',
    app_proto: 'stratum',
    alert: { action: 'allowed', gid: 1, signature_id: 9_100_001, rev: 1, signature: 'MINERWATCH stratum login from internal host (XMRig)', category: MINING_CATEGORY, severity: 1 },
    confidence: 0.95,
    explanation: `Host ${src} logged in to a stratum pool at ${dst}:${dstPort}`,
    rules: ['stratum.login'],
    evidence: { stratum: { method: 'login', agent: 'XMRig/6.21.0' } },
  };
  return { kind, alert };
}

/** A capture store holding the lab capture, dated at the end of the trace so every alert may look in it. */
function captureStore(dir: string): string {
  const d = path.join(dir, 'triage-captures');
  fs.mkdirSync(d, { recursive: true });
  const f = path.join(d, 'xmrig-plain.pcap');
  fs.copyFileSync(LAB_CAPTURE, f);
  const endS = (BENCH_T0 + FLOW_DAYS * DAY_US) / 1e6;
  fs.utimesSync(f, endS, endS);
  return d;
}

async function loadPostgres(pgUrl: string, schema: string, flows: number, log: (l: string) => void): Promise<number> {
  const store = await openStore(pgUrl, { schema, poolSize: 2 });
  const t0 = process.hrtime.bigint();
  try {
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
  } finally {
    await store.close();
  }
  return Math.round(Number(process.hrtime.bigint() - t0) / 1e7) / 100;
}

async function benchOne(kind: 'sqlite' | 'postgres', o: Required<TriageBenchOptions>): Promise<TriageBenchResult> {
  const log = o.log;
  let db: string;
  let buildSeconds: number;
  let buildReused = false;
  let cleanup: () => Promise<void> = async () => undefined;
  if (kind === 'sqlite') {
    const info = await flowStore(o.dir, o.flows, log);
    db = info.path;
    buildSeconds = info.buildSeconds ?? info.recordedBuildSeconds;
    buildReused = info.buildSeconds === null;
    log(`sqlite: ${info.path}, ${(info.bytes / 1e9).toFixed(2)} GB, ${buildReused ? `reused (built in ${buildSeconds} s)` : `built in ${buildSeconds} s`}`);
  } else {
    const schema = `mw_triage_bench_${process.pid}`;
    log(`postgres: loading ${o.flows} flows into schema ${schema}...`);
    cleanup = async () => {
      const s = new PostgresStore(o.pgUrl, { schema });
      await s.dropSchema();
      await s.close();
    };
    try {
      buildSeconds = await loadPostgres(o.pgUrl, schema, o.flows, log);
    } catch (err) {
      await cleanup();
      throw err;
    }
    log(`postgres: loaded in ${buildSeconds} s`);
    const u = new URL(o.pgUrl);
    u.searchParams.set('schema', schema);
    db = u.toString();
  }
  const alertPcapDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-triage-bench-'));
  const runtime = await Runtime.open({ db, alertPcapDir, captureStoreDir: captureStore(o.dir) }, systemClock);
  try {
    const nonce = `${process.pid.toString(36)}${Date.now().toString(36)}`;
    const r = rng(6);
    const timeOne = async (alert: Alert): Promise<{ ms: number; cpuMs: number; report: TriageReport }> => {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await runtime.acceptAlerts([alert]);
      await runtime.idle();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const c = process.cpuUsage(c0);
      const cpuMs = (c.user + c.system) / 1000;
      const row = await runtime.store.getTriage(alert.id);
      if (!row) throw new Error(`no triage stored for ${alert.id}`);
      return { ms, cpuMs, report: row.report as unknown as TriageReport };
    };
    const warm = await timeOne(benchAlert(0, `${nonce}w`, rng(5)).alert);
    log(`${kind}: warm-up triage ${warm.ms.toFixed(0)} ms`);
    const all: number[] = [];
    const allCpu: number[] = [];
    const perKind = new Map<AlertKind, { times: number[]; flows: number[]; verdicts: Record<string, number> }>();
    const perAction = new Map<string, number[]>();
    for (let k = 0; k < o.alerts; k++) {
      const { kind: ak, alert } = benchAlert(k, nonce, r);
      const { ms, cpuMs, report } = await timeOne(alert);
      all.push(ms);
      allCpu.push(cpuMs);
      const e = perKind.get(ak) ?? { times: [], flows: [], verdicts: {} };
      e.times.push(ms);
      const flowsEv = report.actions.find((a) => a.action === 'flows')?.evidence as { flows?: number } | undefined;
      e.flows.push(flowsEv?.flows ?? 0);
      e.verdicts[report.verdict] = (e.verdicts[report.verdict] ?? 0) + 1;
      perKind.set(ak, e);
      for (const a of report.actions) {
        const list = perAction.get(a.action) ?? [];
        list.push(a.duration_ms);
        perAction.set(a.action, list);
      }
    }
    const overall = figures(all);
    const byKind: TriageBenchResult['byKind'] = {};
    for (const [ak, e] of perKind) {
      byKind[ak] = { ...figures(e.times), meanFlowsRead: Math.round(e.flows.reduce((s, x) => s + x, 0) / e.flows.length), verdicts: e.verdicts };
    }
    const byAction: Record<string, Figures> = {};
    for (const [a, t] of perAction) byAction[a] = figures(t);
    return {
      store: kind,
      flows: o.flows,
      buildSeconds,
      buildReused,
      warmupMs: Math.round(warm.ms),
      overall,
      cpu: figures(allCpu),
      byKind,
      byAction,
      targetP95Ms: TRIAGE_P95_TARGET_MS,
      pass: overall.p95Ms <= TRIAGE_P95_TARGET_MS,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    };
  } finally {
    await runtime.close();
    fs.rmSync(alertPcapDir, { recursive: true, force: true });
    await cleanup();
  }
}

export async function runTriageBench(opts: TriageBenchOptions = {}): Promise<TriageBenchResult[]> {
  const o: Required<TriageBenchOptions> = {
    flows: opts.flows ?? 10_000_000,
    alerts: opts.alerts ?? 50,
    stores: opts.stores ?? ['sqlite'],
    pgUrl: opts.pgUrl ?? 'postgres://postgres@127.0.0.1:5432/test',
    dir: opts.dir ?? path.join(ROOT, 'bench', 'out'),
    log: opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
  };
  const out: TriageBenchResult[] = [];
  for (const kind of o.stores) out.push(await benchOne(kind, o));
  return out;
}

export function triageTable(results: TriageBenchResult[]): string {
  const lines: string[] = [];
  const row = (name: string, f: Figures, extra = ''): string =>
    `  ${name.padEnd(22)} n ${String(f.count).padStart(3)}  p50 ${String(f.p50Ms).padStart(8)} ms  p95 ${String(f.p95Ms).padStart(8)} ms  max ${String(f.maxMs).padStart(8)} ms${extra}`;
  for (const r of results) {
    lines.push(`triage, ${r.store}, ${r.flows} flows stored (${r.buildReused ? 'reused store, built' : 'built'} in ${r.buildSeconds} s); warm-up ${r.warmupMs} ms; load average ${r.loadAverage.join(' ')}`);
    lines.push(row('all alerts', r.overall, `   target p95 <= ${r.targetP95Ms} ms: ${r.pass ? 'PASS' : 'FAIL'}`));
    lines.push(row('all alerts, CPU time', r.cpu));
    for (const [k, f] of Object.entries(r.byKind)) lines.push(row(k, f, `  flows read ${f.meanFlowsRead}  ${JSON.stringify(f.verdicts)}`));
    lines.push('  per action:');
    for (const [k, f] of Object.entries(r.byAction)) lines.push(row(`  ${k}`, f));
  }
  return lines.join('\n');
}

const invokedDirectly = isInvokedDirectly(import.meta.url);
if (invokedDirectly) {
  const stores = storesArg();
  const flows = arg('flows');
  const alerts = arg('alerts');
  runTriageBench({
    ...(flows !== undefined ? { flows: Number(flows) } : {}),
    ...(alerts !== undefined ? { alerts: Number(alerts) } : {}),
    ...(stores !== undefined ? { stores } : {}),
    ...(arg('pg') !== undefined ? { pgUrl: arg('pg') } : {}),
    ...(arg('dir') !== undefined ? { dir: arg('dir') } : {}),
  })
    .then((res) => {
      process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(res, null, 2)}\n` : `${triageTable(res)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`triage-bench: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    });
}
