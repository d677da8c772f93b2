// The decoded form of one packet. Decoders fill a preallocated DecodedPacket in place (as
// gopacket's DecodingLayerParser does) and every byte field is a view into the captured buffer:
// copy before keeping it past the packet's callback.

export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

export interface TcpOptions {
  mss: number; // 0 when absent
  windowScale: number; // -1 when absent
  sackPermitted: boolean;
  sackBlocks: number;
  tsVal: number; // -1 when absent
  tsEcr: number;
}

export interface DecodedPacket {
  tsUs: number;
  frameNumber: number;
  /** Bytes on the wire (frame length), as tshark's conversation statistics count them. */
  frameLen: number;
  /** Outer 802.1Q VLAN id, 0 when untagged; innerVlan for QinQ. */
  vlan: number;
  innerVlan: number;
  /** 4 or 6; 0 when the packet carries no IP. */
  ipVersion: number;
  /** 4 or 16 bytes, views into the packet (or into a reassembled datagram). */
  srcAddr: Uint8Array;
  dstAddr: Uint8Array;
  ipTtl: number;
  /** Transport protocol number (after IPv6 extension headers). */
  protocol: number;
  /** True when this packet is a reassembled IP datagram. */
  isReassembled: boolean;
  /** True when it is a non-first fragment that was held for reassembly (nothing more to do). */
  isFragmentHeld: boolean;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  tcpWindow: number;
  tcpOptions: TcpOptions;
  /** Transport payload (TCP/UDP data), a view; length 0 when none. */
  payload: Uint8Array;
  /** Payload bytes the snaplen cut off (on the wire but not captured). */
  payloadMissing: number;
}

/** Named anomaly counters, Zeek's "weird" in spirit: `ipv4.bad_header_length` and so on. */
export interface AnomalySink {
  count(name: string, n?: number): void;
}

export class AnomalyCounter implements AnomalySink {
  readonly counts = new Map<string, number>();
  count(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
