// Per-flow state of the cryptocurrency-node analyser: recognises the protocol from the first bytes
// the probe accepted, raises one `crypto_node.p2p` fact and is then done (nothing later in a node
// conversation changes what the flow is).

import { DONE, NEED_MORE, violation } from '../analyser.js';
import type { AnalyserSession, Direction, SessionContext, SessionStatus } from '../analyser.js';
import { probeNodeDatagram, probeNodeStream } from './parser.js';
import type { CryptoNodeRecord } from './record.js';

/** Bytes kept per direction while the first header is incomplete. */
export const MAX_NODE_PROBE_BYTES = 64;

export class CryptoNodeSession implements AnalyserSession {
  private rec: CryptoNodeRecord | undefined;
  private readonly head: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];

  constructor(private readonly ctx: SessionContext) {}

  onData(direction: Direction, data: Uint8Array, tsUs: number): SessionStatus {
    if (this.rec) return DONE;
    const f = this.ctx.flow;
    if (f.transport === 'udp') {
      const p = probeNodeDatagram(data, f.serverPort, f.clientPort);
      return p.kind === 'match' ? this.found(p.record, direction, tsUs) : violation('crypto_node.not_node');
    }
    const prev = this.head[direction];
    const room = MAX_NODE_PROBE_BYTES - prev.length;
    const joined = new Uint8Array(prev.length + Math.min(room, data.length));
    joined.set(prev, 0);
    joined.set(data.subarray(0, joined.length - prev.length), prev.length);
    this.head[direction] = joined;
    const p = probeNodeStream(joined, f.serverPort, f.clientPort);
    if (p.kind === 'match') return this.found(p.record, direction, tsUs);
    if (p.kind === 'no' || joined.length >= MAX_NODE_PROBE_BYTES) return violation('crypto_node.not_node');
    return NEED_MORE;
  }

  private found(record: CryptoNodeRecord, direction: Direction, tsUs: number): SessionStatus {
    this.rec = record;
    this.head[0] = new Uint8Array(0);
    this.head[1] = new Uint8Array(0);
    this.ctx.emit({ name: 'crypto_node.p2p', tsUs, direction, data: { ...record } });
    return DONE;
  }

  onGap(): SessionStatus {
    return this.rec ? DONE : violation('crypto_node.gap_before_header');
  }

  onEnd(): void {}

  record(): Record<string, unknown> | undefined {
    return this.rec ? { ...this.rec } : undefined;
  }
}
