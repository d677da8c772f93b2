// The HTTP/1.x analyser: requests, responses, chosen headers, JSON bodies and WebSocket text
// frames. Reports the EVE `http` object, `http.*` facts, and for mining over HTTP or WebSocket
// (getwork, getblocktemplate, EthProxy over HTTP, monerod RPC, in-browser miners) `stratum.*` facts.

import type { Analyser, Direction, FlowInfo, ProbeResult, SessionContext } from '../analyser.js';
import { probeHttp } from './parser.js';
import { DEFAULT_HTTP_LIMITS, HttpSession } from './session.js';
import type { HttpLimits } from './session.js';

export type { HttpRecord, HttpTransaction, HttpWebSocket } from './record.js';
export { HTTP_FACT_NAMES } from './record.js';
export { DEFAULT_HTTP_LIMITS } from './session.js';
export type { HttpLimits } from './session.js';

export function createHttpAnalyser(limits: Partial<HttpLimits> = {}): Analyser {
  const effective: Readonly<HttpLimits> = Object.freeze({ ...DEFAULT_HTTP_LIMITS, ...limits });
  return {
    name: 'http',
    transports: ['tcp'],
    probe(data: Uint8Array, direction: Direction, _flow: FlowInfo): ProbeResult {
      return probeHttp(data, direction);
    },
    createSession(ctx: SessionContext) {
      return new HttpSession(ctx, effective);
    },
  };
}
