// Unit tests of RFC 6587 stream framing: both framings, every split point, over-long frames,
// broken headers and resynchronisation.
import { describe, expect, it } from 'vitest';
import { StreamFramer, type FrameDrop } from './framing.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function run(chunks: (string | Uint8Array)[], max = 64): { msgs: string[]; drops: FrameDrop[]; framer: StreamFramer } {
  const msgs: string[] = [];
  const drops: FrameDrop[] = [];
  const framer = new StreamFramer({ message: (b) => msgs.push(dec.decode(b)), drop: (d) => drops.push(d) }, max);
  for (const c of chunks) framer.push(typeof c === 'string' ? enc.encode(c) : c);
  framer.end();
  return { msgs, drops, framer };
}

describe('StreamFramer', () => {
  it('frames LF-terminated messages, stripping CR', () => {
    expect(run(['<1>a\n<2>b\r\n<3>c']).msgs).toEqual(['<1>a', '<2>b', '<3>c']);
  });
  it('frames octet-counted messages', () => {
    expect(run(['4 <1>a5 <2>bc\n6 <3>def']).msgs).toEqual(['<1>a', '<2>bc', '<3>def']);
  });
  it('gives the same messages for every split of the stream', () => {
    const stream = '11 <14>1 hello\n<13>lf one\n6 <1>xyz\n<2>last\n';
    const want = ['<14>1 hello', '<13>lf one', '<1>xyz', '<2>last'];
    for (let cut = 0; cut <= stream.length; cut++) {
      for (let cut2 = cut; cut2 <= stream.length; cut2 += 3) {
        expect(run([stream.slice(0, cut), stream.slice(cut, cut2), stream.slice(cut2)]).msgs).toEqual(want);
      }
    }
    // One byte at a time.
    expect(run(stream.split('')).msgs).toEqual(want);
  });
  it('skips an over-long counted frame exactly and keeps the next', () => {
    const big = 'x'.repeat(100);
    const r = run([`100 ${big.slice(0, 30)}`, `${big.slice(30)}4 <1>a`]);
    expect(r.msgs).toEqual(['<1>a']);
    expect(r.drops).toEqual(['oversize']);
  });
  it('discards an over-long LF line through its LF and resynchronises', () => {
    const r = run(['<1>', 'y'.repeat(50), 'y'.repeat(50), 'tail\n<2>ok\n']);
    expect(r.msgs).toEqual(['<2>ok']);
    expect(r.drops).toEqual(['oversize']);
    expect(r.framer.bufferedBytes).toBe(0);
  });
  it('treats digits without a space as the start of an LF line', () => {
    expect(run(['1,2026/11/27,THREAT\n3 <1>\n']).msgs).toEqual(['1,2026/11/27,THREAT', '<1>']);
  });
  it('drops a zero count and resynchronises at the next LF', () => {
    const r = run(['0 garbage\n<5>ok\n']);
    expect(r.msgs).toEqual(['<5>ok']);
    expect(r.drops).toEqual(['bad_frame']);
  });
  it('counts a counted frame cut by the end of the stream', () => {
    const r = run(['10 <1>ab']);
    expect(r.msgs).toEqual([]);
    expect(r.drops).toEqual(['bad_frame']);
  });
  it('never holds more than its capacity', () => {
    const framer = new StreamFramer({ message: () => undefined, drop: () => undefined }, 1000);
    let peak = 0;
    for (let i = 0; i < 500; i++) {
      framer.push(enc.encode(i % 2 ? '999 ' : 'z'.repeat(997)));
      peak = Math.max(peak, framer.bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(framer.capacityBytes);
  });
});
