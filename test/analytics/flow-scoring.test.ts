// Flow-only miner scoring on records built for each behaviour: a miner reconnecting on schedule,
// a long session cut by an exporter's active timeout, and a browser-like client. Pool addresses
// come from the DNS-learned address table of the intelligence part.

import { describe, expect, it } from 'vitest';
import { analyseFlowRecords } from '../../src/analytics/index.js';
import { detectFlowMiners, FLOW_MAX_CONFIDENCE, FLOW_MINER_SID, poolIntel } from '../../src/detect/flow-scoring/index.js';
import type { FlowRecord } from '../../src/flows/types.js';
import { loadEveAlertSchema, validateSchema } from '../../src/alerts/eve-schema.js';
import { toEveLine } from '../../src/alerts/eve.js';
import { LearnedPoolAddresses } from '../../src/intel/learned-addresses.js';

const T0 = 1_800_000_000_000_000;
const POOL = '198.51.100.77';

function rec(p: Partial<FlowRecord> & { start_us: number; end_us: number }): FlowRecord {
  return {
    flow_id: `${p.src_port ?? 0}-${p.start_us}`,
    source: 'ipfix',
    src_ip: '10.1.2.3',
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

const window = { ip: POOL, fromUs: T0, toUs: T0 + 24 * 3600e6 };

describe('flow-only miner scoring', () => {
  it('a miner reconnecting every 10 minutes with the same bytes alerts, with low confidence and its figures', () => {
    const flows = Array.from({ length: 100 }, (_, i) => rec({ src_port: 40000 + i, start_us: T0 + i * 600e6 + (i % 3) * 1e6, end_us: T0 + i * 600e6 + 120e6, reason: 'end' }));
    const [s] = detectFlowMiners(analyseFlowRecords(flows, window), poolIntel({}));
    expect(s?.alert?.alert.signature_id).toBe(FLOW_MINER_SID);
    expect(s?.alert?.source).toBe('flows');
    expect(s?.alert?.alert.severity).toBe(3); // no pool address known
    expect(s?.alert?.confidence).toBeLessThanOrEqual(FLOW_MAX_CONFIDENCE);
    expect(s?.alert?.rules).toEqual(expect.arrayContaining(['flow-miner.mining_port', 'flow-miner.regular_reconnects', 'flow-miner.constant_bytes']));
    expect(s?.alert?.explanation).toMatch(/over 100 connections, median interval 60[01] s/);
    // The alert is a valid EVE alert line like every other source's.
    expect(validateSchema(loadEveAlertSchema(), JSON.parse(toEveLine(s?.alert as NonNullable<typeof s>['alert'] & object)))).toEqual([]);
  });

  it('a session cut by an active timeout is one long connection, and a DNS-learned pool name makes it alert', () => {
    const flows = Array.from({ length: 8 }, (_, i) =>
      rec({ start_us: T0 + i * 1800e6, end_us: T0 + (i + 1) * 1800e6 - 1, reason: 'active-timeout', pkts_toserver: 60, pkts_toclient: 50, bytes_toserver: 5400, bytes_toclient: 6100 }),
    );
    const a = analyseFlowRecords(flows, window);
    expect(a.pairs[0]?.connections).toBe(1);
    const unknown = detectFlowMiners(a, poolIntel({}))[0];
    expect(unknown?.score.fired.map((f) => f.id)).not.toContain('flow-miner.regular_reconnects');
    const learned = new LearnedPoolAddresses();
    learned.learn('10.1.2.3', POOL, 'pool.supportxmr.com', 300, T0 - 1e6);
    const known = detectFlowMiners(a, poolIntel({ learned, atUs: T0 }))[0];
    expect(known?.alert?.alert.severity).toBe(2);
    expect(known?.alert?.explanation).toContain('pool.supportxmr.com');
    expect(known?.alert?.explanation).toMatch(/lasted 14400 s/);
  });

  it('a browser-like client (random times and sizes, port 443) does not alert', () => {
    let seed = 7;
    const r = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let t = T0;
    const flows: FlowRecord[] = [];
    for (let i = 0; i < 60; i++) {
      t += Math.floor(-Math.log(1 - r()) * 900e6);
      const b = 500 + Math.floor(r() * 200_000);
      flows.push(rec({ src_port: 41000 + i, dest_port: 443, start_us: t, end_us: t + Math.floor(r() * 20e6), bytes_toserver: 800, bytes_toclient: b, reason: 'end' }));
    }
    const [s] = detectFlowMiners(analyseFlowRecords(flows, window), poolIntel({}));
    expect(s?.alert).toBeUndefined();
    expect(s?.score.score).toBeLessThan(0.5);
  });
});
