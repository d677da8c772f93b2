// Cross-check of the capture readers and decoders against tshark, the reference decoder: for
// every capture in the shared corpus and under test/fixtures, the packet count and every TCP and
// UDP conversation (5-tuple, frames and bytes per direction) must equal tshark's.

import { describe, expect, it } from 'vitest';
import { abbreviate, findCaptures, ourConv, tsharkFigures, type Conv } from './tshark.js';

const files = [...findCaptures('/work/shared/corpus'), ...findCaptures(new URL('../fixtures', import.meta.url).pathname)];

function sortedEntries(m: Map<string, Conv>): [string, Conv][] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('tshark cross-check', () => {
  it('finds captures to check', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  for (const file of files) {
    it(`${file}: packets and TCP/UDP conversations equal tshark's`, async () => {
      const ours = await ourConv(file);
      const ref = tsharkFigures(file);
      expect(ours.packets).toBe(ref.packets);

      // Exact figures: tshark's per-frame dump aggregated the same way.
      expect(sortedEntries(ours.conv)).toEqual(sortedEntries(ref.exact));

      // The conversation table itself: frames exact, bytes as tshark prints them. tshark may list
      // one 5-tuple on several rows (port reuse); rows are summed per 5-tuple.
      const rows = ref.rows;
      const frames = new Map<string, { ab: number; ba: number; printed: boolean }>();
      for (const r of rows) {
        const f = frames.get(r.key) ?? { ab: 0, ba: 0, printed: false };
        f.ab += r.swapped ? r.framesBA : r.framesAB;
        f.ba += r.swapped ? r.framesAB : r.framesBA;
        frames.set(r.key, f);
      }
      expect([...frames.keys()].sort()).toEqual([...ours.conv.keys()].sort());
      for (const [key, f] of frames) {
        const c = ours.conv.get(key);
        expect({ key, ab: c?.framesAB, ba: c?.framesBA }).toEqual({ key, ab: f.ab, ba: f.ba });
      }
      for (const r of rows) {
        const c = ours.conv.get(r.key);
        if (!c || frames.get(r.key)?.ab !== (r.swapped ? r.framesBA : r.framesAB) || frames.get(r.key)?.ba !== (r.swapped ? r.framesAB : r.framesBA)) continue;
        // A single row for its 5-tuple: its printed bytes must match ours.
        const ab = r.swapped ? r.bytesBA : r.bytesAB;
        const ba = r.swapped ? r.bytesAB : r.bytesBA;
        expect({ key: r.key, ab: abbreviate(c.bytesAB), ba: abbreviate(c.bytesBA) }).toEqual({ key: r.key, ab, ba });
      }
    });
  }
});
