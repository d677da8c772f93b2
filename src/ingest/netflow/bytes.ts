// Big-endian unsigned reads over a Uint8Array. Callers check bounds once per record (the record
// plan knows its length), so these stay branch-free on the hot path.

export function u16(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}

export function u32(b: Uint8Array, o: number): number {
  return (
    (b[o] as number) * 0x1000000 + (((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number))
  );
}

/** Unsigned integer of 1..8 bytes (RFC 7011 section 6.2 reduced-size encoding); exact to 2^53. */
export function uN(b: Uint8Array, o: number, len: number): number {
  switch (len) {
    case 1:
      return b[o] as number;
    case 2:
      return u16(b, o);
    case 4:
      return u32(b, o);
    case 8:
      return u32(b, o) * 0x100000000 + u32(b, o + 4);
    default: {
      let v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + (b[o + i] as number);
      return v;
    }
  }
}
