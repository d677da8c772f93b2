// Property-based robustness of the readers and decoders (fast-check): random bytes and random
// damage to real corpus captures (bit flips, truncations, corrupted length fields) never make
// anything throw except the documented CaptureFormatError, never hang, and keep memory bounded.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureFormatError, CaptureParser } from '../../src/capture/index.js';
import { AnomalyCounter, IpReassembler, PacketDecoder, newDecodedPacket } from '../../src/decode/index.js';

const CORPUS = '/work/shared/corpus';
// The first 6 KiB of a few captures of each format and link type.
const seeds = [
  'benign/jsonrpc.pcap',
  'benign/nats.pcap',
  'benign/nano.pcapng',
  'mining.pcapng',
  'nesfit/cgminer.s0.pcapng',
].map((f) => new Uint8Array(readFileSync(`${CORPUS}/${f}`).subarray(0, 6144)));

const LIMITS = { maxBlockBytes: 1 << 20, maxCaplenBytes: 1 << 16 };

/** Parses and decodes bytes in the given chunk size; returns packets seen or the format error. */
function run(bytes: Uint8Array, chunk: number): { packets: number; error?: CaptureFormatError; carry: number } {
  const decoder = new PacketDecoder(new AnomalyCounter(), { maxDatagrams: 16 });
  const out = newDecodedPacket();
  let packets = 0;
  const parser = new CaptureParser('fuzz', (p) => {
    packets++;
    const ok = decoder.decode(p, out);
    expect(typeof ok).toBe('boolean');
    // Every view the decoder hands out lies inside the captured bytes or a reassembled datagram.
    expect(out.payload.length).toBeLessThanOrEqual(Math.max(p.data.length, 65_535));
  }, LIMITS);
  try {
    for (let i = 0; i < bytes.length; i += chunk) parser.push(bytes.subarray(i, i + chunk));
    parser.end();
    return { packets, carry: parser.carryCapacity };
  } catch (e) {
    if (e instanceof CaptureFormatError) return { packets, error: e, carry: parser.carryCapacity };
    throw e;
  }
}

const damage = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), bit: fc.constant(0) }),
  fc.record({ kind: fc.constant('length' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 3 }) }),
);

function apply(src: Uint8Array, ds: { kind: 'flip' | 'cut' | 'length'; at: number; bit: number }[]): Uint8Array {
  let b = Uint8Array.from(src);
  for (const d of ds) {
    const at = d.at % Math.max(1, b.length);
    if (d.kind === 'flip') b[at] = (b[at] as number) ^ (1 << d.bit);
    else if (d.kind === 'cut') b = b.subarray(0, at);
    else {
      // Overwrite an aligned 32-bit word (where record and block lengths live) with a hostile value.
      const o = at & ~3;
      const v = [0, 0xffffffff, 0x7fffffff, 12, 0x40000][d.bit] ?? 0;
      for (let k = 0; k < 4 && o + k < b.length; k++) b[o + k] = (v >>> (8 * k)) & 0xff;
    }
  }
  return b;
}

describe('robustness', () => {
  it('random bytes: only CaptureFormatError, bounded memory', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 1, max: 600 }), (bytes, chunk) => {
        const r = run(bytes, chunk);
        expect(r.carry).toBeLessThanOrEqual(LIMITS.maxBlockBytes * 2);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes after a valid pcap or pcapng header', () => {
    const pcapHeader = (seeds[0] as Uint8Array).subarray(0, 24);
    const ngHeader = (seeds[2] as Uint8Array).subarray(0, 28);
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 1, max: 600 }), (ng, tail, chunk) => {
        const head = ng ? ngHeader : pcapHeader;
        const bytes = new Uint8Array(head.length + tail.length);
        bytes.set(head);
        bytes.set(tail, head.length);
        run(bytes, chunk);
      }),
      { numRuns: 300 },
    );
  });

  it('damaged corpus captures: good packets up to the damage, then at most a format error', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(damage, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 2000 }), (i, ds, chunk) => {
        const src = seeds[i] as Uint8Array;
        const started = performance.now();
        const r = run(apply(src, ds), chunk);
        expect(performance.now() - started).toBeLessThan(2000);
        expect(r.carry).toBeLessThanOrEqual(LIMITS.maxBlockBytes * 2);
        if (r.error) expect(r.error.offset).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('a cut capture delivers exactly the packets before the cut, unchanged', () => {
    const collect = (b: Uint8Array): { list: string[]; error?: CaptureFormatError } => {
      const list: string[] = [];
      const parser = new CaptureParser('cut', (p) => list.push(`${p.frameNumber}/${p.tsUs}/${p.fileOffset}/${Buffer.from(p.data).toString('hex')}`));
      try {
        parser.push(b);
        parser.end();
        return { list };
      } catch (e) {
        if (!(e instanceof CaptureFormatError)) throw e;
        return { list, error: e };
      }
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.nat(), (i, at) => {
        const src = seeds[i] as Uint8Array;
        const full = collect(src).list;
        const cut = at % src.length;
        const got = collect(src.subarray(0, cut));
        expect(got.list).toEqual(full.slice(0, got.list.length));
        // The error names the offset of the first record not wholly before the cut.
        if (got.error) expect(got.error.offset).toBeLessThanOrEqual(cut);
      }),
      { numRuns: 200 },
    );
  });

  it('chunking never changes the outcome: same packets, same error, same offset', () => {
    const outcome = (b: Uint8Array, chunk: number): string[] => {
      const seen: string[] = [];
      const parser = new CaptureParser('chunks', (p) => seen.push(`${p.frameNumber}/${p.interfaceId}/${p.linkType}/${p.tsUs}/${p.origLen}/${p.fileOffset}/${Buffer.from(p.data).toString('hex')}`), LIMITS);
      try {
        for (let i = 0; i < b.length; i += chunk) parser.push(b.subarray(i, i + chunk));
        const s = parser.end();
        seen.push(`end ${s.packets} ${s.sections} ${s.names.length} ${s.linkTypes.join(',')}`);
      } catch (e) {
        if (!(e instanceof CaptureFormatError)) throw e;
        seen.push(`error ${e.offset} ${e.reason}`);
      }
      return seen;
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(damage, { maxLength: 4 }), fc.integer({ min: 1, max: 3000 }), (i, ds, chunk) => {
        const b = apply(seeds[i] as Uint8Array, ds);
        expect(outcome(b, chunk)).toEqual(outcome(b, b.length || 1));
      }),
      { numRuns: 300 },
    );
  });

  it('random packet bytes on every link type never throw from the decoder', () => {
    const an = new AnomalyCounter();
    const decoder = new PacketDecoder(an, { maxDatagrams: 8 });
    const out = newDecodedPacket();
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147),
        fc.uint8Array({ maxLength: 1600 }),
        fc.nat(2000),
        (linkType, data, extra) => {
          const ok = decoder.decode({ tsUs: 0, linkType, data, origLen: data.length + extra, interfaceId: 0, frameNumber: 1, fileOffset: 0 }, out);
          expect(typeof ok).toBe('boolean');
          expect(decoder.reassembler.pending).toBeLessThanOrEqual(8);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random fragment streams stay within the reassembly limits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 40 }), off: fc.nat(70_000), len: fc.nat(3000), last: fc.boolean(), dt: fc.nat(5_000_000) }), { maxLength: 300 }),
        (frags) => {
          const limits = { maxDatagrams: 16, maxTotalBytes: 256 * 1024, timeoutUs: 10_000_000 };
          const r = new IpReassembler(new AnomalyCounter(), limits);
          let ts = 0;
          for (const f of frags) {
            ts += f.dt;
            const whole = r.add(`k${f.key}`, ts, f.off & ~7, new Uint8Array(f.len), f.last);
            if (whole) expect(whole.length).toBeLessThanOrEqual(65_535);
            expect(r.pending).toBeLessThanOrEqual(16);
            // One datagram may grow past the total before the next add evicts older ones.
            expect(r.pendingBytes).toBeLessThanOrEqual(limits.maxTotalBytes + 65_535);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
