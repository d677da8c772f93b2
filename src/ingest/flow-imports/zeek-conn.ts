// Zeek conn.log, in both of Zeek's writers: the ASCII writer (TSV with #separator, #set_separator,
// #empty_field, #unset_field, #fields and #types header lines) and the JSON writer (one object per
// line, the same names as keys, `ts` in epoch seconds). The originator is the client; byte counts
// are the IP-layer ones (orig_ip_bytes/resp_ip_bytes) so they compare with NetFlow, with the
// payload counts kept in `extra`.

import type { FlowRecord } from '../../flows/types.js';
import { parseIp } from '../../util/ip.js';
import { hash64 } from '../netflow/pairing.js';
import type { LineParser, LineResult } from './types.js';

type Get = (name: string) => string | number | undefined;

export class ZeekConnParser implements LineParser {
  private separator = '\t';
  private setSeparator = ',';
  private emptyField = '(empty)';
  private unsetField = '-';
  private fields: string[] | undefined;
  private index = new Map<string, number>();

  line(text: string): LineResult {
    const t = text.replace(/\r$/, '');
    if (t.length === 0) return { skip: 'empty' };
    if (t.startsWith('{')) return this.json(t);
    if (t.startsWith('#')) return this.header(t);
    if (!this.fields) return { error: 'data_before_fields_header' };
    const cols = t.split(this.separator);
    if (cols.length !== this.fields.length) return { error: 'field_count_mismatch' };
    const get: Get = (name) => {
      const i = this.index.get(name);
      if (i === undefined) return undefined;
      const v = cols[i];
      if (v === undefined || v === this.unsetField) return undefined;
      if (v === this.emptyField) return '';
      return v;
    };
    return toRecord(get);
  }

  private header(t: string): LineResult {
    // "#separator \x09" is written with a space before the escaped value (the separator is not yet known).
    if (t.startsWith('#separator ')) {
      this.separator = unescapeZeek(t.slice('#separator '.length));
      return { skip: 'header' };
    }
    const sp = t.indexOf(this.separator);
    const key = sp < 0 ? t.slice(1) : t.slice(1, sp);
    const rest = sp < 0 ? '' : t.slice(sp + this.separator.length);
    switch (key) {
      case 'set_separator':
        this.setSeparator = unescapeZeek(rest);
        break;
      case 'empty_field':
        this.emptyField = rest;
        break;
      case 'unset_field':
        this.unsetField = rest;
        break;
      case 'fields':
        this.fields = rest.split(this.separator);
        this.index = new Map(this.fields.map((f, i) => [f, i]));
        break;
      case 'path':
        if (rest !== 'conn') return { error: `not_a_conn_log(${rest.slice(0, 32)})` };
        break;
      default:
        break;
    }
    return { skip: 'header' };
  }

  private json(t: string): LineResult {
    let obj: unknown;
    try {
      obj = JSON.parse(t);
    } catch {
      return { error: 'bad_json' };
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { error: 'not_an_object' };
    const o = obj as Record<string, unknown>;
    const get: Get = (name) => {
      const v = o[name];
      return typeof v === 'string' || typeof v === 'number' ? v : undefined;
    };
    return toRecord(get);
  }
}

/** Zeek escapes non-printable separators as \xNN (TSV writer). */
function unescapeZeek(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function num(v: string | number | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function toRecord(get: Get): LineResult {
  const ts = num(get('ts'));
  if (ts === undefined) return { error: 'bad_ts' };
  const src = String(get('id.orig_h') ?? '');
  const dst = String(get('id.resp_h') ?? '');
  if (!parseIp(src) || !parseIp(dst)) return { error: 'bad_address' };
  const sp = num(get('id.orig_p'));
  const dp = num(get('id.resp_p'));
  if (sp === undefined || dp === undefined || sp > 65535 || dp > 65535) return { error: 'bad_port' };
  const proto = String(get('proto') ?? '').toUpperCase();
  if (proto === '') return { error: 'bad_proto' };
  const startUs = Math.round(ts * 1_000_000);
  const dur = num(get('duration')) ?? 0;
  const uid = String(get('uid') ?? '');
  const origIp = num(get('orig_ip_bytes'));
  const respIp = num(get('resp_ip_bytes'));
  const rec: FlowRecord = {
    flow_id: hash64(`zeek|${uid}|${startUs}|${src}|${sp}|${dst}|${dp}|${proto}`),
    source: 'zeek',
    src_ip: src,
    src_port: sp,
    dest_ip: dst,
    dest_port: dp,
    proto: proto === 'ICMP' ? 'ICMP' : proto,
    start_us: startUs,
    end_us: startUs + Math.round(dur * 1_000_000),
    pkts_toserver: num(get('orig_pkts')) ?? 0,
    pkts_toclient: num(get('resp_pkts')) ?? 0,
    bytes_toserver: origIp ?? num(get('orig_bytes')) ?? 0,
    bytes_toclient: respIp ?? num(get('resp_bytes')) ?? 0,
  };
  const state = get('conn_state');
  if (typeof state === 'string' && state !== '') rec.state = state;
  const service = get('service');
  if (typeof service === 'string' && service !== '') rec.app_proto = service;
  const extra: Record<string, unknown> = { uid };
  for (const k of ['history', 'orig_bytes', 'resp_bytes', 'missed_bytes', 'local_orig', 'local_resp']) {
    const v = get(k);
    if (v !== undefined && v !== '') extra[k] = v;
  }
  rec.extra = extra;
  const cid = get('community_id');
  if (typeof cid === 'string' && cid !== '') rec.community_id = cid;
  return { record: rec };
}
