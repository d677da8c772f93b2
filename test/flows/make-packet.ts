// Builds DecodedPacket values by hand for flow-table and engine tests, as the decoder would fill them.

import type { DecodedPacket } from '../../src/decode/types.js';
import { parseIp } from '../../src/util/ip.js';

export interface PacketSpec {
  ts: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  proto?: number;
  flags?: number;
  seq?: number;
  ack?: number;
  payload?: string | Uint8Array;
  frameLen?: number;
  vlan?: number;
  frameNumber?: number;
}

export function makePacket(s: PacketSpec): DecodedPacket {
  const src = parseIp(s.src);
  const dst = parseIp(s.dst);
  if (!src || !dst) throw new Error(`bad address in ${JSON.stringify(s)}`);
  const payload = typeof s.payload === 'string' ? new TextEncoder().encode(s.payload) : (s.payload ?? new Uint8Array(0));
  const proto = s.proto ?? 6;
  const headers = 14 + (src.length === 4 ? 20 : 40) + (proto === 6 ? 20 : 8);
  return {
    tsUs: s.ts,
    frameNumber: s.frameNumber ?? 0,
    frameLen: s.frameLen ?? headers + payload.length,
    vlan: s.vlan ?? 0,
    innerVlan: 0,
    ipVersion: src.length === 4 ? 4 : 6,
    srcAddr: src,
    dstAddr: dst,
    ipTtl: 64,
    protocol: proto,
    isReassembled: false,
    isFragmentHeld: false,
    srcPort: s.sport,
    dstPort: s.dport,
    tcpFlags: s.flags ?? 0,
    tcpSeq: s.seq ?? 0,
    tcpAck: s.ack ?? 0,
    tcpWindow: 65535,
    tcpOptions: { mss: 0, windowScale: -1, sackPermitted: false, sackBlocks: 0, tsVal: -1, tsEcr: 0 },
    payload,
    payloadMissing: 0,
  };
}
