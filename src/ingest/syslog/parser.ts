// Syslog header parsers (pure): RFC 5424 (IETF, `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`)
// and RFC 3164 (BSD, `<PRI>Mmm dd hh:mm:ss HOST TAG: MSG`). PAN-OS sends either, by the server
// profile's format setting; its BSD form has no TAG: the CSV body follows the host name
// (`<14>Nov 30 16:44:36 PA-220 1,2018/11/30 16:44:36,...`). Wire data never throws.

import type { SyslogMessage, SyslogParse, SyslogParseError } from './record.js';

export interface SyslogParseOptions {
  /** Receive time (microseconds), used to give BSD timestamps, which lack a year, their year. */
  receivedUs: number;
  /** Offset of BSD timestamps from UTC in minutes (they carry no zone); default 0. */
  tzOffsetMinutes?: number;
}

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** Parses one syslog message (without framing or trailing newline). */
export function parseSyslog(text: string, opts: SyslogParseOptions): SyslogParse {
  let line = text;
  // Trailing LF/CR/NUL are framing leftovers of many senders.
  let end = line.length;
  while (end > 0) {
    const c = line.charCodeAt(end - 1);
    if (c !== 0x0a && c !== 0x0d && c !== 0x00) break;
    end--;
  }
  if (end !== line.length) line = line.slice(0, end);
  if (line.length === 0) return fail('empty');
  // RFC 5424 6.2.1: PRI is "<" 1*3DIGIT ">", value 0..191.
  const m = /^<(\d{1,3})>/.exec(line);
  if (!m) return fail('bad_pri');
  const pri = Number(m[1]);
  if (pri > 191) return fail('bad_pri');
  const rest = line.slice(m[0].length);
  const base = { pri, facility: pri >> 3, severity: pri & 7 };
  // RFC 5424 VERSION is "1" followed by a space; a BSD timestamp starts with a month name.
  if (/^[1-9]\d{0,2} /.test(rest)) return parse5424(rest, base);
  return parse3164(rest, base, opts);
}

function fail(error: SyslogParseError): SyslogParse {
  return { error };
}

type Base = Pick<SyslogMessage, 'pri' | 'facility' | 'severity'>;

function parse5424(rest: string, base: Base): SyslogParse {
  const sp = rest.indexOf(' ');
  if (rest.slice(0, sp) !== '1') return fail('bad_version');
  let i = sp + 1;
  const fields: string[] = [];
  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each NILVALUE "-" or a token without spaces.
  for (let k = 0; k < 5; k++) {
    const next = rest.indexOf(' ', i);
    if (next < 0) return fail('bad_header');
    fields.push(rest.slice(i, next));
    i = next + 1;
  }
  const [ts, host, app, procid, msgid] = fields as [string, string, string, string, string];
  const msg: SyslogMessage = { format: 'rfc5424', ...base, msg: '' };
  if (ts !== '-') {
    const t = parseRfc3339(ts);
    if (t === undefined) return fail('bad_header');
    msg.ts_us = t;
  }
  if (host !== '-') msg.hostname = host;
  if (app !== '-') msg.app_name = app;
  if (procid !== '-') msg.procid = procid;
  if (msgid !== '-') msg.msgid = msgid;
  // STRUCTURED-DATA: NILVALUE or 1*SD-ELEMENT; the rest after one space is MSG.
  if (rest.charCodeAt(i) === 0x2d /* - */) {
    i++;
  } else if (rest.charCodeAt(i) === 0x5b /* [ */) {
    const sd = parseStructuredData(rest, i);
    if (!sd) return fail('bad_structured_data');
    msg.structured_data = sd.data;
    i = sd.end;
  } else {
    return fail('bad_structured_data');
  }
  if (i < rest.length) {
    if (rest.charCodeAt(i) !== 0x20) return fail('bad_structured_data');
    let body = rest.slice(i + 1);
    // RFC 5424 6.4: a UTF-8 MSG may start with a byte order mark.
    if (body.charCodeAt(0) === 0xfeff) body = body.slice(1);
    msg.msg = body;
  }
  return { message: msg };
}

/** RFC 5424 6.3: `[id name="value" ...]...`, with \" \\ \] escaped inside values. */
function parseStructuredData(s: string, start: number): { data: Record<string, Record<string, string>>; end: number } | undefined {
  const data: Record<string, Record<string, string>> = {};
  let i = start;
  while (s.charCodeAt(i) === 0x5b) {
    i++;
    const idEnd = scanName(s, i);
    if (idEnd === i) return undefined;
    const id = s.slice(i, idEnd);
    const params: Record<string, string> = data[id] ?? {};
    i = idEnd;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x5d /* ] */) {
        i++;
        break;
      }
      if (c !== 0x20) return undefined;
      i++;
      const nameEnd = scanName(s, i);
      if (nameEnd === i || s.charCodeAt(nameEnd) !== 0x3d || s.charCodeAt(nameEnd + 1) !== 0x22) return undefined;
      const name = s.slice(i, nameEnd);
      i = nameEnd + 2;
      let value = '';
      for (;;) {
        if (i >= s.length) return undefined;
        const ch = s.charCodeAt(i);
        if (ch === 0x5c /* \ */ && i + 1 < s.length) {
          const nx = s[i + 1] ?? '';
          // Only ", \ and ] are escapes; any other backslash is kept as is (RFC 5424 6.3.3).
          value += nx === '"' || nx === '\\' || nx === ']' ? nx : `\\${nx}`;
          i += 2;
          continue;
        }
        if (ch === 0x22) {
          i++;
          break;
        }
        value += s[i];
        i++;
      }
      params[name] = value;
    }
    data[id] = params;
  }
  return { data, end: i };
}

/** SD-NAME: 1*32 printable US-ASCII except '=', SP, ']', '"'. */
function scanName(s: string, i: number): number {
  let j = i;
  while (j < s.length && j - i < 32) {
    const c = s.charCodeAt(j);
    if (c <= 32 || c >= 127 || c === 0x3d || c === 0x5d || c === 0x22) break;
    j++;
  }
  return j;
}

/** RFC 5424 TIMESTAMP (RFC 3339 with up to 6 fractional digits), to microseconds. */
export function parseRfc3339(ts: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const frac = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  const z = m[8] ?? 'Z';
  const off = z === 'Z' ? 0 : (Number(z.slice(1, 3)) * 60 + Number(z.slice(4, 6))) * (z[0] === '-' ? -1 : 1);
  return (Date.UTC(y, mo - 1, d, h, mi, s) - off * 60_000) * 1000 + frac;
}

function parse3164(rest: string, base: Base, opts: SyslogParseOptions): SyslogParse {
  const msg: SyslogMessage = { format: 'rfc3164', ...base, msg: '' };
  // RFC 3164 4.1.2: TIMESTAMP is "Mmm dd hh:mm:ss" with a space-padded day.
  const t = /^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) /.exec(rest);
  if (!t || MONTHS[t[1] ?? ''] === undefined) {
    // No timestamp: RFC 3164 4.3.3 treats the whole remainder as the message.
    msg.msg = rest;
    return { message: msg };
  }
  const month = MONTHS[t[1] ?? ''];
  const day = Number((t[2] ?? '').trim());
  const [h, mi, s] = [Number(t[3]), Number(t[4]), Number(t[5])];
  if (month === undefined || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return fail('bad_header');
  msg.ts_us = bsdTime(month, day, h, mi, s, opts);
  let i = t[0].length;
  // HOSTNAME: a token up to the next space.
  const sp = rest.indexOf(' ', i);
  if (sp < 0) {
    msg.hostname = rest.slice(i);
    return { message: msg };
  }
  msg.hostname = rest.slice(i, sp);
  i = sp + 1;
  const body = rest.slice(i);
  // TAG: up to 32 alphanumerics (in practice also _ . / -), optionally [pid], then ":".
  const tag = /^([A-Za-z0-9_./-]{1,48})(?:\[([^\]\s]{1,32})\])?: ?/.exec(body);
  if (tag) {
    msg.app_name = tag[1];
    if (tag[2] !== undefined) msg.procid = tag[2];
    msg.msg = body.slice(tag[0].length);
  } else {
    msg.msg = body;
  }
  return { message: msg };
}

/** Gives a year to a BSD timestamp: the one that puts it closest to the receive time. */
function bsdTime(month: number, day: number, h: number, mi: number, s: number, opts: SyslogParseOptions): number {
  const off = (opts.tzOffsetMinutes ?? 0) * 60_000;
  const recvMs = opts.receivedUs / 1000;
  const year = new Date(recvMs).getUTCFullYear();
  let best = 0;
  let bestDist = Infinity;
  for (const y of [year - 1, year, year + 1]) {
    const ms = Date.UTC(y, month, day, h, mi, s) - off;
    const dist = Math.abs(ms - recvMs);
    if (dist < bestDist) {
      best = ms;
      bestDist = dist;
    }
  }
  return best * 1000;
}
