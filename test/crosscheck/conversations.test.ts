// Cross-check of the capture readers and decoders against tshark, the reference decoder: for
// every capture in the shared corpus and under test/fixtures, the packet count and every TCP and
// UDP conversation (5-tuple, frames and bytes per direction) must equal tshark's.

import { describe, expect, it } from 'vitest';
import { findCaptures, ourConv, tsharkReference, type Conv } from './tshark.js';

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
      const ref = await tsharkReference(file);
      expect(ref.problems).toEqual([]);
      expect(ours.packets).toBe(ref.packets);
      expect(sortedEntries(ours.conv)).toEqual(sortedEntries(ref.conv));
    });
  }
});
