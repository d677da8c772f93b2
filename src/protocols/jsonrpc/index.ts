// The generic JSON-RPC analyser (1.0 and 2.0 over raw TCP). Records methods and message counts and
// hints at cryptocurrency node RPC, without calling anything mining: mining flows are the stratum
// analyser's, and this one steps aside when a mining message appears.

import type { Analyser, Direction, FlowInfo, ProbeResult, SessionContext } from '../analyser.js';
import { probeJsonRpc } from './parser.js';
import { DEFAULT_JSONRPC_LIMITS, JsonRpcSession } from './session.js';
import type { JsonRpcLimits } from './session.js';

export type { JsonRpcRecord, NodeRpcCoin } from './record.js';
export { JSONRPC_FACT_NAMES } from './record.js';
export { JsonRpcTally, nodeRpcCoin } from './parser.js';
export { DEFAULT_JSONRPC_LIMITS } from './session.js';
export type { JsonRpcLimits } from './session.js';

export function createJsonRpcAnalyser(limits: Partial<JsonRpcLimits> = {}): Analyser {
  const effective: Readonly<JsonRpcLimits> = Object.freeze({ ...DEFAULT_JSONRPC_LIMITS, ...limits });
  return {
    name: 'jsonrpc',
    transports: ['tcp'],
    probe(data: Uint8Array, _direction: Direction, _flow: FlowInfo): ProbeResult {
      return probeJsonRpc(data);
    },
    createSession(ctx: SessionContext) {
      return new JsonRpcSession(ctx, effective);
    },
  };
}
