// NetFlow v9 export packets (RFC 3954): a 20-byte header and FlowSets walked by their lengths
// (never by the header count: softflowd counts only data records). FlowSet 0 carries templates,
// 1 options templates (scope and option lengths in bytes), 256 and up data for that template.

import { u16, u32 } from './bytes.js';
import type { RawFlowSink } from './record.js';
import {
  checkSequence,
  compileTemplate,
  exporterKey,
  decodeDataRecords,
  holdSet,
  putTemplate,
  releasePending,
  setNextSequence,
  templateKey,
  type DecoderState,
  type FieldSpec,
  type TimeContext,
} from './templates.js';

const V9_HEADER_BYTES = 20;

export function decodeV9(st: DecoderState, b: Uint8Array, exporter: string, sink: RawFlowSink): number {
  const c = st.counters;
  if (b.length < V9_HEADER_BYTES) {
    c.datagram_too_short++;
    return 0;
  }
  const time: TimeContext = { version: 9, sysUptimeMs: u32(b, 4), exportSecs: u32(b, 8) };
  const domain = u32(b, 16);
  // RFC 3954 section 5.1: the sequence counts export packets of this source ID.
  const seqKey = `${exporterKey(exporter, domain)}\u0000v9`;
  const seq = u32(b, 12);
  checkSequence(st, seqKey, seq, 'packets');
  setNextSequence(st, seqKey, seq + 1);
  let records = 0;
  let off = V9_HEADER_BYTES;
  // A trailing fragment shorter than a set header is padding or garbage; either way it is ignored.
  while (b.length - off >= 4) {
    const id = u16(b, off);
    const len = u16(b, off + 2);
    if (len < 4 || off + len > b.length) {
      // A zero length would loop forever; a length past the end cannot be trusted.
      c.set_length_invalid++;
      break;
    }
    const end = off + len;
    if (id === 0) parseTemplates(st, b, off + 4, end, exporter, domain, sink);
    else if (id === 1) parseOptionsTemplates(st, b, off + 4, end, exporter, domain, sink);
    else if (id < 256) c.set_id_reserved++;
    else {
      const t = st.templates.get(templateKey(exporter, domain, id));
      if (t) records += decodeDataRecords(st, b, off + 4, end, t, exporter, domain, time, 'netflow9', sink);
      else holdSet(st, exporter, domain, id, b.subarray(off + 4, end), time, 'netflow9');
    }
    off = end;
  }
  return records;
}

function parseTemplates(
  st: DecoderState,
  b: Uint8Array,
  off: number,
  end: number,
  exporter: string,
  domain: number,
  sink: RawFlowSink,
): void {
  const c = st.counters;
  while (end - off >= 4) {
    const id = u16(b, off);
    const n = u16(b, off + 2);
    off += 4;
    if (id === 0 && n === 0) return; // padding
    if (id < 256 || n === 0) {
      c.template_malformed++;
      return;
    }
    if (n > st.limits.maxTemplateFields) {
      c.template_too_many_fields++;
      return;
    }
    if (off + n * 4 > end) {
      c.template_malformed++;
      return;
    }
    const fields: FieldSpec[] = new Array<FieldSpec>(n);
    for (let i = 0; i < n; i++, off += 4) fields[i] = { ie: u16(b, off), length: u16(b, off + 2) };
    learn(st, exporter, domain, id, fields, false, sink);
  }
}

function parseOptionsTemplates(
  st: DecoderState,
  b: Uint8Array,
  off: number,
  end: number,
  exporter: string,
  domain: number,
  sink: RawFlowSink,
): void {
  const c = st.counters;
  while (end - off >= 6) {
    const id = u16(b, off);
    const scopeLen = u16(b, off + 2);
    const optLen = u16(b, off + 4);
    off += 6;
    if (id === 0 && scopeLen === 0 && optLen === 0) return; // padding
    if (id < 256 || scopeLen % 4 !== 0 || optLen % 4 !== 0 || scopeLen + optLen === 0) {
      c.template_malformed++;
      return;
    }
    const n = (scopeLen + optLen) / 4;
    if (n > st.limits.maxTemplateFields) {
      c.template_too_many_fields++;
      return;
    }
    if (off + scopeLen + optLen > end) {
      c.template_malformed++;
      return;
    }
    const fields: FieldSpec[] = new Array<FieldSpec>(n);
    const scopeN = scopeLen / 4;
    for (let i = 0; i < n; i++, off += 4) {
      // RFC 3954 section 6.1: scope field types (system, interface, ...) are not field types.
      fields[i] = { ie: u16(b, off), length: u16(b, off + 2), isScope: i < scopeN };
    }
    learn(st, exporter, domain, id, fields, true, sink);
  }
}

function learn(
  st: DecoderState,
  exporter: string,
  domain: number,
  id: number,
  fields: FieldSpec[],
  isOptions: boolean,
  sink: RawFlowSink,
): void {
  const t = compileTemplate(id, fields, isOptions, st.nowUs);
  if (t.minLength === 0) {
    // Every field zero bytes long: a record would consume nothing and a data set never end.
    st.counters.template_zero_length_record++;
    return;
  }
  if (putTemplate(st, exporter, domain, t)) releasePending(st, exporter, domain, t, sink);
}
