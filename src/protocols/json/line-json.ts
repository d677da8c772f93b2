// Bounded JSON for wire data: a line splitter with a hard per-line byte cap, and a parser that
// refuses input nested deeper than a limit or not valid UTF-8 before handing it to JSON.parse.
// Stratum, JSON-RPC and JSON bodies over HTTP or WebSocket all go through here, so hostile input
// (gigantic lines, `[[[[...` bombs, broken encodings) becomes a named status and never an exception.

/** Default longest line accepted, in bytes (newline excluded). Real stratum jobs are under 4 KiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024;
/** Default deepest nesting of arrays and objects accepted. Mining messages nest 4 levels at most. */
export const DEFAULT_MAX_JSON_DEPTH = 32;

export type JsonParseResult =
  | { kind: 'ok'; value: unknown }
  | { kind: 'error'; code: 'too_deep' | 'invalid_utf8' | 'invalid_json' | 'empty' };

const BRACE_OPEN = 0x7b;
const BRACE_CLOSE = 0x7d;
const BRACKET_OPEN = 0x5b;
const BRACKET_CLOSE = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Nesting depth of a JSON text, counted outside strings; stops early past `limit`. */
export function jsonDepthExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let isInString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (isInString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) isInString = false;
      continue;
    }
    if (b === QUOTE) isInString = true;
    else if (b === BRACE_OPEN || b === BRACKET_OPEN) {
      depth++;
      if (depth > limit) return true;
    } else if (b === BRACE_CLOSE || b === BRACKET_CLOSE) depth--;
  }
  return false;
}

/** True for JSON insignificant whitespace (RFC 8259 section 2) plus CR, which ends lines too. */
export function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** Parse one JSON text from bytes, under a depth limit. Never throws. */
export function parseJsonBytes(bytes: Uint8Array, maxDepth = DEFAULT_MAX_JSON_DEPTH): JsonParseResult {
  let start = 0;
  while (start < bytes.length && isJsonSpace(bytes[start]!)) start++;
  if (start === bytes.length) return { kind: 'error', code: 'empty' };
  if (jsonDepthExceeds(bytes, maxDepth)) return { kind: 'error', code: 'too_deep' };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { kind: 'error', code: 'invalid_utf8' };
  }
  try {
    return { kind: 'ok', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'error', code: 'invalid_json' };
  }
}

export type LineEvent = { kind: 'line'; line: Uint8Array } | { kind: 'too_long'; bytes: number };

/**
 * Splits one direction of a stream into newline-terminated lines. Lines are views valid only during
 * the callback. A line longer than `maxLineBytes` is reported once as `too_long` and skipped up to
 * its newline. Memory held is at most `maxLineBytes`.
 */
const EMPTY_BUFFER = new Uint8Array(0);
/** First allocation for an unfinished line or value (most lines end inside their segment). */
const INITIAL_BUFFER_BYTES = 1024;

export class LineSplitter {
  private buf: Uint8Array;
  private used = 0;
  /** Bytes of the current over-long line discarded so far; -1 when not discarding. */
  private discarding = -1;
  /** How many lines exceeded the cap (the limit's counter). */
  tooLongLines = 0;

  constructor(readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.buf = EMPTY_BUFFER;
  }

  /** Bytes of an unfinished line held. */
  get pendingBytes(): number {
    return this.used;
  }

  push(data: Uint8Array, onEvent: (ev: LineEvent) => void): void {
    let pos = 0;
    while (pos < data.length) {
      const nl = data.indexOf(NEWLINE, pos);
      const end = nl < 0 ? data.length : nl;
      if (this.discarding >= 0) {
        this.discarding += end - pos;
        if (nl >= 0) {
          this.tooLongLines++;
          onEvent({ kind: 'too_long', bytes: this.discarding });
          this.discarding = -1;
        }
        pos = nl < 0 ? data.length : nl + 1;
        continue;
      }
      const chunkLen = end - pos;
      if (this.used + chunkLen > this.maxLineBytes) {
        this.discarding = this.used + chunkLen;
        this.used = 0;
        if (nl >= 0) {
          this.tooLongLines++;
          onEvent({ kind: 'too_long', bytes: this.discarding });
          this.discarding = -1;
        }
        pos = nl < 0 ? data.length : nl + 1;
        continue;
      }
      if (nl >= 0 && this.used === 0) {
        // Whole line inside this chunk: hand out a view, no copy.
        if (chunkLen > 0) onEvent({ kind: 'line', line: data.subarray(pos, end) });
      } else {
        this.append(data, pos, end);
        if (nl >= 0) {
          const line = this.buf.subarray(0, this.used);
          this.used = 0;
          if (line.length > 0) onEvent({ kind: 'line', line });
        }
      }
      pos = nl < 0 ? data.length : nl + 1;
    }
  }

  /** Hand out the unfinished line, if any, as a last line (the stream ended without a newline). */
  flush(onEvent: (ev: LineEvent) => void): void {
    if (this.discarding >= 0) {
      this.tooLongLines++;
      onEvent({ kind: 'too_long', bytes: this.discarding });
    } else if (this.used > 0) {
      onEvent({ kind: 'line', line: this.buf.subarray(0, this.used) });
    }
    this.reset();
  }

  /** Drop any partial line (after a gap in the stream the bytes no longer join up). */
  reset(): void {
    this.used = 0;
    this.discarding = -1;
  }

  private append(data: Uint8Array, from: number, to: number): void {
    const need = this.used + (to - from);
    if (need > this.buf.length) {
      let cap = Math.max(INITIAL_BUFFER_BYTES, this.buf.length * 2);
      while (cap < need) cap *= 2;
      const next = new Uint8Array(Math.min(cap, this.maxLineBytes));
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.buf.set(data.subarray(from, to), this.used);
    this.used = need;
  }
}

/** Trim JSON whitespace (and CR) from both ends of a view. */
export function trimJsonSpace(line: Uint8Array): Uint8Array {
  let s = 0;
  let e = line.length;
  while (s < e && isJsonSpace(line[s]!)) s++;
  while (e > s && isJsonSpace(line[e - 1]!)) e--;
  return line.subarray(s, e);
}

export type ValueEvent = { kind: 'value'; bytes: Uint8Array } | { kind: 'too_long'; bytes: number } | { kind: 'garbage'; bytes: number };

/**
 * Frames a stream of concatenated JSON objects or arrays (newline-delimited or not, as JSON-RPC
 * over raw TCP often is) by counting brackets outside strings. Bytes between values that are not
 * whitespace are reported as `garbage` and skipped up to the next `{` or `[`. A value longer than
 * `maxValueBytes` is reported once as `too_long` and skipped to its end. Memory held is at most
 * `maxValueBytes`.
 */
export class JsonValueFramer {
  private buf: Uint8Array;
  private used = 0;
  private depth = 0;
  private isInString = false;
  private isEscaped = false;
  /** Bytes of the current over-long value discarded so far; -1 when not discarding. */
  private discarding = -1;

  constructor(readonly maxValueBytes = DEFAULT_MAX_LINE_BYTES) {
    this.buf = EMPTY_BUFFER;
  }

  get pendingBytes(): number {
    return this.used;
  }

  push(data: Uint8Array, onEvent: (ev: ValueEvent) => void): void {
    let garbage = 0;
    let valueStart = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (this.depth === 0) {
        if (b === BRACE_OPEN || b === BRACKET_OPEN) {
          if (garbage > 0) {
            onEvent({ kind: 'garbage', bytes: garbage });
            garbage = 0;
          }
          this.depth = 1;
          this.isInString = false;
          valueStart = i;
        } else if (!isJsonSpace(b)) garbage++;
        continue;
      }
      if (this.isInString) {
        if (this.isEscaped) this.isEscaped = false;
        else if (b === BACKSLASH) this.isEscaped = true;
        else if (b === QUOTE) this.isInString = false;
        continue;
      }
      if (b === QUOTE) this.isInString = true;
      else if (b === BRACE_OPEN || b === BRACKET_OPEN) this.depth++;
      else if (b === BRACE_CLOSE || b === BRACKET_CLOSE) {
        this.depth--;
        if (this.depth === 0) {
          this.finish(data, valueStart, i + 1, onEvent);
          valueStart = -1;
        }
      }
    }
    if (garbage > 0) onEvent({ kind: 'garbage', bytes: garbage });
    if (this.depth > 0 && valueStart >= 0) this.hold(data, valueStart, data.length);
  }

  private finish(data: Uint8Array, from: number, to: number, onEvent: (ev: ValueEvent) => void): void {
    if (this.discarding >= 0) {
      onEvent({ kind: 'too_long', bytes: this.discarding + (to - from) });
      this.discarding = -1;
      return;
    }
    if (this.used === 0) {
      if (to - from > this.maxValueBytes) onEvent({ kind: 'too_long', bytes: to - from });
      else onEvent({ kind: 'value', bytes: data.subarray(from, to) });
      return;
    }
    if (this.used + (to - from) > this.maxValueBytes) {
      onEvent({ kind: 'too_long', bytes: this.used + (to - from) });
      this.used = 0;
      return;
    }
    this.append(data, from, to);
    const bytes = this.buf.subarray(0, this.used);
    this.used = 0;
    onEvent({ kind: 'value', bytes });
  }

  private hold(data: Uint8Array, from: number, to: number): void {
    if (this.discarding >= 0) {
      this.discarding += to - from;
      return;
    }
    if (this.used + (to - from) > this.maxValueBytes) {
      this.discarding = this.used + (to - from);
      this.used = 0;
      return;
    }
    this.append(data, from, to);
  }

  /** Forget a partial value (after a gap). */
  reset(): void {
    this.used = 0;
    this.depth = 0;
    this.isInString = false;
    this.isEscaped = false;
    this.discarding = -1;
  }

  private append(data: Uint8Array, from: number, to: number): void {
    const need = this.used + (to - from);
    if (need > this.buf.length) {
      let cap = Math.max(INITIAL_BUFFER_BYTES, this.buf.length * 2);
      while (cap < need) cap *= 2;
      const next = new Uint8Array(Math.min(cap, this.maxValueBytes));
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.buf.set(data.subarray(from, to), this.used);
    this.used = need;
  }
}
