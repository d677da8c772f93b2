// Seeded data for the triage and alert-queue benchmarks: a week of flow records of a network with
// many internal clients, a long tail of external servers (a few very popular ones), internal
// services, inbound connections, and a few miner-like pairs that reconnect to their pool at a
// regular interval; and a million alerts of mixed sources, signatures and workflow states. Each
// data set is built once into a SQLite file under bench/out/ and reused while its manifest matches.

import fs from 'node:fs';
import path from 'node:path';
import type { Alert, AlertSource } from '../alerts/types.js';
import { MINING_CATEGORY } from '../alerts/types.js';
import type { FlowRecord } from '../flows/types.js';
import { DAY_US } from '../store/common.js';
import { openStore } from '../store/index.js';
import type { AlertStatus, Store } from '../store/types.js';
import { mulberry32 } from '../util/prng.js';

/** Trace start: 2026-11-01T00:00:00Z. */
export const BENCH_T0 = 1_761_955_200_000_000;
export const FLOW_DAYS = 7;
export const INTERNAL_CLIENTS = 20_000;
export const EXTERNAL_SERVERS = 500_000;
export const INTERNAL_SERVERS = 200;
/** Miner-like pairs: client i reconnects to pool i every MINER_INTERVAL_US (with jitter). */
export const MINER_PAIRS = 20;
export const MINER_INTERVAL_US = 600_000_000;
/** Flows per putFlows call while building. */
export const BUILD_FLOW_BATCH = 20_000;
/** Alerts per putAlerts call while building. */
export const BUILD_ALERT_BATCH = 5000;

/** Seeded numbers in [0, 1) (mulberry32): the same seed gives the same data on every run. */
export const rng = mulberry32;

/** Internal client n: 10.16.0.0/12-style addresses, 10.(16+n/65536).x.y. */
export function clientIp(n: number): string {
  return `10.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
}
/** Internal servers (DNS, proxies, file shares) in 10.0.0.0/16. */
export function internalServerIp(n: number): string {
  return `10.0.${(n >> 8) & 255}.${1 + (n & 127)}`;
}
/** External server n (n = 0 is the most popular); spread over several /8s outside the private ranges. */
export function serverIp(n: number): string {
  const firsts = [23, 34, 52, 104, 142, 151, 185, 198];
  return `${firsts[n & 7] ?? 23}.${(n >> 3) & 255}.${(n >> 11) & 255}.${1 + ((n >> 19) & 127)}`;
}
/** Pool i of the miner pairs (documentation range, as the lab capture's pool 203.0.113.21). */
export function poolIp(i: number): string {
  return `203.0.113.${21 + i}`;
}
/** Client of miner pair i; pair 0 is the lab capture's client 10.1.2.3. */
export function minerClientIp(i: number): string {
  return i === 0 ? '10.1.2.3' : `10.1.2.${3 + i}`;
}

const SERVER_PORTS = [443, 443, 443, 443, 80, 80, 53, 123, 993, 8080];

/**
 * The flow generator: flows in start-time order over FLOW_DAYS days, `total` in all (the miner
 * pairs' reconnects included). Server popularity follows r^3 over EXTERNAL_SERVERS, so the most
 * popular server carries about 1.3 % of the flows and most are seen a handful of times.
 */
export function* flowRecords(total: number, seed = 1): Generator<FlowRecord> {
  const r = rng(seed);
  const span = FLOW_DAYS * DAY_US;
  // The miner pairs' next reconnect time, merged into the stream in time order.
  const minerNext: number[] = [];
  for (let i = 0; i < MINER_PAIRS; i++) minerNext.push(BENCH_T0 + Math.floor(r() * MINER_INTERVAL_US));
  const minerFlows = MINER_PAIRS * Math.floor(span / MINER_INTERVAL_US);
  const background = Math.max(0, total - minerFlows);
  let emitted = 0;
  let minerSeq = 0;
  for (let i = 0; i < background && emitted < total; i++) {
    const start = BENCH_T0 + Math.floor((i / background) * span) + Math.floor(r() * 1_000_000);
    for (let m = 0; m < MINER_PAIRS && emitted < total; m++) {
      const at = minerNext[m] ?? Infinity;
      if (at > start) continue;
      // A miner's connection lasts until the next reconnect or less; bytes are small and regular.
      const dur = Math.floor(MINER_INTERVAL_US * (0.5 + r() * 0.45));
      yield {
        flow_id: `m${minerSeq++}`,
        source: 'netflow9',
        observer: 'bench-exporter',
        src_ip: minerClientIp(m),
        src_port: 40000 + Math.floor(r() * 20000),
        dest_ip: poolIp(m),
        dest_port: 3333,
        proto: 'TCP',
        start_us: at,
        end_us: at + dur,
        pkts_toserver: 40 + Math.floor(r() * 10),
        pkts_toclient: 30 + Math.floor(r() * 10),
        bytes_toserver: 6000 + Math.floor(r() * 800),
        bytes_toclient: 4000 + Math.floor(r() * 800),
        tcp_flags: 0x1b,
      };
      emitted++;
      minerNext[m] = at + MINER_INTERVAL_US + Math.floor((r() - 0.5) * 20_000_000);
    }
    if (emitted >= total) break;
    // Mostly short flows, a few long ones (up to 6 h) as real traffic has.
    const dur = r() < 0.01 ? Math.floor(r() * 6 * 3600e6) : Math.floor(-Math.log(1 - r()) * 20e6);
    const client = clientIp(Math.floor(r() * INTERNAL_CLIENTS));
    const kind = r();
    let src: string;
    let dst: string;
    let sport: number;
    let dport: number;
    let proto = 'TCP';
    if (kind < 0.85) {
      src = client;
      dst = serverIp(Math.floor(Math.pow(r(), 3) * EXTERNAL_SERVERS));
      sport = 32768 + Math.floor(r() * 28000);
      dport = SERVER_PORTS[Math.floor(r() * SERVER_PORTS.length)] ?? 443;
      if (dport === 53 || dport === 123) proto = 'UDP';
    } else if (kind < 0.97) {
      src = client;
      dst = internalServerIp(Math.floor(Math.pow(r(), 2) * INTERNAL_SERVERS));
      sport = 32768 + Math.floor(r() * 28000);
      dport = [53, 445, 3128, 389][Math.floor(r() * 4)] ?? 53;
      if (dport === 53) proto = 'UDP';
    } else {
      src = serverIp(Math.floor(r() * EXTERNAL_SERVERS));
      dst = internalServerIp(Math.floor(r() * 8));
      sport = 1024 + Math.floor(r() * 60000);
      dport = 443;
    }
    const pts = 1 + Math.floor(r() * 50);
    const ptc = 1 + Math.floor(r() * 80);
    yield {
      flow_id: `f${i}`,
      source: 'netflow9',
      observer: 'bench-exporter',
      src_ip: src,
      src_port: sport,
      dest_ip: dst,
      dest_port: dport,
      proto,
      start_us: start,
      end_us: start + dur,
      pkts_toserver: pts,
      pkts_toclient: ptc,
      bytes_toserver: pts * (60 + Math.floor(r() * 900)),
      bytes_toclient: ptc * (60 + Math.floor(r() * 1400)),
      tcp_flags: proto === 'TCP' ? 0x1b : 0,
    };
    emitted++;
  }
}

export interface BuildInfo {
  path: string;
  rows: number;
  /** Seconds the build took; null when the cached file was reused. */
  buildSeconds: number | null;
  /** Build time recorded when the file was first built. */
  recordedBuildSeconds: number;
  bytes: number;
}

interface Manifest {
  kind: string;
  rows: number;
  seed: number;
  buildSeconds: number;
  done: boolean;
}

function fileBytes(p: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(p + suffix)) total += fs.statSync(p + suffix).size;
  return total;
}

async function cached(
  file: string,
  kind: string,
  rows: number,
  seed: number,
  log: (line: string) => void,
  fill: (store: Store) => Promise<void>,
): Promise<BuildInfo> {
  const manifestPath = `${file}.json`;
  if (fs.existsSync(file) && fs.existsSync(manifestPath)) {
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
    if (m.done && m.kind === kind && m.rows === rows && m.seed === seed) {
      return { path: file, rows, buildSeconds: null, recordedBuildSeconds: m.buildSeconds, bytes: fileBytes(file) };
    }
  }
  for (const suffix of ['', '-wal', '-shm', '.json']) fs.rmSync(file + suffix, { force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  log(`building ${file} (${rows} ${kind})...`);
  const t0 = process.hrtime.bigint();
  // A bulk build needs no per-commit fsync; a larger page cache keeps the day tables' indexes hot.
  const store = await openStore(file, { synchronous: 'normal', cacheKib: 262_144 });
  try {
    await fill(store);
    if ('optimize' in store && typeof store.optimize === 'function') await (store.optimize as () => Promise<void>)();
  } finally {
    await store.close();
  }
  const buildSeconds = Math.round(Number(process.hrtime.bigint() - t0) / 1e7) / 100;
  const m: Manifest = { kind, rows, seed, buildSeconds, done: true };
  fs.writeFileSync(manifestPath, JSON.stringify(m));
  log(`built ${file} in ${buildSeconds} s`);
  return { path: file, rows, buildSeconds, recordedBuildSeconds: buildSeconds, bytes: fileBytes(file) };
}

/** The flow store of the triage benchmark: `flows` records, built once under `dir`. */
export async function flowStore(dir: string, flows: number, log: (line: string) => void, seed = 1): Promise<BuildInfo> {
  const file = path.join(dir, `flows-${flows}-seed${seed}.db`);
  return cached(file, 'flows', flows, seed, log, async (store) => {
    let batch: FlowRecord[] = [];
    let n = 0;
    for (const f of flowRecords(flows, seed)) {
      batch.push(f);
      if (batch.length === BUILD_FLOW_BATCH) {
        await store.putFlows(batch);
        n += batch.length;
        batch = [];
        if (n % 1_000_000 === 0) log(`  ${n} flows`);
      }
    }
    if (batch.length > 0) await store.putFlows(batch);
  });
}

interface SignatureDef {
  id: number;
  name: string;
  severity: 1 | 2 | 3;
  sources: AlertSource[];
}

const SIGNATURES: readonly SignatureDef[] = [
  ...Array.from({ length: 12 }, (_, k): SignatureDef => ({
    id: 9_100_001 + k,
    name: `MINERWATCH stratum ${['login', 'submit', 'job', 'mining.subscribe', 'mining.authorize', 'keepalived'][k % 6]} from internal host (${['XMRig', 'cpuminer', 'SRBMiner', 'lolMiner'][k % 4]})`,
    severity: 1,
    sources: ['sensor'],
  })),
  ...Array.from({ length: 8 }, (_, k): SignatureDef => ({
    id: 9_100_101 + k,
    name: `MINERWATCH TLS to known mining pool ${['pool.supportxmr.com', 'xmr.2miners.com', 'eth.f2pool.com', 'rx.unmineable.com'][k % 4]}`,
    severity: 2,
    sources: ['sensor'],
  })),
  ...Array.from({ length: 10 }, (_, k): SignatureDef => ({
    id: 86_000 + k * 7,
    name: `Coin-Miner ${['Generic', 'XMRig', 'Stratum', 'NiceHash', 'CoinHive'][k % 5]} Traffic Detection`,
    severity: ((k % 3) + 1) as 1 | 2 | 3,
    sources: ['panos'],
  })),
  ...Array.from({ length: 6 }, (_, k): SignatureDef => ({
    id: 2_024_792 + k,
    name: `ET COINMINER ${['Crypto Coin Miner Login', 'JSON-RPC Stratum Request', 'Observed DNS Query to Cryptocurrency Mining Pool Domain'][k % 3]}`,
    severity: ((k % 2) + 1) as 1 | 2,
    sources: ['eve'],
  })),
  ...Array.from({ length: 4 }, (_, k): SignatureDef => ({
    id: 9_200_001 + k,
    name: `MINERWATCH flow beacon to mining port ${[3333, 4444, 5555, 14444][k]}`,
    severity: 3,
    sources: ['flows', 'webhook'],
  })),
];

/** Alerts span this many days back from the end of the trace. */
export const ALERT_DAYS = 30;

/** Alert k of `total`, oldest first; ids are deterministic hex. */
export function alertAt(k: number, total: number, r: () => number): Alert {
  const ts = BENCH_T0 + Math.floor((k / total) * ALERT_DAYS * DAY_US) + Math.floor(r() * 1_000_000);
  // Source mix: PAN-OS half, the sensor a third, the rest Suricata EVE, flow scoring, webhooks.
  const pick = r();
  const source: AlertSource = pick < 0.5 ? 'panos' : pick < 0.83 ? 'sensor' : pick < 0.93 ? 'eve' : pick < 0.98 ? 'flows' : 'webhook';
  const sigs = SIGNATURES.filter((s) => s.sources.includes(source));
  const sig = sigs[Math.floor(Math.pow(r(), 1.5) * sigs.length)] ?? SIGNATURES[0]!;
  const client = clientIp(Math.floor(r() * INTERNAL_CLIENTS));
  const pool = serverIp(Math.floor(r() * 3000));
  const port = [3333, 4444, 5555, 14444, 443, 80][Math.floor(r() * 6)] ?? 3333;
  const id = (Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0') + Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0') + k.toString(16).padStart(8, '0'));
  const evidence: Record<string, unknown> =
    source === 'sensor'
      ? { stratum: { method: 'login', agent: 'XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0', algo: ['rx/0', 'cn/r'], wallet: `4${'9ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'.repeat(2).slice(0, 94)}` } }
      : { flow: { pkts_toserver: 10 + Math.floor(r() * 100), bytes_toserver: 1000 + Math.floor(r() * 100_000) } };
  const alert: Alert = {
    id,
    source,
    ts_us: ts,
    src_ip: client,
    src_port: 32768 + Math.floor(r() * 28000),
    dest_ip: pool,
    dest_port: port,
    proto: 'TCP',
    app_proto: source === 'sensor' ? 'stratum' : 'unknown',
    alert: { action: r() < 0.2 ? 'blocked' : 'allowed', gid: 1, signature_id: sig.id, rev: 1, signature: sig.name, category: MINING_CATEGORY, severity: sig.severity },
    confidence: source === 'sensor' ? 0.9 + r() * 0.1 : 0.5 + r() * 0.3,
    explanation: `Host ${client} ${source === 'sensor' ? 'logged in to a stratum pool at' : 'was reported talking to'} ${pool}:${port}`,
    rules: source === 'sensor' ? ['stratum.login', 'stratum.agent'] : [`${source}.signature`],
    evidence,
  };
  if (source === 'panos') {
    alert.original = {
      type: 'THREAT',
      subtype: 'spyware',
      src: client,
      dst: pool,
      rule: 'outbound-internet',
      app: 'unknown-tcp',
      threatid: `Coin-Miner(${sig.id})`,
      severity: ['critical', 'high', 'medium'][sig.severity - 1] ?? 'medium',
      device_name: 'pa-edge-01',
    };
  }
  return alert;
}

/**
 * The workflow state of alert k: the last two days mostly new, older ones mostly closed, a few
 * left in progress or never looked at.
 */
export function statusAt(k: number, total: number, r: () => number): AlertStatus {
  const age = 1 - k / total;
  const x = r();
  if (age * ALERT_DAYS < 2) return x < 0.7 ? 'new' : x < 0.9 ? 'in_progress' : 'closed';
  return x < 0.9 ? 'closed' : x < 0.95 ? 'in_progress' : 'new';
}

/** Sets one workflow state on many alerts at once (a bulk path a loader may offer). */
export type SetStatuses = (ids: string[], patch: { status: AlertStatus; assignee: string; verdict?: 'false_positive' }) => Promise<void>;

/**
 * Puts the queue benchmark's `alerts` alerts into `store` and gives them their workflow states;
 * the states go through `setStatuses` when given, else one updateAlert per alert.
 */
export async function fillAlerts(store: Store, alerts: number, log: (line: string) => void, seed = 1, setStatuses?: SetStatuses): Promise<void> {
  const r = rng(seed);
  const sr = rng(seed + 1000);
  let batch: Alert[] = [];
  const flush = async (): Promise<void> => {
    await store.putAlerts(batch, batch[batch.length - 1]?.ts_us ?? BENCH_T0);
    batch = [];
  };
  const closed: string[] = [];
  const inProgress: string[] = [];
  for (let k = 0; k < alerts; k++) {
    const a = alertAt(k, alerts, r);
    batch.push(a);
    const s = statusAt(k, alerts, sr);
    if (s === 'closed') closed.push(a.id);
    else if (s === 'in_progress') inProgress.push(a.id);
    if (batch.length === BUILD_ALERT_BATCH) await flush();
    if ((k + 1) % 200_000 === 0) log(`  ${k + 1} alerts`);
  }
  if (batch.length > 0) await flush();
  log(`  setting workflow states (${closed.length} closed, ${inProgress.length} in progress)`);
  const set: SetStatuses =
    setStatuses ??
    (async (ids, patch) => {
      for (const id of ids) await store.updateAlert(id, patch);
    });
  await set(inProgress, { status: 'in_progress', assignee: 'analyst1' });
  await set(closed, { status: 'closed', assignee: 'analyst1', verdict: 'false_positive' });
}

/** The alert store of the queue benchmark: `alerts` alerts with workflow states, built once under `dir`. */
export async function alertStore(dir: string, alerts: number, log: (line: string) => void, seed = 1): Promise<BuildInfo> {
  const file = path.join(dir, `alerts-${alerts}-seed${seed}.db`);
  return cached(file, 'alerts', alerts, seed, log, (store) => fillAlerts(store, alerts, log, seed));
}

/** Latency figures of a set of timings, in milliseconds. */
export interface Figures {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? 0;
}

export function figures(times: number[]): Figures {
  const s = [...times].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { count: s.length, p50Ms: round(percentile(s, 50)), p95Ms: round(percentile(s, 95)), maxMs: round(s[s.length - 1] ?? 0) };
}

