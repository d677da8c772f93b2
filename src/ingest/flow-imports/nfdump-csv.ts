// nfdump CSV (`nfdump -r FILE -o csv`, nfdump 1.7): a header line naming the columns (ts, te,
// td, sa, da, sp, dp, pr, flg, ..., ipkt, ibyt, opkt, obyt, ..., ra, ...) then one flow per line,
// then a "Summary" block. Times are the local time of the machine that ran nfdump without a zone
// (run it with TZ=UTC or pass the offset). Records are one direction each (unless opkt/obyt are
// filled, as NSEL exporters do): they go through the same pairing as the collector's.

import type { FlowRecord } from '../../flows/types.js';
import { parseIp } from '../../util/ip.js';
import { flowId } from '../netflow/pairing.js';
import type { UniFlow } from '../netflow/record.js';
import type { ImportOptions, LineParser, LineResult } from './types.js';

const REQUIRED = ['ts', 'te', 'sa', 'da', 'sp', 'dp', 'pr', 'ipkt', 'ibyt'];
const PROTO_NUMBERS: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMP6: 58, SCTP: 132, GRE: 47, ESP: 50 };

export class NfdumpCsvParser implements LineParser {
  private index: Map<string, number> | undefined;
  private inSummary = false;
  private readonly tzUs: number;

  constructor(opts: ImportOptions = {}) {
    this.tzUs = (opts.tzOffsetMinutes ?? 0) * 60_000_000;
  }

  line(text: string): LineResult {
    const t = text.replace(/\r$/, '');
    if (t.trim() === '') return { skip: 'empty' };
    if (t.startsWith('ts,te,')) {
      this.index = new Map(t.split(',').map((n, i) => [n.trim(), i]));
      this.inSummary = false;
      for (const r of REQUIRED) if (!this.index.has(r)) return { error: `header_missing_${r}` };
      return { skip: 'header' };
    }
    if (t === 'Summary') {
      this.inSummary = true;
      return { skip: 'summary' };
    }
    if (this.inSummary) return { skip: 'summary' };
    if (!this.index) return { error: 'data_before_header' };
    const cols = t.split(',');
    const idx = this.index;
    const get = (n: string): string => (cols[idx.get(n) ?? -1] ?? '').trim();
    if (cols.length < idx.size) return { error: 'field_count_mismatch' };
    const start = nfdumpTime(get('ts'));
    const end = nfdumpTime(get('te'));
    if (start === undefined || end === undefined) return { error: 'bad_time' };
    const sa = get('sa');
    const da = get('da');
    if (!parseIp(sa) || !parseIp(da)) return { error: 'bad_address' };
    const sp = Number(get('sp'));
    const dp = Number(get('dp'));
    if (!isPort(sp) || !isPort(dp)) return { error: 'bad_port' };
    const prText = get('pr').toUpperCase();
    const proto = PROTO_NUMBERS[prText] ?? (/^\d+$/.test(prText) ? Number(prText) : undefined);
    if (proto === undefined || proto > 255) return { error: 'bad_proto' };
    const ipkt = count(get('ipkt'));
    const ibyt = count(get('ibyt'));
    const opkt = count(get('opkt') || '0');
    const obyt = count(get('obyt') || '0');
    if (ipkt === undefined || ibyt === undefined || opkt === undefined || obyt === undefined) return { error: 'bad_number' };
    const ra = get('ra');
    const observer = ra && ra !== '0.0.0.0' && ra !== '::' ? ra : 'nfdump';
    const u: UniFlow = {
      source: 'nfdump',
      observer,
      domain: 0,
      srcIp: sa,
      dstIp: da,
      srcPort: sp,
      dstPort: dp,
      proto,
      tcpFlags: flags(get('flg')),
      octets: ibyt,
      packets: ipkt,
      startUs: start - this.tzUs,
      endUs: end - this.tzUs,
      endReason: -1,
      samplingRate: 1,
      vlan: -1,
    };
    if (opkt === 0 && obyt === 0) return { uni: u };
    // Bidirectional record (NSEL/NEL style): both directions in one line, sa is the initiator.
    const rec: FlowRecord = {
      flow_id: '',
      source: 'nfdump',
      observer,
      src_ip: sa,
      src_port: sp,
      dest_ip: da,
      dest_port: dp,
      proto: prText === 'ICMP6' ? 'IPv6-ICMP' : PROTO_NUMBERS[prText] ? prText : String(proto),
      start_us: u.startUs,
      end_us: u.endUs,
      pkts_toserver: ipkt,
      pkts_toclient: opkt,
      bytes_toserver: ibyt,
      bytes_toclient: obyt,
      tcp_flags: u.tcpFlags,
    };
    rec.flow_id = flowId(rec);
    return { record: rec };
  }
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

function count(s: string): number | undefined {
  // nfdump may scale large counts ("1.2 M") in some outputs; CSV prints plain integers.
  if (!/^\d+$/.test(s)) return undefined;
  return Number(s);
}

/** "2018-09-11 16:41:54" or "2018-09-11 16:41:54.123" (local time as printed) to microseconds. */
function nfdumpTime(s: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1000 + Number((m[3] ?? '').padEnd(6, '0'));
}

/** nfdump's flag string "...APRSF" (U A P R S F from the left, dots for clear) to the TCP flags byte. */
function flags(s: string): number {
  let v = 0;
  for (const ch of s) {
    if (ch === 'F') v |= 0x01;
    else if (ch === 'S') v |= 0x02;
    else if (ch === 'R') v |= 0x04;
    else if (ch === 'P') v |= 0x08;
    else if (ch === 'A') v |= 0x10;
    else if (ch === 'U') v |= 0x20;
    else if (ch === 'E') v |= 0x40;
    else if (ch === 'C') v |= 0x80;
  }
  return v;
}
