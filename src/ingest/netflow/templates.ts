// Templates for NetFlow v9 (RFC 3954) and IPFIX (RFC 7011): compiling a template into a field
// plan once, decoding data records with that plan, and the per-exporter state the decoders share
// (the template cache scoped by exporter address+port, source ID / observation domain and
// template ID; option values such as sampling and system init time; data sets held while their
// template has not arrived). Every limit is in limits.ts and every drop is counted.

import type { FlowSource } from '../../flows/types.js';
import { u16, u32, uN } from './bytes.js';
import type { Counters } from './counters.js';
import type { CollectorLimits } from './limits.js';
import { hasSaneValues, type RawFlow } from './record.js';

/** What the decoder does with one field. Numbers, so the plan is a pair of typed arrays. */
export const enum Op {
  Skip = 0,
  Src4,
  Dst4,
  Src6,
  Dst6,
  SrcPort,
  DstPort,
  Proto,
  TcpFlags,
  Octets,
  Packets,
  OctetsTotal,
  PacketsTotal,
  EndUptime,
  StartUptime,
  StartSec,
  EndSec,
  StartMs,
  EndMs,
  StartNtpUs,
  EndNtpUs,
  StartNtpNs,
  EndNtpNs,
  StartDeltaUs,
  EndDeltaUs,
  SystemInitMs,
  EndReason,
  SamplingInterval,
  SamplingPacketInterval,
  SamplingPacketSpace,
  Vlan,
}

/** RFC 7011 section 7: field length 65535 announces a variable-length field. */
export const VARIABLE_LENGTH = 65535;

/** IANA IPFIX information element ids (the v9 field types 1..127 share them, RFC 3954 section 8). */
function opFor(ie: number, len: number): Op {
  const isNum = len >= 1 && len <= 8;
  switch (ie) {
    case 8:
      return len === 4 ? Op.Src4 : Op.Skip;
    case 12:
      return len === 4 ? Op.Dst4 : Op.Skip;
    case 27:
      return len === 16 ? Op.Src6 : Op.Skip;
    case 28:
      return len === 16 ? Op.Dst6 : Op.Skip;
    case 7:
      return isNum ? Op.SrcPort : Op.Skip;
    case 11:
      return isNum ? Op.DstPort : Op.Skip;
    case 4:
      return isNum ? Op.Proto : Op.Skip;
    case 6:
      return isNum ? Op.TcpFlags : Op.Skip;
    case 1:
      return isNum ? Op.Octets : Op.Skip;
    case 2:
      return isNum ? Op.Packets : Op.Skip;
    case 85:
      return isNum ? Op.OctetsTotal : Op.Skip;
    case 86:
      return isNum ? Op.PacketsTotal : Op.Skip;
    case 21:
      return isNum ? Op.EndUptime : Op.Skip;
    case 22:
      return isNum ? Op.StartUptime : Op.Skip;
    case 150:
      return isNum ? Op.StartSec : Op.Skip;
    case 151:
      return isNum ? Op.EndSec : Op.Skip;
    case 152:
      return isNum ? Op.StartMs : Op.Skip;
    case 153:
      return isNum ? Op.EndMs : Op.Skip;
    case 154:
      return len === 8 ? Op.StartNtpUs : Op.Skip;
    case 155:
      return len === 8 ? Op.EndNtpUs : Op.Skip;
    case 156:
      return len === 8 ? Op.StartNtpNs : Op.Skip;
    case 157:
      return len === 8 ? Op.EndNtpNs : Op.Skip;
    case 158:
      return isNum ? Op.StartDeltaUs : Op.Skip;
    case 159:
      return isNum ? Op.EndDeltaUs : Op.Skip;
    case 160:
      return isNum ? Op.SystemInitMs : Op.Skip;
    case 136:
      return isNum ? Op.EndReason : Op.Skip;
    case 34: // samplingInterval (v9 SAMPLING_INTERVAL)
    case 50: // samplerRandomInterval (v9 FLOW_SAMPLER_RANDOM_INTERVAL)
      return isNum ? Op.SamplingInterval : Op.Skip;
    case 305:
      return isNum ? Op.SamplingPacketInterval : Op.Skip;
    case 306:
      return isNum ? Op.SamplingPacketSpace : Op.Skip;
    case 58:
      return isNum ? Op.Vlan : Op.Skip;
    default:
      return Op.Skip;
  }
}

/** A compiled template: the plan the data-record loop walks. */
export interface Template {
  id: number;
  isOptions: boolean;
  /** Per field: what to do, and its length (VARIABLE_LENGTH for variable). */
  ops: Uint8Array;
  lengths: Uint16Array;
  /** Shortest possible record (bytes): fixed lengths plus one length byte per variable field. */
  minLength: number;
  hasVariable: boolean;
  /** The raw field list, to tell a refresh from a change. */
  signature: string;
  learnedUs: number;
}

export interface FieldSpec {
  ie: number;
  length: number;
  /** Enterprise number for enterprise-specific fields (RFC 7011 section 3.2); always skipped. */
  enterprise?: number;
  /** v9 options scope fields are scope types, not information elements. */
  isScope?: boolean;
}

export function compileTemplate(id: number, fields: FieldSpec[], isOptions: boolean, nowUs: number): Template {
  const n = fields.length;
  const ops = new Uint8Array(n);
  const lengths = new Uint16Array(n);
  let minLength = 0;
  let hasVariable = false;
  const sig: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = fields[i] as FieldSpec;
    const isVar = f.length === VARIABLE_LENGTH;
    ops[i] = f.enterprise !== undefined || f.isScope || isVar ? Op.Skip : opFor(f.ie, f.length);
    lengths[i] = f.length;
    if (isVar) {
      hasVariable = true;
      minLength += 1;
    } else minLength += f.length;
    sig.push(`${f.enterprise ?? 0}:${f.ie}:${f.length}${f.isScope ? 's' : ''}`);
  }
  return { id, isOptions, ops, lengths, minLength, hasVariable, signature: sig.join(','), learnedUs: nowUs };
}

/** Values an exporter sends in options records that later data records need. */
export interface ExporterState {
  /** IPFIX systemInitTimeMilliseconds (160), -1 until seen. */
  systemInitMs: number;
  /** Sampling interval from options (34, 50, 305/306); 1 when unsampled or unknown. */
  samplingRate: number;
}

/** Header times of the message a data set came in, for converting relative times. */
export interface TimeContext {
  version: 9 | 10;
  /** v9 header sysUptime (ms). */
  sysUptimeMs: number;
  /** v9 unix_secs / IPFIX export time (s). */
  exportSecs: number;
}

export interface DecoderState {
  readonly limits: CollectorLimits;
  readonly counters: Counters;
  readonly templates: Map<string, Template>;
  /** Template keys per exporter: counts for the per-exporter cap, and withdrawals without a full scan. */
  readonly templateKeysByExporter: Map<string, Set<string>>;
  readonly exporters: Map<string, ExporterState>;
  readonly pending: PendingSet[];
  /** Next expected sequence number per exporter and domain (absent: unknown). */
  readonly sequences: Map<string, number>;
  pendingBytes: number;
  /** Collector time of the datagram being decoded (microseconds). */
  nowUs: number;
  readonly raw: RawFlow;
}

export interface PendingSet {
  key: string;
  exporter: string;
  domain: number;
  bytes: Uint8Array;
  time: TimeContext;
  source: FlowSource;
  heldUs: number;
}

export function templateKey(exporter: string, domain: number, id: number): string {
  return `${exporter}\u0000${domain}\u0000${id}`;
}

export function exporterKey(exporter: string, domain: number): string {
  return `${exporter}\u0000${domain}`;
}

export function exporterState(st: DecoderState, exporter: string, domain: number): ExporterState | undefined {
  return st.exporters.get(exporterKey(exporter, domain));
}

/** Stores (or refreshes) a template; returns false when a limit refused it. */
export function putTemplate(st: DecoderState, exporter: string, domain: number, t: Template): boolean {
  const key = templateKey(exporter, domain, t.id);
  const old = st.templates.get(key);
  if (old) {
    if (old.signature !== t.signature) st.counters.templates_replaced++;
    st.templates.set(key, t);
    return true;
  }
  const keys = st.templateKeysByExporter.get(exporter);
  if (st.templates.size >= st.limits.maxTemplates || (keys?.size ?? 0) >= st.limits.maxTemplatesPerExporter) {
    st.counters.template_limit++;
    return false;
  }
  st.templates.set(key, t);
  if (keys) keys.add(key);
  else st.templateKeysByExporter.set(exporter, new Set([key]));
  st.counters.templates_learned++;
  return true;
}

function dropTemplate(st: DecoderState, exporter: string, key: string): void {
  st.templates.delete(key);
  const keys = st.templateKeysByExporter.get(exporter);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) st.templateKeysByExporter.delete(exporter);
}

export function withdrawTemplate(st: DecoderState, exporter: string, domain: number, id: number): void {
  const key = templateKey(exporter, domain, id);
  if (st.templates.has(key)) {
    dropTemplate(st, exporter, key);
    st.counters.templates_withdrawn++;
  }
}

/**
 * RFC 7011 section 8.1: withdrawal with template id 2 (or 3) removes all (options) templates of
 * the domain. Only this exporter's templates are visited (at most maxTemplatesPerExporter).
 */
export function withdrawAll(st: DecoderState, exporter: string, domain: number, isOptions: boolean): void {
  const keys = st.templateKeysByExporter.get(exporter);
  if (!keys) return;
  const prefix = exporterKey(exporter, domain) + '\u0000';
  for (const k of [...keys]) {
    const t = st.templates.get(k);
    if (k.startsWith(prefix) && t && t.isOptions === isOptions) {
      dropTemplate(st, exporter, k);
      st.counters.templates_withdrawn++;
    }
  }
}

/** Forgets everything learned from one exporter (IPFIX over TCP: the session closed). */
export function forgetExporter(st: DecoderState, exporter: string): void {
  for (const k of st.templateKeysByExporter.get(exporter) ?? []) st.templates.delete(k);
  st.templateKeysByExporter.delete(exporter);
  const prefix = exporter + '\u0000';
  for (const k of st.exporters.keys()) if (k.startsWith(prefix)) st.exporters.delete(k);
  for (const k of st.sequences.keys()) if (k.startsWith(prefix)) st.sequences.delete(k);
}

/**
 * Compares a message's sequence number with the one expected from the previous message of the
 * same exporter and domain. IPFIX counts data records, v9 counts export packets; a jump forward is
 * counted as missing records (packets), a jump backward as a reset (exporter restart, reordering).
 */
export function checkSequence(st: DecoderState, key: string, seq: number, unit: 'records' | 'packets'): void {
  const expected = st.sequences.get(key);
  if (expected === undefined || expected === seq) return;
  const ahead = (seq - expected) >>> 0;
  st.counters.sequence_gaps++;
  if (ahead < 0x80000000) {
    if (unit === 'records') st.counters.sequence_records_missing += ahead;
    else st.counters.sequence_packets_missing += ahead;
  } else st.counters.sequence_resets++;
}

/** Remembers the next expected sequence number, or forgets it when it cannot be known. */
export function setNextSequence(st: DecoderState, key: string, next: number | undefined): void {
  if (next === undefined) {
    st.sequences.delete(key);
    return;
  }
  if (!st.sequences.has(key) && st.sequences.size >= st.limits.maxExporterStates) {
    st.counters.exporter_state_limit++;
    return;
  }
  st.sequences.set(key, next >>> 0);
}

/** Drops UDP templates not refreshed within `templateIdleUs` and held sets past `pendingHoldUs`. */
export function expireState(st: DecoderState, tcpExporters?: ReadonlySet<string>): void {
  const now = st.nowUs;
  for (const [k, t] of st.templates) {
    if (now - t.learnedUs <= st.limits.templateIdleUs) continue;
    const exporter = k.slice(0, k.indexOf('\u0000'));
    // RFC 7011 section 8.1: templates over a reliable transport live as long as the session.
    if (tcpExporters?.has(exporter)) continue;
    dropTemplate(st, exporter, k);
    st.counters.template_expired++;
  }
  expirePending(st);
}

export function expirePending(st: DecoderState): void {
  if (st.pending.length === 0) return;
  const now = st.nowUs;
  let w = 0;
  for (let i = 0; i < st.pending.length; i++) {
    const p = st.pending[i] as PendingSet;
    if (now - p.heldUs > st.limits.pendingHoldUs) {
      st.counters.pending_expired++;
      st.pendingBytes -= p.bytes.length;
    } else st.pending[w++] = p;
  }
  st.pending.length = w;
}

/** Keeps a copy of a data set whose template is unknown, within the pending limits. */
export function holdSet(
  st: DecoderState,
  exporter: string,
  domain: number,
  id: number,
  set: Uint8Array,
  time: TimeContext,
  source: FlowSource,
): void {
  if (st.pending.length >= st.limits.maxPendingSets || st.pendingBytes + set.length > st.limits.maxPendingBytes) {
    st.counters.pending_limit++;
    return;
  }
  st.pending.push({
    key: templateKey(exporter, domain, id),
    exporter,
    domain,
    bytes: set.slice(),
    time,
    source,
    heldUs: st.nowUs,
  });
  st.pendingBytes += set.length;
  st.counters.pending_held++;
}

/** Decodes held sets that were waiting for the template just learned. */
export function releasePending(
  st: DecoderState,
  exporter: string,
  domain: number,
  t: Template,
  sink: (raw: RawFlow, source: FlowSource, domain: number) => void,
): void {
  if (st.pending.length === 0) return;
  const key = templateKey(exporter, domain, t.id);
  let w = 0;
  for (let i = 0; i < st.pending.length; i++) {
    const p = st.pending[i] as PendingSet;
    if (p.key !== key) {
      st.pending[w++] = p;
      continue;
    }
    st.pendingBytes -= p.bytes.length;
    st.counters.pending_decoded++;
    decodeDataRecords(st, p.bytes, 0, p.bytes.length, t, exporter, domain, p.time, p.source, sink);
  }
  st.pending.length = w;
}

/** NTP timestamp (RFC 5905: seconds since 1900, 32-bit fraction) to microseconds since 1970. */
const NTP_TO_UNIX_S = 2_208_988_800;
function ntpToUs(b: Uint8Array, o: number, isMicro: boolean): number {
  const secs = u32(b, o) - NTP_TO_UNIX_S;
  // RFC 7011 section 6.1.9: for dateTimeMicroseconds the low 11 bits of the fraction are ignored.
  const frac = isMicro ? u32(b, o + 4) & 0xfffff800 : u32(b, o + 4);
  return secs * 1_000_000 + Math.floor((frac >>> 0) / 4294.967296);
}

/**
 * Decodes the records of one data set [off, end) with a compiled template. Options records update
 * the exporter state; flow records go to `sink`. Returns the number of records read.
 */
export function decodeDataRecords(
  st: DecoderState,
  b: Uint8Array,
  off: number,
  end: number,
  t: Template,
  exporter: string,
  domain: number,
  time: TimeContext,
  source: FlowSource,
  sink: (raw: RawFlow, source: FlowSource, domain: number) => void,
): number {
  const ops = t.ops;
  const lengths = t.lengths;
  const n = ops.length;
  const minLength = t.minLength;
  const r = st.raw;
  const c = st.counters;
  let count = 0;
  const xs = exporterState(st, exporter, domain);
  // Padding (RFC 7011 section 3.3.1, RFC 3954 section 5.3) is shorter than any record.
  while (end - off >= minLength) {
    r.ipVersion = 0;
    r.srcPort = 0;
    r.dstPort = 0;
    r.proto = 0;
    r.tcpFlags = 0;
    r.octets = 0;
    r.packets = 0;
    r.endReason = -1;
    r.vlan = -1;
    let octetsTotal = -1;
    let packetsTotal = -1;
    let startUp = -1;
    let endUp = -1;
    let startAbs = -1;
    let endAbs = -1;
    let startDelta = -1;
    let endDelta = -1;
    let sysInit = -1;
    let sampling = -1;
    let pktInterval = -1;
    let pktSpace = 0;
    let ok = true;
    for (let i = 0; i < n; i++) {
      let len = lengths[i] as number;
      if (len === VARIABLE_LENGTH) {
        // RFC 7011 section 7: one length byte, or 255 followed by a two-byte length.
        if (off >= end) {
          ok = false;
          break;
        }
        len = b[off] as number;
        off += 1;
        if (len === 255) {
          if (off + 2 > end) {
            ok = false;
            break;
          }
          len = u16(b, off);
          off += 2;
        }
        if (off + len > end) {
          c.varlen_overflow++;
          ok = false;
          break;
        }
        off += len;
        continue;
      }
      if (off + len > end) {
        ok = false;
        break;
      }
      switch (ops[i]) {
        case Op.Skip:
          break;
        case Op.Src4:
          r.ipVersion = 4;
          r.srcAddr[0] = b[off] as number;
          r.srcAddr[1] = b[off + 1] as number;
          r.srcAddr[2] = b[off + 2] as number;
          r.srcAddr[3] = b[off + 3] as number;
          break;
        case Op.Dst4:
          r.dstAddr[0] = b[off] as number;
          r.dstAddr[1] = b[off + 1] as number;
          r.dstAddr[2] = b[off + 2] as number;
          r.dstAddr[3] = b[off + 3] as number;
          break;
        case Op.Src6:
          r.ipVersion = 6;
          for (let k = 0; k < 16; k++) r.srcAddr[k] = b[off + k] as number;
          break;
        case Op.Dst6:
          for (let k = 0; k < 16; k++) r.dstAddr[k] = b[off + k] as number;
          break;
        case Op.SrcPort:
          r.srcPort = uN(b, off, len);
          break;
        case Op.DstPort:
          r.dstPort = uN(b, off, len);
          break;
        case Op.Proto:
          r.proto = uN(b, off, len);
          break;
        case Op.TcpFlags:
          // RFC 7011 allows 1 or 2 bytes; the flags proper are the low 8 bits.
          r.tcpFlags = uN(b, off, len) & 0xff;
          break;
        case Op.Octets:
          r.octets = uN(b, off, len);
          break;
        case Op.Packets:
          r.packets = uN(b, off, len);
          break;
        case Op.OctetsTotal:
          octetsTotal = uN(b, off, len);
          break;
        case Op.PacketsTotal:
          packetsTotal = uN(b, off, len);
          break;
        case Op.EndUptime:
          endUp = uN(b, off, len);
          break;
        case Op.StartUptime:
          startUp = uN(b, off, len);
          break;
        case Op.StartSec:
          startAbs = uN(b, off, len) * 1_000_000;
          break;
        case Op.EndSec:
          endAbs = uN(b, off, len) * 1_000_000;
          break;
        case Op.StartMs:
          startAbs = uN(b, off, len) * 1000;
          break;
        case Op.EndMs:
          endAbs = uN(b, off, len) * 1000;
          break;
        case Op.StartNtpUs:
          startAbs = ntpToUs(b, off, true);
          break;
        case Op.EndNtpUs:
          endAbs = ntpToUs(b, off, true);
          break;
        case Op.StartNtpNs:
          startAbs = ntpToUs(b, off, false);
          break;
        case Op.EndNtpNs:
          endAbs = ntpToUs(b, off, false);
          break;
        case Op.StartDeltaUs:
          startDelta = uN(b, off, len);
          break;
        case Op.EndDeltaUs:
          endDelta = uN(b, off, len);
          break;
        case Op.SystemInitMs:
          sysInit = uN(b, off, len);
          break;
        case Op.EndReason:
          r.endReason = uN(b, off, len);
          break;
        case Op.SamplingInterval:
          sampling = uN(b, off, len);
          break;
        case Op.SamplingPacketInterval:
          pktInterval = uN(b, off, len);
          break;
        case Op.SamplingPacketSpace:
          pktSpace = uN(b, off, len);
          break;
        case Op.Vlan:
          r.vlan = uN(b, off, len);
          break;
      }
      off += len;
    }
    if (!ok) {
      c.record_truncated++;
      break;
    }
    count++;
    // RFC 7011 section 8.2.4 / RFC 5476: packet interval and space give 1 in (interval+space)/interval.
    if (pktInterval > 0) sampling = (pktInterval + pktSpace) / pktInterval;
    if (t.isOptions) {
      c.options_records++;
      recordOptions(st, exporter, domain, sysInit, sampling);
      continue;
    }
    if (r.ipVersion === 0) {
      c.record_without_address++;
      continue;
    }
    if (r.octets === 0 && octetsTotal >= 0) r.octets = octetsTotal;
    if (r.packets === 0 && packetsTotal >= 0) r.packets = packetsTotal;
    // Times, in order of preference: absolute, uptime-relative, export-relative deltas.
    const exportUs = time.exportSecs * 1_000_000;
    if (startAbs < 0 && startUp >= 0) startAbs = uptimeToUs(startUp, time, sysInit, xs);
    if (endAbs < 0 && endUp >= 0) endAbs = uptimeToUs(endUp, time, sysInit, xs);
    if (startAbs < 0 && startDelta >= 0) startAbs = exportUs - startDelta;
    if (endAbs < 0 && endDelta >= 0) endAbs = exportUs - endDelta;
    if (Number.isNaN(startAbs) || Number.isNaN(endAbs) || (startAbs < 0 && endAbs < 0)) {
      // IPFIX uptimes without a systemInitTimeMilliseconds, or no time at all: the export time is
      // the best bound we have (the flow ended no later than it was exported).
      c.times_approximated++;
      startAbs = exportUs;
      endAbs = exportUs;
    } else if (startAbs < 0) startAbs = endAbs;
    else if (endAbs < 0) endAbs = startAbs;
    r.startUs = startAbs;
    r.endUs = endAbs;
    const rate = sampling > 1 ? sampling : xs !== undefined ? xs.samplingRate : 1;
    r.samplingRate = rate > 1 ? rate : 1;
    if (rate > 1) {
      r.octets = Math.round(r.octets * rate);
      r.packets = Math.round(r.packets * rate);
      c.sampling_applied++;
    }
    if (!hasSaneValues(r)) {
      c.record_bad_value++;
      continue;
    }
    c.records_decoded++;
    sink(r, source, domain);
  }
  return count;
}

function uptimeToUs(up: number, time: TimeContext, sysInit: number, xs: ExporterState | undefined): number {
  if (time.version === 9) {
    // RFC 3954 section 5.1: uptimes are ms since boot; the header pairs sysUptime with unix_secs.
    // Uptime is a 32-bit counter: a record time "after" the header time means it wrapped.
    let delta = time.sysUptimeMs - up;
    if (delta < -0x80000000) delta += 0x100000000;
    return (time.exportSecs * 1000 - delta) * 1000;
  }
  const init = sysInit >= 0 ? sysInit : xs !== undefined ? xs.systemInitMs : -1;
  if (init < 0) return NaN;
  return (init + up) * 1000;
}

function recordOptions(st: DecoderState, exporter: string, domain: number, sysInit: number, sampling: number): void {
  if (sysInit < 0 && sampling < 0) return;
  const key = exporterKey(exporter, domain);
  let xs = st.exporters.get(key);
  if (!xs) {
    if (st.exporters.size >= st.limits.maxExporterStates) {
      st.counters.exporter_state_limit++;
      return;
    }
    xs = { systemInitMs: -1, samplingRate: 1 };
    st.exporters.set(key, xs);
  }
  if (sysInit >= 0) xs.systemInitMs = sysInit;
  if (sampling >= 0) xs.samplingRate = sampling > 1 ? sampling : 1;
}
