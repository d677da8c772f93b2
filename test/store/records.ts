// Deterministic alerts and flow records for store and bus tests. No test framework imports here:
// the multi-process tests run this file in child processes too.

import { createHash } from 'node:crypto';
import type { Alert } from '../../src/alerts/types.js';
import { MINING_CATEGORY } from '../../src/alerts/types.js';
import type { FlowRecord } from '../../src/flows/types.js';

/** 2026-11-02T00:00:00Z in microseconds: a day boundary, so day arithmetic in the tests is exact. */
export const T0 = 1_762_041_600_000_000;
export const SEC = 1_000_000;

export function makeAlert(i: number, over: Partial<Alert> = {}): Alert {
  return {
    id: `a${String(i).padStart(5, '0')}`,
    source: 'sensor',
    ts_us: T0 + i * SEC,
    flow_id: String(1000 + i),
    src_ip: `10.0.0.${i % 7}`,
    src_port: 40000 + i,
    dest_ip: `203.0.113.${i % 3}`,
    dest_port: 3333,
    proto: 'TCP',
    app_proto: 'stratum',
    alert: {
      action: 'allowed',
      gid: 1,
      signature_id: 9000000 + (i % 4),
      rev: 1,
      signature: `MINERWATCH Stratum login ${i % 2 === 0 ? 'XMRig' : 'cgminer'}`,
      category: MINING_CATEGORY,
      severity: ((i % 3) + 1) as 1 | 2 | 3,
      metadata: { rule: [`r${i % 4}`] },
    },
    confidence: 0.9,
    explanation: `Host 10.0.0.${i % 7} logged in to a mining pool with wallet 4A${i}`,
    rules: ['stratum.login'],
    evidence: { stratum: { method: 'login', agent: 'XMRig/6.21.0' } },
    ...over,
  };
}

export function makeFlow(i: number, over: Partial<FlowRecord> = {}): FlowRecord {
  return {
    flow_id: `f${i}`,
    source: 'sensor',
    src_ip: '10.0.0.5',
    src_port: 50000 + (i % 10000),
    dest_ip: '198.51.100.7',
    dest_port: 3333,
    proto: 'TCP',
    start_us: T0 + i * SEC,
    end_us: T0 + i * SEC + 30 * SEC,
    pkts_toserver: 10,
    pkts_toclient: 8,
    bytes_toserver: 1200,
    bytes_toclient: 900,
    ...over,
  };
}


/** Alert `i` with its id a digest of the evidence, as detectors derive ids (same evidence, same id). */
export function evidenceAlert(i: number): Alert {
  const a = makeAlert(i);
  const id = createHash('sha256')
    .update(JSON.stringify([a.ts_us, a.src_ip, a.src_port, a.dest_ip, a.dest_port, a.alert.signature_id]))
    .digest('hex')
    .slice(0, 32);
  return { ...a, id };
}
