// Tests of IP fragment reassembly through the decoder: order, overlaps, and every limit
// exceeded once, each with its counter.

import { describe, expect, it } from 'vitest';
import { be16, be32, ipv4, ipv6, udp, type Bytes } from '../../test/crosscheck/bytes.js';
import type { CapturedPacket } from '../capture/types.js';
import { PacketDecoder, type DecodeLimits } from './decoder.js';
import { IpReassembler } from './reassembly.js';
import { AnomalyCounter } from './types.js';

const payload = (n: number, seed = 0): Bytes => Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);

function pkt(bytes: Bytes, tsUs = 1_000_000): CapturedPacket {
  return { tsUs, linkType: 101, data: Uint8Array.from(bytes), origLen: bytes.length, interfaceId: 0, frameNumber: 1, fileOffset: 0 };
}

/** IPv4 fragment `off`..`off+len` of `dgram` (UDP header plus data), datagram id `id`. */
function frag4(dgram: Bytes, off: number, len: number, id = 7, last = off + len >= dgram.length): Bytes {
  return ipv4({ proto: 17, id, fragOffset: off, moreFragments: !last }, dgram.slice(off, off + len));
}

function setup(limits: Partial<DecodeLimits> = {}) {
  const an = new AnomalyCounter();
  const dec = new PacketDecoder(an, limits);
  const out = dec.newDecodedPacket();
  return { an, dec, out, run: (b: Bytes, ts?: number) => dec.decode(pkt(b, ts), out) };
}

describe('IPv4 fragment reassembly', () => {
  const dgram = udp(1234, 53, payload(1000));

  it('reassembles out-of-order fragments on the one that completes the datagram', () => {
    const { out, run, dec, an } = setup();
    expect(run(frag4(dgram, 512, 496))).toBe(false);
    expect(out.isFragmentHeld).toBe(true);
    expect(run(frag4(dgram, 0, 256))).toBe(false);
    expect(run(frag4(dgram, 256, 256))).toBe(true);
    expect([out.isReassembled, out.isFragmentHeld, out.srcPort, out.dstPort]).toEqual([true, false, 1234, 53]);
    expect([...out.payload]).toEqual(payload(1000));
    expect(dec.stats).toMatchObject({ fragments: 3, reassembled: 1 });
    expect(dec.reassembler.pending).toBe(0);
    expect(an.toJSON()).toEqual({});
  });

  it('keeps the first copy of overlapping bytes; counts identical and differing overlaps apart', () => {
    const { out, run, an } = setup();
    run(frag4(dgram, 0, 512));
    // Same bytes again (a retransmitted fragment).
    run(frag4(dgram, 256, 256));
    // Different bytes over 504..520: the first copy (504..512) wins.
    const forged = [...dgram];
    for (let i = 504; i < 520; i++) forged[i] = 0xaa;
    run(frag4(forged, 504, 16));
    expect(run(frag4(dgram, 520, 488))).toBe(true);
    const got = [...out.payload];
    expect(got.slice(0, 504 - 8)).toEqual(payload(1000).slice(0, 496));
    expect(got[504 - 8]).toBe(dgram[504]);
    expect(got.slice(512 - 8, 520 - 8)).toEqual(new Array<number>(8).fill(0xaa));
    expect(an.toJSON()).toEqual({ 'ipfrag.overlap': 1, 'ipfrag.overlap_conflict': 1 });
  });

  it('drops a datagram older than timeoutUs (packet time) and counts it', () => {
    const { run, an, dec } = setup({ timeoutUs: 5_000_000 });
    run(frag4(dgram, 0, 512), 1_000_000);
    // The rest arrives 6 s later: the start was dropped, so nothing completes.
    expect(run(frag4(dgram, 512, 496), 7_000_001)).toBe(false);
    expect(an.toJSON()).toEqual({ 'ipfrag.timeout': 1 });
    expect(dec.reassembler.pending).toBe(1);
  });

  it('evicts the oldest datagram beyond maxDatagrams', () => {
    const { run, an, dec } = setup({ maxDatagrams: 2 });
    for (let id = 1; id <= 3; id++) run(frag4(dgram, 0, 512, id));
    expect(dec.reassembler.pending).toBe(2);
    expect(an.toJSON()).toEqual({ 'ipfrag.too_many_datagrams': 1 });
    // Datagram 1 was evicted: its last fragment completes nothing; datagram 3 completes.
    expect(run(frag4(dgram, 512, 496, 1))).toBe(false);
    expect(run(frag4(dgram, 512, 496, 3))).toBe(true);
  });

  it('refuses a datagram over maxDatagramBytes', () => {
    const { run, an } = setup({ maxDatagramBytes: 800 });
    run(frag4(dgram, 0, 512));
    expect(run(frag4(dgram, 512, 496))).toBe(false);
    expect(an.toJSON()).toEqual({ 'ipfrag.datagram_too_large': 1 });
  });

  it('refuses more than maxFragmentsPerDatagram fragments', () => {
    const { run, an } = setup({ maxFragmentsPerDatagram: 3 });
    for (let off = 0; off < 640; off += 128) run(frag4(dgram, off, 128));
    expect(an.toJSON()).toEqual({ 'ipfrag.too_many_fragments': 1 });
  });

  it('drops a datagram with data beyond the end its last fragment set', () => {
    const { run, an } = setup();
    run(frag4(dgram, 256, 256, 7, true));
    run(frag4(dgram, 512, 256, 7, false));
    expect(an.toJSON()).toEqual({ 'ipfrag.inconsistent_length': 1 });
  });

  it('counts non-final fragments whose length is not a multiple of 8', () => {
    const { run, an } = setup();
    run(frag4(dgram, 0, 100));
    expect(an.toJSON()).toEqual({ 'ipfrag.bad_fragment_length': 1 });
  });

  it('does not reassemble a fragment the snaplen cut', () => {
    const an = new AnomalyCounter();
    const dec = new PacketDecoder(an);
    const out = dec.newDecodedPacket();
    const f = frag4(dgram, 0, 512);
    expect(dec.decode({ ...pkt(f.slice(0, 100)), origLen: f.length }, out)).toBe(false);
    expect(out.isFragmentHeld).toBe(true);
    expect(an.toJSON()).toEqual({ 'ipfrag.truncated_fragment': 1 });
  });

  it('bounds the bytes held across datagrams (maxTotalBytes)', () => {
    const an = new AnomalyCounter();
    const r = new IpReassembler(an, { maxTotalBytes: 4096 });
    for (let id = 0; id < 10; id++) r.add(`k${id}`, 0, 0, new Uint8Array(1024), false);
    expect(r.pendingBytes).toBeLessThanOrEqual(4096);
    expect(an.counts.get('ipfrag.memory_limit')).toBeGreaterThan(0);
  });
});

describe('IPv6 fragment reassembly', () => {
  it('reassembles through the fragment header and walks the headers inside the fragmentable part', () => {
    const { out, run } = setup();
    // Fragmentable part: destination options (8 bytes) then UDP.
    const inner = [17, 0, 1, 4, 0, 0, 0, 0, ...udp(4000, 4001, payload(600))];
    const f = (off: number, len: number, more: boolean): Bytes => ipv6(44, [60, 0, ...be16(off | (more ? 1 : 0)), ...be32(99), ...inner.slice(off, off + len)]);
    expect(run(f(304, inner.length - 304, false))).toBe(false);
    expect(run(f(0, 304, true))).toBe(true);
    expect([out.isReassembled, out.protocol, out.srcPort, out.dstPort, out.payload.length]).toEqual([true, 17, 4000, 4001, 600]);
  });

  it('keys datagrams by identification: two ids do not mix', () => {
    const { run, dec } = setup();
    const d = udp(1, 2, payload(100));
    run(ipv6(44, [17, 0, ...be16(1), ...be32(1), ...d.slice(0, 64)]));
    expect(run(ipv6(44, [17, 0, ...be16(64), ...be32(2), ...d.slice(64)]))).toBe(false);
    expect(dec.reassembler.pending).toBe(2);
  });
});
