// Cross-check against tshark on captures built here, byte by byte, for what the public corpus
// lacks: every link type we decode, VLAN stacks, IPv4 and IPv6 fragments (out of order,
// duplicated, never completed), IPv6 extension headers, snaplen-cut packets, ICMP errors that
// quote a UDP header, and pcapng with several interfaces of different link types.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pcapng, be16, be32, ether, ipv4, ipv6, le32, pcapFile, tcp, udp, type Bytes, type PcapRecord } from './bytes.js';
import { ourConv, tsharkReference, type Conv } from './tshark.js';

const text = (s: string): Bytes => [...Buffer.from(s)];
const fill = (n: number, seed: number): Bytes => Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

/** IP packets (without link header) of a small mixed scenario, in capture order. */
function ipPackets(): { v: 4 | 6; bytes: Bytes; cut?: number }[] {
  const out: { v: 4 | 6; bytes: Bytes; cut?: number }[] = [];
  const c = '192.168.1.10';
  const s = '203.0.113.21';
  // A TCP connection to a stratum port with data both ways.
  out.push({ v: 4, bytes: ipv4({ src: c, dst: s, proto: 6 }, tcp(40000, 3333, 0x02, [], [2, 4, ...be16(1460)])) });
  out.push({ v: 4, bytes: ipv4({ src: s, dst: c, proto: 6 }, tcp(3333, 40000, 0x12, [], [2, 4, ...be16(1400)], 5000, 1001)) });
  out.push({ v: 4, bytes: ipv4({ src: c, dst: s, proto: 6 }, tcp(40000, 3333, 0x18, text('{"id":1,"method":"login","params":{}}\n'), [], 1001, 5001)) });
  // Cut by a 60-byte snaplen (counted by frame length all the same).
  out.push({ v: 4, bytes: ipv4({ src: s, dst: c, proto: 6 }, tcp(3333, 40000, 0x18, text(`{"id":1,"result":{"job":{"blob":"${'0'.repeat(150)}"}}}\n`), [], 5001, 1040)), cut: 60 });
  // A UDP datagram of 1200 payload bytes in three IPv4 fragments, sent out of order: 2, 0, 1;
  // the middle one comes twice. tshark reassembles it on frame of the fragment that completes it.
  const big = udp(5353, 53, fill(1200, 1));
  const frag = (off: number, len: number, mf: boolean): Bytes => ipv4({ src: c, dst: '10.9.9.9', proto: 17, id: 0x4242, fragOffset: off, moreFragments: mf }, big.slice(off, off + len));
  out.push({ v: 4, bytes: frag(800, 408, false) });
  out.push({ v: 4, bytes: frag(0, 400, true) });
  out.push({ v: 4, bytes: frag(400, 400, true) });
  out.push({ v: 4, bytes: frag(400, 400, true) });
  // A datagram that never completes (only its first fragment).
  out.push({ v: 4, bytes: ipv4({ src: c, dst: '10.9.9.9', proto: 17, id: 0x4343, moreFragments: true }, udp(5354, 53, fill(400, 2)).slice(0, 400)) });
  // IPv6: TCP through hop-by-hop and destination options.
  const a6 = '2001:db8:1::10';
  const b6 = '2001:db8:2::21';
  out.push({ v: 6, bytes: ipv6(0, [60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0, ...tcp(50000, 443, 0x02, [])], a6, b6) });
  out.push({ v: 6, bytes: ipv6(6, tcp(443, 50000, 0x12, [], [], 9, 1), b6, a6) });
  // IPv6 UDP in two fragments (RFC 8200 fragment header: next 17, offset<<3 | M, id).
  const u6 = udp(7000, 7001, fill(1000, 3));
  out.push({ v: 6, bytes: ipv6(44, [17, 0, ...be16((0 << 3) | 1), ...be32(0xabcdef), ...u6.slice(0, 504)], a6, b6) });
  out.push({ v: 6, bytes: ipv6(44, [17, 0, ...be16(504), ...be32(0xabcdef), ...u6.slice(504)], a6, b6) });
  // ICMP port unreachable quoting the start of a UDP datagram: no UDP conversation for tshark.
  const quoted = ipv4({ src: c, dst: s, proto: 17 }, udp(40001, 3478, text('stun'))).slice(0, 28);
  out.push({ v: 4, bytes: ipv4({ src: s, dst: c, proto: 1 }, [3, 3, 0, 0, 0, 0, 0, 0, ...quoted]) });
  // Malformed transport headers: UDP length over the IP payload, UDP length under 8, TCP data
  // offset under 5 words, TCP data offset past the segment.
  out.push({ v: 4, bytes: ipv4({ src: c, dst: s, proto: 17 }, udp(40003, 3478, text('long'), 300)) });
  out.push({ v: 4, bytes: ipv4({ src: c, dst: s, proto: 17 }, udp(40004, 3478, text('short'), 6)) });
  out.push({ v: 4, bytes: ipv4({ src: c, dst: s, proto: 6 }, tcp(40005, 3333, 0x10, text('x')).map((b, i) => (i === 12 ? 0x40 : b))) });
  out.push({ v: 4, bytes: ipv4({ src: c, dst: s, proto: 6 }, tcp(40006, 3333, 0x10, text('x')).map((b, i) => (i === 12 ? 0xf0 : b))) });
  // Plain UDP both ways.
  out.push({ v: 4, bytes: ipv4({ src: c, dst: s, proto: 17 }, udp(40002, 3478, text('ping'))) });
  out.push({ v: 4, bytes: ipv4({ src: s, dst: c, proto: 17 }, udp(3478, 40002, text('pong!'))) });
  return out;
}

type Framer = (ip: Bytes, v: 4 | 6) => Bytes;

const framers: Record<string, { link: number; frame: Framer; only?: 4 | 6 }> = {
  ethernet: { link: 1, frame: (ip, v) => ether(v === 4 ? 0x0800 : 0x86dd, ip) },
  'ethernet-vlan': { link: 1, frame: (ip, v) => ether(v === 4 ? 0x0800 : 0x86dd, ip, [{ tpid: 0x8100, vid: 42 }]) },
  'ethernet-qinq': { link: 1, frame: (ip, v) => ether(v === 4 ? 0x0800 : 0x86dd, ip, [{ tpid: 0x88a8, vid: 7 }, { tpid: 0x8100, vid: 42 }]) },
  sll: { link: 113, frame: (ip, v) => [...be16(0), ...be16(1), ...be16(6), 2, 0, 0, 0, 0, 1, 0, 0, ...be16(v === 4 ? 0x0800 : 0x86dd), ...ip] },
  'sll-vlan': { link: 113, frame: (ip, v) => [...be16(0), ...be16(1), ...be16(6), 2, 0, 0, 0, 0, 1, 0, 0, ...be16(0x8100), ...be16(9), ...be16(v === 4 ? 0x0800 : 0x86dd), ...ip] },
  'ethernet-pppoe': { link: 1, frame: (ip, v) => ether(0x8864, [0x11, 0, ...be16(1), ...be16(ip.length + 2), ...be16(v === 4 ? 0x0021 : 0x0057), ...ip]) },
  sll2: { link: 276, frame: (ip, v) => [...be16(v === 4 ? 0x0800 : 0x86dd), 0, 0, ...be32(3), ...be16(1), 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, ...ip] },
  'null-le': { link: 0, frame: (ip, v) => [...le32(v === 4 ? 2 : 30), ...ip] },
  'null-be': { link: 0, frame: (ip, v) => [...be32(v === 4 ? 2 : 24), ...ip] },
  loop: { link: 108, frame: (ip, v) => [...be32(v === 4 ? 2 : 24), ...ip] },
  raw: { link: 101, frame: (ip) => ip },
  ipv4: { link: 228, frame: (ip) => ip, only: 4 },
  ipv6: { link: 229, frame: (ip) => ip, only: 6 },
};

function records(f: { frame: Framer; only?: 4 | 6 }): PcapRecord[] {
  return ipPackets()
    .filter((p) => f.only === undefined || p.v === f.only)
    .map((p, i) => {
      const data = f.frame(p.bytes, p.v);
      const cut = p.cut === undefined ? data.length : data.length - (p.bytes.length - p.cut);
      return { tsSec: 1_700_000_000 + i, tsFrac: 1000 * i, data: data.slice(0, cut), origLen: data.length };
    });
}

function sorted(m: Map<string, Conv>): [string, Conv][] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

const dir = mkdtempSync(join(tmpdir(), 'mw-synth-'));

async function check(file: string): Promise<void> {
  const ours = await ourConv(file);
  const ref = await tsharkReference(file);
  expect(ref.problems).toEqual([]);
  expect(ours.packets).toBe(ref.packets);
  expect(sorted(ours.conv)).toEqual(sorted(ref.conv));
}

describe('tshark cross-check on built captures', () => {
  for (const [name, f] of Object.entries(framers)) {
    it(`${name} (link type ${f.link}): conversations equal tshark's, fragments included`, async () => {
      const file = join(dir, `${name}.pcap`);
      writeFileSync(file, pcapFile(f.link, records(f), { snaplen: 65535 }));
      await check(file);
      const ours = await ourConv(file);
      // The scenario really has conversations of both protocols and a reassembled datagram.
      const keys = [...ours.conv.keys()];
      if (f.only !== 6) expect(keys).toContain('udp 10.9.9.9 53 <-> 192.168.1.10 5353');
      if (f.only !== 4) expect(keys).toContain('udp 2001:db8:1::10 7000 <-> 2001:db8:2::21 7001');
      expect(keys.some((k) => k.startsWith('tcp '))).toBe(true);
    });
  }

  it('nanosecond pcap, big-endian', async () => {
    const file = join(dir, 'nano-be.pcap');
    const recs = records(framers.ethernet as (typeof framers)['ethernet']).map((r) => ({ ...r, tsFrac: r.tsFrac * 1000 + 999 }));
    writeFileSync(file, pcapFile(1, recs, { nano: true, bigEndian: true }));
    await check(file);
  });

  it('pcapng with interfaces of different link types and resolutions, two sections', async () => {
    const file = join(dir, 'multi.pcapng');
    const eth = records(framers.ethernet as (typeof framers)['ethernet']);
    const sll = records(framers.sll as (typeof framers)['sll']);
    const a = new Pcapng(false).shb().idb(1, 65535, 9).idb(113, 65535, 0x94);
    eth.forEach((r, i) => {
      a.epb(0, BigInt(r.tsSec) * 1_000_000_000n + BigInt(i), r.data, r.origLen);
      const s = sll[i] as PcapRecord;
      a.epb(1, BigInt(s.tsSec) << 20n, s.data, s.origLen);
    });
    const b = new Pcapng(true).shb().idb(276, 65535);
    for (const r of records(framers.sll2 as (typeof framers)['sll2'])) b.opb(0, BigInt(r.tsSec) * 1_000_000n, r.data, r.origLen);
    writeFileSync(file, Uint8Array.from([...a.out, ...b.out]));
    await check(file);
  });
});
