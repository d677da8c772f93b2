// The cryptocurrency-node analyser: recognises Bitcoin-family P2P, Monero Levin, Ethereum devp2p
// and discovery, and Nano node traffic from their first bytes, so detection can tell a node (not
// a miner) apart and report it as an informational notice.

import type { Analyser, Direction, FlowInfo, ProbeResult, SessionContext } from '../analyser.js';
import { probeNodeDatagram, probeNodeStream } from './parser.js';
import { CryptoNodeSession } from './session.js';

export type { CryptoNodeRecord, CryptoNodeFact } from './record.js';
export { CRYPTO_NODE_FACT_NAMES } from './record.js';

export function createCryptoNodeAnalyser(): Analyser {
  return {
    name: 'crypto_node',
    transports: ['tcp', 'udp'],
    probe(data: Uint8Array, _direction: Direction, flow: FlowInfo): ProbeResult {
      const p = flow.transport === 'udp' ? probeNodeDatagram(data, flow.serverPort, flow.clientPort) : probeNodeStream(data, flow.serverPort, flow.clientPort);
      return p.kind === 'match' ? 'yes' : p.kind === 'need-more' ? 'maybe' : 'no';
    },
    createSession(ctx: SessionContext) {
      return new CryptoNodeSession(ctx);
    },
  };
}
