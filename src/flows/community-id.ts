// Community ID flow hashing, version 1 (https://github.com/corelight/community-id-spec): a
// direction-independent flow hash that Zeek, Suricata, Wireshark and Arkime compute identically, so
// an alert from this sensor joins records from those tools. Computed once per flow, not per packet.

import { base64, sha1 } from './sha1.js';

/** Transport protocols whose ports take part in the hash (spec: TCP, UDP, SCTP; ICMP uses type/code). */
const PORTED_PROTOCOLS = new Set([6, 17, 132]);

function compareEndpoints(aAddr: Uint8Array, aPort: number, bAddr: Uint8Array, bPort: number): number {
  const n = Math.min(aAddr.length, bAddr.length);
  for (let i = 0; i < n; i++) {
    const d = (aAddr[i] ?? 0) - (bAddr[i] ?? 0);
    if (d !== 0) return d;
  }
  if (aAddr.length !== bAddr.length) return aAddr.length - bAddr.length;
  return aPort - bPort;
}

/**
 * `1:` + base64(sha1(seed(2, big-endian) | addr_lo | addr_hi | proto(1) | 0(1) | port_lo(2) | port_hi(2))),
 * the lower endpoint (address, then port) first. Ports are omitted for protocols without ports.
 * ICMP type/code mapping is not applied: the decoder reports ICMP flows without ports.
 */
export function communityIdV1(
  srcAddr: Uint8Array,
  srcPort: number,
  dstAddr: Uint8Array,
  dstPort: number,
  protocol: number,
  seed = 0,
): string {
  const hasPorts = PORTED_PROTOCOLS.has(protocol);
  let aAddr = srcAddr;
  let aPort = srcPort;
  let bAddr = dstAddr;
  let bPort = dstPort;
  if (compareEndpoints(srcAddr, hasPorts ? srcPort : 0, dstAddr, hasPorts ? dstPort : 0) > 0) {
    aAddr = dstAddr;
    aPort = dstPort;
    bAddr = srcAddr;
    bPort = srcPort;
  }
  const len = 2 + aAddr.length + bAddr.length + 2 + (hasPorts ? 4 : 0);
  const buf = new Uint8Array(len);
  let o = 0;
  buf[o++] = (seed >> 8) & 0xff;
  buf[o++] = seed & 0xff;
  buf.set(aAddr, o);
  o += aAddr.length;
  buf.set(bAddr, o);
  o += bAddr.length;
  buf[o++] = protocol & 0xff;
  buf[o++] = 0;
  if (hasPorts) {
    buf[o++] = (aPort >> 8) & 0xff;
    buf[o++] = aPort & 0xff;
    buf[o++] = (bPort >> 8) & 0xff;
    buf[o++] = bPort & 0xff;
  }
  return base64(sha1(buf), '1:');
}
