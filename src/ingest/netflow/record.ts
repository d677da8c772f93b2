// What the decoders report. A decoder fills one reusable `RawFlow` per record (no allocation on
// the hot path) and hands it to a sink; `toUniFlow` copies what outlives the datagram into a
// one-direction flow that the pairing stage turns into the normalised FlowRecord.

import type { FlowSource } from '../../flows/types.js';
import { formatIp } from '../../util/ip.js';

/** Decoder scratch: one record, overwritten by the next. Copy before keeping. */
export interface RawFlow {
  /** 4 or 6; 0 when the record carried no address. */
  ipVersion: number;
  /** Address bytes (first 4 used for IPv4). */
  srcAddr: Uint8Array;
  dstAddr: Uint8Array;
  srcPort: number;
  dstPort: number;
  proto: number;
  tcpFlags: number;
  octets: number;
  packets: number;
  /** Absolute start/end in microseconds since the epoch, after time conversion. */
  startUs: number;
  endUs: number;
  /** IPFIX flowEndReason (136), -1 when absent. */
  endReason: number;
  /** Sampling interval applied to octets and packets (1 = unsampled). */
  samplingRate: number;
  vlan: number;
}

export function newRawFlow(): RawFlow {
  return {
    ipVersion: 0,
    srcAddr: new Uint8Array(16),
    dstAddr: new Uint8Array(16),
    srcPort: 0,
    dstPort: 0,
    proto: 0,
    tcpFlags: 0,
    octets: 0,
    packets: 0,
    startUs: 0,
    endUs: 0,
    endReason: -1,
    samplingRate: 1,
    vlan: -1,
  };
}

/** Latest time a record may carry: 2200-01-01 (microseconds). Later ones are corrupt or hostile. */
export const MAX_RECORD_TIME_US = 7_258_118_400_000_000;

/**
 * Are the record's times and counters values a store can keep exactly? (8-byte counters and NTP
 * times from a hostile exporter can exceed 2^53 or the year 2200.)
 */
export function hasSaneValues(r: RawFlow): boolean {
  return (
    Number.isSafeInteger(r.octets) &&
    Number.isSafeInteger(r.packets) &&
    Number.isSafeInteger(r.startUs) &&
    Number.isSafeInteger(r.endUs) &&
    r.startUs >= 0 &&
    r.endUs >= 0 &&
    r.startUs <= MAX_RECORD_TIME_US &&
    r.endUs <= MAX_RECORD_TIME_US
  );
}

/** Receives each decoded record; `domain` is the v9 source ID or IPFIX observation domain. */
export type RawFlowSink = (flow: RawFlow, source: FlowSource, domain: number) => void;

/** One direction of a flow, as an exporter reported it; owned (safe to keep). */
export interface UniFlow {
  source: FlowSource;
  observer: string;
  domain: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  tcpFlags: number;
  octets: number;
  packets: number;
  startUs: number;
  endUs: number;
  endReason: number;
  samplingRate: number;
  vlan: number;
}

function ipText(version: number, a: Uint8Array): string {
  if (version === 4) return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
  return formatIp(a);
}

export function toUniFlow(r: RawFlow, source: FlowSource, observer: string, domain: number): UniFlow {
  return {
    source,
    observer,
    domain,
    srcIp: ipText(r.ipVersion, r.srcAddr),
    dstIp: ipText(r.ipVersion, r.dstAddr),
    srcPort: r.srcPort,
    dstPort: r.dstPort,
    proto: r.proto,
    tcpFlags: r.tcpFlags,
    octets: r.octets,
    packets: r.packets,
    startUs: r.startUs,
    endUs: r.endUs,
    endReason: r.endReason,
    samplingRate: r.samplingRate,
    vlan: r.vlan,
  };
}

/** IANA protocol number to the FlowRecord `proto` text. */
export function protoName(p: number): string {
  if (p === 6) return 'TCP';
  if (p === 17) return 'UDP';
  if (p === 1) return 'ICMP';
  if (p === 58) return 'IPv6-ICMP';
  if (p === 132) return 'SCTP';
  return String(p);
}

/** RFC 5102 flowEndReason values to FlowRecord `reason`. */
export function endReasonName(r: number): string | undefined {
  switch (r) {
    case 1:
      return 'timeout'; // idle timeout
    case 2:
      return 'active-timeout';
    case 3:
      return 'end'; // end of flow detected (FIN/RST)
    case 4:
      return 'forced';
    case 5:
      return 'shutdown'; // lack of resources
    default:
      return undefined;
  }
}
