// Streaming flow-only miner scoring, for `serve`: flow records are handed in as they are written
// (collector, imports, the sensor's own records, PAN-OS traffic logs), each (client, server,
// server port, protocol) pair keeps a bounded window of its recent records, and a pass scores the
// pairs that changed since the last one with the same analytics (`analyseFlowRecords`) and policy
// (`scoreMinerPair`, `flowMinerAlert`) as the on-demand `minerwatch flows --detect`, so the same
// flows give the same score and the same alert. Time is flow time (record ends) for windows and
// the injected clock for when passes are due; nothing here reads the global clock.
//
// Re-raise rule (docs/flows.md, "Continuous scoring in serve"): a pair raises at most one alert per
// window. After an alert it is quiet until either its score rises by FLOW_RERAISE_SCORE_STEP over
// the score last raised (an escalation: more rules fired), or its newest record is a whole window
// past the newest record of the last alert (the evidence window has moved on).

import { createHash } from 'node:crypto';
import { analyseFlowRecords, type PairAnalysis } from '../../analytics/analyse.js';
import { mergeConnections, type Connection } from '../../analytics/connections.js';
import type { Alert } from '../../alerts/types.js';
import type { FlowRecord } from '../../flows/types.js';
import type { Clock } from '../../util/clock.js';
import { flowMinerAlert } from './alert.js';
import { scoreMinerPair, type PoolIntel } from './score.js';
import type { ScoredPair } from './index.js';

/** Pairs tracked at most (count); beyond it the least recently updated pair is evicted. */
export const FLOW_STREAM_MAX_PAIRS = 100_000;
/**
 * Connections kept per pair at most (count): 24 h of reconnects every 42 s. A pair's records are
 * compacted (each connection to at most two records) when they reach twice this; connections that
 * ended longest ago are dropped beyond it.
 */
export const FLOW_STREAM_MAX_CONNECTIONS_PER_PAIR = 2_048;
/** Records held over all pairs at most (count, about 200 bytes each); least recently updated pairs go first. */
export const FLOW_STREAM_MAX_RECORDS = 1_000_000;
/** Evidence window of a pair, microseconds of flow time before its newest record end. Default 24 h. */
export const FLOW_STREAM_WINDOW_US = 24 * 3600 * 1_000_000;
/** Time between scoring passes, microseconds of the injected clock. Default 60 s. */
export const FLOW_STREAM_INTERVAL_US = 60 * 1_000_000;
/** A pair already alerted in this window alerts again when its score rose by at least this much. */
export const FLOW_RERAISE_SCORE_STEP = 0.1;

export interface FlowStreamOptions {
  /** Pool intelligence valid at a flow time (microseconds): learned DNS answers expire. */
  intel: (atUs: number) => PoolIntel;
  /** When passes are due (`isDue`). */
  clock: Clock;
  intervalUs?: number;
  windowUs?: number;
  maxPairs?: number;
  maxConnectionsPerPair?: number;
  maxRecords?: number;
}

/** What the scorer did, for metrics (counters only grow; `pairs` and `records` are levels). */
export interface FlowStreamCounters {
  records_in: number;
  /** Records ending a whole window before their pair's newest record: not kept. */
  records_too_old: number;
  /** Records dropped when their pair's window moved past them. */
  records_expired: number;
  /** Connections dropped from a pair over maxConnectionsPerPair (those that ended longest ago). */
  connections_dropped: number;
  /** Pairs evicted because maxPairs was reached. */
  pairs_evicted_max_pairs: number;
  /** Pairs evicted because maxRecords was reached. */
  pairs_evicted_max_records: number;
  /** Pairs with no record within a window of the newest record seen: forgotten. */
  pairs_expired: number;
  compactions: number;
  passes: number;
  pairs_scored: number;
  alerts_raised: number;
  /** Pairs that met the alert rule but had alerted in this window already (re-raise rule). */
  alerts_held: number;
}

export interface FlowStreamPass {
  /** Every pair scored in this pass, as `detectFlowMiners` reports it (alert when the rule fires). */
  scored: ScoredPair[];
  /** The alerts to store: those the re-raise rule lets through. */
  alerts: Alert[];
}

interface Raised {
  score: number;
  lastSeenUs: number;
}

interface PairState {
  key: string;
  client: string;
  server: string;
  serverPort: number;
  proto: string;
  records: FlowRecord[];
  newestEndUs: number;
  raised?: Raised;
}

function pairKey(client: string, server: string, serverPort: number, proto: string): string {
  return `${client}|${server}|${serverPort}|${proto}`;
}

/** Only what the analytics read: extras, names and ids from the source are not held. */
function slim(f: FlowRecord): FlowRecord {
  const r: FlowRecord = {
    flow_id: f.flow_id,
    source: f.source,
    src_ip: f.src_ip,
    src_port: f.src_port,
    dest_ip: f.dest_ip,
    dest_port: f.dest_port,
    proto: f.proto,
    start_us: f.start_us,
    end_us: f.end_us,
    pkts_toserver: f.pkts_toserver,
    pkts_toclient: f.pkts_toclient,
    bytes_toserver: f.bytes_toserver,
    bytes_toclient: f.bytes_toclient,
  };
  if (f.state !== undefined) r.state = f.state;
  if (f.reason !== undefined) r.reason = f.reason;
  if (f.tcp_flags !== undefined) r.tcp_flags = f.tcp_flags;
  return r;
}

export class FlowStreamScorer {
  readonly counters: FlowStreamCounters = {
    records_in: 0,
    records_too_old: 0,
    records_expired: 0,
    connections_dropped: 0,
    pairs_evicted_max_pairs: 0,
    pairs_evicted_max_records: 0,
    pairs_expired: 0,
    compactions: 0,
    passes: 0,
    pairs_scored: 0,
    alerts_raised: 0,
    alerts_held: 0,
  };
  /** Insertion order is update order: the first entry is the least recently updated pair. */
  private readonly pairs = new Map<string, PairState>();
  private readonly changed = new Set<string>();
  private recordCount = 0;
  private newestEndUs = -Infinity;
  private nextPassUs: number;
  private readonly intervalUs: number;
  private readonly windowUs: number;
  private readonly maxPairs: number;
  private readonly maxConnections: number;
  private readonly maxRecords: number;

  constructor(private readonly opts: FlowStreamOptions) {
    this.intervalUs = opts.intervalUs ?? FLOW_STREAM_INTERVAL_US;
    this.windowUs = opts.windowUs ?? FLOW_STREAM_WINDOW_US;
    this.maxPairs = opts.maxPairs ?? FLOW_STREAM_MAX_PAIRS;
    this.maxConnections = opts.maxConnectionsPerPair ?? FLOW_STREAM_MAX_CONNECTIONS_PER_PAIR;
    this.maxRecords = opts.maxRecords ?? FLOW_STREAM_MAX_RECORDS;
    if (!(this.intervalUs > 0 && this.windowUs > 0 && this.maxPairs >= 1 && this.maxConnections >= 2 && this.maxRecords >= 1)) {
      throw new Error('flow scoring: interval, window and limits must be positive (at least 2 connections per pair)');
    }
    this.nextPassUs = opts.clock.nowUs() + this.intervalUs;
  }

  /** Pairs tracked now. */
  get pairCount(): number {
    return this.pairs.size;
  }

  /** Records held now, over all pairs. */
  get heldRecords(): number {
    return this.recordCount;
  }

  /** Takes flow records as they are written. */
  add(flows: readonly FlowRecord[]): void {
    for (const f of flows) {
      this.counters.records_in++;
      const st = this.pairFor(f);
      if (f.end_us < st.newestEndUs - this.windowUs) {
        this.counters.records_too_old++;
        continue;
      }
      st.records.push(slim(f));
      this.recordCount++;
      if (f.end_us > st.newestEndUs) st.newestEndUs = f.end_us;
      if (f.end_us > this.newestEndUs) this.newestEndUs = f.end_us;
      this.changed.add(st.key);
      if (st.records.length >= 2 * this.maxConnections) this.compact(st);
      while (this.recordCount > this.maxRecords && this.pairs.size > 1) {
        this.evictOldest();
        this.counters.pairs_evicted_max_records++;
      }
    }
  }

  /** Whether a pass is due on the injected clock (one interval after the last pass or the start). */
  isDue(): boolean {
    return this.opts.clock.nowUs() >= this.nextPassUs;
  }

  /** Scores the pairs that changed since the last pass, then forgets pairs gone quiet. */
  pass(): FlowStreamPass {
    const out: FlowStreamPass = { scored: [], alerts: [] };
    for (const key of this.beginPass()) this.scorePair(key, out);
    this.endPass();
    return out;
  }

  /**
   * The same pass, awaiting `pause` after every `slicePairs` pairs so that a process also receiving
   * datagrams (the collector) is not held up for the whole pass. Records added meanwhile are held;
   * a pair this pass scored already is scored again next pass.
   */
  async passInSlices(slicePairs: number, pause: () => Promise<void>): Promise<FlowStreamPass> {
    const out: FlowStreamPass = { scored: [], alerts: [] };
    let n = 0;
    for (const key of this.beginPass()) {
      this.scorePair(key, out);
      if (++n % slicePairs === 0) await pause();
    }
    this.endPass();
    return out;
  }

  private beginPass(): string[] {
    this.counters.passes++;
    this.nextPassUs = this.opts.clock.nowUs() + this.intervalUs;
    const keys = [...this.changed];
    this.changed.clear();
    return keys;
  }

  private scorePair(key: string, out: FlowStreamPass): void {
    const st = this.pairs.get(key);
    if (!st) return;
    this.expireRecords(st);
    if (st.records.length === 0) {
      this.drop(st);
      return;
    }
    const p = this.analyse(st);
    const score = scoreMinerPair(p, this.opts.intel(p.last_seen_us));
    this.counters.pairs_scored++;
    const scored: ScoredPair = { client: p.client, server: p.server, server_port: p.server_port, score };
    if (score.shouldAlert) {
      const alert = flowMinerAlert(p, score);
      scored.alert = alert;
      const raise = this.reraise(st, p, score.score, alert);
      if (raise) {
        out.alerts.push(raise);
        this.counters.alerts_raised++;
      } else this.counters.alerts_held++;
    }
    out.scored.push(scored);
  }

  /** Forgets pairs with no record within a window of the newest record seen. */
  private endPass(): void {
    const horizon = this.newestEndUs - this.windowUs;
    for (const st of this.pairs.values()) {
      if (st.newestEndUs < horizon) {
        this.drop(st);
        this.counters.pairs_expired++;
      }
    }
  }

  /** The re-raise rule (file header); returns the alert to store, if any. */
  private reraise(st: PairState, p: PairAnalysis, score: number, alert: Alert): Alert | undefined {
    const prev = st.raised;
    const isNewWindow = prev === undefined || p.last_seen_us >= prev.lastSeenUs + this.windowUs;
    const hasRisen = prev !== undefined && score - prev.score >= FLOW_RERAISE_SCORE_STEP - 1e-9;
    if (!isNewWindow && !hasRisen) return undefined;
    st.raised = { score, lastSeenUs: p.last_seen_us };
    if (isNewWindow) return alert;
    // An escalation within the window: the connections (so flowMinerAlert's id) may be the ones
    // already alerted on, and the store keeps the first alert of an id. The id adds the rules that
    // fired, so it is new for the higher score and still the same for the same flows.
    const id = createHash('sha256').update(`${alert.id}|rise|${alert.rules.join(',')}`).digest('hex').slice(0, 32);
    return { ...alert, id };
  }

  private analyse(st: PairState): PairAnalysis {
    const a = analyseFlowRecords(st.records, { ip: st.client, fromUs: st.newestEndUs - this.windowUs, toUs: st.newestEndUs });
    // A reply-only record of a connection whose start was not seen can form its own, reversed
    // group; the pair is the group under this pair's key (or the largest one).
    const own = a.pairs.find((p) => pairKey(p.client, p.server, p.server_port, p.proto) === st.key);
    if (own) return own;
    return a.pairs.reduce((best, p) => (p.connections > best.connections ? p : best));
  }

  private pairFor(f: FlowRecord): PairState {
    const fwd = pairKey(f.src_ip, f.dest_ip, f.dest_port, f.proto);
    let st = this.pairs.get(fwd);
    // A record the exporter put server side first belongs to the pair already tracked that way round.
    if (!st) st = this.pairs.get(pairKey(f.dest_ip, f.src_ip, f.src_port, f.proto));
    if (st) {
      this.pairs.delete(st.key);
      this.pairs.set(st.key, st);
      return st;
    }
    if (this.pairs.size >= this.maxPairs) {
      this.evictOldest();
      this.counters.pairs_evicted_max_pairs++;
    }
    st = { key: fwd, client: f.src_ip, server: f.dest_ip, serverPort: f.dest_port, proto: f.proto, records: [], newestEndUs: -Infinity };
    this.pairs.set(fwd, st);
    return st;
  }

  private evictOldest(): void {
    const first = this.pairs.values().next();
    if (!first.done) this.drop(first.value);
  }

  private drop(st: PairState): void {
    this.recordCount -= st.records.length;
    this.pairs.delete(st.key);
    this.changed.delete(st.key);
  }

  private expireRecords(st: PairState): void {
    const from = st.newestEndUs - this.windowUs;
    const kept = st.records.filter((r) => r.end_us >= from);
    const gone = st.records.length - kept.length;
    if (gone === 0) return;
    st.records = kept;
    this.recordCount -= gone;
    this.counters.records_expired += gone;
  }

  /**
   * Bounds one pair's records without changing what the analytics compute from them: each
   * connection (a run of records merged by `mergeConnections`) becomes one record standing for all
   * but its last record, plus that last record as it came (it carries whether the connection
   * ended, and the next record of a still-open connection merges with the pair as before). Beyond
   * maxConnectionsPerPair the connections that ended longest ago go, until the pair holds at most
   * that many records, so the next compaction is as many records away.
   */
  private compact(st: PairState): void {
    this.counters.compactions++;
    this.expireRecords(st);
    const runs = connectionRuns(st.records);
    runs.sort((a, b) => b.conn.end_us - a.conn.end_us || b.conn.start_us - a.conn.start_us);
    const kept: FlowRecord[] = [];
    let i = 0;
    for (; i < runs.length; i++) {
      const run = runs[i] as Run;
      const recs = compactRun(run);
      if (kept.length + recs.length > this.maxConnections) break;
      kept.push(...recs);
    }
    this.counters.connections_dropped += runs.length - i;
    kept.sort((a, b) => a.start_us - b.start_us || a.end_us - b.end_us);
    this.recordCount += kept.length - st.records.length;
    st.records = kept;
  }
}

interface Run {
  conn: Connection;
  /** The connection's records, sorted as mergeConnections sorts them. */
  records: FlowRecord[];
}

/** Records of one 5-tuple either way round (mergeConnections' grouping). */
function tupleKey(f: FlowRecord): string {
  const a = `${f.src_ip}|${f.src_port}`;
  const b = `${f.dest_ip}|${f.dest_port}`;
  return a < b ? `${f.proto}|${a}|${b}` : `${f.proto}|${b}|${a}`;
}

/**
 * Splits records into the connections mergeConnections makes of them, with each connection's
 * records: within one 5-tuple, sorted by start, connections are consecutive runs, so a record
 * belongs to the last connection that started at or before it.
 */
function connectionRuns(records: readonly FlowRecord[]): Run[] {
  const byTuple = new Map<string, FlowRecord[]>();
  for (const f of records) {
    const k = tupleKey(f);
    const list = byTuple.get(k);
    if (list) list.push(f);
    else byTuple.set(k, [f]);
  }
  const runs: Run[] = [];
  for (const list of byTuple.values()) {
    list.sort((a, b) => a.start_us - b.start_us || a.end_us - b.end_us);
    let n = 0;
    for (const conn of mergeConnections(list)) {
      // A connection's conn.records records are consecutive in the sorted list.
      runs.push({ conn, records: list.slice(n, n + conn.records) });
      n += conn.records;
    }
  }
  return runs;
}

/** One connection as at most two records that merge back into the same connection. */
function compactRun(run: Run): FlowRecord[] {
  if (run.records.length <= 2) return run.records;
  const last = run.records[run.records.length - 1] as FlowRecord;
  const head = run.records.slice(0, -1);
  const c = mergeConnections(head)[0] as Connection;
  const first = head[0] as FlowRecord;
  const stand: FlowRecord = {
    flow_id: first.flow_id,
    source: first.source,
    src_ip: c.client,
    src_port: c.client_port,
    dest_ip: c.server,
    dest_port: c.server_port,
    proto: c.proto,
    start_us: c.start_us,
    end_us: c.end_us,
    pkts_toserver: c.pkts_toserver,
    pkts_toclient: c.pkts_toclient,
    bytes_toserver: c.bytes_toserver,
    bytes_toclient: c.bytes_toclient,
    // Not an ended state or reason: the last record still merges into it.
    reason: 'compacted',
    tcp_flags: c.tcp_flags,
  };
  return [stand, last];
}
