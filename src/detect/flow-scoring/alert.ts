// Turns a flow score into an alert of the common model (source 'flows'). Flow evidence is
// circumstantial, so confidence stays below what payload evidence earns (at most
// FLOW_MAX_CONFIDENCE), and the explanation quotes the figures that made it fire.

import { createHash } from 'node:crypto';
import type { PairAnalysis } from '../../analytics/analyse.js';
import { MINING_CATEGORY, type Alert } from '../../alerts/types.js';
import { DETECT_GID } from '../rules.js';
import type { FlowScore } from './score.js';

/** Signature of the flow-only miner alert (inside the project's SID range). */
export const FLOW_MINER_SID = 9_100_100;
export const FLOW_MINER_REV = 1;
/** Highest confidence a flow-only alert gets (payload evidence scores higher). */
export const FLOW_MAX_CONFIDENCE = 0.6;

export function flowMinerAlert(p: PairAnalysis, s: FlowScore): Alert {
  const id = createHash('sha256')
    .update(`flows|${FLOW_MINER_SID}|${p.client}|${p.server}|${p.server_port}|${p.proto}|${p.first_seen_us}`)
    .digest('hex')
    .slice(0, 32);
  const confidence = Math.round(Math.min(FLOW_MAX_CONFIDENCE, 0.3 + 0.3 * s.score) * 100) / 100;
  return {
    id,
    source: 'flows',
    ts_us: p.first_seen_us,
    src_ip: p.client,
    src_port: p.client_port,
    dest_ip: p.server,
    dest_port: p.server_port,
    proto: p.proto,
    alert: {
      action: 'allowed',
      gid: DETECT_GID,
      signature_id: FLOW_MINER_SID,
      rev: FLOW_MINER_REV,
      signature: 'MINERWATCH Flow behaviour of a miner talking to its pool',
      category: MINING_CATEGORY,
      severity: s.poolName !== undefined ? 2 : 3,
      metadata: { family: ['flow-behaviour'] },
    },
    confidence,
    explanation: explain(p, s),
    rules: s.fired.map((f) => f.id),
    evidence: {
      flow: {
        score: s.score,
        connections: p.connections,
        first_seen_us: p.first_seen_us,
        last_seen_us: p.last_seen_us,
        bytes_toserver: p.bytes_toserver,
        bytes_toclient: p.bytes_toclient,
        pkts_toserver: p.pkts_toserver,
        pkts_toclient: p.pkts_toclient,
        longest_connection_s: p.longest_connection_s,
        interval: p.interval,
        beacon: p.beacon,
        ...s.figures,
        points: s.fired,
        ...(s.poolName !== undefined ? { pool: s.poolName } : {}),
      },
    },
  };
}

function explain(p: PairAnalysis, s: FlowScore): string {
  const why = s.fired.map((f) => f.detail).join('; ');
  return (
    `${p.client} talked to ${p.server}:${p.server_port}/${p.proto.toLowerCase()} the way a miner talks to its pool ` +
    `(flow score ${s.score.toFixed(2)} from flow records only, no payload seen): ${why}.`
  );
}
