// The packet decoder: link layer, IP (with fragment reassembly) and TCP/UDP headers into a
// preallocated DecodedPacket, reading through a bounds-checked Cursor. This is the hot path: no
// allocation per packet except the payload view and reassembled datagrams; malformed input is a
// named anomaly count and a `false` return, never an exception.

import { LinkType, type CapturedPacket } from '../capture/types.js';
import { Cursor, EMPTY_BYTES } from './cursor.js';
import { DEFAULT_FRAGMENT_LIMITS, IpReassembler, type FragmentLimits } from './reassembly.js';
import { IpProto, type AnomalySink, type DecodedPacket } from './types.js';

export interface DecodeLimits extends FragmentLimits {
  /** VLAN tags walked in one Ethernet frame (802.1Q/802.1ad stacks); more is an anomaly. */
  maxVlanTags: number;
  /** IPv6 extension headers walked before giving up. */
  maxIpv6ExtHeaders: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = {
  ...DEFAULT_FRAGMENT_LIMITS,
  maxVlanTags: 8,
  maxIpv6ExtHeaders: 16,
};

/** Plain counters of what was decoded (not anomalies). */
export interface DecodeStats {
  packets: number;
  nonIp: number;
  ipv4: number;
  ipv6: number;
  tcp: number;
  udp: number;
  icmp: number;
  icmpv6: number;
  otherTransport: number;
  fragments: number;
  reassembled: number;
  malformed: number;
  unsupportedLink: number;
}

// EtherTypes (IEEE registry) and the ones this decoder walks through.
const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
const ETH_PPPOE_SESSION = 0x8864;
// BSD loopback address families: AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD,
// BSD/OS), 28 (FreeBSD, DragonFly) or 30 (Darwin) (pcap-linktype(7), LINKTYPE_NULL).
const AF_INET = 2;

export class PacketDecoder {
  readonly stats: DecodeStats = {
    packets: 0,
    nonIp: 0,
    ipv4: 0,
    ipv6: 0,
    tcp: 0,
    udp: 0,
    icmp: 0,
    icmpv6: 0,
    otherTransport: 0,
    fragments: 0,
    reassembled: 0,
    malformed: 0,
    unsupportedLink: 0,
  };
  readonly reassembler: IpReassembler;
  private readonly limits: DecodeLimits;
  private readonly cur = new Cursor();
  /** Bytes of the current IP packet the snaplen cut off (wire length minus captured). */
  private ipMissing = 0;

  constructor(
    private readonly anomalies: AnomalySink,
    limits: Partial<DecodeLimits> = {},
  ) {
    this.limits = { ...DEFAULT_DECODE_LIMITS, ...limits };
    this.reassembler = new IpReassembler(anomalies, this.limits);
  }

  /** A DecodedPacket to reuse for every decode call. */
  newDecodedPacket(): DecodedPacket {
    return newDecodedPacket();
  }

  /**
   * Decodes `p` into `out`. Returns true when `out` holds an IP packet to process further (with
   * ports when TCP or UDP); false for non-IP, malformed, unsupported, or fragments held for
   * reassembly (`out.isFragmentHeld`).
   */
  decode(p: CapturedPacket, out: DecodedPacket): boolean {
    this.stats.packets++;
    reset(out);
    out.tsUs = p.tsUs;
    out.frameNumber = p.frameNumber;
    out.frameLen = p.origLen;
    const data = p.data;
    const c = this.cur.reset(data);
    let off: number;
    let etherType: number;
    switch (p.linkType) {
      case LinkType.ETHERNET:
        if (!c.has(0, 14)) return this.bad('ethernet.truncated');
        etherType = c.u16(12);
        off = 14;
        break;
      case LinkType.LINUX_SLL:
        // Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol.
        if (!c.has(0, 16)) return this.bad('sll.truncated');
        etherType = c.u16(14);
        off = 16;
        break;
      case LinkType.LINUX_SLL2:
        // Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address.
        if (!c.has(0, 20)) return this.bad('sll2.truncated');
        etherType = c.u16(0);
        off = 20;
        break;
      case LinkType.NULL: {
        // The family is in the byte order of the capturing host; a value with its low 16 bits
        // zero was written by a host of the other byte order.
        if (!c.has(0, 4)) return this.bad('null.truncated');
        let fam = c.u32le(0);
        if ((fam & 0xffff) === 0) fam = c.u32(0);
        etherType = familyToEtherType(fam);
        if (etherType === 0) return this.bad('null.unknown_family');
        off = 4;
        break;
      }
      case LinkType.LOOP:
        // OpenBSD loopback: like NULL but always network byte order.
        if (!c.has(0, 4)) return this.bad('loop.truncated');
        etherType = familyToEtherType(c.u32(0));
        if (etherType === 0) return this.bad('null.unknown_family');
        off = 4;
        break;
      case LinkType.RAW:
      case 12: // DLT_RAW on some BSDs, written as-is by old tools
      case 14: {
        if (!c.has(0, 1)) return this.bad('raw.truncated');
        const v = c.u8(0) >> 4;
        etherType = v === 4 ? ETH_IPV4 : v === 6 ? ETH_IPV6 : 0;
        if (etherType === 0) return this.bad('raw.bad_ip_version');
        off = 0;
        break;
      }
      case LinkType.IPV4:
        etherType = ETH_IPV4;
        off = 0;
        break;
      case LinkType.IPV6:
        etherType = ETH_IPV6;
        off = 0;
        break;
      default:
        this.stats.unsupportedLink++;
        this.anomalies.count('link.unsupported_type');
        return false;
    }
    if (etherType === ETH_VLAN || etherType === ETH_QINQ || etherType === ETH_QINQ_OLD || etherType === ETH_PPPOE_SESSION) {
      // Tags and PPPoE follow Ethernet, and also the cooked headers (SLL keeps VLAN tags
      // in the payload when the kernel did not strip them).
      off = this.tagsAndPppoe(c, off, etherType, out);
      if (off < 0) return false;
      etherType = this.innerType;
    }
    if (etherType === ETH_IPV4) return this.ipv4(data, off, p.origLen, out);
    if (etherType === ETH_IPV6) return this.ipv6(data, off, p.origLen, out);
    this.stats.nonIp++;
    return false;
  }

  /** EtherType found by tagsAndPppoe. */
  private innerType = 0;

  /**
   * Walks 802.1Q / 802.1ad tags (outer VLAN id to `vlan`, the second to `innerVlan`) and a PPPoE
   * session header. Returns the offset of what follows (its EtherType in innerType), or -1.
   */
  private tagsAndPppoe(c: Cursor, start: number, type: number, out: DecodedPacket): number {
    let off = start;
    let etherType = type;
    let tags = 0;
    while (etherType === ETH_VLAN || etherType === ETH_QINQ || etherType === ETH_QINQ_OLD) {
      if (!c.has(off, 4)) return this.badAt('vlan.truncated');
      if (++tags > this.limits.maxVlanTags) return this.badAt('vlan.too_many_tags');
      const vid = c.u16(off) & 0x0fff;
      if (tags === 1) out.vlan = vid;
      else if (tags === 2) out.innerVlan = vid;
      etherType = c.u16(off + 2);
      off += 4;
    }
    if (etherType === ETH_PPPOE_SESSION) {
      // PPPoE session header (RFC 2516): ver/type, code, session id, length; then PPP protocol.
      if (!c.has(off, 8)) return this.badAt('pppoe.truncated');
      const pppProto = c.u16(off + 6);
      off += 8;
      etherType = pppProto === 0x0021 ? ETH_IPV4 : pppProto === 0x0057 ? ETH_IPV6 : 0;
    }
    this.innerType = etherType;
    return off;
  }

  private badAt(name: string): -1 {
    this.bad(name);
    return -1;
  }

  private bad(name: string): false {
    this.stats.malformed++;
    this.anomalies.count(name);
    return false;
  }

  /**
   * Wire end of an IP packet that starts at `off` and says it is `ipLen` bytes long, given the
   * frame's captured and wire lengths. Sets ipMissing; returns the captured end, or -1.
   */
  private ipEnd(capLen: number, off: number, ipLen: number, origLen: number, prefix: string): number {
    const wireEnd = off + ipLen;
    if (wireEnd <= capLen) {
      this.ipMissing = 0;
      return wireEnd;
    }
    if (wireEnd <= origLen) {
      // The snaplen cut the packet: what is missing was on the wire.
      this.ipMissing = wireEnd - capLen;
      return capLen;
    }
    // Longer than the frame itself: the length field lies. Use what the frame holds.
    this.anomalies.count(`${prefix}.length_exceeds_frame`);
    this.ipMissing = Math.max(0, origLen - capLen);
    return capLen;
  }

  private ipv4(b: Uint8Array, off: number, origLen: number, out: DecodedPacket): boolean {
    const c = this.cur.reset(b, off);
    if (!c.has(0, 20)) return this.bad('ipv4.truncated_header');
    const vihl = c.u8(0);
    if (vihl >> 4 !== 4) return this.bad('ipv4.bad_version');
    const ihl = (vihl & 0x0f) * 4;
    if (ihl < 20) return this.bad('ipv4.bad_header_length');
    if (!c.has(0, ihl)) return this.bad('ipv4.truncated_header');
    let totalLen = c.u16(2);
    if (totalLen === 0) {
      // TCP segmentation offload writes 0 here; the frame length stands in (as Wireshark does).
      this.anomalies.count('ipv4.zero_total_length');
      totalLen = origLen - off;
    }
    if (totalLen < ihl) return this.bad('ipv4.bad_total_length');
    const end = this.ipEnd(b.length, off, totalLen, origLen, 'ipv4');
    this.stats.ipv4++;
    out.ipVersion = 4;
    out.ipTtl = c.u8(8);
    const proto = c.u8(9);
    out.protocol = proto;
    c.copyTo(12, 4, out.srcAddr = srcV4(out));
    c.copyTo(16, 4, out.dstAddr = dstV4(out));
    const frag = c.u16(6);
    const fragOffset = (frag & 0x1fff) * 8;
    const moreFragments = (frag & 0x2000) !== 0;
    const payloadStart = off + ihl;
    if (fragOffset !== 0 || moreFragments) {
      this.stats.fragments++;
      if (this.ipMissing > 0) {
        this.anomalies.count('ipfrag.truncated_fragment');
        out.isFragmentHeld = true;
        return false;
      }
      const key = v4Key(b, off, c.u16(4), proto);
      const whole = this.reassembler.add(key, out.tsUs, fragOffset, b.subarray(payloadStart, end), !moreFragments);
      if (whole === null) {
        out.isFragmentHeld = true;
        return false;
      }
      this.stats.reassembled++;
      out.isReassembled = true;
      this.ipMissing = 0;
      return this.transport(whole, 0, whole.length, whole.length, proto, out);
    }
    return this.transport(b, payloadStart, end, end + this.ipMissing, proto, out);
  }

  private ipv6(b: Uint8Array, off: number, origLen: number, out: DecodedPacket): boolean {
    const c = this.cur.reset(b, off);
    if (!c.has(0, 40)) return this.bad('ipv6.truncated_header');
    if (c.u8(0) >> 4 !== 6) return this.bad('ipv6.bad_version');
    let payloadLen = c.u16(4);
    if (payloadLen === 0) {
      // A jumbogram (RFC 2675) or segmentation offload: the frame length stands in.
      this.anomalies.count('ipv6.zero_payload_length');
      payloadLen = Math.max(0, origLen - off - 40);
    }
    const end = this.ipEnd(b.length, off, 40 + payloadLen, origLen, 'ipv6');
    this.stats.ipv6++;
    out.ipVersion = 6;
    out.ipTtl = c.u8(7);
    c.copyTo(8, 16, out.srcAddr = srcV6(out));
    c.copyTo(24, 16, out.dstAddr = dstV6(out));
    return this.ipv6Chain(b, off + 40, end, c.u8(6), out, off, false);
  }

  /** Walks the extension-header chain (RFC 8200 section 4) up to the transport header. */
  private ipv6Chain(b: Uint8Array, start: number, end: number, next: number, out: DecodedPacket, ipOff: number, reassembled: boolean): boolean {
    const c = this.cur.reset(b, 0, end);
    let o = start;
    let nh = next;
    for (let n = 0; ; n++) {
      if (n > this.limits.maxIpv6ExtHeaders) {
        out.protocol = nh;
        return this.bad('ipv6.too_many_ext_headers');
      }
      switch (nh) {
        case 0: // hop-by-hop options
        case 43: // routing
        case 60: // destination options
        case 135: // mobility
        case 139: // HIP
        case 140: {
          // shim6
          if (!c.has(o, 2)) return this.extTruncated(nh, out);
          const len = (c.u8(o + 1) + 1) * 8;
          if (!c.has(o, len)) return this.extTruncated(nh, out);
          nh = c.u8(o);
          o += len;
          continue;
        }
        case 51: {
          // authentication header (RFC 4302): length in 4-octet units minus 2
          if (!c.has(o, 2)) return this.extTruncated(nh, out);
          const len = (c.u8(o + 1) + 2) * 4;
          if (!c.has(o, len)) return this.extTruncated(nh, out);
          nh = c.u8(o);
          o += len;
          continue;
        }
        case 44: {
          if (!c.has(o, 8)) return this.extTruncated(nh, out);
          const fragNext = c.u8(o);
          const fo = c.u16(o + 2);
          const fragOffset = fo & 0xfff8;
          const moreFragments = (fo & 1) !== 0;
          if (fragOffset === 0 && !moreFragments) {
            // An atomic fragment (RFC 6946): process as if unfragmented.
            nh = fragNext;
            o += 8;
            continue;
          }
          out.protocol = fragNext;
          this.stats.fragments++;
          if (reassembled) return this.bad('ipv6.nested_fragment');
          if (this.ipMissing > 0) {
            this.anomalies.count('ipfrag.truncated_fragment');
            out.isFragmentHeld = true;
            return false;
          }
          const key = v6Key(b, ipOff, c.u32(o + 4));
          const whole = this.reassembler.add(key, out.tsUs, fragOffset, b.subarray(o + 8, end), !moreFragments);
          if (whole === null) {
            out.isFragmentHeld = true;
            return false;
          }
          this.stats.reassembled++;
          out.isReassembled = true;
          this.ipMissing = 0;
          return this.ipv6Chain(whole, 0, whole.length, fragNext, out, ipOff, true);
        }
        default: {
          out.protocol = nh;
          return this.transport(b, o, end, end + this.ipMissing, nh, out);
        }
      }
    }
  }

  private extTruncated(nh: number, out: DecodedPacket): false {
    out.protocol = nh;
    return this.bad(this.ipMissing > 0 ? 'ipv6.ext_header_cut_by_snaplen' : 'ipv6.ext_header_truncated');
  }

  /**
   * Transport header at `start`; `end` is the captured end of the IP payload and `wireEnd` its
   * end on the wire (larger when the snaplen cut it).
   */
  private transport(b: Uint8Array, start: number, end: number, wireEnd: number, proto: number, out: DecodedPacket): boolean {
    out.protocol = proto;
    const c = this.cur.reset(b, start, end);
    if (proto === IpProto.TCP) {
      if (!c.has(0, 20)) return this.bad(wireEnd - start >= 20 ? 'tcp.header_cut_by_snaplen' : 'tcp.truncated_header');
      const hlen = (c.u8(12) >> 4) * 4;
      if (hlen < 20) return this.bad('tcp.bad_header_length');
      if (hlen > wireEnd - start) return this.bad('tcp.bad_header_length');
      if (!c.has(0, hlen)) return this.bad('tcp.header_cut_by_snaplen');
      this.stats.tcp++;
      out.srcPort = c.u16(0);
      out.dstPort = c.u16(2);
      out.tcpSeq = c.u32(4);
      out.tcpAck = c.u32(8);
      out.tcpFlags = c.u8(13);
      out.tcpWindow = c.u16(14);
      if (hlen > 20) this.tcpOptions(c, hlen, out);
      const len = end - start - hlen;
      out.payload = len > 0 ? b.subarray(start + hlen, end) : EMPTY_BYTES;
      out.payloadMissing = wireEnd - end;
      return true;
    }
    if (proto === IpProto.UDP) {
      if (!c.has(0, 8)) return this.bad(wireEnd - start >= 8 ? 'udp.header_cut_by_snaplen' : 'udp.truncated_header');
      const ulen = c.u16(4);
      if (ulen < 8) return this.bad('udp.bad_length');
      this.stats.udp++;
      out.srcPort = c.u16(0);
      out.dstPort = c.u16(2);
      let wEnd = wireEnd;
      if (start + ulen > wireEnd) this.anomalies.count('udp.length_exceeds_ip');
      else wEnd = start + ulen;
      const cEnd = wEnd < end ? wEnd : end;
      out.payload = cEnd - start > 8 ? b.subarray(start + 8, cEnd) : EMPTY_BYTES;
      out.payloadMissing = wEnd - cEnd;
      return true;
    }
    if (proto === IpProto.ICMP) this.stats.icmp++;
    else if (proto === IpProto.ICMPV6) this.stats.icmpv6++;
    else this.stats.otherTransport++;
    out.payload = end > start ? b.subarray(start, end) : EMPTY_BYTES;
    out.payloadMissing = wireEnd - end;
    return true;
  }

  /** TCP options (RFC 9293 section 3.1; MSS, window scale RFC 7323, SACK RFC 2018, timestamps). */
  private tcpOptions(c: Cursor, hlen: number, out: DecodedPacket): void {
    const t = out.tcpOptions;
    let o = 20;
    while (o < hlen) {
      const kind = c.u8(o);
      if (kind === 0) return;
      if (kind === 1) {
        o++;
        continue;
      }
      if (o + 1 >= hlen) {
        this.anomalies.count('tcp.option_truncated');
        return;
      }
      const len = c.u8(o + 1);
      if (len < 2 || o + len > hlen) {
        this.anomalies.count('tcp.bad_option_length');
        return;
      }
      switch (kind) {
        case 2:
          if (len === 4) t.mss = c.u16(o + 2);
          else this.anomalies.count('tcp.bad_option_length');
          break;
        case 3:
          if (len === 3) t.windowScale = c.u8(o + 2);
          else this.anomalies.count('tcp.bad_option_length');
          break;
        case 4:
          t.sackPermitted = true;
          break;
        case 5:
          if ((len - 2) % 8 === 0) t.sackBlocks = (len - 2) / 8;
          else this.anomalies.count('tcp.bad_option_length');
          break;
        case 8:
          if (len === 10) {
            t.tsVal = c.u32(o + 2);
            t.tsEcr = c.u32(o + 6);
          } else this.anomalies.count('tcp.bad_option_length');
          break;
      }
      o += len;
    }
  }
}

function familyToEtherType(fam: number): number {
  if (fam === AF_INET) return ETH_IPV4;
  if (fam === 24 || fam === 28 || fam === 30) return ETH_IPV6;
  return 0;
}

// Per-DecodedPacket address buffers: addresses are copied (4 or 16 bytes) instead of taking a
// view, which would allocate. They live in a side table so DecodedPacket stays the plain contract.
interface AddrBuffers {
  s4: Uint8Array;
  d4: Uint8Array;
  s6: Uint8Array;
  d6: Uint8Array;
}
const addrBuffers = new WeakMap<DecodedPacket, AddrBuffers>();

function buffers(out: DecodedPacket): AddrBuffers {
  let a = addrBuffers.get(out);
  if (!a) {
    a = { s4: new Uint8Array(4), d4: new Uint8Array(4), s6: new Uint8Array(16), d6: new Uint8Array(16) };
    addrBuffers.set(out, a);
  }
  return a;
}

function srcV4(out: DecodedPacket): Uint8Array {
  return out.srcAddr.length === 4 ? out.srcAddr : buffers(out).s4;
}
function dstV4(out: DecodedPacket): Uint8Array {
  return out.dstAddr.length === 4 ? out.dstAddr : buffers(out).d4;
}
function srcV6(out: DecodedPacket): Uint8Array {
  return out.srcAddr.length === 16 ? out.srcAddr : buffers(out).s6;
}
function dstV6(out: DecodedPacket): Uint8Array {
  return out.dstAddr.length === 16 ? out.dstAddr : buffers(out).d6;
}

function reset(out: DecodedPacket): void {
  out.vlan = 0;
  out.innerVlan = 0;
  out.ipVersion = 0;
  out.ipTtl = 0;
  out.protocol = 0;
  out.isReassembled = false;
  out.isFragmentHeld = false;
  out.srcPort = 0;
  out.dstPort = 0;
  out.tcpFlags = 0;
  out.tcpSeq = 0;
  out.tcpAck = 0;
  out.tcpWindow = 0;
  const t = out.tcpOptions;
  t.mss = 0;
  t.windowScale = -1;
  t.sackPermitted = false;
  t.sackBlocks = 0;
  t.tsVal = -1;
  t.tsEcr = -1;
  out.payload = EMPTY_BYTES;
  out.payloadMissing = 0;
}

/** A fresh DecodedPacket (allocate one per decoder loop and reuse it). */
export function newDecodedPacket(): DecodedPacket {
  const out: DecodedPacket = {
    tsUs: 0,
    frameNumber: 0,
    frameLen: 0,
    vlan: 0,
    innerVlan: 0,
    ipVersion: 0,
    srcAddr: new Uint8Array(4),
    dstAddr: new Uint8Array(4),
    ipTtl: 0,
    protocol: 0,
    isReassembled: false,
    isFragmentHeld: false,
    srcPort: 0,
    dstPort: 0,
    tcpFlags: 0,
    tcpSeq: 0,
    tcpAck: 0,
    tcpWindow: 0,
    tcpOptions: { mss: 0, windowScale: -1, sackPermitted: false, sackBlocks: 0, tsVal: -1, tsEcr: -1 },
    payload: EMPTY_BYTES,
    payloadMissing: 0,
  };
  const a = buffers(out);
  out.srcAddr = a.s4;
  out.dstAddr = a.d4;
  return out;
}

function hex32(v: number): string {
  return (v >>> 0).toString(16);
}

/** Reassembly key of an IPv4 fragment: addresses, identification and protocol (RFC 791). */
function v4Key(b: Uint8Array, off: number, id: number, proto: number): string {
  const s = (((b[off + 12] as number) << 24) | ((b[off + 13] as number) << 16) | ((b[off + 14] as number) << 8) | (b[off + 15] as number)) >>> 0;
  const d = (((b[off + 16] as number) << 24) | ((b[off + 17] as number) << 16) | ((b[off + 18] as number) << 8) | (b[off + 19] as number)) >>> 0;
  return `4/${hex32(s)}/${hex32(d)}/${id}/${proto}`;
}

/** Reassembly key of an IPv6 fragment: addresses and the 32-bit identification (RFC 8200). */
function v6Key(b: Uint8Array, ipOff: number, id: number): string {
  let k = '6/';
  for (let i = 8; i < 40; i += 4) {
    const w = (((b[ipOff + i] as number) << 24) | ((b[ipOff + i + 1] as number) << 16) | ((b[ipOff + i + 2] as number) << 8) | (b[ipOff + i + 3] as number)) >>> 0;
    k += `${hex32(w)}/`;
  }
  return k + hex32(id);
}
