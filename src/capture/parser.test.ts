// Byte-level tests of the pcap and pcapng push parser: each variant of the formats, records
// split across chunks, and every kind of damage, which must end in a CaptureFormatError naming
// the offset after the packets before it were delivered.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pcapng, be32, ether, ipv4, le32, pcapFile, udp } from '../../test/crosscheck/bytes.js';
import { CaptureParser, type CaptureSummary } from './parser.js';
import { CaptureFormatError, type CapturedPacket } from './types.js';

interface Got {
  tsUs: number;
  linkType: number;
  data: number[];
  origLen: number;
  interfaceId: number;
  frameNumber: number;
  fileOffset: number;
}

function parse(bytes: Uint8Array, chunk = bytes.length, limits = {}): { packets: Got[]; summary?: CaptureSummary; error?: CaptureFormatError } {
  const packets: Got[] = [];
  const p = new CaptureParser('test.cap', (pk: CapturedPacket) => packets.push({ ...pk, data: [...pk.data] }), limits);
  try {
    for (let i = 0; i < bytes.length; i += chunk) p.push(bytes.subarray(i, Math.min(bytes.length, i + chunk)));
    return { packets, summary: p.end() };
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    return { packets, error: e };
  }
}

// A 42-byte UDP/IPv4/Ethernet frame: 14 Ethernet + 20 IPv4 + 8 UDP, no payload.
const frame = ether(0x0800, ipv4({ proto: 17 }, udp(1000, 53, [])));
const frame2 = ether(0x0800, ipv4({ proto: 17, id: 2 }, udp(1001, 53, [1, 2, 3, 4])));

describe('pcap', () => {
  const records = [
    { tsSec: 1_700_000_000, tsFrac: 123_456, data: frame },
    { tsSec: 1_700_000_001, tsFrac: 999_999, data: frame2.slice(0, 30), origLen: frame2.length },
  ];

  it('reads a little-endian microsecond file', () => {
    const { packets, summary } = parse(pcapFile(1, records));
    expect(packets).toHaveLength(2);
    expect(packets[0]).toEqual({ tsUs: 1_700_000_000_123_456, linkType: 1, data: frame, origLen: 42, interfaceId: 0, frameNumber: 1, fileOffset: 24 });
    // Record 2 sits after the 24-byte file header, 16-byte record header and 42 bytes of record 1.
    expect(packets[1]?.fileOffset).toBe(24 + 16 + 42);
    // Snaplen cut: 30 bytes captured of 46 on the wire.
    expect(packets[1]?.data).toEqual(frame2.slice(0, 30));
    expect(packets[1]?.origLen).toBe(46);
    expect(summary?.format).toBe('pcap');
    expect(summary?.capturedBytes).toBe(72);
    expect(summary?.wireBytes).toBe(88);
    expect(summary?.linkTypes).toEqual([1]);
  });

  it('reads a big-endian file the same way', () => {
    const le = parse(pcapFile(1, records));
    const be = parse(pcapFile(1, records, { bigEndian: true }));
    expect(be.packets).toEqual(le.packets);
  });

  it('reads the nanosecond magic (a1b23c4d) and keeps microseconds', () => {
    const { packets, summary } = parse(pcapFile(101, [{ tsSec: 10, tsFrac: 123_456_789, data: [0x45] }], { nano: true, bigEndian: true }));
    expect(packets[0]?.tsUs).toBe(10_123_456);
    expect(packets[0]?.linkType).toBe(101);
    expect(summary?.interfaces[0]?.tsResolution).toBe('10^-9');
  });

  it('gives the same packets whatever the chunking, down to one byte at a time', () => {
    const bytes = pcapFile(1, records);
    const whole = parse(bytes).packets;
    for (const chunk of [1, 2, 3, 7, 16, 17, 41]) expect(parse(bytes, chunk).packets).toEqual(whole);
  });

  it('delivers packets before a record cut mid-data, then names the offset', () => {
    const bytes = pcapFile(1, records).subarray(0, 24 + 16 + 42 + 16 + 10);
    for (const chunk of [bytes.length, 5]) {
      const { packets, error } = parse(bytes, chunk);
      expect(packets).toHaveLength(1);
      expect(error?.offset).toBe(82);
      expect(error?.source).toBe('test.cap');
      expect(error?.reason).toMatch(/input ends inside a record \(26 of 46 bytes present\)/);
    }
  });

  it('names a record header cut short', () => {
    const { packets, error } = parse(pcapFile(1, records).subarray(0, 24 + 16 + 42 + 5));
    expect(packets).toHaveLength(1);
    expect(error?.reason).toMatch(/inside a record header/);
  });

  it('refuses a captured length over maxCaplenBytes and counts nothing after it', () => {
    const bytes = pcapFile(1, [records[0] as (typeof records)[0], { tsSec: 1, tsFrac: 0, data: new Array<number>(300).fill(0) }, records[0] as (typeof records)[0]]);
    const { packets, error } = parse(bytes, bytes.length, { maxCaplenBytes: 256 });
    expect(packets).toHaveLength(1);
    expect(error?.offset).toBe(82);
    expect(error?.reason).toMatch(/captured length 300 exceeds the limit of 256 bytes \(maxCaplenBytes\)/);
  });

  it('refuses the default 256 KiB limit plus one', () => {
    // A record header claiming 262145 captured bytes (the bytes themselves need not follow).
    const bytes = Uint8Array.from([...pcapFile(1, []), ...le32(0), ...le32(0), ...le32(262_145), ...le32(262_145)]);
    expect(parse(bytes).error?.reason).toMatch(/262145 exceeds the limit of 262144/);
  });

  it('names unknown magic and empty input at offset 0', () => {
    expect(parse(Uint8Array.from([1, 2, 3, 4, 5])).error?.reason).toMatch(/unknown file magic 0x04030201/);
    expect(parse(new Uint8Array(0)).error?.reason).toMatch(/empty input/);
    expect(parse(pcapFile(1, []).subarray(0, 10)).error?.reason).toMatch(/inside the file header/);
  });

  it('reads the modified (Kuznetzov) pcap written by editcap -F modpcap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-cap-'));
    const src = join(dir, 'a.pcap');
    writeFileSync(src, pcapFile(1, records));
    execFileSync('editcap', ['-F', 'modpcap', src, join(dir, 'b.pcap')]);
    const { packets } = parse(new Uint8Array(execFileSync('cat', [join(dir, 'b.pcap')])));
    expect(packets.map((p) => [p.tsUs, p.data, p.origLen])).toEqual(parse(pcapFile(1, records)).packets.map((p) => [p.tsUs, p.data, p.origLen]));
  });
});

/** The multi-section pcapng used below; also written to disk for tshark to read. */
function multiSection(): Uint8Array {
  const a = new Pcapng(false)
    .shb()
    // Interface 0: Ethernet, nanosecond resolution (if_tsresol 9 = 10^-9).
    .idb(1, 65535, 9, 'eth0')
    // Interface 1: raw IPv4, binary resolution 2^-20 (if_tsresol 0x94: top bit set, exponent 20).
    .idb(228, 0, 0x94)
    .epb(0, 1_700_000_000_123_456_789n, frame)
    // 2^20 units per second: 1_700_000_000.5 s = 1_700_000_000 * 2^20 + 2^19.
    .epb(1, 1_700_000_000n * 1_048_576n + 524_288n, frame2.slice(14))
    // A custom block (type 0x00000BAD, private enterprise number 0x04030201): tshark numbers it
    // as a frame of its own, so it takes frame number 3.
    .block(0x0bad, [1, 2, 3, 4, 5])
    // A block of an unassigned type is skipped without a frame number.
    .block(0x7eadbeef, [9, 9, 9, 9])
    .nrb([{ addr: '10.0.0.2', names: ['pool.example.org', 'alias.example.org'] }]);
  const b = new Pcapng(true)
    .shb()
    // Interface 0 of section 2: Ethernet with snaplen 20, default microsecond resolution.
    .idb(1, 20)
    // SPB: 42 bytes on the wire, the snaplen keeps 20.
    .spb(frame.slice(0, 20), 42)
    .opb(0, 1_700_000_002_000_001n, frame2);
  return Uint8Array.from([...a.out, ...b.out]);
}

/** "1700000000.123456789" to whole microseconds, truncating as the reader does. */
function epochToUs(t: string): number {
  const [sec = '0', frac = ''] = t.split('.');
  return Number(sec) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

describe('pcapng', () => {
  it('reads sections of either byte order, per-interface link type and resolution, EPB, SPB, OPB, NRB', () => {
    const { packets, summary, error } = parse(multiSection());
    expect(error).toBeUndefined();
    expect(packets.map((p) => [p.frameNumber, p.interfaceId, p.linkType, p.tsUs, p.data.length, p.origLen])).toEqual([
      [1, 0, 1, 1_700_000_000_123_456, 42, 42],
      [2, 1, 228, 1_700_000_000_500_000, 32, 32],
      // The SPB carries no timestamp; it takes the previous packet's.
      [4, 0, 1, 1_700_000_000_500_000, 20, 42],
      [5, 0, 1, 1_700_000_002_000_001, 46, 46],
    ]);
    expect(packets[3]?.data).toEqual(frame2);
    expect(summary?.sections).toBe(2);
    expect(summary?.skippedBlocks).toBe(2);
    expect(summary?.nonPacketFrames).toBe(1);
    expect(summary?.linkTypes).toEqual([1, 228]);
    expect(summary?.interfaces.map((i) => [i.section, i.id, i.linkType, i.snaplen, i.tsResolution, i.name])).toEqual([
      [0, 0, 1, 65535, '10^-9', 'eth0'],
      [0, 1, 228, 0, '2^-20', undefined],
      [1, 0, 1, 20, '10^-6', undefined],
    ]);
    expect(summary?.names).toEqual([{ addr: '10.0.0.2', names: ['pool.example.org', 'alias.example.org'] }]);
  });

  it('agrees with tshark on every packet of that file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-cap-'));
    const file = join(dir, 'multi.pcapng');
    const bytes = multiSection();
    writeFileSync(file, bytes);
    const ref = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len', '-e', 'frame.interface_id'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const { packets } = parse(bytes);
    // tshark lists the custom block as frame 3.
    expect(ref).toHaveLength(packets.length + 1);
    // tshark gives SPBs no time; our reader carries the previous one, so compare the others.
    for (const p of packets) {
      const [t, cap, len, ifId] = ref[p.frameNumber - 1] as string[];
      expect([Number(cap), Number(len), Number(ifId)]).toEqual([p.data.length, p.origLen, p.interfaceId]);
      if (p.frameNumber !== 4) expect(epochToUs(t as string)).toBe(p.tsUs);
    }
  });

  it('gives the same packets whatever the chunking', () => {
    const bytes = multiSection();
    const whole = parse(bytes).packets;
    for (const chunk of [1, 3, 13, 64]) expect(parse(bytes, chunk).packets).toEqual(whole);
  });

  const shbLen = 28;
  const withIdb = (): Pcapng => new Pcapng(false).shb().idb(1, 65535);
  const idbLen = 20;

  it.each([
    ['a zero-length block', (n: Pcapng) => n.out.push(...le32(6), ...le32(0), ...le32(0)), /block total length 0 is below the minimum of 12/],
    ['a length that is not a multiple of 4', (n: Pcapng) => n.out.push(...le32(6), ...le32(13), 0, 0, 0, 0, 0, ...le32(13)), /not a multiple of 4/],
    ['a block over maxBlockBytes', (n: Pcapng) => n.out.push(...le32(6), ...le32(32 * 1024 * 1024), 0, 0, 0, 0), /exceeds the limit of 16777216 bytes \(maxBlockBytes\)/],
    ['a trailing length that differs', (n: Pcapng) => n.out.push(...le32(0xbad), ...le32(16), 0, 0, 0, 0, ...le32(20)), /trailing length 20 differs from its leading length 16/],
    ['a packet for an interface never described', (n: Pcapng) => n.epb(3, 0n, frame), /interface 3, but the section describes 1/],
    ['a captured length larger than the block', (n: Pcapng) => n.out.push(...le32(6), ...le32(36), ...le32(0), 0, 0, 0, 0, 0, 0, 0, 0, ...le32(100), ...le32(100), 0, 0, 0, 0, ...le32(36)), /captured length 100 exceeds the 4 bytes the block holds/],
    ['a cut block', (n: Pcapng) => n.out.push(...le32(6), ...le32(64), 1, 2, 3, 4, 5), /input ends inside a record \(13 of 64 bytes present\)/],
  ])('stops at %s with the offset, after the good packets', (_name, damage, reason) => {
    const n = withIdb().epb(0, 5n, frame);
    const good = n.out.length;
    damage(n);
    const { packets, error } = parse(n.bytes());
    expect(packets).toHaveLength(1);
    expect(error?.offset).toBe(good);
    expect(good).toBe(shbLen + idbLen + 32 + 44);
    expect(error?.reason).toMatch(reason);
  });

  it('refuses a section header with a bad byte-order magic', () => {
    const bytes = Uint8Array.from([...le32(0x0a0d0d0a), ...le32(28), ...be32(0x11223344), ...new Array<number>(16).fill(0)]);
    expect(parse(bytes).error?.reason).toMatch(/bad byte-order magic/);
  });

  it('converts exotic resolutions exactly (10^-15, 2^-40, 10^-3) and applies if_tsoffset', () => {
    const n = new Pcapng(false).shb();
    // IDB: Ethernet, snaplen 0, if_tsresol 15 (femtoseconds), if_tsoffset (code 14) of 100 s.
    n.block(1, [1, 0, 0, 0, 0, 0, 0, 0, ...n.option(9, [15]), ...n.option(14, [...le32(100), ...le32(0)]), 0, 0, 0, 0]);
    n.idb(1, 0, 0x80 | 40);
    n.idb(1, 0, 3);
    // 1.5 s in femtoseconds, 2.25 s in 2^-40 units, 7.5 s in milliseconds.
    n.epb(0, 1_500_000_000_000_000n, frame).epb(1, 9n << 38n, frame).epb(2, 7500n, frame);
    const { packets, summary } = parse(n.bytes());
    expect(packets.map((p) => p.tsUs)).toEqual([101_500_000, 2_250_000, 7_500_000]);
    expect(summary?.interfaces.map((i) => i.tsResolution)).toEqual(['10^-15', '2^-40', '10^-3']);
  });

  it('keeps at most maxNameRecords names and counts the rest', () => {
    const names = Array.from({ length: 5 }, (_, i) => ({ addr: `10.0.0.${i}`, names: [`h${i}`] }));
    const { summary } = parse(withIdb().nrb(names).bytes(), 1000, { maxNameRecords: 3 });
    expect(summary?.names).toHaveLength(3);
    expect(summary?.namesDropped).toBe(2);
  });
});
