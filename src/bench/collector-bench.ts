// Collector decode benchmark: records per second for NetFlow v5, NetFlow v9 and IPFIX datagrams
// built from a seeded generator (the layouts softflowd exports: v9/IPFIX template with 16 fields,
// IPFIX times as sysUptime plus systemInitTimeMilliseconds). Two figures per version: decode alone
// (records handed to a sink, no allocation) and decode + normalise + direction pairing into
// FlowRecords, which is what the collector does before the store.
// Standalone: node dist/bench/collector-bench.js [--seconds S] [--json]

import os from 'node:os';
import { newCounters } from '../ingest/netflow/counters.js';
import { FlowDecoder } from '../ingest/netflow/decoder.js';
import { FlowPairer } from '../ingest/netflow/pairing.js';
import { toUniFlow, type RawFlowSink } from '../ingest/netflow/record.js';
import { arg, isInvokedDirectly } from './cli-args.js';
import { mulberry32 as rng } from '../util/prng.js';

export interface CollectorBenchResult {
  version: 'v5' | 'v9' | 'ipfix';
  records_per_datagram: number;
  /** Records per second of wall-clock time. */
  decode_records_per_s: number;
  /** Records per second of this process's CPU time (user + system): meaningful on a busy machine. */
  decode_records_per_cpu_s: number;
  decode_mb_per_s: number;
  normalise_records_per_s: number;
  normalise_records_per_cpu_s: number;
}


class W {
  readonly b: Uint8Array;
  o = 0;
  constructor(n: number) {
    this.b = new Uint8Array(n);
  }
  u8(v: number): this {
    this.b[this.o++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(Math.floor(v / 65536)).u16(v & 0xffff);
  }
  u64(v: number): this {
    return this.u32(Math.floor(v / 2 ** 32)).u32(v % 2 ** 32);
  }
  done(): Uint8Array {
    return this.b.subarray(0, this.o);
  }
}

// softflowd's IPv4 template (fields 8, 12, 22, 21, 1, 2, 10, 14, 61, 136, 7, 11, 4, 6, 60, 5): 42 bytes.
const FIELDS: Array<[number, number]> = [
  [8, 4], [12, 4], [22, 4], [21, 4], [1, 4], [2, 4], [10, 4], [14, 4], [61, 1], [136, 1], [7, 2], [11, 2], [4, 1], [6, 1], [60, 1], [5, 1],
];
const RECORD_BYTES = 42;
const RECORDS = 30;
const UPTIME_MS = 3_600_000;
const EXPORT_S = 1_800_000_000;

/** Records come in direction pairs, as softflowd and nfpcapd send them: odd ones reverse the even. */
function writeRecord(w: W, r: () => number, i: number, prev: number[]): void {
  const reverse = i % 2 === 1;
  if (!reverse) {
    prev[0] = 0x0a000000 + Math.floor(r() * 65536);
    prev[1] = 0xcb007100 + Math.floor(r() * 256);
    prev[2] = UPTIME_MS - 60_000 - Math.floor(r() * 100_000);
    prev[3] = 32768 + Math.floor(r() * 28000);
  }
  const [a, b, start, cport] = prev as [number, number, number, number];
  w.u32(reverse ? b : a).u32(reverse ? a : b).u32(start).u32(start + 30_000);
  w.u32(100 + Math.floor(r() * 100_000)).u32(1 + Math.floor(r() * 100)).u32(0).u32(0).u8(0).u8(1);
  w.u16(reverse ? 3333 : cport).u16(reverse ? cport : 3333).u8(6).u8(0x1b).u8(4).u8(0);
}

export function buildV5(seed: number): Uint8Array {
  const r = rng(seed);
  const w = new W(24 + RECORDS * 48);
  w.u16(5).u16(RECORDS).u32(UPTIME_MS).u32(EXPORT_S).u32(0).u32(seed).u8(0).u8(0).u16(0);
  for (let i = 0; i < RECORDS; i++) {
    const start = UPTIME_MS - 60_000 - Math.floor(r() * 100_000);
    w.u32(0x0a000000 + Math.floor(r() * 65536)).u32(0xcb007115).u32(0).u16(0).u16(0);
    w.u32(1 + Math.floor(r() * 100)).u32(100 + Math.floor(r() * 100_000)).u32(start).u32(start + 1000);
    w.u16(32768 + Math.floor(r() * 28000)).u16(3333).u8(0).u8(0x1b).u8(6).u8(0).u16(0).u16(0).u8(0).u8(0).u16(0);
  }
  return w.done();
}

function template(w: W, setId: number): void {
  w.u16(setId).u16(8 + FIELDS.length * 4).u16(1024).u16(FIELDS.length);
  for (const [ie, len] of FIELDS) w.u16(ie).u16(len);
}

export function buildV9(seed: number, withTemplate: boolean): Uint8Array {
  const r = rng(seed);
  const w = new W(2048);
  w.u16(9).u16(RECORDS).u32(UPTIME_MS).u32(EXPORT_S).u32(seed).u32(0);
  if (withTemplate) template(w, 0);
  w.u16(1024).u16(4 + RECORDS * RECORD_BYTES);
  for (let i = 0, prev: number[] = []; i < RECORDS; i++) writeRecord(w, r, i, prev);
  return w.done();
}

export function buildIpfix(seed: number, withTemplate: boolean): Uint8Array {
  const r = rng(seed);
  const w = new W(2048);
  w.u16(10).u16(0).u32(EXPORT_S).u32(seed).u32(0);
  if (withTemplate) {
    template(w, 2);
    // Options template 256: scope meteringProcessId, systemInitTimeMilliseconds (as softflowd).
    w.u16(3).u16(18).u16(256).u16(2).u16(1).u16(143).u16(4).u16(160).u16(8);
    w.u16(256).u16(16).u32(1).u64(EXPORT_S * 1000 - UPTIME_MS);
  }
  w.u16(1024).u16(4 + RECORDS * RECORD_BYTES);
  for (let i = 0, prev: number[] = []; i < RECORDS; i++) writeRecord(w, r, i, prev);
  const out = w.done();
  out[2] = out.length >>> 8;
  out[3] = out.length & 0xff;
  return out;
}

function measure(
  datagrams: Uint8Array[],
  setup: Uint8Array,
  seconds: number,
  normalise: boolean,
): { records: number; bytes: number; s: number; cpuS: number } {
  const decoder = new FlowDecoder();
  let n = 0;
  const counters = newCounters();
  const pairer = new FlowPairer({ pairingHoldUs: 0, maxPairingEntries: 100_000 }, counters, () => {
    n += 0;
  });
  const sink: RawFlowSink = normalise
    ? (raw, source, domain) => {
        n++;
        pairer.add(toUniFlow(raw, source, '192.0.2.1', domain), 0);
      }
    : () => {
        n++;
      };
  decoder.decode(setup, '192.0.2.1:9995', 0, () => undefined);
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  let round = 0;
  while (elapsed < limit) {
    for (const d of datagrams) {
      decoder.decode(d, '192.0.2.1:9995', round, sink);
      bytes += d.length;
    }
    round++;
    if (normalise) pairer.flushAll();
    elapsed = process.hrtime.bigint() - t0;
  }
  const cpu = process.cpuUsage(cpu0);
  return { records: n, bytes, s: Number(elapsed) / 1e9, cpuS: (cpu.user + cpu.system) / 1e6 };
}

export function runCollectorBench(opts: { seconds?: number } = {}): CollectorBenchResult[] {
  const seconds = opts.seconds ?? 1.5;
  const out: CollectorBenchResult[] = [];
  const cases: Array<['v5' | 'v9' | 'ipfix', (seed: number) => Uint8Array, Uint8Array]> = [
    ['v5', buildV5, buildV5(0)],
    ['v9', (s) => buildV9(s, false), buildV9(0, true)],
    ['ipfix', (s) => buildIpfix(s, false), buildIpfix(0, true)],
  ];
  for (const [version, build, setup] of cases) {
    const datagrams = Array.from({ length: 256 }, (_, i) => build(i + 1));
    measure(datagrams, setup, 0.2, false); // warm-up
    const d = measure(datagrams, setup, seconds, false);
    measure(datagrams, setup, 0.2, true);
    const nrm = measure(datagrams, setup, seconds, true);
    out.push({
      version,
      records_per_datagram: RECORDS,
      decode_records_per_s: Math.round(d.records / d.s),
      decode_records_per_cpu_s: Math.round(d.records / d.cpuS),
      decode_mb_per_s: Math.round((d.bytes / d.s / 1e6) * 10) / 10,
      normalise_records_per_s: Math.round(nrm.records / nrm.s),
      normalise_records_per_cpu_s: Math.round(nrm.records / nrm.cpuS),
    });
  }
  return out;
}

/** Target of the flows issue: decode rate of every version, records per second of wall time. */
export const COLLECTOR_DECODE_TARGET_RECORDS_PER_S = 1_000_000;

export function collectorTable(rows: CollectorBenchResult[]): string {
  const lines = ['version  decode rec/s (wall)  decode rec/s (cpu)  decode MB/s  +normalise+pair rec/s (wall)  (cpu)'];
  for (const r of rows) {
    lines.push(
      [
        r.version.padEnd(7),
        String(r.decode_records_per_s).padStart(19),
        String(r.decode_records_per_cpu_s).padStart(18),
        String(r.decode_mb_per_s).padStart(11),
        String(r.normalise_records_per_s).padStart(28),
        String(r.normalise_records_per_cpu_s).padStart(9),
      ].join('  '),
    );
  }
  lines.push(`load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} CPUs`);
  const slow = rows.filter((r) => r.decode_records_per_s < COLLECTOR_DECODE_TARGET_RECORDS_PER_S).map((r) => r.version);
  lines.push(`target decode >= ${COLLECTOR_DECODE_TARGET_RECORDS_PER_S} records/s per version: ${slow.length === 0 ? 'PASS' : `FAIL (${slow.join(', ')})`}`);
  return lines.join('\n');
}

const invokedDirectly = isInvokedDirectly(import.meta.url);
if (invokedDirectly) {
  const s = arg('seconds');
  const seconds = s !== undefined ? Number(s) : undefined;
  const res = runCollectorBench(seconds !== undefined ? { seconds } : {});
  process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(res, null, 2)}\n` : `${collectorTable(res)}\n`);
}
