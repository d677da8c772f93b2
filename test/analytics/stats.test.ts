// Statistics, connection merging and the beacon score on records built for each property: values
// worked out by hand in the comments, regular and irregular series from a seeded generator.

import { describe, expect, it } from 'vitest';
import { analyseFlowRecords, beaconScore, bowley, coefficientOfVariation, mad, median, mergeConnections, quartiles, sparkline } from '../../src/analytics/index.js';
import type { FlowRecord } from '../../src/flows/types.js';
import { mulberry32 as rng } from '../../src/util/prng.js';

describe('statistics', () => {
  it('median, MAD, quartiles and Bowley skewness', () => {
    // Sorted 1 2 3 4 100: median 3; deviations 2 1 0 1 97 -> sorted 0 1 1 2 97 -> MAD 1.
    expect(median([4, 1, 100, 3, 2])).toBe(3);
    expect(mad([4, 1, 100, 3, 2])).toBe(1);
    // Linear interpolation on 1..5: Q1 = 2, Q2 = 3, Q3 = 4; symmetric so skew 0.
    expect(quartiles([1, 2, 3, 4, 5])).toEqual({ q1: 2, q2: 3, q3: 4 });
    expect(bowley([1, 2, 3, 4, 5])).toBe(0);
    // 1 2 3 10 20: Q1 2, Q2 3, Q3 10 -> (2 + 10 - 6) / 8 = 0.75.
    expect(bowley([1, 2, 3, 10, 20])).toBe(0.75);
    expect(bowley([7, 7, 7, 7])).toBe(0);
    // 2 4 4 4 5 5 7 9: mean 5, population SD 2 -> CV 0.4.
    expect(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(0.4, 10);
  });

  it('sparkline scales to the largest bin and leaves empty bins blank', () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe(' ▁▂▄█');
    expect(sparkline([0, 0])).toBe('  ');
  });
});

const T0 = 1_800_000_000_000_000;

function rec(p: Partial<FlowRecord> & { start_us: number; end_us: number }): FlowRecord {
  return {
    flow_id: `${p.src_port ?? 50000}-${p.start_us}`,
    source: 'ipfix',
    src_ip: '10.1.2.3',
    src_port: 50000,
    dest_ip: '203.0.113.21',
    dest_port: 3333,
    proto: 'TCP',
    pkts_toserver: 10,
    pkts_toclient: 10,
    bytes_toserver: 1000,
    bytes_toclient: 2000,
    ...p,
  };
}


describe('connections and beacon score', () => {
  it('merges active-timeout cuts of one 5-tuple into one connection, keeps reconnects apart', () => {
    // One 3-hour session cut every 30 minutes by the exporter's active timeout.
    const cuts = Array.from({ length: 6 }, (_, i) =>
      rec({ start_us: T0 + i * 1800e6 + (i > 0 ? 1e6 : 0), end_us: T0 + (i + 1) * 1800e6, reason: i === 5 ? 'end' : 'active-timeout' }),
    );
    const conns = mergeConnections(cuts);
    expect(conns).toHaveLength(1);
    expect(conns[0]?.records).toBe(6);
    expect(conns[0]?.bytes_toserver).toBe(6000);
    // The same port again after the connection ended is a new connection.
    const again = mergeConnections([...cuts, rec({ start_us: T0 + 3 * 3600e6 + 10e6, end_us: T0 + 3 * 3600e6 + 20e6 })]);
    expect(again).toHaveLength(2);
    const a = analyseFlowRecords(cuts, { ip: '203.0.113.21', fromUs: T0, toUs: T0 + 3 * 3600e6 });
    expect(a.pairs[0]?.connections).toBe(1);
    expect(a.pairs[0]?.beacon.timestamp).toBeNull(); // a cut session is not a beacon
    expect(a.pairs[0]?.longest_connection_s).toBe(10800);
  });

  it('turns a mid-connection record reported server-first back round before merging', () => {
    const first = rec({ start_us: T0, end_us: T0 + 60e6, bytes_toserver: 100, bytes_toclient: 900 });
    const flipped = rec({
      src_ip: '203.0.113.21',
      src_port: 3333,
      dest_ip: '10.1.2.3',
      dest_port: 50000,
      start_us: T0 + 61e6,
      end_us: T0 + 120e6,
      bytes_toserver: 700,
      bytes_toclient: 50,
    });
    const conns = mergeConnections([flipped, first]);
    expect(conns).toHaveLength(1);
    expect(conns[0]).toMatchObject({ client: '10.1.2.3', server_port: 3333, bytes_toserver: 150, bytes_toclient: 1600, records: 2 });
  });

  it('scores regular reconnects with constant bytes high and random ones low', () => {
    const r = rng(42);
    const regular: FlowRecord[] = [];
    const random: FlowRecord[] = [];
    let tr = T0;
    let tx = T0;
    for (let i = 0; i < 48; i++) {
      // Every 300 s with up to 2 s jitter, 30 s long, the same bytes each time.
      const jitter = Math.floor(r() * 2e6);
      regular.push(rec({ src_port: 40000 + i, start_us: tr + jitter, end_us: tr + jitter + 30e6, reason: 'end' }));
      tr += 300e6;
      // Exponential gaps with mean 300 s and bytes anywhere from 100 to 100 000.
      tx += Math.floor(-Math.log(1 - r()) * 300e6);
      const bytes = 100 + Math.floor(r() * 100_000);
      random.push(rec({ src_port: 40000 + i, start_us: tx, end_us: tx + 5e6, bytes_toserver: bytes, bytes_toclient: bytes * 2, reason: 'end' }));
    }
    const reg = beaconScore(mergeConnections(regular));
    const rnd = beaconScore(mergeConnections(random));
    expect(reg.score).toBeGreaterThan(0.9);
    expect(reg.data_size).toBe(1);
    expect(rnd.score).toBeLessThan(0.6);
    expect(rnd.score).toBeLessThan(reg.score - 0.3);
    const a = analyseFlowRecords(regular, { ip: '10.1.2.3', fromUs: T0, toUs: T0 + 48 * 300e6 });
    const p = a.pairs[0];
    expect(p?.connections).toBe(48);
    expect(p?.interval?.count).toBe(47);
    expect(Math.abs((p?.interval?.median_s ?? 0) - 300)).toBeLessThan(2);
    expect(p?.per_connection_total.cv).toBe(0);
    expect(p?.sparkline).toHaveLength(48);
    expect(p?.sparkline.trim().length).toBe(48);
  });

  it('needs four connections for a beacon score', () => {
    const three = [0, 1, 2].map((i) => rec({ src_port: 41000 + i, start_us: T0 + i * 60e6, end_us: T0 + i * 60e6 + 1e6, reason: 'end' }));
    const b = beaconScore(mergeConnections(three));
    expect(b.score).toBe(0);
    expect(b.timestamp).toBeNull();
    expect(b.reason).toMatch(/fewer than 4/);
  });
});
