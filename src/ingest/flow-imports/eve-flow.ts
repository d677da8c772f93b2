// Suricata EVE `flow` events (one JSON object per line). Other event types in the same file
// (alert, dns, stats, ...) are skipped, not errors. Suricata's flow_id is kept: it is already
// masked to 51 bits so it survives JSON numbers exactly.

import type { FlowRecord } from '../../flows/types.js';
import { parseIp } from '../../util/ip.js';
import type { LineParser, LineResult } from './types.js';

export class EveFlowParser implements LineParser {
  line(text: string): LineResult {
    const t = text.trim();
    if (t.length === 0) return { skip: 'empty' };
    let obj: unknown;
    try {
      obj = JSON.parse(t);
    } catch {
      return { error: 'bad_json' };
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { error: 'not_an_object' };
    const o = obj as Record<string, unknown>;
    if (o.event_type !== 'flow') return { skip: 'not_a_flow_event' };
    const flow = o.flow;
    if (typeof flow !== 'object' || flow === null) return { error: 'missing_flow_object' };
    const f = flow as Record<string, unknown>;
    const src = str(o.src_ip);
    const dst = str(o.dest_ip);
    if (!src || !dst || !parseIp(src) || !parseIp(dst)) return { error: 'bad_address' };
    const startUs = eveTime(str(f.start));
    const endUs = eveTime(str(f.end));
    if (startUs === undefined || endUs === undefined) return { error: 'bad_time' };
    const id = o.flow_id;
    if (typeof id !== 'number' && typeof id !== 'string') return { error: 'missing_flow_id' };
    const rec: FlowRecord = {
      flow_id: String(id),
      source: 'eve',
      src_ip: src,
      src_port: int(o.src_port) ?? 0,
      dest_ip: dst,
      dest_port: int(o.dest_port) ?? 0,
      proto: str(o.proto) ?? '',
      start_us: startUs,
      end_us: endUs,
      pkts_toserver: int(f.pkts_toserver) ?? 0,
      pkts_toclient: int(f.pkts_toclient) ?? 0,
      bytes_toserver: int(f.bytes_toserver) ?? 0,
      bytes_toclient: int(f.bytes_toclient) ?? 0,
    };
    if (str(o.app_proto)) rec.app_proto = str(o.app_proto);
    if (str(o.community_id)) rec.community_id = str(o.community_id);
    if (str(f.state)) rec.state = str(f.state);
    if (str(f.reason)) rec.reason = str(f.reason);
    const host = str(o.host) ?? str(o.in_iface);
    if (host) rec.observer = host;
    if (Array.isArray(o.vlan) && typeof o.vlan[0] === 'number') rec.vlan = o.vlan[0];
    const tcp = o.tcp as Record<string, unknown> | undefined;
    if (tcp && typeof tcp.tcp_flags === 'string' && /^[0-9a-f]{1,2}$/i.test(tcp.tcp_flags)) rec.tcp_flags = parseInt(tcp.tcp_flags, 16);
    return { record: rec };
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

/** "2017-12-25T10:01:34.240063+0000" (EVE) to microseconds, keeping the microseconds. */
export function eveTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2}):?(\d{2})$/.exec(s);
  if (!m) return undefined;
  const base = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(base)) return undefined;
  const frac = Number((m[2] ?? '').padEnd(6, '0'));
  const sign = (m[3] as string).startsWith('-') ? -1 : 1;
  const offMin = sign * (Math.abs(Number(m[3])) * 60 + Number(m[4]));
  return (base - offMin * 60_000) * 1000 + frac;
}
