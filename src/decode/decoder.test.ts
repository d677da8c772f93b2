// Byte-level tests of the decoder: each link type, VLAN stacks, IPv4 options and lengths, the
// IPv6 extension-header chain, TCP options, UDP lengths, and every malformed case as a named
// anomaly. Packets are built field by field with the builders in test/crosscheck/bytes.ts.

import { describe, expect, it } from 'vitest';
import {
  be16,
  be32,
  ether,
  ip6,
  ipv4,
  ipv6,
  le32,
  tcp,
  udp,
  type Bytes,
} from '../../test/crosscheck/bytes.js';
import type { CapturedPacket } from '../capture/types.js';
import { formatIp } from '../util/ip.js';
import { PacketDecoder, type DecodeLimits } from './decoder.js';
import { AnomalyCounter, type DecodedPacket } from './types.js';

function pkt(linkType: number, bytes: Bytes, origLen = bytes.length, tsUs = 1_000_000): CapturedPacket {
  return { tsUs, linkType, data: Uint8Array.from(bytes), origLen, interfaceId: 0, frameNumber: 1, fileOffset: 0 };
}

function setup(limits: Partial<DecodeLimits> = {}): { dec: PacketDecoder; an: AnomalyCounter; out: DecodedPacket; run: (p: CapturedPacket) => boolean } {
  const an = new AnomalyCounter();
  const dec = new PacketDecoder(an, limits);
  const out = dec.newDecodedPacket();
  return { dec, an, out, run: (p) => dec.decode(p, out) };
}

function tuple(d: DecodedPacket): string {
  return `${d.protocol} ${formatIp(d.srcAddr)}:${d.srcPort} > ${formatIp(d.dstAddr)}:${d.dstPort}`;
}

const text = (s: string): Bytes => [...Buffer.from(s)];
// A UDP datagram 10.0.0.1:1000 > 10.0.0.2:53 with payload "abc", as IPv4 and IPv6.
const v4udp = ipv4({ proto: 17 }, udp(1000, 53, text('abc')));
const v6udp = ipv6(17, udp(1000, 53, text('abc')));

describe('link layers', () => {
  it('Ethernet II to IPv4/UDP, payload a view of the captured bytes', () => {
    const { out, run, an } = setup();
    expect(run(pkt(1, ether(0x0800, v4udp)))).toBe(true);
    expect(tuple(out)).toBe('17 10.0.0.1:1000 > 10.0.0.2:53');
    expect(Buffer.from(out.payload).toString()).toBe('abc');
    expect([out.ipVersion, out.ipTtl, out.frameLen, out.vlan, out.payloadMissing]).toEqual([4, 64, 45, 0, 0]);
    expect(an.toJSON()).toEqual({});
  });

  it('Ethernet padding after a short IP packet is not payload', () => {
    const { out, run } = setup();
    const frame = ether(0x0800, v4udp);
    // Pad to the 60-byte Ethernet minimum (802.3 clause 4.2.3.3) with non-zero filler.
    run(pkt(1, [...frame, ...new Array<number>(60 - frame.length).fill(0xee)]));
    expect(Buffer.from(out.payload).toString()).toBe('abc');
  });

  it('802.1Q tag: VLAN id from the TCI low 12 bits', () => {
    const { out, run } = setup();
    // TPID 8100, TCI 0x2064 = priority 1, VID 100.
    expect(run(pkt(1, ether(0x0800, v4udp, [{ tpid: 0x8100, vid: 0x2064 }])))).toBe(true);
    expect([out.vlan, out.innerVlan]).toEqual([100, 0]);
    expect(tuple(out)).toBe('17 10.0.0.1:1000 > 10.0.0.2:53');
  });

  it('802.1ad QinQ: outer service tag (88a8) and inner customer tag (8100)', () => {
    const { out, run } = setup();
    run(pkt(1, ether(0x86dd, v6udp, [{ tpid: 0x88a8, vid: 200 }, { tpid: 0x8100, vid: 100 }])));
    expect([out.vlan, out.innerVlan, out.ipVersion]).toEqual([200, 100, 6]);
    expect(tuple(out)).toBe('17 2001:db8::1:1000 > 2001:db8::2:53');
  });

  it('more VLAN tags than maxVlanTags is an anomaly', () => {
    const { run, an } = setup({ maxVlanTags: 2 });
    const tags = [1, 2, 3].map((vid) => ({ tpid: 0x8100, vid }));
    expect(run(pkt(1, ether(0x0800, v4udp, tags)))).toBe(false);
    expect(an.toJSON()).toEqual({ 'vlan.too_many_tags': 1 });
  });

  it('PPPoE session carrying IPv4 (PPP protocol 0021)', () => {
    const { out, run } = setup();
    // ver/type 0x11, code 0, session 0x0001, length, then PPP protocol 0x0021.
    const pppoe = [0x11, 0, ...be16(1), ...be16(v4udp.length + 2), ...be16(0x0021), ...v4udp];
    expect(run(pkt(1, ether(0x8864, pppoe)))).toBe(true);
    expect(tuple(out)).toBe('17 10.0.0.1:1000 > 10.0.0.2:53');
  });

  it('VLAN tags inside Linux cooked headers (SLL protocol 8100)', () => {
    const { out, run } = setup();
    const sll = [...be16(0), ...be16(1), ...be16(6), 2, 0, 0, 0, 0, 1, 0, 0, ...be16(0x8100)];
    expect(run(pkt(113, [...sll, ...be16(0x0005), ...be16(0x0800), ...v4udp]))).toBe(true);
    expect([out.vlan, out.dstPort]).toEqual([5, 53]);
  });

  it('non-IP EtherTypes (ARP) and 802.3 length frames are not IP, without anomaly', () => {
    const { run, an, dec } = setup();
    expect(run(pkt(1, ether(0x0806, new Array<number>(28).fill(0))))).toBe(false);
    expect(run(pkt(1, ether(46, new Array<number>(46).fill(0))))).toBe(false);
    expect(dec.stats.nonIp).toBe(2);
    expect(an.toJSON()).toEqual({});
  });

  it('Linux cooked v1 (SLL, 113): protocol at bytes 14-15', () => {
    const { out, run } = setup();
    // packet type 0 (to us), ARPHRD_ETHER 1, address length 6, address padded to 8, protocol 0800.
    const sll = [...be16(0), ...be16(1), ...be16(6), 2, 0, 0, 0, 0, 1, 0, 0, ...be16(0x0800)];
    expect(run(pkt(113, [...sll, ...v4udp]))).toBe(true);
    expect(tuple(out)).toBe('17 10.0.0.1:1000 > 10.0.0.2:53');
  });

  it('Linux cooked v2 (SLL2, 276): protocol first, 20-byte header', () => {
    const { out, run } = setup();
    // protocol 86dd, reserved, ifindex 2, ARPHRD_ETHER, packet type 4 (outgoing), address length 6, address.
    const sll2 = [...be16(0x86dd), 0, 0, ...be32(2), ...be16(1), 4, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    expect(run(pkt(276, [...sll2, ...v6udp]))).toBe(true);
    expect(tuple(out)).toBe('17 2001:db8::1:1000 > 2001:db8::2:53');
  });

  it.each([
    ['little-endian AF_INET (2)', le32(2), 4],
    ['big-endian AF_INET (2)', be32(2), 4],
    ['AF_INET6 24 (NetBSD/OpenBSD), little-endian', le32(24), 6],
    ['AF_INET6 28 (FreeBSD), big-endian', be32(28), 6],
    ['AF_INET6 30 (Darwin), little-endian', le32(30), 6],
  ])('BSD null/loopback (0): %s', (_n, family, version) => {
    const { out, run } = setup();
    expect(run(pkt(0, [...family, ...(version === 4 ? v4udp : v6udp)]))).toBe(true);
    expect(out.ipVersion).toBe(version);
    expect(out.dstPort).toBe(53);
  });

  it('null/loopback with an unknown family is an anomaly', () => {
    const { run, an } = setup();
    expect(run(pkt(0, [...le32(7), ...v4udp]))).toBe(false);
    expect(an.toJSON()).toEqual({ 'null.unknown_family': 1 });
  });

  it('OpenBSD loop (108): family always big-endian', () => {
    const { out, run } = setup();
    expect(run(pkt(108, [...be32(24), ...v6udp]))).toBe(true);
    expect(out.ipVersion).toBe(6);
  });

  it.each([
    [101, v4udp, 4],
    [101, v6udp, 6],
    [228, v4udp, 4],
    [229, v6udp, 6],
  ])('raw IP link type %i (version %#)', (link, bytes, version) => {
    const { out, run } = setup();
    expect(run(pkt(link, bytes))).toBe(true);
    expect([out.ipVersion, out.srcPort, out.dstPort]).toEqual([version, 1000, 53]);
  });

  it('raw IP with another version nibble, and unknown link types, are anomalies', () => {
    const { run, an, dec } = setup();
    expect(run(pkt(101, [0x50, ...v4udp.slice(1)]))).toBe(false);
    expect(run(pkt(147, v4udp))).toBe(false);
    expect(an.toJSON()).toEqual({ 'link.unsupported_type': 1, 'raw.bad_ip_version': 1 });
    expect(dec.stats.unsupportedLink).toBe(1);
  });

  it('headers cut short are named per layer', () => {
    const { run, an } = setup();
    run(pkt(1, ether(0x0800, []).slice(0, 10)));
    run(pkt(1, ether(0x8100, [0, 1])));
    run(pkt(113, [0, 0, 0]));
    run(pkt(276, [0, 0, 0]));
    run(pkt(0, [2, 0]));
    run(pkt(101, []));
    expect(an.toJSON()).toEqual({
      'ethernet.truncated': 1,
      'null.truncated': 1,
      'raw.truncated': 1,
      'sll.truncated': 1,
      'sll2.truncated': 1,
      'vlan.truncated': 1,
    });
  });
});

describe('IPv4', () => {
  it('skips options by the header length (IHL 6: a 4-byte Router Alert option, RFC 2113)', () => {
    const { out, run } = setup();
    expect(run(pkt(101, ipv4({ proto: 17, options: [0x94, 4, 0, 0] }, udp(1, 2, text('x')))))).toBe(true);
    expect([out.srcPort, out.dstPort, Buffer.from(out.payload).toString()]).toEqual([1, 2, 'x']);
  });

  it('counts malformed headers by name and does not go on', () => {
    const { run, an } = setup();
    const bad = (i: number, v: number): Bytes => v4udp.map((b, k) => (k === i ? v : b));
    expect(run(pkt(101, bad(0, 0x44)))).toBe(false); // IHL 4 < 5
    expect(run(pkt(228, bad(0, 0x65)))).toBe(false); // version 6 on the IPv4 link type
    expect(run(pkt(101, bad(0, 0x4f)))).toBe(false); // IHL 15: 60 bytes, more than present
    expect(run(pkt(101, [...be16(0x4500), ...be16(19), ...v4udp.slice(4)]))).toBe(false); // total 19 < 20
    expect(run(pkt(101, v4udp.slice(0, 19)))).toBe(false);
    expect(an.toJSON()).toEqual({
      'ipv4.bad_header_length': 1,
      'ipv4.bad_total_length': 1,
      'ipv4.bad_version': 1,
      'ipv4.truncated_header': 2,
    });
  });

  it('a snaplen cut is payload missing, not an anomaly', () => {
    const { out, run, an } = setup();
    const full = ipv4({ proto: 6 }, tcp(40000, 3333, 0x18, text('{"id":1,"method":"login"}')));
    expect(run(pkt(101, full.slice(0, 50), full.length))).toBe(true);
    expect(Buffer.from(out.payload).toString()).toBe('{"id":1,"m');
    expect(out.payloadMissing).toBe(15);
    expect(an.toJSON()).toEqual({});
  });

  it('a total length longer than the frame is an anomaly and decodes what is there', () => {
    const { out, run, an } = setup();
    expect(run(pkt(101, ipv4({ proto: 17, totalLength: 200 }, udp(1, 2, text('abc')))))).toBe(true);
    expect(out.dstPort).toBe(2);
    expect(an.toJSON()).toEqual({ 'ipv4.length_exceeds_frame': 1 });
  });

  it('total length 0 (segmentation offload) uses the frame length', () => {
    const { out, run, an } = setup();
    expect(run(pkt(101, ipv4({ proto: 17, totalLength: 0 }, udp(1, 2, text('abc')))))).toBe(true);
    expect(Buffer.from(out.payload).toString()).toBe('abc');
    expect(an.toJSON()).toEqual({ 'ipv4.zero_total_length': 1 });
  });
});

describe('IPv6 extension headers', () => {
  // Hop-by-hop (8 bytes: next, length 0, PadN), routing type 0 with no addresses, destination
  // options, then an authentication header (RFC 4302: length 4 = (4+2)*4 = 24 bytes).
  const hbh = (next: number): Bytes => [next, 0, 1, 4, 0, 0, 0, 0];
  const routing = (next: number): Bytes => [next, 0, 0, 0, 0, 0, 0, 0];
  const dest = (next: number): Bytes => [next, 0, 1, 4, 0, 0, 0, 0];
  const ah = (next: number): Bytes => [next, 4, 0, 0, ...be32(0x100), ...be32(1), ...new Array<number>(12).fill(0)];

  it('walks hop-by-hop, routing, destination options and AH to TCP', () => {
    const { out, run } = setup();
    const t = tcp(5555, 443, 0x02, []);
    expect(run(pkt(229, ipv6(0, [...hbh(43), ...routing(60), ...dest(51), ...ah(6), ...t])))).toBe(true);
    expect([out.protocol, out.srcPort, out.dstPort, out.tcpFlags]).toEqual([6, 5555, 443, 0x02]);
  });

  it('stops at ESP (50) and at no-next-header (59): IP facts only', () => {
    const { out, run } = setup();
    expect(run(pkt(229, ipv6(60, [...dest(50), ...be32(0x1234), ...be32(1)])))).toBe(true);
    expect([out.protocol, out.srcPort]).toEqual([50, 0]);
    expect(run(pkt(229, ipv6(59, [])))).toBe(true);
    expect(out.protocol).toBe(59);
  });

  it('a chain cut short or too long is an anomaly', () => {
    const { run, an } = setup({ maxIpv6ExtHeaders: 3 });
    expect(run(pkt(229, ipv6(0, [6, 1, 0, 0])))).toBe(false); // says 16 bytes, has 4
    expect(run(pkt(229, ipv6(60, [...dest(60), ...dest(60), ...dest(60), ...dest(60), ...dest(17)])))).toBe(false);
    expect(an.toJSON()).toEqual({ 'ipv6.ext_header_truncated': 1, 'ipv6.too_many_ext_headers': 1 });
  });

  it('an atomic fragment (offset 0, M clear; RFC 6946) is processed as unfragmented', () => {
    const { out, run, dec } = setup();
    expect(run(pkt(229, ipv6(44, [17, 0, 0, 0, ...be32(7), ...udp(1, 2, text('z'))])))).toBe(true);
    expect([out.protocol, out.dstPort, out.isReassembled]).toEqual([17, 2, false]);
    expect(dec.reassembler.pending).toBe(0);
  });

  it('malformed fixed headers', () => {
    const { run, an } = setup();
    expect(run(pkt(229, v6udp.slice(0, 39)))).toBe(false);
    expect(run(pkt(229, [0x40, ...v6udp.slice(1)]))).toBe(false);
    expect(an.counts.get('ipv6.truncated_header')).toBe(1);
    expect(an.counts.get('ipv6.bad_version')).toBe(1);
  });
});

describe('TCP and UDP', () => {
  it('reads every TCP header field and the options MSS, WS, SACK permitted, timestamps', () => {
    const { out, run, an } = setup();
    // MSS 1460 (2,4), NOP, WS 7 (3,3), SACK permitted (4,2), timestamps (8,10) val 0x01020304
    // ecr 5, then NOP, NOP, EOL, EOL: 24 bytes, data offset 11.
    const opts = [2, 4, ...be16(1460), 1, 3, 3, 7, 4, 2, 8, 10, ...be32(0x01020304), ...be32(5), 1, 1, 0, 0];
    expect(run(pkt(101, ipv4({ proto: 6 }, tcp(40000, 3333, 0x02, [], opts, 0xfffffff0, 0))))).toBe(true);
    expect([out.srcPort, out.dstPort, out.tcpSeq, out.tcpAck, out.tcpFlags, out.tcpWindow]).toEqual([40000, 3333, 0xfffffff0, 0, 0x02, 65535]);
    expect(out.tcpOptions).toEqual({ mss: 1460, windowScale: 7, sackPermitted: true, sackBlocks: 0, tsVal: 0x01020304, tsEcr: 5 });
    expect(out.payload.length).toBe(0);
    expect(an.toJSON()).toEqual({});
  });

  it('counts SACK blocks, and resets options between packets', () => {
    const { out, run } = setup();
    // NOP, NOP, SACK with two blocks (2 + 16 = 18 bytes), padded with EOL to 20.
    const sack = [1, 1, 5, 18, ...be32(1), ...be32(2), ...be32(3), ...be32(4)];
    run(pkt(101, ipv4({ proto: 6 }, tcp(1, 2, 0x10, text('hi'), sack))));
    expect(out.tcpOptions.sackBlocks).toBe(2);
    expect(Buffer.from(out.payload).toString()).toBe('hi');
    run(pkt(101, ipv4({ proto: 6 }, tcp(1, 2, 0x10, []))));
    expect(out.tcpOptions).toEqual({ mss: 0, windowScale: -1, sackPermitted: false, sackBlocks: 0, tsVal: -1, tsEcr: -1 });
  });

  it('bad TCP option lengths stop the option walk, not the packet', () => {
    const { out, run, an } = setup();
    run(pkt(101, ipv4({ proto: 6 }, tcp(1, 2, 0x10, [], [2, 4, ...be16(536), 8, 40, 0, 0]))));
    expect([out.tcpOptions.mss, out.dstPort]).toEqual([536, 2]);
    run(pkt(101, ipv4({ proto: 6 }, tcp(1, 2, 0x10, [], [1, 1, 1, 2]))));
    run(pkt(101, ipv4({ proto: 6 }, tcp(1, 2, 0x10, [], [2, 3, 0, 0]))));
    expect(an.toJSON()).toEqual({ 'tcp.bad_option_length': 2, 'tcp.option_truncated': 1 });
  });

  it('malformed TCP and UDP headers', () => {
    const { run, an } = setup();
    const t = tcp(1, 2, 0x10, []);
    expect(run(pkt(101, ipv4({ proto: 6 }, t.map((b, i) => (i === 12 ? 0x40 : b)))))).toBe(false); // data offset 4
    expect(run(pkt(101, ipv4({ proto: 6 }, t.map((b, i) => (i === 12 ? 0xf0 : b)))))).toBe(false); // 60 > segment
    expect(run(pkt(101, ipv4({ proto: 6 }, t.slice(0, 12))))).toBe(false);
    expect(run(pkt(101, ipv4({ proto: 17 }, udp(1, 2, [], 7))))).toBe(false);
    expect(run(pkt(101, ipv4({ proto: 17 }, udp(1, 2, [], 4).slice(0, 4))))).toBe(false);
    expect(an.toJSON()).toEqual({ 'tcp.bad_header_length': 2, 'tcp.truncated_header': 1, 'udp.bad_length': 1, 'udp.truncated_header': 1 });
  });

  it('UDP length shorter than the IP payload bounds the payload; longer is an anomaly', () => {
    const { out, run, an } = setup();
    run(pkt(101, ipv4({ proto: 17 }, udp(1, 2, text('abcdef'), 10))));
    expect(Buffer.from(out.payload).toString()).toBe('ab');
    run(pkt(101, ipv4({ proto: 17 }, udp(1, 2, text('abc'), 100))));
    expect(Buffer.from(out.payload).toString()).toBe('abc');
    expect(an.toJSON()).toEqual({ 'udp.length_exceeds_ip': 1 });
  });

  it('counts ICMP and ICMPv6 and keeps their bytes as payload', () => {
    const { out, run, dec } = setup();
    expect(run(pkt(101, ipv4({ proto: 1 }, [8, 0, 0, 0, 0, 1, 0, 1])))).toBe(true);
    expect([out.protocol, out.payload.length]).toEqual([1, 8]);
    expect(run(pkt(229, ipv6(58, [128, 0, 0, 0, 0, 1, 0, 1])))).toBe(true);
    expect(out.protocol).toBe(58);
    expect([dec.stats.icmp, dec.stats.icmpv6]).toEqual([1, 1]);
  });

  it('keeps addresses per version when packets alternate', () => {
    const { out, run } = setup();
    run(pkt(229, ipv6(17, udp(1, 2, []), '::1', 'fe80::1')));
    expect(formatIp(out.dstAddr)).toBe('fe80::1');
    run(pkt(101, v4udp));
    expect(formatIp(out.srcAddr)).toBe('10.0.0.1');
    run(pkt(229, v6udp));
    expect([...out.srcAddr]).toEqual(ip6('2001:db8::1'));
  });
});
