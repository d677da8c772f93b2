// Policy: does one client/server/port pair's flow behaviour look like a miner talking to its
// pool? Flow records carry no payload, so this is circumstantial evidence, scored in points from
// figures the analytics computed. The points follow published flow-based miner detection (CESNET
// Nemea miner_detector's long active time, small packets and steady packet rate; pool-port
// knowledge; regular reconnects with near-constant bytes) and are explained in docs/flows.md.

import type { PairAnalysis } from '../../analytics/analyse.js';

/** Known pool addresses and mining ports, supplied by the intelligence part. */
export interface PoolIntel {
  /** A name for the address when it is a known (or DNS-learned) pool address. */
  isPoolAddress(ip: string): string | undefined;
  isMiningPort(port: number): boolean;
}

export interface FlowScoreRule {
  id: string;
  points: number;
}

/** Rule ids and their points; the sum is clamped to 1. */
export const FLOW_RULES = {
  POOL_ADDRESS: { id: 'flow-miner.pool_address', points: 0.35 },
  MINING_PORT: { id: 'flow-miner.mining_port', points: 0.15 },
  LONG_LIVED: { id: 'flow-miner.long_lived_tcp', points: 0.15 },
  SMALL_PACKETS: { id: 'flow-miner.small_packets', points: 0.1 },
  STEADY_RATE: { id: 'flow-miner.steady_packet_rate', points: 0.1 },
  BOTH_WAYS: { id: 'flow-miner.both_directions', points: 0.1 },
  REGULAR_RECONNECTS: { id: 'flow-miner.regular_reconnects', points: 0.2 },
  CONSTANT_BYTES: { id: 'flow-miner.constant_bytes', points: 0.1 },
} as const satisfies Record<string, FlowScoreRule>;

/** Thresholds (named, with units). */
export const LONG_LIVED_MIN_S = 300; // Nemea: active time over 300 s
export const SMALL_PACKET_BYTES = { min: 50, max: 130 }; // Nemea: 50-130 bytes per packet
export const STEADY_PACKETS_PER_MINUTE = { min: 1, max: 30 }; // Nemea: 8-30; widened down for idle miners
export const BOTH_WAYS_BYTE_RATIO = { min: 0.2, max: 5 }; // up/down symmetry
export const REGULAR_BEACON_MIN = 0.7;
export const CONSTANT_BYTES_MAX_CV = 0.25;
/** Score at or above which an alert is raised (and only with intel or reconnect evidence). */
export const FLOW_ALERT_THRESHOLD = 0.5;

export interface FiredRule {
  id: string;
  points: number;
  detail: string;
}

export interface FlowScore {
  score: number;
  fired: FiredRule[];
  shouldAlert: boolean;
  poolName?: string;
  figures: {
    mean_packet_bytes: number;
    packets_per_minute: number;
    byte_ratio_down_up: number;
    bytes_per_connection_cv: number;
  };
}

export function scoreMinerPair(p: PairAnalysis, intel: PoolIntel): FlowScore {
  const fired: FiredRule[] = [];
  const fire = (r: FlowScoreRule, detail: string): void => {
    fired.push({ id: r.id, points: r.points, detail });
  };
  const pkts = p.pkts_toserver + p.pkts_toclient;
  const bytes = p.bytes_toserver + p.bytes_toclient;
  const meanPacket = pkts > 0 ? bytes / pkts : 0;
  const perMinute = p.connected_s > 0 ? pkts / (p.connected_s / 60) : 0;
  const ratio = p.bytes_toserver > 0 ? p.bytes_toclient / p.bytes_toserver : Infinity;
  const totalsPerConn = sizeCv(p);
  const poolName = intel.isPoolAddress(p.server);
  if (poolName !== undefined) fire(FLOW_RULES.POOL_ADDRESS, `${p.server} is a known pool address (${poolName})`);
  if (intel.isMiningPort(p.server_port)) fire(FLOW_RULES.MINING_PORT, `port ${p.server_port} is a published pool port`);
  if (p.proto === 'TCP' && p.longest_connection_s >= LONG_LIVED_MIN_S) {
    fire(FLOW_RULES.LONG_LIVED, `a TCP connection lasted ${round(p.longest_connection_s)} s`);
  }
  if (pkts > 0 && meanPacket >= SMALL_PACKET_BYTES.min && meanPacket <= SMALL_PACKET_BYTES.max) {
    fire(FLOW_RULES.SMALL_PACKETS, `${round(meanPacket)} bytes per packet on average`);
  }
  if (perMinute >= STEADY_PACKETS_PER_MINUTE.min && perMinute <= STEADY_PACKETS_PER_MINUTE.max && p.connected_s >= 60) {
    fire(FLOW_RULES.STEADY_RATE, `${round(perMinute)} packets per minute while connected`);
  }
  if (p.pkts_toserver > 0 && p.pkts_toclient > 0 && ratio >= BOTH_WAYS_BYTE_RATIO.min && ratio <= BOTH_WAYS_BYTE_RATIO.max) {
    fire(FLOW_RULES.BOTH_WAYS, `${p.bytes_toserver} bytes up and ${p.bytes_toclient} down`);
  }
  if (p.beacon.timestamp !== null && p.beacon.score >= REGULAR_BEACON_MIN) {
    const iv = p.interval ? `, median interval ${round(p.interval.median_s)} s` : '';
    fire(FLOW_RULES.REGULAR_RECONNECTS, `beacon score ${p.beacon.score.toFixed(2)} over ${p.connections} connections${iv}`);
  }
  if (p.connections >= 4 && totalsPerConn <= CONSTANT_BYTES_MAX_CV) {
    fire(FLOW_RULES.CONSTANT_BYTES, `bytes per connection vary by ${Math.round(totalsPerConn * 100)}% (coefficient of variation)`);
  }
  const score = Math.min(1, fired.reduce((s, r) => s + r.points, 0));
  const has = (r: FlowScoreRule): boolean => fired.some((f) => f.id === r.id);
  const hasAnchor = has(FLOW_RULES.POOL_ADDRESS) || has(FLOW_RULES.MINING_PORT) || has(FLOW_RULES.REGULAR_RECONNECTS);
  const hasBehaviour = has(FLOW_RULES.LONG_LIVED) || has(FLOW_RULES.REGULAR_RECONNECTS) || has(FLOW_RULES.CONSTANT_BYTES);
  const out: FlowScore = {
    score,
    fired,
    shouldAlert: score >= FLOW_ALERT_THRESHOLD && hasAnchor && hasBehaviour,
    figures: {
      mean_packet_bytes: round(meanPacket),
      packets_per_minute: round(perMinute),
      byte_ratio_down_up: Number.isFinite(ratio) ? round(ratio) : -1,
      bytes_per_connection_cv: round(totalsPerConn),
    },
  };
  if (poolName !== undefined) out.poolName = poolName;
  return out;
}

/** Coefficient of variation of total bytes per connection. */
function sizeCv(p: PairAnalysis): number {
  return p.per_connection_total.cv;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
