// SHA-1 (FIPS 180-4 section 6.1) of short inputs, in plain TypeScript: Community ID hashes 16 to
// 40 bytes once per flow, and a call into node:crypto costs several times the hash itself at
// hundreds of thousands of flows per second. Inputs of any length are accepted; the words array is
// reused, so the function is not reentrant (it never calls out while hashing).

const W = new Int32Array(80);
const OUT = new Uint8Array(20);

/** SHA-1 digest of `msg`. The returned array is reused by the next call: copy it to keep it. */
export function sha1(msg: Uint8Array): Uint8Array {
  const len = msg.length;
  const blocks = ((len + 8) >> 6) + 1;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const bitLenHi = Math.floor(len / 0x20000000);
  const bitLenLo = (len * 8) >>> 0;
  for (let b = 0; b < blocks; b++) {
    const base = b * 64;
    for (let i = 0; i < 16; i++) {
      let w = 0;
      for (let k = 0; k < 4; k++) {
        const p = base + i * 4 + k;
        const byte = p < len ? msg[p]! : p === len ? 0x80 : 0;
        w = (w << 8) | byte;
      }
      W[i] = w;
    }
    if (b === blocks - 1) {
      W[14] = bitLenHi;
      W[15] = bitLenLo | 0;
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let bb = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]!) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const hs = [h0, h1, h2, h3, h4];
  for (let i = 0; i < 5; i++) {
    const h = hs[i]!;
    OUT[i * 4] = h >>> 24;
    OUT[i * 4 + 1] = (h >>> 16) & 0xff;
    OUT[i * 4 + 2] = (h >>> 8) & 0xff;
    OUT[i * 4 + 3] = h & 0xff;
  }
  return OUT;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Standard base64 with padding (RFC 4648 section 4), after `prefix`, built as one flat string (a
 * string kept per flow should not be a tree of concatenations).
 */
export function base64(bytes: Uint8Array, prefix = ''): string {
  const codes: number[] = [];
  for (let k = 0; k < prefix.length; k++) codes.push(prefix.charCodeAt(k));
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes.push(B64.charCodeAt(n >> 18), B64.charCodeAt((n >> 12) & 63), B64.charCodeAt((n >> 6) & 63), B64.charCodeAt(n & 63));
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    codes.push(B64.charCodeAt(n >> 18), B64.charCodeAt((n >> 12) & 63), 61, 61);
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    codes.push(B64.charCodeAt(n >> 18), B64.charCodeAt((n >> 12) & 63), B64.charCodeAt((n >> 6) & 63), 61);
  }
  return String.fromCharCode(...codes);
}
