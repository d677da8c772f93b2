import { describe, expect, it } from 'vitest';
import { keccak256 } from './keccak.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('keccak256', () => {
  it('matches the published Keccak-256 test values', () => {
    expect(hex(keccak256(new Uint8Array(0)))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(hex(keccak256(new TextEncoder().encode('abc')))).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
  });

  it('handles inputs across the 136-byte rate boundary', () => {
    // Absorbing 135, 136 and 137 bytes exercises padding in the same and in a new block.
    const digests = [135, 136, 137].map((n) => hex(keccak256(new Uint8Array(n).fill(0x61))));
    expect(new Set(digests).size).toBe(3);
    expect(digests.every((d) => d.length === 64)).toBe(true);
  });
});
