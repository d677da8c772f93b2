// The stratum analyser: line-delimited JSON mining protocols over TCP (Bitcoin/ZCash stratum v1,
// EthereumStratum/1.0.0, EthProxy, CryptoNote/XMRig), in either direction, from the start of a
// session or from its middle. Reports the EVE `stratum` record and `stratum.*` fact events.

import type { Analyser, Direction, FlowInfo, ProbeResult, SessionContext } from '../analyser.js';
import { probeStratum } from './parser.js';
import { DEFAULT_STRATUM_LIMITS, StratumSession } from './session.js';
import type { StratumLimits } from './session.js';

export type { StratumRecord, StratumDialect, StratumStep } from './record.js';
export { STRATUM_FACT_NAMES } from './record.js';
export { StratumConversation, DEFAULT_STRATUM_LIMITS, withPoolHost } from './session.js';
export type { StratumLimits } from './session.js';

export function createStratumAnalyser(limits: Partial<StratumLimits> = {}): Analyser {
  const effective: Readonly<StratumLimits> = Object.freeze({ ...DEFAULT_STRATUM_LIMITS, ...limits });
  return {
    name: 'stratum',
    transports: ['tcp'],
    probe(data: Uint8Array, _direction: Direction, _flow: FlowInfo): ProbeResult {
      return probeStratum(data);
    },
    createSession(ctx: SessionContext) {
      return new StratumSession(ctx, effective);
    },
  };
}
