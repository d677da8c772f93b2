// Pure HTTP/1.x and WebSocket parsers: a probe of the first bytes, the head (start line and
// header fields, RFC 9112 sections 2-5), chunk-size lines (RFC 9112 section 7.1) and WebSocket
// frame headers (RFC 6455 section 5.2). They return a status and never throw.

const enc = new TextEncoder();
const latin1 = new TextDecoder('latin1');

const REQUEST_METHODS: readonly Uint8Array[] = ['GET ', 'POST ', 'PUT ', 'HEAD ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'TRACE '].map((m) =>
  enc.encode(m),
);
const RESPONSE_PREFIX = enc.encode('HTTP/1.');

function prefixState(data: Uint8Array, prefix: Uint8Array): 'match' | 'partial' | 'no' {
  const n = Math.min(data.length, prefix.length);
  for (let i = 0; i < n; i++) if (data[i] !== prefix[i]) return 'no';
  return n === prefix.length ? 'match' : 'partial';
}

/** Bytes of a request line the probe waits for before refusing. */
export const PROBE_MAX_REQUEST_LINE = 4096;
const HTTP_VERSION = enc.encode(' HTTP/1.');

/**
 * 'yes' for a request line ending in HTTP/1.x (to the server) or a status line (to the client).
 * The whole request line is checked so NATS `CONNECT {...}` is not taken for HTTP CONNECT.
 */
export function probeHttp(data: Uint8Array, direction: 0 | 1): 'yes' | 'no' | 'maybe' {
  if (direction === 1) {
    const st = prefixState(data, RESPONSE_PREFIX);
    return st === 'match' ? 'yes' : st === 'partial' ? 'maybe' : 'no';
  }
  let isPartial = false;
  let isMatch = false;
  for (const p of REQUEST_METHODS) {
    const st = prefixState(data, p);
    if (st === 'match') isMatch = true;
    else if (st === 'partial') isPartial = true;
  }
  if (!isMatch) return isPartial ? 'maybe' : 'no';
  const nl = data.indexOf(0x0a);
  if (nl < 0) return data.length >= PROBE_MAX_REQUEST_LINE ? 'no' : 'maybe';
  const end = nl > 0 && data[nl - 1] === 0x0d ? nl - 1 : nl;
  // The line ends with " HTTP/1.x".
  const at = end - HTTP_VERSION.length - 1;
  if (at < 0) return 'no';
  for (let i = 0; i < HTTP_VERSION.length; i++) if (data[at + i] !== HTTP_VERSION[i]) return 'no';
  return 'yes';
}

/** Longest header block accepted, bytes. Counter: anomaly `http.header_too_long`. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
/** Header fields kept per message. Counter: anomaly `http.too_many_headers`. */
export const MAX_HEADER_FIELDS = 100;
/** Longest header value or URL kept, characters. */
export const MAX_FIELD_CHARS = 512;

export interface HttpHead {
  isRequest: boolean;
  method: string;
  url: string;
  protocol: string;
  status: number;
  /** Lower-cased names, values trimmed and capped. Duplicates keep the first. */
  headers: Map<string, string>;
  /** Bytes of the head including the empty line. */
  length: number;
}

export type HeadResult =
  | { kind: 'ok'; head: HttpHead }
  | { kind: 'need-more' }
  | { kind: 'error'; code: 'bad_start_line' | 'too_many_headers' };

/** Offset just past the end of the head (CRLF CRLF, or bare LF LF), or -1. */
export function headEnd(data: Uint8Array, from = 0): number {
  for (let i = Math.max(from, 1); i < data.length; i++) {
    if (data[i] !== 0x0a) continue;
    // LF LF (bare), or LF CR LF (which covers CRLF CRLF).
    if (data[i - 1] === 0x0a) return i + 1;
    if (data[i - 1] === 0x0d && i >= 2 && data[i - 2] === 0x0a) return i + 1;
  }
  return -1;
}

function cap(s: string): string {
  return s.length > MAX_FIELD_CHARS ? s.slice(0, MAX_FIELD_CHARS) : s;
}

/** Parse a complete head (the bytes up to and including the empty line). */
export function parseHead(data: Uint8Array): HeadResult {
  const end = headEnd(data);
  if (end < 0) return { kind: 'need-more' };
  // Header fields are ISO-8859-1 at worst (RFC 9110 section 5.5); latin1 never fails.
  const text = latin1.decode(data.subarray(0, end));
  const lines = text.split(/\r?\n/);
  const start = lines[0] ?? '';
  const head: HttpHead = { isRequest: false, method: '', url: '', protocol: '', status: 0, headers: new Map(), length: end };
  const parts = start.split(' ');
  if (start.startsWith('HTTP/1.')) {
    const status = Number(parts[1]);
    if (parts.length < 2 || !Number.isInteger(status) || status < 100 || status > 999) return { kind: 'error', code: 'bad_start_line' };
    head.protocol = parts[0]!;
    head.status = status;
  } else {
    if (parts.length !== 3 || !/^[A-Z]{3,10}$/.test(parts[0]!) || !parts[2]!.startsWith('HTTP/1.')) {
      return { kind: 'error', code: 'bad_start_line' };
    }
    head.isRequest = true;
    head.method = parts[0]!;
    head.url = cap(parts[1]!);
    head.protocol = parts[2]!;
  }
  let fields = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) break;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (++fields > MAX_HEADER_FIELDS) return { kind: 'error', code: 'too_many_headers' };
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!head.headers.has(name)) head.headers.set(name, cap(line.slice(colon + 1).trim()));
  }
  return { kind: 'ok', head };
}

export type ChunkSizeResult = { kind: 'ok'; size: number; length: number } | { kind: 'need-more' } | { kind: 'error' };

/** Longest chunk-size line accepted (size, extensions, CRLF). */
export const MAX_CHUNK_LINE_BYTES = 1024;

/** Parse a chunk-size line `1a3;ext=x\r\n` at the start of `data`. */
export function parseChunkSize(data: Uint8Array): ChunkSizeResult {
  const nl = data.indexOf(0x0a);
  if (nl < 0) return data.length > MAX_CHUNK_LINE_BYTES ? { kind: 'error' } : { kind: 'need-more' };
  let size = 0;
  let digits = 0;
  for (let i = 0; i < nl; i++) {
    const b = data[i]!;
    const v = b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x61 && b <= 0x66 ? b - 0x57 : b >= 0x41 && b <= 0x46 ? b - 0x37 : -1;
    if (v < 0) break;
    if (++digits > 12) return { kind: 'error' };
    size = size * 16 + v;
  }
  if (digits === 0) return { kind: 'error' };
  return { kind: 'ok', size, length: nl + 1 };
}

export interface WsFrameHeader {
  fin: boolean;
  /** RSV1: permessage-deflate compressed (RFC 7692). */
  rsv1: boolean;
  opcode: number;
  masked: boolean;
  mask: number;
  payloadLength: number;
  headerLength: number;
}

export type WsHeaderResult = { kind: 'ok'; frame: WsFrameHeader } | { kind: 'need-more' } | { kind: 'error' };

/** Parse a WebSocket frame header (RFC 6455 section 5.2). Payloads over 2^53 are an error. */
export function parseWsFrameHeader(data: Uint8Array): WsHeaderResult {
  if (data.length < 2) return { kind: 'need-more' };
  const b0 = data[0]!;
  const b1 = data[1]!;
  const masked = (b1 & 0x80) !== 0;
  let len = b1 & 0x7f;
  let off = 2;
  if (len === 126) {
    if (data.length < 4) return { kind: 'need-more' };
    len = (data[2]! << 8) | data[3]!;
    off = 4;
  } else if (len === 127) {
    if (data.length < 10) return { kind: 'need-more' };
    const hi = ((data[2]! << 24) >>> 0) + (data[3]! << 16) + (data[4]! << 8) + data[5]!;
    const lo = ((data[6]! << 24) >>> 0) + (data[7]! << 16) + (data[8]! << 8) + data[9]!;
    if (hi > 0x1fffff) return { kind: 'error' };
    len = hi * 0x100000000 + lo;
    off = 10;
  }
  let mask = 0;
  if (masked) {
    if (data.length < off + 4) return { kind: 'need-more' };
    mask = ((data[off]! << 24) | (data[off + 1]! << 16) | (data[off + 2]! << 8) | data[off + 3]!) >>> 0;
    off += 4;
  }
  const opcode = b0 & 0x0f;
  if ((opcode > 2 && opcode < 8) || opcode > 10) return { kind: 'error' };
  return { kind: 'ok', frame: { fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode, masked, mask, payloadLength: len, headerLength: off } };
}

/** Unmask WebSocket payload bytes in place; `offset` is the position within the frame payload. */
export function unmask(bytes: Uint8Array, mask: number, offset: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const shift = 24 - 8 * ((offset + i) & 3);
    bytes[i] = bytes[i]! ^ ((mask >>> shift) & 0xff);
  }
}

/** The user name of an HTTP Basic credential (RFC 7617); the password is dropped. */
export function basicAuthUser(value: string): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(value);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  return user.length > 0 ? user.slice(0, 256) : undefined;
}

/** Value of a query parameter in a URL (first occurrence), percent-decoded when valid. */
export function queryParam(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  for (const pair of url.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (key !== name) continue;
    const raw = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      return decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      return raw;
    }
  }
  return undefined;
}
