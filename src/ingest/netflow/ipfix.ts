// IPFIX messages (RFC 7011): a 16-byte header and sets walked by their lengths. Set 2 carries
// templates, 3 options templates (with a scope field count), 256 and up data. Field ids with the
// top bit set carry a 4-byte enterprise number and are skipped; a template with no fields
// withdraws one template (or all of them, with template id 2 or 3).

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
  withdrawAll,
  withdrawTemplate,
  type DecoderState,
  type FieldSpec,
  type TimeContext,
} from './templates.js';

export const IPFIX_HEADER_BYTES = 16;

export function decodeIpfix(st: DecoderState, b: Uint8Array, exporter: string, sink: RawFlowSink): number {
  const c = st.counters;
  if (b.length < IPFIX_HEADER_BYTES) {
    c.datagram_too_short++;
    return 0;
  }
  const msgLen = u16(b, 2);
  if (msgLen < IPFIX_HEADER_BYTES || msgLen > b.length) {
    c.ipfix_length_mismatch++;
    return 0;
  }
  const time: TimeContext = { version: 10, sysUptimeMs: 0, exportSecs: u32(b, 4) };
  const domain = u32(b, 12);
  const seqKey = `${exporterKey(exporter, domain)}\u0000ipfix`;
  const seq = u32(b, 8);
  checkSequence(st, seqKey, seq, 'records');
  // Records of held sets are not counted yet, so after one the next sequence is unknown.
  let isCounted = true;
  let records = 0;
  let off = IPFIX_HEADER_BYTES;
  while (msgLen - off >= 4) {
    const id = u16(b, off);
    const len = u16(b, off + 2);
    if (len < 4 || off + len > msgLen) {
      c.set_length_invalid++;
      break;
    }
    const end = off + len;
    if (id === 2) parseTemplates(st, b, off + 4, end, exporter, domain, false, sink);
    else if (id === 3) parseTemplates(st, b, off + 4, end, exporter, domain, true, sink);
    else if (id < 256) c.set_id_reserved++;
    else {
      const t = st.templates.get(templateKey(exporter, domain, id));
      if (t) records += decodeDataRecords(st, b, off + 4, end, t, exporter, domain, time, 'ipfix', sink);
      else {
        holdSet(st, exporter, domain, id, b.subarray(off + 4, end), time, 'ipfix');
        isCounted = false;
      }
    }
    off = end;
  }
  setNextSequence(st, seqKey, isCounted ? seq + records : undefined);
  return records;
}

function parseTemplates(
  st: DecoderState,
  b: Uint8Array,
  off: number,
  end: number,
  exporter: string,
  domain: number,
  isOptions: boolean,
  sink: RawFlowSink,
): void {
  const c = st.counters;
  const headLen = isOptions ? 6 : 4;
  while (end - off >= 4) {
    const id = u16(b, off);
    const n = u16(b, off + 2);
    if (n === 0) {
      // RFC 7011 section 8.1: a template withdrawal (4 bytes, even in an options template set).
      off += 4;
      if (id === 2 || id === 3) withdrawAll(st, exporter, domain, id === 3);
      else if (id >= 256) withdrawTemplate(st, exporter, domain, id);
      else if (id !== 0) c.template_malformed++;
      continue;
    }
    if (end - off < headLen) {
      c.template_malformed++;
      return;
    }
    const scopeN = isOptions ? u16(b, off + 4) : 0;
    off += headLen;
    if (id < 256 || (isOptions && (scopeN === 0 || scopeN > n))) {
      c.template_malformed++;
      return;
    }
    if (n > st.limits.maxTemplateFields) {
      c.template_too_many_fields++;
      return;
    }
    const fields: FieldSpec[] = new Array<FieldSpec>(n);
    for (let i = 0; i < n; i++) {
      if (end - off < 4) {
        c.template_malformed++;
        return;
      }
      const rawId = u16(b, off);
      const length = u16(b, off + 2);
      off += 4;
      if (rawId & 0x8000) {
        if (end - off < 4) {
          c.template_malformed++;
          return;
        }
        fields[i] = { ie: rawId & 0x7fff, length, enterprise: u32(b, off) };
        off += 4;
      } else fields[i] = { ie: rawId, length };
    }
    const t = compileTemplate(id, fields, isOptions, st.nowUs);
    if (t.minLength === 0) {
      c.template_zero_length_record++;
      continue;
    }
    if (putTemplate(st, exporter, domain, t)) releasePending(st, exporter, domain, t, sink);
  }
}
