// Stream framing for syslog over TCP and TLS (RFC 6587): octet counting (`MSG-LEN SP MSG`, section
// 3.4.1) or non-transparent framing with a trailing LF (3.4.2). The mode is detected per
// frame from its first bytes: digits then a space mean octet counting (RFC 5425 for TLS always
// counts), anything else LF framing. Memory per connection never exceeds maxMessageBytes plus a header: an
// over-long message is counted and skipped (exactly, when its length is known; up to the next LF
// otherwise), and framing resynchronises after it. A malformed frame never stops the ones after it.

/** Largest syslog message accepted, bytes. RFC 5425 asks receivers for at least 2048; PAN-OS
 * THREAT logs with HTTP headers run to several KiB. Default 64 KiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 65_536;
/** Digits of an octet-count header (9 digits allow lengths up to 999,999,999 to be skipped exactly). */
export const MAX_OCTET_COUNT_DIGITS = 9;

export type FrameDrop = 'oversize' | 'bad_frame';

export interface FramerSink {
  message(bytes: Uint8Array): void;
  drop(reason: FrameDrop): void;
}

const LF = 0x0a;
const SP = 0x20;

type Mode = 'detect' | 'octet' | 'lf';

export class StreamFramer {
  private mode: Mode = 'detect';
  /** Pending bytes of the current frame (never more than maxMessageBytes + header). */
  private buf: Uint8Array;
  private len = 0;
  /** Octet counting: body length of the current frame once its header is read, else -1. */
  private want = -1;
  /** Bytes still to discard: of an over-long counted frame, or Infinity for "up to the next LF". */
  private skip = 0;

  constructor(
    private readonly sink: FramerSink,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    this.buf = new Uint8Array(Math.min(4096, maxMessageBytes + MAX_OCTET_COUNT_DIGITS + 1));
  }

  /** Bytes currently held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.len;
  }

  /** Largest number of bytes a framer may hold: the per-connection buffer cap. */
  get capacityBytes(): number {
    return this.maxMessageBytes + MAX_OCTET_COUNT_DIGITS + 1;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.skip > 0) {
        if (this.skip === Infinity) {
          const lf = chunk.indexOf(LF, i);
          if (lf < 0) return;
          i = lf + 1;
          this.skip = 0;
          this.mode = 'detect';
          continue;
        }
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        continue;
      }
      if (this.mode === 'detect') {
        const c = chunk[i] ?? 0;
        // Stray LFs between frames (some senders add them after counted frames) are ignored.
        if (c === LF || c === 0x0d) {
          i++;
          continue;
        }
        this.mode = c >= 0x30 && c <= 0x39 ? 'octet' : 'lf';
      }
      i = this.mode === 'octet' ? this.pushOctet(chunk, i) : this.pushLf(chunk, i);
    }
  }

  /** The connection ended: a final LF-framed message without its LF still counts. */
  end(): void {
    if (this.mode === 'lf' && this.len > 0 && this.skip === 0) this.emit(this.buf.subarray(0, this.len));
    else if (this.len > 0 || this.want >= 0) this.sink.drop('bad_frame');
    this.len = 0;
    this.want = -1;
  }

  private pushLf(chunk: Uint8Array, start: number): number {
    const lf = chunk.indexOf(LF, start);
    const stop = lf < 0 ? chunk.length : lf;
    const add = stop - start;
    if (this.len + add > this.maxMessageBytes) {
      // Over-long: drop what is held and discard through the next LF.
      this.len = 0;
      this.sink.drop('oversize');
      if (lf < 0) {
        this.skip = Infinity;
        return chunk.length;
      }
      this.mode = 'detect';
      return lf + 1;
    }
    if (lf >= 0 && this.len === 0) {
      // Common case: the whole message is inside this chunk; hand out a view, no copy.
      this.emit(trimCr(chunk.subarray(start, lf)));
    } else {
      this.append(chunk, start, stop);
      if (lf < 0) return chunk.length;
      this.emit(trimCr(this.buf.subarray(0, this.len)));
      this.len = 0;
    }
    this.mode = 'detect';
    return lf + 1;
  }

  private pushOctet(chunk: Uint8Array, start: number): number {
    let i = start;
    if (this.want < 0) {
      // Header: digits then SP, collected in buf.
      while (i < chunk.length) {
        const c = chunk[i] ?? 0;
        if (c === SP) {
          const len = this.readCount();
          this.len = 0;
          i++;
          if (len === undefined) return this.badFrame(chunk, i);
          if (len > this.maxMessageBytes) {
            this.sink.drop('oversize');
            this.skip = len;
            this.mode = 'detect';
            return i;
          }
          this.want = len;
          break;
        }
        if (c < 0x30 || c > 0x39 || this.len >= MAX_OCTET_COUNT_DIGITS) {
          // Digits not followed by a space: not a count but an LF-framed line that starts with
          // a digit (a bare CSV log, for one). Keep the digits as its first bytes.
          this.mode = 'lf';
          return i;
        }
        this.append(chunk, i, i + 1);
        i++;
      }
      if (this.want < 0) return chunk.length;
    }
    const need = this.want - this.len;
    const avail = chunk.length - i;
    if (this.len === 0 && avail >= need) {
      this.emit(chunk.subarray(i, i + need));
    } else {
      const take = Math.min(need, avail);
      this.append(chunk, i, i + take);
      i += take;
      if (this.len < this.want) return i;
      this.emit(this.buf.subarray(0, this.len));
      this.len = 0;
      this.want = -1;
      this.mode = 'detect';
      return i;
    }
    this.want = -1;
    this.mode = 'detect';
    return i + need;
  }

  /** A broken counted frame: nothing says where it ends, so resynchronise at the next LF. */
  private badFrame(chunk: Uint8Array, i: number): number {
    this.sink.drop('bad_frame');
    this.want = -1;
    const lf = chunk.indexOf(LF, i);
    if (lf < 0) {
      this.skip = Infinity;
      return chunk.length;
    }
    this.mode = 'detect';
    return lf + 1;
  }

  private readCount(): number | undefined {
    if (this.len === 0 || this.buf[0] === 0x30) return undefined; // MSG-LEN = NONZERO-DIGIT *DIGIT
    let v = 0;
    for (let k = 0; k < this.len; k++) v = v * 10 + ((this.buf[k] ?? 0) - 0x30);
    return v;
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const add = to - from;
    if (this.len + add > this.buf.length) {
      const cap = Math.min(Math.max(this.buf.length * 2, this.len + add), this.capacityBytes);
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk.subarray(from, to), this.len);
    this.len += add;
  }

  private emit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.sink.message(bytes);
  }
}

function trimCr(b: Uint8Array): Uint8Array {
  return b.length > 0 && b[b.length - 1] === 0x0d ? b.subarray(0, b.length - 1) : b;
}
