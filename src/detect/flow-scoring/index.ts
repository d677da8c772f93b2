// Flow-only miner detection: scores each client/server/port pair of a flow analysis and raises
// alerts (source 'flows') for those that behave like a miner and its pool: on demand over one
// analysis (`detectFlowMiners`), or continuously over flow records as they are stored
// (`FlowStreamScorer`, run by `serve`).

import type { FlowAnalysis } from '../../analytics/analyse.js';
import type { Alert } from '../../alerts/types.js';
import { flowMinerAlert } from './alert.js';
import { scoreMinerPair, type FlowScore, type PoolIntel } from './score.js';

export * from './score.js';
export { flowMinerAlert, FLOW_MINER_SID, FLOW_MAX_CONFIDENCE } from './alert.js';
export { poolIntel, type PoolIntelSources } from './intel.js';
export {
  FlowStreamScorer,
  FLOW_STREAM_MAX_PAIRS,
  FLOW_STREAM_MAX_CONNECTIONS_PER_PAIR,
  FLOW_STREAM_MAX_RECORDS,
  FLOW_STREAM_WINDOW_US,
  FLOW_STREAM_INTERVAL_US,
  FLOW_RERAISE_SCORE_STEP,
  type FlowStreamOptions,
  type FlowStreamCounters,
  type FlowStreamPass,
} from './stream.js';

export interface ScoredPair {
  client: string;
  server: string;
  server_port: number;
  score: FlowScore;
  alert?: Alert;
}

export function detectFlowMiners(analysis: FlowAnalysis, intel: PoolIntel): ScoredPair[] {
  return analysis.pairs.map((p) => {
    const score = scoreMinerPair(p, intel);
    const out: ScoredPair = { client: p.client, server: p.server, server_port: p.server_port, score };
    if (score.shouldAlert) out.alert = flowMinerAlert(p, score);
    return out;
  });
}
