// Flow analytics for one address ("every flow involving 203.0.113.21 in the last 24 h"): per
// client, server and server port, the figures an analyst reads to tell a miner from a browser:
// connections, first/last seen, bytes each way in total and per connection with their spread,
// the regularity of reconnects, the longest connection, a beacon score and a sparkline.

import type { FlowRecord } from '../flows/types.js';
import type { Store } from '../store/types.js';
import { beaconScore, type BeaconScore } from './beacon.js';
import { mergeConnections, type Connection } from './connections.js';
import { sparkline } from './sparkline.js';
import { bowley, coefficientOfVariation, mad, median } from './stats.js';

/** Most flow records one analysis reads (count); more are reported as `truncated`. */
export const ANALYSIS_FLOW_LIMIT = 100_000;
/** Time bins of the sparkline over the analysis window (count). */
export const SPARKLINE_BINS = 48;

export interface AnalyseOptions {
  ip: string;
  peer?: string;
  fromUs: number;
  toUs: number;
  limit?: number;
}

export interface Spread {
  median: number;
  mad: number;
  /** Coefficient of variation (population SD / mean). */
  cv: number;
}

export interface PairAnalysis {
  client: string;
  /** Client port of the first connection (a pair spans many). */
  client_port: number;
  server: string;
  server_port: number;
  proto: string;
  connections: number;
  records: number;
  first_seen_us: number;
  last_seen_us: number;
  bytes_toserver: number;
  bytes_toclient: number;
  pkts_toserver: number;
  pkts_toclient: number;
  /** Bytes per connection, each way. */
  per_connection_toserver: Spread;
  per_connection_toclient: Spread;
  /** Bytes per connection, both ways together. */
  per_connection_total: Spread;
  /** Seconds between consecutive connection starts (null with fewer than two connections). */
  interval: { count: number; median_s: number; mad_s: number; bowley: number } | null;
  longest_connection_s: number;
  /** Seconds with at least one connection open (overlaps counted once). */
  connected_s: number;
  tcp_flags: number;
  beacon: BeaconScore;
  /** Connections open per time bin across the window. */
  activity: number[];
  sparkline: string;
}

export interface FlowAnalysis {
  ip: string;
  peer?: string;
  from_us: number;
  to_us: number;
  flows: number;
  /** The store held more flows than ANALYSIS_FLOW_LIMIT for this query. */
  truncated: boolean;
  pairs: PairAnalysis[];
}

export async function analyseFlows(store: Pick<Store, 'queryFlows'>, opts: AnalyseOptions): Promise<FlowAnalysis> {
  const limit = opts.limit ?? ANALYSIS_FLOW_LIMIT;
  const q = { ip: opts.ip, from_us: opts.fromUs, to_us: opts.toUs, limit, ...(opts.peer !== undefined ? { peer: opts.peer } : {}) };
  const flows = await store.queryFlows(q);
  return analyseFlowRecords(flows, opts, flows.length >= limit);
}

/** The same analysis over records already in hand (pure). */
export function analyseFlowRecords(flows: readonly FlowRecord[], opts: AnalyseOptions, truncated = false): FlowAnalysis {
  // Connections first (they turn mid-connection records the right way round), then pairs.
  const groups = new Map<string, Connection[]>();
  for (const c of mergeConnections(flows)) {
    const k = `${c.client}|${c.server}|${c.server_port}|${c.proto}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  const pairs: PairAnalysis[] = [];
  for (const g of groups.values()) pairs.push(analysePair(g, opts.fromUs, opts.toUs));
  pairs.sort(
    (a, b) =>
      b.beacon.score - a.beacon.score ||
      b.connections - a.connections ||
      a.first_seen_us - b.first_seen_us ||
      (a.client + a.server < b.client + b.server ? -1 : 1),
  );
  const out: FlowAnalysis = { ip: opts.ip, from_us: opts.fromUs, to_us: opts.toUs, flows: flows.length, truncated, pairs };
  if (opts.peer !== undefined) out.peer = opts.peer;
  return out;
}

function spread(values: number[]): Spread {
  return { median: median(values), mad: mad(values), cv: coefficientOfVariation(values) };
}

/** Figures of one client/server/port pair from its connections (at least one, sorted by start). */
export function analysePair(conns: readonly Connection[], fromUs: number, toUs: number): PairAnalysis {
  const first = conns[0] as Connection;
  let records = 0;
  for (const c of conns) records += c.records;
  let last = 0;
  let longest = 0;
  let flags = 0;
  const tot = { bs: 0, bc: 0, ps: 0, pc: 0 };
  for (const c of conns) {
    if (c.end_us > last) last = c.end_us;
    longest = Math.max(longest, c.end_us - c.start_us);
    flags |= c.tcp_flags;
    tot.bs += c.bytes_toserver;
    tot.bc += c.bytes_toclient;
    tot.ps += c.pkts_toserver;
    tot.pc += c.pkts_toclient;
  }
  const starts = conns.map((c) => c.start_us);
  const intervals: number[] = [];
  for (let i = 1; i < starts.length; i++) intervals.push(((starts[i] as number) - (starts[i - 1] as number)) / 1e6);
  const activity = activityBins(conns, fromUs, toUs, SPARKLINE_BINS);
  return {
    client: first.client,
    client_port: first.client_port,
    server: first.server,
    server_port: first.server_port,
    proto: first.proto,
    connections: conns.length,
    records,
    first_seen_us: first.start_us,
    last_seen_us: last,
    bytes_toserver: tot.bs,
    bytes_toclient: tot.bc,
    pkts_toserver: tot.ps,
    pkts_toclient: tot.pc,
    per_connection_toserver: spread(conns.map((c) => c.bytes_toserver)),
    per_connection_toclient: spread(conns.map((c) => c.bytes_toclient)),
    per_connection_total: spread(conns.map((c) => c.bytes_toserver + c.bytes_toclient)),
    interval: intervals.length > 0 ? { count: intervals.length, median_s: median(intervals), mad_s: mad(intervals), bowley: bowley(intervals) } : null,
    longest_connection_s: longest / 1e6,
    connected_s: unionSeconds(conns),
    tcp_flags: flags,
    beacon: beaconScore(conns),
    activity,
    sparkline: sparkline(activity),
  };
}

function unionSeconds(conns: readonly Connection[]): number {
  const iv = conns.map((c) => [c.start_us, c.end_us] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const [s, e] of iv) {
    if (s > curE) {
      if (curE > curS) total += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) curE = e;
  }
  if (curE > curS) total += curE - curS;
  return total / 1e6;
}

/** Connections open in each of `bins` equal slices of [fromUs, toUs]. */
export function activityBins(conns: readonly Connection[], fromUs: number, toUs: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  const span = toUs - fromUs;
  if (span <= 0) return out;
  for (const c of conns) {
    if (c.end_us < fromUs || c.start_us > toUs) continue;
    const a = Math.max(0, Math.min(bins - 1, Math.floor(((c.start_us - fromUs) / span) * bins)));
    const b = Math.max(0, Math.min(bins - 1, Math.floor(((c.end_us - fromUs) / span) * bins)));
    for (let i = a; i <= b; i++) out[i] = (out[i] as number) + 1;
  }
  return out;
}
