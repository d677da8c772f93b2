// Chooses the packets of given flows (5-tuples, either direction), for writing one pcap per alert.
// The test compares bytes, not strings, so it costs no allocation per packet.

import { parseIp } from '../util/ip.js';
import type { DecodedPacket } from './types.js';

export interface FiveTuple {
  /** IP protocol number (6 TCP, 17 UDP...). */
  protocol: number;
  srcIp: string;
  srcPort: number;
  destIp: string;
  destPort: number;
}

interface Compiled {
  protocol: number;
  a: Uint8Array;
  pa: number;
  b: Uint8Array;
  pb: number;
}

function same(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export class FlowPacketFilter {
  private readonly flows: Compiled[] = [];

  constructor(flows: readonly FiveTuple[]) {
    for (const f of flows) {
      const a = parseIp(f.srcIp);
      const b = parseIp(f.destIp);
      if (!a || !b) throw new Error(`FlowPacketFilter: not an address pair: ${f.srcIp} ${f.destIp}`);
      this.flows.push({ protocol: f.protocol, a, pa: f.srcPort, b, pb: f.destPort });
    }
  }

  /** Does the decoded packet belong to one of the flows, in either direction? */
  matches(d: DecodedPacket): boolean {
    for (const f of this.flows) {
      if (d.protocol !== f.protocol) continue;
      if (d.srcPort === f.pa && d.dstPort === f.pb && same(d.srcAddr, f.a) && same(d.dstAddr, f.b)) return true;
      if (d.srcPort === f.pb && d.dstPort === f.pa && same(d.srcAddr, f.b) && same(d.dstAddr, f.a)) return true;
    }
    return false;
  }
}
