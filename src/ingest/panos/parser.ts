// PAN-OS THREAT and TRAFFIC log parsers (pure). A body (the CSV after the syslog header, or a line
// of a CSV export) is split into named columns (columns.ts); the same `fromFields` functions serve
// log entries of the XML API, whose element names are the same variable names. Wire data never
// throws: every rejection is a named PanosError.

import { createHash } from 'node:crypto';
import { communityIdV1 } from '../../flows/community-id.js';
import type { FlowRecord } from '../../flows/types.js';
import { parseIp } from '../../util/ip.js';
import { FUTURE_USE, MIN_THREAT_COLUMNS, MIN_TRAFFIC_COLUMNS, THREAT_COLUMNS, TRAFFIC_COLUMNS } from './columns.js';
import { splitCsv } from './csv.js';
import type { EveSeverity, PanosError, PanosThreatRecord, ThreatParse, TrafficParse } from './record.js';

export interface PanosParseOptions {
  /**
   * Offset of the firewall's clock from UTC in minutes (PAN-OS writes local time without a zone);
   * default 0. The high-resolution ISO 8601 column, when present, carries its own offset and wins.
   */
  tzOffsetMinutes?: number;
}

export type PanosLogType = 'THREAT' | 'TRAFFIC';

/** Reads a named field of a log: a CSV body by column position, or an XML API entry by element. */
export type FieldGetter = (name: string) => string | undefined;

export type PanosSplit =
  | { type: PanosLogType; get: FieldGetter; toRecord(): Record<string, string>; error?: undefined }
  | { type?: string; get?: undefined; error: PanosError };

const THREAT_INDEX = indexOf(THREAT_COLUMNS);
const TRAFFIC_INDEX = indexOf(TRAFFIC_COLUMNS);

function indexOf(names: readonly string[]): ReadonlyMap<string, number> {
  const m = new Map<string, number>();
  names.forEach((n, i) => {
    if (n !== FUTURE_USE) m.set(n, i);
  });
  return m;
}

/** Splits a body into columns after checking the log type (column 4); fields are read by name. */
export function splitPanosBody(body: string, expect?: PanosLogType): PanosSplit {
  let line = body.replace(/[\r\n]+$/, '');
  if (line.trim() === '') return { error: 'empty' };
  if (line.charCodeAt(0) === 0x3c /* < */) line = stripSyslogHeader(line);
  const csv = splitCsv(line);
  if ('error' in csv) return { error: csv.error };
  const cols = csv.fields;
  const type = cols[3] ?? '';
  if (type !== 'THREAT' && type !== 'TRAFFIC') return { type, error: 'unknown_log_type' };
  if (expect && type !== expect) return { type, error: 'wrong_log_type' };
  const names = type === 'THREAT' ? THREAT_COLUMNS : TRAFFIC_COLUMNS;
  const index = type === 'THREAT' ? THREAT_INDEX : TRAFFIC_INDEX;
  const min = type === 'THREAT' ? MIN_THREAT_COLUMNS : MIN_TRAFFIC_COLUMNS;
  if (cols.length < min) return { type, error: 'too_few_fields' };
  // Fields are looked up by position on demand: building a 115-key object per log would cost
  // more than the rest of the parse. `toRecord` builds it when a record is kept (alerts).
  const get: FieldGetter = (name) => {
    const i = index.get(name);
    return i === undefined ? undefined : cols[i];
  };
  // Empty columns are left out: most of the 100+ columns are empty in any one log, and the raw
  // line keeps everything verbatim anyway.
  const toRecord = (): Record<string, string> => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < cols.length; i++) {
      const v = cols[i];
      if (!v) continue;
      const name = i < names.length ? names[i] : `extra_${i + 1}`;
      if (name === undefined || name === FUTURE_USE) continue;
      fields[name] = v;
    }
    return fields;
  };
  return { type, get, toRecord };
}

/**
 * A line kept with its syslog header (an archive written by a syslog server) starts with `<PRI>`;
 * the body begins at the first `FUTURE_USE,YYYY/MM/DD HH:MM:SS,SERIAL,TYPE,` after it.
 */
export function stripSyslogHeader(line: string): string {
  const m = /(?:^|\s)(\d*,\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2},[^,]*,[A-Z]+,)/.exec(line);
  return m && m.index !== undefined ? line.slice(line.indexOf(m[1] as string, m.index)) : line;
}

/** Parses a THREAT body into facts. */
export function parsePanosThreat(body: string, opts: PanosParseOptions = {}): ThreatParse {
  const s = splitPanosBody(body, 'THREAT');
  if (s.error) return { error: s.error };
  return panosThreatFromFields(s.toRecord(), opts);
}

/**
 * Parses a TRAFFIC body into a FlowRecord (source 'panos'). `start` logs are skipped (the `end`
 * log of the same session carries the totals); `end`, `drop` and `deny` become records.
 */
export function parsePanosTraffic(body: string, opts: PanosParseOptions = {}): TrafficParse {
  const s = splitPanosBody(body, 'TRAFFIC');
  if (s.error) return { error: s.error };
  return panosTrafficFromFields(s.get, opts);
}

/** Maps PAN-OS severity to EVE severity: critical/high 1, medium 2, low/informational 3. */
export function eveSeverity(panos: string): EveSeverity {
  switch (panos.toLowerCase()) {
    case 'critical':
    case 'high':
      return 1;
    case 'medium':
      return 2;
    default:
      return 3;
  }
}

/** Splits `XMRig Miner Command and Control Traffic Detection(85886)` at its last parenthesis. */
export function splitThreatName(text: string): { name: string; id?: number } {
  const m = /^(.*?)\s*\((\d{1,12})\)\s*$/.exec(text);
  if (!m) return { name: text.trim() };
  return { name: (m[1] ?? '').trim(), id: Number(m[2]) };
}

export function panosThreatFromFields(f: Record<string, string>, opts: PanosParseOptions = {}): ThreatParse {
  const get: FieldGetter = (n) => f[n];
  const ts = eventTime(get, opts);
  if (ts === undefined) return { error: 'bad_time' };
  const parsed = endpoints(get);
  if ('error' in parsed) return { error: parsed.error };
  const ends = parsed.e;
  const rawThreat = f.threatid ?? '';
  const split = splitThreatName(rawThreat);
  // XML API entries may carry the numeric id separately (`tid`) with the bare name in `threatid`.
  let threatId = split.id;
  if (threatId === undefined && f.tid !== undefined && /^\d+$/.test(f.tid)) threatId = Number(f.tid);
  const repeat = f.repeatcnt === undefined || f.repeatcnt === '' ? 1 : Number(f.repeatcnt);
  if (!Number.isFinite(repeat)) return { error: 'bad_number' };
  const receive = f.receive_time ? parsePanosTime(f.receive_time, opts.tzOffsetMinutes ?? 0) : undefined;
  const severity = f.severity ?? '';
  const record: PanosThreatRecord = {
    ts_us: ts,
    serial: f.serial ?? '',
    device_name: f.device_name ?? '',
    subtype: f.subtype ?? '',
    ...ends,
    app: f.app ?? '',
    action: f.action ?? '',
    rule: f.rule ?? '',
    threat_name: split.name,
    category: f.category ?? '',
    threat_category: f.thr_category ?? '',
    severity,
    eve_severity: eveSeverity(severity),
    direction: f.direction ?? '',
    session_id: f.sessionid ?? '',
    pcap_id: f.pcap_id === undefined || f.pcap_id === '' ? '0' : f.pcap_id,
    sequence_number: f.seqno ?? '',
    repeat_count: repeat,
    fields: f,
  };
  if (threatId !== undefined) record.threat_id = threatId;
  if (receive !== undefined) record.receive_time_us = receive;
  return { record };
}

export function panosTrafficFromFields(source: Record<string, string> | FieldGetter, opts: PanosParseOptions = {}): TrafficParse {
  const get: FieldGetter = typeof source === 'function' ? source : (n) => source[n];
  const subtype = get('subtype') ?? '';
  if (subtype === 'start') return { skipped: 'start_log' };
  const tz = opts.tzOffsetMinutes ?? 0;
  const generated = eventTime(get, opts);
  if (generated === undefined) return { error: 'bad_time' };
  const parsed = endpoints(get);
  if ('error' in parsed) return { error: parsed.error };
  const ends = parsed.e;
  const nums = {
    bytes_sent: count(get('bytes_sent')),
    bytes_received: count(get('bytes_received')),
    bytes: count(get('bytes')),
    packets: count(get('packets')),
    pkts_sent: count(get('pkts_sent')),
    pkts_received: count(get('pkts_received')),
    elapsed: count(get('elapsed')),
  };
  for (const v of Object.values(nums)) if (v === undefined) return { error: 'bad_number' };
  const startText = get('start');
  let startUs = startText ? parsePanosTime(startText, tz) : undefined;
  if (startText && startUs === undefined) return { error: 'bad_time' };
  const elapsedUs = (nums.elapsed ?? 0) * 1_000_000;
  // A log without a start time (older exports) ends at its generation time.
  if (startUs === undefined) startUs = generated - elapsedUs;
  const endUs = Math.max(startUs + elapsedUs, startUs);
  let bytesToServer = nums.bytes_sent ?? 0;
  const bytesToClient = nums.bytes_received ?? 0;
  // PAN-OS 10.x/11.x always fill bytes_sent/received; very old exports had only the total.
  if (bytesToServer === 0 && bytesToClient === 0 && (nums.bytes ?? 0) > 0) bytesToServer = nums.bytes ?? 0;
  let pktsToServer = nums.pkts_sent ?? 0;
  const pktsToClient = nums.pkts_received ?? 0;
  if (pktsToServer === 0 && pktsToClient === 0 && (nums.packets ?? 0) > 0) pktsToServer = nums.packets ?? 0;
  const serial = get('serial') ?? '';
  const session = get('sessionid') ?? '';
  const record: FlowRecord = {
    flow_id: contentId('panos-traffic', serial, session, String(startUs), ends.src_ip, ends.dest_ip, get('seqno') ?? ''),
    source: 'panos',
    src_ip: ends.src_ip,
    src_port: ends.src_port,
    dest_ip: ends.dest_ip,
    dest_port: ends.dest_port,
    proto: ends.proto,
    start_us: startUs,
    end_us: endUs,
    pkts_toserver: pktsToServer,
    pkts_toclient: pktsToClient,
    bytes_toserver: bytesToServer,
    bytes_toclient: bytesToClient,
    state: subtype,
    extra: trafficExtra(get),
  };
  const cid = communityId(ends, parsed.srcAddr, parsed.dstAddr);
  if (cid) record.community_id = cid;
  const observer = get('device_name') || serial;
  if (observer) record.observer = observer;
  if (get('app')) record.app_proto = get('app');
  if (get('session_end_reason')) record.reason = get('session_end_reason');
  return { record };
}

/** A short content-derived identifier: same inputs, same id (so redelivery never duplicates). */
export function contentId(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex').slice(0, 32);
}

/**
 * `YYYY/MM/DD HH:MM:SS` in the firewall's zone (offset in minutes east of UTC) to microseconds.
 * The XML API writes the same form; CSV exports from the web interface may use `-` as separator.
 */
export function parsePanosTime(text: string, tzOffsetMinutes: number): number | undefined {
  const m = /^(\d{4})[/-](\d{2})[/-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - tzOffsetMinutes * 60_000;
  return ms * 1000;
}

/** ISO 8601 with an offset, as in the High Resolution Timestamp column (`2026-11-27T10:00:01.123+01:00`). */
export function parseIsoTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const frac = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  let offMin = 0;
  const z = m[8] ?? 'Z';
  if (z !== 'Z') {
    const digits = z.replace(':', '');
    offMin = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * (digits[0] === '-' ? -1 : 1);
  }
  return (Date.UTC(y, mo - 1, d, h, mi, s) - offMin * 60_000) * 1000 + frac;
}

function eventTime(get: FieldGetter, opts: PanosParseOptions): number | undefined {
  const hires = get('high_res_timestamp');
  if (hires) {
    const t = parseIsoTime(hires);
    if (t !== undefined) return t;
  }
  const tz = opts.tzOffsetMinutes ?? 0;
  const text = get('time_generated') || get('receive_time');
  return text ? parsePanosTime(text, tz) : undefined;
}

const PROTO_NUMBERS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, ICMP: 1, 'IPv6-ICMP': 58, SCTP: 132 };

/** Community ID v1 (seed 0) of the endpoints, so firewall records join the sensor's own. */
export function communityId(e: Endpoints, srcAddr?: Uint8Array, dstAddr?: Uint8Array): string | undefined {
  const proto = PROTO_NUMBERS[e.proto] ?? (/^\d{1,3}$/.test(e.proto) ? Number(e.proto) : undefined);
  const src = srcAddr ?? parseIp(e.src_ip);
  const dst = dstAddr ?? parseIp(e.dest_ip);
  if (proto === undefined || !src || !dst || src.length !== dst.length) return undefined;
  return communityIdV1(src, e.src_port, dst, e.dest_port, proto);
}

export type Endpoints = { src_ip: string; src_port: number; dest_ip: string; dest_port: number; proto: string };

/** Endpoints of a log, with the address bytes kept for the Community ID (parsed once). */
function endpoints(get: FieldGetter): { e: Endpoints; srcAddr: Uint8Array; dstAddr: Uint8Array } | { error: PanosError } {
  const src = get('src') ?? '';
  const dst = get('dst') ?? '';
  const srcAddr = parseIp(src);
  const dstAddr = parseIp(dst);
  if (!srcAddr || !dstAddr) return { error: 'bad_address' };
  const sport = port(get('sport'));
  const dport = port(get('dport'));
  if (sport === undefined || dport === undefined) return { error: 'bad_port' };
  return { e: { src_ip: src, src_port: sport, dest_ip: dst, dest_port: dport, proto: protoName(get('proto') ?? '') }, srcAddr, dstAddr };
}

function port(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return 0;
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const v = Number(text);
  return v <= 65535 ? v : undefined;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return 0;
  if (!/^\d{1,20}$/.test(text)) return undefined;
  return Number(text);
}

function protoName(p: string): string {
  const l = p.toLowerCase();
  if (l === 'tcp' || l === '6') return 'TCP';
  if (l === 'udp' || l === '17') return 'UDP';
  if (l === 'icmp' || l === '1') return 'ICMP';
  if (l === 'ipv6-icmp' || l === '58') return 'IPv6-ICMP';
  return p.toUpperCase();
}

const TRAFFIC_EXTRA_FIELDS = [
  'serial', 'sessionid', 'subtype', 'action', 'rule', 'from', 'to', 'natsrc', 'natdst', 'natsport',
  'natdport', 'srcuser', 'dstuser', 'category', 'repeatcnt', 'seqno', 'srcloc', 'dstloc',
  'device_name', 'vsys', 'time_generated', 'action_source', 'rule_uuid', 'high_res_timestamp',
] as const;

function trafficExtra(get: FieldGetter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of TRAFFIC_EXTRA_FIELDS) {
    const v = get(k);
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}
