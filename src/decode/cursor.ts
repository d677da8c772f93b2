// Bounds-checked reads over a Uint8Array window [start, end). Every read past the window
// returns -1 instead of throwing or reading garbage, so a decoder that forgets a length check
// still cannot misread; decoders check lengths first and treat -1 as "malformed".

const EMPTY = new Uint8Array(0);

export class Cursor {
  buf: Uint8Array = EMPTY;
  /** Window start (absolute index into buf). */
  start = 0;
  /** Window end, exclusive. */
  end = 0;

  reset(buf: Uint8Array, start = 0, end = buf.length): this {
    this.buf = buf;
    this.start = start;
    this.end = end < buf.length ? end : buf.length;
    return this;
  }

  /** Bytes in the window. */
  get length(): number {
    return this.end - this.start;
  }

  /** Are n bytes readable at window offset o? */
  has(o: number, n: number): boolean {
    return o >= 0 && this.start + o + n <= this.end;
  }

  u8(o: number): number {
    const i = this.start + o;
    if (o < 0 || i >= this.end) return -1;
    return this.buf[i] as number;
  }

  /** Big-endian (network order) 16 bits. */
  u16(o: number): number {
    const i = this.start + o;
    if (o < 0 || i + 2 > this.end) return -1;
    const b = this.buf;
    return ((b[i] as number) << 8) | (b[i + 1] as number);
  }

  /** Big-endian 32 bits, unsigned. */
  u32(o: number): number {
    const i = this.start + o;
    if (o < 0 || i + 4 > this.end) return -1;
    const b = this.buf;
    return (((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number)) >>> 0;
  }

  /** Little-endian 32 bits, unsigned (BSD loopback headers in host order). */
  u32le(o: number): number {
    const i = this.start + o;
    if (o < 0 || i + 4 > this.end) return -1;
    const b = this.buf;
    return ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0;
  }

  /** A view of n bytes at window offset o, clipped to the window. */
  view(o: number, n: number): Uint8Array {
    if (n <= 0 || o < 0) return EMPTY;
    const s = this.start + o;
    if (s >= this.end) return EMPTY;
    const e = s + n < this.end ? s + n : this.end;
    return this.buf.subarray(s, e);
  }

  /** Copies n bytes at window offset o into dst (which must hold n); false when out of bounds. */
  copyTo(o: number, n: number, dst: Uint8Array): boolean {
    const s = this.start + o;
    if (o < 0 || s + n > this.end) return false;
    const b = this.buf;
    for (let k = 0; k < n; k++) dst[k] = b[s + k] as number;
    return true;
  }
}

export const EMPTY_BYTES = EMPTY;
