// NetFlow v5 export datagrams (Cisco's fixed format): a 24-byte header and up to 30 records of 48
// bytes. Times in records are sysUptime milliseconds; the header pairs sysUptime with the
// exporter's wall clock (unix_secs, unix_nsecs), which turns them into absolute times.

import { u16, u32 } from './bytes.js';
import { V5_MAX_RECORDS } from './limits.js';
import { hasSaneValues, type RawFlowSink } from './record.js';
import type { DecoderState } from './templates.js';

const V5_HEADER_BYTES = 24;
const V5_RECORD_BYTES = 48;

export function decodeV5(st: DecoderState, b: Uint8Array, sink: RawFlowSink): number {
  const c = st.counters;
  if (b.length < V5_HEADER_BYTES) {
    c.datagram_too_short++;
    return 0;
  }
  const count = u16(b, 2);
  if (count === 0 || count > V5_MAX_RECORDS || b.length < V5_HEADER_BYTES + count * V5_RECORD_BYTES) {
    c.v5_bad_count++;
    return 0;
  }
  const sysUptime = u32(b, 4);
  const headerMs = u32(b, 8) * 1000 + Math.floor(u32(b, 12) / 1_000_000);
  // Engine type and id identify the flow-switching engine, like the v9 source ID.
  const domain = u16(b, 20);
  // Low 14 bits: sampling interval; top 2 bits: sampling mode.
  const rate = u16(b, 22) & 0x3fff;
  const r = st.raw;
  for (let i = 0, o = V5_HEADER_BYTES; i < count; i++, o += V5_RECORD_BYTES) {
    r.ipVersion = 4;
    r.srcAddr[0] = b[o] as number;
    r.srcAddr[1] = b[o + 1] as number;
    r.srcAddr[2] = b[o + 2] as number;
    r.srcAddr[3] = b[o + 3] as number;
    r.dstAddr[0] = b[o + 4] as number;
    r.dstAddr[1] = b[o + 5] as number;
    r.dstAddr[2] = b[o + 6] as number;
    r.dstAddr[3] = b[o + 7] as number;
    r.packets = u32(b, o + 16);
    r.octets = u32(b, o + 20);
    let dFirst = sysUptime - u32(b, o + 24);
    let dLast = sysUptime - u32(b, o + 28);
    // sysUptime is a 32-bit millisecond counter; a record "after" the header means it wrapped.
    if (dFirst < -0x80000000) dFirst += 0x100000000;
    if (dLast < -0x80000000) dLast += 0x100000000;
    r.startUs = (headerMs - dFirst) * 1000;
    r.endUs = (headerMs - dLast) * 1000;
    r.srcPort = u16(b, o + 32);
    r.dstPort = u16(b, o + 34);
    r.tcpFlags = b[o + 37] as number;
    r.proto = b[o + 38] as number;
    r.endReason = -1;
    r.vlan = -1;
    r.samplingRate = rate > 1 ? rate : 1;
    if (rate > 1) {
      r.packets *= rate;
      r.octets *= rate;
      c.sampling_applied++;
    }
    if (!hasSaneValues(r)) {
      c.record_bad_value++;
      continue;
    }
    c.records_decoded++;
    sink(r, 'netflow5', domain);
  }
  return count;
}
