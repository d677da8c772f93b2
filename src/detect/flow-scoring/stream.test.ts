// The streaming flow scorer on synthetic flow records and a manual clock: which pairs alert, the
// re-raise rule, the limits and their counters, and equality with the on-demand detector.

import { describe, expect, it } from 'vitest';
import { analyseFlowRecords } from '../../analytics/index.js';
import type { FlowRecord } from '../../flows/types.js';
import { ManualClock } from '../../util/clock.js';
import { detectFlowMiners, FLOW_MINER_SID, poolIntel, type ScoredPair } from './index.js';
import { FLOW_STREAM_INTERVAL_US, FlowStreamScorer, type FlowStreamOptions } from './stream.js';

const T0 = 1_800_000_000_000_000;
const MIN = 60e6;
const HOUR = 3600e6;
const CLIENT = '10.1.2.3';
const POOL = '198.51.100.77';

function rec(p: Partial<FlowRecord> & { start_us: number; end_us: number }): FlowRecord {
  return {
    flow_id: `${p.src_ip ?? CLIENT}-${p.src_port ?? 0}-${p.start_us}`,
    source: 'ipfix',
    src_ip: CLIENT,
    src_port: 50000,
    dest_ip: POOL,
    dest_port: 3333,
    proto: 'TCP',
    pkts_toserver: 12,
    pkts_toclient: 10,
    bytes_toserver: 1100,
    bytes_toclient: 1300,
    ...p,
  };
}

/** A miner reconnecting every 60 s (1 s jitter) to a non-pool port with near-constant bytes. */
function reconnects(n: number, opts: { dest?: string; port?: number; from?: number } = {}): FlowRecord[] {
  const from = opts.from ?? T0;
  return Array.from({ length: n }, (_, i) => {
    const start = from + i * MIN + (i % 2) * 1e6;
    return rec({ src_port: 40000 + (i % 20000), dest_ip: opts.dest ?? '203.0.113.50', dest_port: opts.port ?? 8080, start_us: start, end_us: start + 20e6, bytes_toserver: 1100 + (i % 5) * 10, bytes_toclient: 1300 + (i % 3) * 15, reason: 'end' });
  });
}

/** One TCP session to the pool cut by a 30-minute active timeout. */
function longSession(hours: number, from = T0): FlowRecord[] {
  const n = hours * 2;
  return Array.from({ length: n }, (_, i) =>
    rec({ start_us: from + i * 30 * MIN, end_us: from + (i + 1) * 30 * MIN - 1, reason: i === n - 1 ? 'end' : 'active-timeout', pkts_toserver: 120, pkts_toclient: 100, bytes_toserver: 10_800, bytes_toclient: 12_200 }),
  );
}

/** A browser-like client: exponential gaps, sizes spread over two orders of magnitude, port 443. */
function browser(n: number): FlowRecord[] {
  let seed = 11;
  const r = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let t = T0;
  const out: FlowRecord[] = [];
  for (let i = 0; i < n; i++) {
    t += Math.floor(-Math.log(1 - r()) * 600e6);
    out.push(rec({ src_port: 41000 + i, dest_ip: '192.0.2.80', dest_port: 443, start_us: t, end_us: t + Math.floor(r() * 30e6), bytes_toserver: 700 + Math.floor(r() * 3000), bytes_toclient: 2000 + Math.floor(r() * 300_000), reason: 'end' }));
  }
  return out;
}

function scorer(clock = new ManualClock(T0), opts: Partial<FlowStreamOptions> = {}, pools = new Map<string, string>()): FlowStreamScorer {
  return new FlowStreamScorer({ clock, intel: () => poolIntel({ addresses: pools }), ...opts });
}

/** Query times with gaps from 1 s to 15 min. */
function dnsAt(i: number): number {
  let t = T0;
  for (let k = 1; k <= i; k++) t += (((k * 7919) % 900) + 1) * 1e6;
  return t;
}

const byKey = (a: ScoredPair, b: ScoredPair): number => `${a.client}|${a.server}|${a.server_port}`.localeCompare(`${b.client}|${b.server}|${b.server_port}`);

describe('streaming flow scorer', () => {
  it('alerts on a pair reconnecting every 60 s with near-constant bytes, once, on passes the clock makes due', () => {
    const clock = new ManualClock(T0);
    const s = scorer(clock);
    const flows = reconnects(120);
    const raised = [];
    for (let minute = 0; minute < 120; minute++) {
      s.add(flows.slice(minute, minute + 1));
      clock.advance(MIN);
      expect(s.isDue()).toBe(true);
      raised.push(...s.pass().alerts);
      expect(s.isDue()).toBe(false);
    }
    expect(raised).toHaveLength(1);
    const a = raised[0]!;
    expect(a.source).toBe('flows');
    expect(a.alert.signature_id).toBe(FLOW_MINER_SID);
    expect(a.rules).toEqual(expect.arrayContaining(['flow-miner.regular_reconnects', 'flow-miner.constant_bytes']));
    expect(a.rules).not.toContain('flow-miner.mining_port');
    expect(a.explanation).toMatch(/beacon score 0\.\d\d over 4 connections, median interval 6[01] s/);
    // It fired on the first pass with four connections (the fewest a beacon score needs).
    expect(a.evidence.flow).toMatchObject({ connections: 4 });
    expect(s.counters.alerts_raised).toBe(1);
    // Every later pass met the rule and was held by the re-raise rule.
    expect(s.counters.alerts_held).toBeGreaterThan(100);
    expect(s.counters.passes).toBe(120);
  });

  it('does not pass before an interval of the clock has gone by', () => {
    const clock = new ManualClock(T0);
    const s = scorer(clock);
    expect(s.isDue()).toBe(false);
    clock.advance(FLOW_STREAM_INTERVAL_US - 1);
    expect(s.isDue()).toBe(false);
    clock.advance(1);
    expect(s.isDue()).toBe(true);
  });

  it('alerts on a long-lived TCP session to a known pool address, naming the pool', () => {
    const s = scorer(undefined, {}, new Map([[POOL, 'pool.example (operator list)']]));
    s.add(longSession(4));
    const { alerts } = s.pass();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert.severity).toBe(2);
    expect(alerts[0]?.rules).toEqual(expect.arrayContaining(['flow-miner.pool_address', 'flow-miner.long_lived_tcp']));
    expect(alerts[0]?.explanation).toContain('pool.example (operator list)');
    expect(alerts[0]?.explanation).toMatch(/lasted 14400 s/);
  });

  it('does not alert on a browser-like pair with irregular bytes', () => {
    const s = scorer();
    s.add(browser(80));
    const { scored, alerts } = s.pass();
    expect(alerts).toEqual([]);
    expect(scored).toHaveLength(1);
    expect(scored[0]?.score.shouldAlert).toBe(false);
    expect(scored[0]?.score.score).toBeLessThan(0.5);
  });

  it('scores only the pairs that changed since the last pass', () => {
    const s = scorer();
    s.add([...reconnects(10), ...browser(10)]);
    expect(s.pass().scored).toHaveLength(2);
    expect(s.pass().scored).toHaveLength(0);
    s.add(browser(11).slice(10));
    expect(s.pass().scored.map((p) => p.server)).toEqual(['192.0.2.80']);
  });

  it('re-raises when the score rises by a step (new id) or after a window, and gives the same id for the same flows', () => {
    const pools = new Map<string, string>();
    const s = scorer(undefined, {}, pools);
    const flows = reconnects(30, { dest: POOL });
    s.add(flows);
    const first = s.pass().alerts;
    expect(first).toHaveLength(1);
    s.add(reconnects(31, { dest: POOL }).slice(30));
    expect(s.pass().alerts).toEqual([]);
    // The server becomes a known pool address: +0.35, an escalation.
    pools.set(POOL, 'learned');
    s.add(reconnects(32, { dest: POOL }).slice(31));
    const risen = s.pass().alerts;
    expect(risen).toHaveLength(1);
    expect(risen[0]?.rules).toContain('flow-miner.pool_address');
    expect(risen[0]?.id).not.toBe(first[0]?.id);
    // A day later the pair is still at it: the window has moved on, so it alerts again.
    s.add(reconnects(40, { dest: POOL, from: T0 + 25 * HOUR }));
    const next = s.pass().alerts;
    expect(next).toHaveLength(1);
    expect(next[0]?.ts_us).toBe(T0 + 25 * HOUR);
    // A fresh scorer over the same records raises the same alert (the store keeps it once).
    const again = scorer();
    again.add(flows);
    expect(again.pass().alerts.map((a) => a.id)).toEqual(first.map((a) => a.id));
  });

  it('drops records that fall out of a pair\'s window and forgets pairs gone quiet for a window', () => {
    const s = scorer(undefined, { windowUs: 2 * HOUR });
    s.add(reconnects(10));
    s.add(browser(5));
    s.pass();
    expect(s.pairCount).toBe(2);
    // Only the reconnecting pair goes on, three hours later.
    s.add(reconnects(20, { from: T0 + 3 * HOUR }));
    const { scored } = s.pass();
    // Scored on the records of its window only: the first ten went out of it.
    expect(scored.map((p) => p.alert?.evidence.flow)).toEqual([expect.objectContaining({ connections: 20, first_seen_us: T0 + 3 * HOUR })]);
    expect(s.counters.records_expired).toBe(10);
    expect(s.counters.pairs_expired).toBe(1);
    expect(s.pairCount).toBe(1);
    expect(s.heldRecords).toBe(20);
    // A record a whole window older than its pair's newest is not kept.
    s.add(reconnects(1));
    expect(s.counters.records_too_old).toBe(1);
    expect(s.heldRecords).toBe(20);
  });

  it('stays within maxPairs under a flood of distinct pairs and counts the evictions', () => {
    const s = scorer(undefined, { maxPairs: 1000 });
    const flood = Array.from({ length: 20_000 }, (_, i) =>
      rec({ src_ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, src_port: 50000, dest_ip: '192.0.2.9', dest_port: 443, start_us: T0 + i * 1000, end_us: T0 + i * 1000 + 500 }),
    );
    for (let i = 0; i < flood.length; i += 500) {
      s.add(flood.slice(i, i + 500));
      expect(s.pairCount).toBeLessThanOrEqual(1000);
    }
    expect(s.pairCount).toBe(1000);
    expect(s.counters.pairs_evicted_max_pairs).toBe(19_000);
    // The most recently updated pairs are the ones kept.
    expect(s.pass().scored.map((p) => p.client)).toContain('10.0.78.31'); // i = 19999
  });

  it('stays within maxRecords over all pairs, evicting the least recently updated pair', () => {
    const s = scorer(undefined, { maxRecords: 100 });
    s.add(reconnects(60, { dest: '203.0.113.1' }));
    s.add(reconnects(60, { dest: '203.0.113.2' }));
    expect(s.heldRecords).toBeLessThanOrEqual(100);
    expect(s.counters.pairs_evicted_max_records).toBe(1);
    expect(s.pass().scored.map((p) => p.server)).toEqual(['203.0.113.2']);
  });

  it('keeps at most maxConnectionsPerPair connections, dropping those that ended first', () => {
    const s = scorer(undefined, { maxConnectionsPerPair: 64 });
    s.add(reconnects(500));
    expect(s.heldRecords).toBeLessThanOrEqual(128);
    expect(s.counters.compactions).toBeGreaterThan(0);
    expect(s.counters.connections_dropped).toBeGreaterThan(0);
    const [p] = s.pass().scored;
    expect(p?.alert?.evidence.flow).toMatchObject({ last_seen_us: T0 + 499 * MIN + 1e6 + 20e6 });
    expect((p?.alert?.evidence.flow as { connections: number }).connections).toBeLessThanOrEqual(128);
  });

  it('compacts a long session cut into many records without changing its score or alert', () => {
    const pools = new Map([[POOL, 'pool.example']]);
    // 12 hours cut every 60 s: 720 records of one connection.
    const flows = Array.from({ length: 720 }, (_, i) =>
      rec({ start_us: T0 + i * MIN, end_us: T0 + (i + 1) * MIN - 1, reason: 'active-timeout', pkts_toserver: 4 + (i % 2), pkts_toclient: 4, bytes_toserver: 400, bytes_toclient: 380 }),
    );
    const s = scorer(undefined, { maxConnectionsPerPair: 16 }, pools);
    s.add(flows);
    expect(s.counters.compactions).toBeGreaterThan(0);
    expect(s.heldRecords).toBeLessThan(32);
    const [streamed] = s.pass().scored;
    const [onDemand] = detectFlowMiners(analyseFlowRecords(flows, { ip: CLIENT, fromUs: T0, toUs: T0 + 24 * HOUR }), poolIntel({ addresses: pools }));
    expect(streamed?.alert).toBeDefined();
    expect(streamed).toEqual(onDemand);
  });

  it('gives what flows --detect gives for the same flows (scores and alerts, ids included)', () => {
    const pools = new Map([[POOL, 'pool.example']]);
    const flows = [
      ...reconnects(90),
      ...longSession(6),
      ...browser(60),
      ...reconnects(40, { dest: '198.51.100.9', port: 14444 }),
      // DNS over UDP at irregular times, replies reported server side first by a one-direction exporter.
      ...Array.from({ length: 30 }, (_, i) => rec({ src_port: 30000 + i, dest_ip: '192.0.2.53', dest_port: 53, proto: 'UDP', start_us: dnsAt(i), end_us: dnsAt(i) + 20e3, pkts_toserver: 1, pkts_toclient: 0, bytes_toserver: 60 + (i % 7) * 9, bytes_toclient: 0 })),
      ...Array.from({ length: 30 }, (_, i) => rec({ src_ip: '192.0.2.53', src_port: 53, dest_ip: CLIENT, dest_port: 30000 + i, proto: 'UDP', start_us: dnsAt(i) + 10e3, end_us: dnsAt(i) + 20e3, pkts_toserver: 1, pkts_toclient: 0, bytes_toserver: 90 + (i % 5) * 70, bytes_toclient: 0 })),
    ].sort((a, b) => a.end_us - b.end_us);
    const s = scorer(undefined, {}, pools);
    const streamed: ScoredPair[] = [];
    // Batches as a collector writes them, a pass between some of them.
    for (let i = 0; i < flows.length; i += 37) {
      s.add(flows.slice(i, i + 37));
      if (i % (37 * 4) === 0) s.pass();
    }
    streamed.push(...s.pass().scored);
    // A pair not changed in the last pass was scored in an earlier one: score all once more.
    const full = scorer(undefined, {}, pools);
    full.add(flows);
    const all = full.pass().scored.sort(byKey);
    const onDemand = detectFlowMiners(analyseFlowRecords(flows, { ip: CLIENT, fromUs: T0, toUs: T0 + 24 * HOUR }), poolIntel({ addresses: pools })).sort(byKey);
    expect(all).toHaveLength(5);
    expect(all).toEqual(onDemand);
    expect(onDemand.filter((p) => p.alert).map((p) => `${p.server}:${p.server_port}`).sort()).toEqual(['198.51.100.77:3333', '198.51.100.9:14444', '203.0.113.50:8080']);
    for (const p of streamed) expect(p).toEqual(onDemand.find((o) => byKey(o, p) === 0));
  });

  it('scores in slices, pausing between them, with the result of one pass', async () => {
    const flows = [...reconnects(30), ...browser(30), ...longSession(4), ...reconnects(30, { dest: '198.51.100.9', port: 14444 })];
    const whole = scorer(undefined, {}, new Map([[POOL, 'pool.example']]));
    whole.add(flows);
    const sliced = scorer(undefined, {}, new Map([[POOL, 'pool.example']]));
    sliced.add(flows);
    let pauses = 0;
    const r = await sliced.passInSlices(1, async () => {
      pauses++;
      // A record that arrives for a pair this pass scored already waits for the next pass.
      if (pauses === 1) sliced.add(reconnects(31).slice(30));
    });
    expect(pauses).toBe(4);
    expect(r).toEqual(whole.pass());
    expect(sliced.pass().scored.map((p) => p.server)).toEqual(['203.0.113.50']);
  });

  it('rejects limits that cannot work', () => {
    expect(() => scorer(undefined, { maxPairs: 0 })).toThrow(/positive/);
    expect(() => scorer(undefined, { maxConnectionsPerPair: 1 })).toThrow(/positive/);
  });
});
