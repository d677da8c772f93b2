// The plain SHA-1 and base64 against node:crypto and Buffer on random inputs of every length
// around the block boundaries.

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64, sha1 } from './sha1.js';

describe('sha1 and base64', () => {
  it('match node:crypto and Buffer for inputs from 0 to 200 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (msg) => {
        const ours = sha1(msg);
        expect(Buffer.from(ours).toString('hex')).toBe(createHash('sha1').update(msg).digest('hex'));
        expect(base64(ours)).toBe(Buffer.from(ours).toString('base64'));
        expect(base64(msg)).toBe(Buffer.from(msg).toString('base64'));
      }),
      { numRuns: 500 },
    );
  });

  it('matches the FIPS 180 "abc" example', () => {
    expect(Buffer.from(sha1(new TextEncoder().encode('abc'))).toString('hex')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });
});
