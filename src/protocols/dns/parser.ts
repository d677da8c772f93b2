// Pure DNS message parser (RFC 1035 section 4; AAAA RFC 3596). Reads the header, the questions
// and the answer section through bounds checks; names follow compression pointers only backwards
// and at most MAX_POINTER_JUMPS times, so a pointer loop is an error, not a hang.

/** Longest presentation name kept, characters (RFC 1035: 255 octets on the wire). */
export const MAX_NAME_CHARS = 255 * 4;
/** Compression pointers followed per name. Counter: error `dns.name_loop`. */
export const MAX_POINTER_JUMPS = 32;
/** Questions read per message. Counter: anomaly `dns.too_many_questions`. */
export const MAX_QUESTIONS = 8;
/** Answer records read per message. Counter: anomaly `dns.too_many_answers`. */
export const MAX_ANSWERS = 64;

const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'A'], [2, 'NS'], [5, 'CNAME'], [6, 'SOA'], [12, 'PTR'], [15, 'MX'], [16, 'TXT'], [28, 'AAAA'],
  [33, 'SRV'], [41, 'OPT'], [43, 'DS'], [46, 'RRSIG'], [48, 'DNSKEY'], [64, 'SVCB'], [65, 'HTTPS'], [255, 'ANY'],
]);
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

export function typeName(t: number): string {
  return TYPE_NAMES.get(t) ?? `TYPE${t}`;
}
export function rcodeName(r: number): string {
  return RCODE_NAMES[r] ?? `RCODE${r}`;
}

export type DnsErrorCode = 'truncated' | 'bad_label' | 'name_loop' | 'name_too_long';

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}
export interface DnsRr {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Address for A/AAAA, a name for CNAME/NS/PTR/MX. */
  rdata?: string;
}
export interface DnsMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  rcode: number;
  isTruncated: boolean;
  qdcount: number;
  ancount: number;
  questions: DnsQuestion[];
  answers: DnsRr[];
  /** Records beyond MAX_ANSWERS / MAX_QUESTIONS that were not read. */
  skippedAnswers: number;
  skippedQuestions: number;
}

export type DnsParseResult = { kind: 'ok'; msg: DnsMessage } | { kind: 'error'; code: DnsErrorCode };

type NameResult = { name: string; next: number } | DnsErrorCode;

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
}

/** Presentation bytes of the name being read (escapes take up to 4 bytes per wire byte). */
const nameScratch = Buffer.allocUnsafe(255 * 4 + 8);
/** Bytes walkName wrote to nameScratch in its last call with `build`. */
let builtLength = 0;

/**
 * Walks a possibly compressed name at `off`: the offset after the name in place, or the error.
 * Pointers must point backwards and are followed at most MAX_POINTER_JUMPS times. With `build`,
 * the presentation form (lower case, `.` and `\` escaped, other non-printables as \DDD) goes to
 * nameScratch.
 */
function walkName(b: Uint8Array, off: number, build: boolean): number | DnsErrorCode {
  const out = nameScratch;
  let n = 0;
  let pos = off;
  let next = -1;
  let jumps = 0;
  let wireLen = 0;
  for (;;) {
    if (pos >= b.length) return 'truncated';
    const len = b[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= b.length) return 'truncated';
      const target = ((len & 0x3f) << 8) | b[pos + 1]!;
      if (next < 0) next = pos + 2;
      // Pointers must point backwards (to an earlier name); anything else can loop.
      if (target >= pos || ++jumps > MAX_POINTER_JUMPS) return 'name_loop';
      pos = target;
      continue;
    }
    if (kind !== 0) return 'bad_label';
    if (pos + 1 + len > b.length) return 'truncated';
    wireLen += len + 1;
    if (wireLen > 255) return 'name_too_long';
    if (build) {
      if (n > 0) out[n++] = 0x2e;
      for (let i = pos + 1; i <= pos + len; i++) {
        const c = b[i]!;
        if (c >= 0x41 && c <= 0x5a) out[n++] = c + 32;
        else if (c === 0x2e || c === 0x5c) {
          out[n++] = 0x5c;
          out[n++] = c;
        } else if (c > 0x20 && c < 0x7f) out[n++] = c;
        else {
          out[n++] = 0x5c;
          out[n++] = 0x30 + Math.floor(c / 100);
          out[n++] = 0x30 + (Math.floor(c / 10) % 10);
          out[n++] = 0x30 + (c % 10);
        }
      }
    }
    pos += len + 1;
  }
  builtLength = n;
  return next;
}

/** The offset after the name at `off`, or the error, without building the name. */
export function skipName(b: Uint8Array, off: number): number | DnsErrorCode {
  return walkName(b, off, false);
}

/** Read a possibly compressed name at `off`. `next` is the offset after the name in place. */
export function readName(b: Uint8Array, off: number): NameResult {
  const next = walkName(b, off, true);
  if (typeof next === 'string') return next;
  return { name: nameScratch.toString('latin1', 0, Math.min(builtLength, MAX_NAME_CHARS)), next };
}

function ipv6Text(b: Uint8Array, o: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(u16(b, o + 2 * i));
  // RFC 5952: compress the longest run (length >= 2) of zero groups.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parse one DNS message (without the TCP length prefix). */
export function parseDnsMessage(b: Uint8Array): DnsParseResult {
  if (b.length < 12) return { kind: 'error', code: 'truncated' };
  const flags = u16(b, 2);
  const qdcount = u16(b, 4);
  const ancount = u16(b, 6);
  const msg: DnsMessage = {
    id: u16(b, 0),
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    isTruncated: (flags & 0x0200) !== 0,
    qdcount,
    ancount,
    questions: [],
    answers: [],
    skippedAnswers: 0,
    skippedQuestions: 0,
  };
  let pos = 12;
  for (let i = 0; i < qdcount; i++) {
    const n = readName(b, pos);
    if (typeof n === 'string') return { kind: 'error', code: n };
    if (n.next + 4 > b.length) return { kind: 'error', code: 'truncated' };
    if (i < MAX_QUESTIONS) msg.questions.push({ name: n.name, type: u16(b, n.next), class: u16(b, n.next + 2) });
    else msg.skippedQuestions++;
    pos = n.next + 4;
  }
  for (let i = 0; i < ancount; i++) {
    if (i >= MAX_ANSWERS) {
      msg.skippedAnswers = ancount - MAX_ANSWERS;
      break;
    }
    const n = readName(b, pos);
    if (typeof n === 'string') return { kind: 'error', code: n };
    if (n.next + 10 > b.length) return { kind: 'error', code: 'truncated' };
    const type = u16(b, n.next);
    const rdlen = u16(b, n.next + 8);
    const rdata = n.next + 10;
    if (rdata + rdlen > b.length) return { kind: 'error', code: 'truncated' };
    const rr: DnsRr = { name: n.name, type, class: u16(b, n.next + 2), ttl: u32(b, n.next + 4) };
    if (type === 1 && rdlen === 4) rr.rdata = `${b[rdata]}.${b[rdata + 1]}.${b[rdata + 2]}.${b[rdata + 3]}`;
    else if (type === 28 && rdlen === 16) rr.rdata = ipv6Text(b, rdata);
    else if (type === 5 || type === 2 || type === 12 || type === 15) {
      const t = readName(b, type === 15 ? rdata + 2 : rdata);
      if (typeof t === 'string') return { kind: 'error', code: t };
      rr.rdata = t.name;
    }
    msg.answers.push(rr);
    pos = rdata + rdlen;
  }
  return { kind: 'ok', msg };
}

/**
 * Whether `b` is a well-formed DNS message as parseDnsMessage reads it (header, questions, the
 * answers it would read, names in CNAME/NS/PTR/MX rdata), without building anything.
 */
export function isDnsMessage(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  const qdcount = u16(b, 4);
  const ancount = u16(b, 6);
  let pos = 12;
  for (let i = 0; i < qdcount; i++) {
    const next = skipName(b, pos);
    if (typeof next === 'string' || next + 4 > b.length) return false;
    pos = next + 4;
  }
  for (let i = 0; i < ancount && i < MAX_ANSWERS; i++) {
    const next = skipName(b, pos);
    if (typeof next === 'string' || next + 10 > b.length) return false;
    const type = u16(b, next);
    const rdlen = u16(b, next + 8);
    const rdata = next + 10;
    if (rdata + rdlen > b.length) return false;
    if ((type === 5 || type === 2 || type === 12 || type === 15) && typeof skipName(b, type === 15 ? rdata + 2 : rdata) === 'string') return false;
    pos = rdata + rdlen;
  }
  return true;
}

/** A cheap structural check of a DNS header: opcode QUERY/NOTIFY/UPDATE, sane counts. */
export function looksLikeDnsHeader(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  const flags = u16(b, 2);
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0 && opcode !== 4 && opcode !== 5) return false;
  const qd = u16(b, 4);
  const an = u16(b, 6);
  const isResponse = (flags & 0x8000) !== 0;
  if (qd === 0 || qd > MAX_QUESTIONS) return false;
  if (!isResponse && an !== 0) return false;
  return true;
}
