// Reassembly behaviour: order, retransmission, overlap policy, sequence wrap, mid-stream start,
// gaps and every limit, plus a property test that any arrival order rebuilds the original bytes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TcpFlag } from '../decode/types.js';
import type { Direction } from '../protocols/analyser.js';
import { DEFAULT_REASSEMBLY_OPTIONS, ReassemblyStats, TcpReassembler, type ReassemblyOptions } from './tcp-reassembly.js';

class Collector {
  out: [number[], number[]] = [[], []];
  gaps: Array<[Direction, number]> = [];
  events: string[] = [];
  onStreamData(dir: Direction, data: Uint8Array): void {
    for (const b of data) this.out[dir].push(b);
    this.events.push(`d${dir}:${data.length}`);
  }
  onStreamGap(dir: Direction, length: number): void {
    this.gaps.push([dir, length]);
    for (let i = 0; i < length; i++) this.out[dir].push(-1);
    this.events.push(`g${dir}:${length}`);
  }
  text(dir: Direction): string {
    return this.out[dir].map((b) => (b < 0 ? '_' : String.fromCharCode(b))).join('');
  }
}

function setup(opts: Partial<ReassemblyOptions> = {}) {
  const stats = new ReassemblyStats();
  const sink = new Collector();
  const r = new TcpReassembler({ ...DEFAULT_REASSEMBLY_OPTIONS, ...opts }, stats, sink);
  return { r, stats, sink };
}

const bytes = (s: string) => new TextEncoder().encode(s);
const ACK = TcpFlag.ACK;
const ISN = 1000;

describe('TcpReassembler', () => {
  it('delivers in-order data after the handshake', () => {
    const { r, sink } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 1, ACK, bytes('hello '), 0, 2);
    r.segment(0, ISN + 7, ACK, bytes('world'), 0, 3);
    expect(sink.text(0)).toBe('hello world');
    expect(sink.gaps).toEqual([]);
  });

  it('reorders out-of-order segments', () => {
    const { r, sink, stats } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 7, ACK, bytes('world'), 0, 2);
    r.segment(0, ISN + 4, ACK, bytes('lo '), 0, 3);
    expect(sink.text(0)).toBe('');
    r.segment(0, ISN + 1, ACK, bytes('hel'), 0, 4);
    expect(sink.text(0)).toBe('hello world');
    expect(stats.outOfOrder).toBe(2);
    expect(stats.bufferedBytes).toBe(0);
  });

  it('drops retransmissions', () => {
    const { r, sink, stats } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 1, ACK, bytes('abc'), 0, 2);
    r.segment(0, ISN + 1, ACK, bytes('abc'), 0, 3);
    r.segment(0, ISN + 4, ACK, bytes('def'), 0, 4);
    expect(sink.text(0)).toBe('abcdef');
    expect(stats.retransmissions).toBe(1);
  });

  it('keeps the first copy on an overlapping retransmission of delivered data', () => {
    const { r, sink, stats } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 1, ACK, bytes('abcdef'), 0, 2);
    r.segment(0, ISN + 4, ACK, bytes('XYZghi'), 0, 3);
    expect(sink.text(0)).toBe('abcdefghi');
    expect(stats.overlaps).toBe(1);
  });

  it('keeps buffered bytes over later conflicting ones and counts the conflict', () => {
    const { r, sink, stats } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 5, ACK, bytes('EFGH'), 0, 2); // rel 4..8 buffered
    r.segment(0, ISN + 1, ACK, bytes('abcdXY'), 0, 3); // rel 0..6 overlaps 4..6 with different bytes
    expect(sink.text(0)).toBe('abcdEFGH');
    expect(stats.overlaps).toBe(1);
    expect(stats.overlapConflicts).toBe(1);
  });

  it('counts a same-bytes overlap as an overlap, not a conflict', () => {
    const { r, sink, stats } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 5, ACK, bytes('efgh'), 0, 2);
    r.segment(0, ISN + 1, ACK, bytes('abcdef'), 0, 3);
    expect(sink.text(0)).toBe('abcdefgh');
    expect(stats.overlaps).toBe(1);
    expect(stats.overlapConflicts).toBe(0);
  });

  it('reassembles 1-byte segments in any order', () => {
    const { r, sink } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    const text = 'one byte at a time';
    const order = [...text].map((_, i) => i).reverse();
    for (const i of order) r.segment(0, ISN + 1 + i, ACK, bytes(text[i]!), 0, 2);
    expect(sink.text(0)).toBe(text);
  });

  it('handles sequence numbers that wrap at 2^32', () => {
    const { r, sink } = setup();
    const isn = 0xfffffffa;
    r.segment(1, isn, TcpFlag.SYN | ACK, new Uint8Array(0), 0, 1);
    r.segment(1, (isn + 1 + 8) >>> 0, ACK, bytes('IJKL'), 0, 2); // after the wrap
    r.segment(1, isn + 1, ACK, bytes('ABCDEFGH'), 0, 3); // straddles 2^32
    expect(sink.text(1)).toBe('ABCDEFGHIJKL');
  });

  it('starts mid-stream from the first sequence seen', () => {
    const { r, sink } = setup();
    r.segment(1, 5_000_000, ACK, bytes('{"method":"mining.notify"}'), 0, 1);
    r.segment(1, 5_000_000 + 26, ACK, bytes('\n'), 0, 2);
    expect(sink.text(1)).toBe('{"method":"mining.notify"}\n');
  });

  it('reports a hole as a gap at the end of the flow', () => {
    const { r, sink, stats } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 1, ACK, bytes('abc'), 0, 2);
    r.segment(0, ISN + 9, ACK, bytes('xyz'), 0, 3);
    expect(sink.text(0)).toBe('abc');
    r.flush(4);
    expect(sink.text(0)).toBe('abc_____xyz');
    expect(sink.gaps).toEqual([[0, 5]]);
    expect(stats.gaps).toBe(1);
    expect(stats.gapBytes).toBe(5);
  });

  it('reports a hole as a gap at FIN, including missing bytes just before the FIN', () => {
    const { r, sink } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 1, ACK, bytes('ab'), 0, 2);
    r.segment(0, ISN + 5, ACK, bytes('ef'), 0, 3);
    r.segment(0, ISN + 9, ACK | TcpFlag.FIN, new Uint8Array(0), 0, 4);
    expect(sink.events).toEqual(['d0:2', 'g0:2', 'd0:2', 'g0:2']);
  });

  it('stops at maxReassemblyBytesPerFlow and counts it', () => {
    const { r, sink, stats } = setup({ maxReassemblyBytesPerFlow: 10 });
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 1, ACK, bytes('0123456'), 0, 2);
    r.segment(0, ISN + 8, ACK, bytes('789abc'), 0, 3);
    r.segment(0, ISN + 14, ACK, bytes('def'), 0, 4);
    expect(sink.text(0)).toBe('0123456789');
    expect(stats.depthReached).toBe(1);
  });

  it('declares a gap when out-of-order bytes exceed maxOutOfOrderBytesPerFlow', () => {
    const { r, sink, stats } = setup({ maxOutOfOrderBytesPerFlow: 8 });
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 3, ACK, bytes('cdef'), 0, 2);
    expect(sink.text(0)).toBe('');
    r.segment(0, ISN + 7, ACK, bytes('ghijk'), 0, 3); // 9 bytes held > 8
    expect(sink.text(0)).toBe('__cdefghijk');
    expect(stats.flowCapGaps).toBe(1);
    expect(stats.bufferedBytes).toBe(0);
  });

  it('drops out-of-order segments beyond maxReassemblyBytesTotal and counts them', () => {
    const stats = new ReassemblyStats();
    const opts = { ...DEFAULT_REASSEMBLY_OPTIONS, maxReassemblyBytesTotal: 6 };
    const a = new Collector();
    const b = new Collector();
    const ra = new TcpReassembler(opts, stats, a);
    const rb = new TcpReassembler(opts, stats, b);
    ra.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    rb.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    ra.segment(0, ISN + 2, ACK, bytes('bcde'), 0, 2);
    rb.segment(0, ISN + 2, ACK, bytes('BCDE'), 0, 2); // 4 + 4 > 6: dropped
    expect(stats.memcapDrops).toBe(1);
    expect(stats.bufferedBytes).toBe(4);
    rb.segment(0, ISN + 1, ACK, bytes('A'), 0, 3);
    rb.flush(4);
    expect(b.text(0)).toBe('A');
    ra.segment(0, ISN + 1, ACK, bytes('a'), 0, 3);
    expect(a.text(0)).toBe('abcde');
    expect(stats.bufferedBytes).toBe(0);
  });

  it('reports bytes cut by the snaplen as a gap', () => {
    const { r, sink } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(0, ISN + 1, ACK, bytes('abcd'), 6, 2);
    r.segment(0, ISN + 11, ACK, bytes('k'), 0, 3);
    expect(sink.text(0)).toBe('abcd______k');
  });

  it('copies buffered segments out of the caller\'s buffer (a Buffer slice would alias it)', () => {
    const { r, sink } = setup();
    r.segment(0, ISN, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    const chunk = Buffer.from('xxxxcdefxxxx');
    r.segment(0, ISN + 3, ACK, chunk.subarray(4, 8), 0, 2);
    chunk.fill(0x3f);
    r.segment(0, ISN + 1, ACK, bytes('ab'), 0, 3);
    expect(sink.text(0)).toBe('abcdef');
  });

  it('keeps directions apart', () => {
    const { r, sink } = setup();
    r.segment(0, 100, TcpFlag.SYN, new Uint8Array(0), 0, 1);
    r.segment(1, 900, TcpFlag.SYN | ACK, new Uint8Array(0), 0, 2);
    r.segment(0, 101, ACK, bytes('GET / HTTP/1.1\r\n'), 0, 3);
    r.segment(1, 901, ACK, bytes('HTTP/1.1 200 OK\r\n'), 0, 4);
    expect(sink.text(0)).toBe('GET / HTTP/1.1\r\n');
    expect(sink.text(1)).toBe('HTTP/1.1 200 OK\r\n');
  });

  it('rebuilds the original bytes from any permutation of segments, with duplicates (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.infiniteStream(fc.nat()),
        (payload, sizes, isn, dupIdx, rand) => {
          const segs: Array<[number, Uint8Array]> = [];
          for (let off = 0, i = 0; off < payload.length; i++) {
            const n = Math.min(sizes[i % sizes.length]!, payload.length - off);
            segs.push([off, payload.subarray(off, off + n)]);
            off += n;
          }
          for (const d of dupIdx) segs.push(segs[d % segs.length]!);
          // Fisher-Yates with the generated stream.
          const it = rand[Symbol.iterator]();
          for (let i = segs.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [segs[i], segs[j]] = [segs[j]!, segs[i]!];
          }
          const { r, sink, stats } = setup();
          r.segment(0, isn, TcpFlag.SYN, new Uint8Array(0), 0, 0);
          for (const [off, data] of segs) r.segment(0, (isn + 1 + off) >>> 0, ACK, data, 0, 1);
          r.flush(2);
          expect(sink.gaps).toEqual([]);
          expect(Uint8Array.from(sink.out[0])).toEqual(payload);
          expect(stats.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
