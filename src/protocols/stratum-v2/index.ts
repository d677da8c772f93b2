// The Stratum V2 analyser: recognises the shape of the Noise NX handshake (64-byte client key,
// 234- or 170-byte server answer) and reports it as the weak fact `stratum_v2.handshake_shape`.

import type { Analyser, Direction, FlowInfo, ProbeResult, SessionContext } from '../analyser.js';
import { probeStratumV2 } from './parser.js';
import { StratumV2Session } from './session.js';

export type { StratumV2Record } from './record.js';
export { STRATUM_V2_FACT_NAMES } from './record.js';

export function createStratumV2Analyser(): Analyser {
  return {
    name: 'stratum_v2',
    transports: ['tcp'],
    probe(data: Uint8Array, direction: Direction, _flow: FlowInfo): ProbeResult {
      return probeStratumV2(data, direction);
    },
    createSession(ctx: SessionContext) {
      return new StratumV2Session(ctx);
    },
  };
}
