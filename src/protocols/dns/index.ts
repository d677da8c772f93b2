// The DNS analyser (UDP, and TCP with the two-byte length prefix): queries and answers, with the
// addresses and CNAME chains that let policy learn which addresses belong to which names.

import type { Analyser, Direction, FlowInfo, ProbeResult, SessionContext } from '../analyser.js';
import { isDnsMessage, looksLikeDnsHeader } from './parser.js';
import { DEFAULT_DNS_LIMITS, DnsSession } from './session.js';
import type { DnsLimits } from './session.js';

export type { DnsRecord, DnsQuery, DnsAnswer } from './record.js';
export { DNS_FACT_NAMES } from './record.js';
export { DEFAULT_DNS_LIMITS } from './session.js';
export type { DnsLimits } from './session.js';

const DNS_PORTS = new Set([53, 5353, 5355]);

/**
 * UDP: the datagram parses as a DNS message. TCP: the length prefix frames a message that parses
 * (or, until it is complete, a plausible header on a DNS port).
 */
export function probeDns(data: Uint8Array, flow: FlowInfo): ProbeResult {
  if (flow.transport === 'udp') {
    if (!looksLikeDnsHeader(data)) return 'no';
    return isDnsMessage(data) ? 'yes' : 'no';
  }
  if (data.length < 14) return data.length === 0 ? 'maybe' : data.length >= 2 && ((data[0]! << 8) | data[1]!) < 12 ? 'no' : 'maybe';
  const len = (data[0]! << 8) | data[1]!;
  const body = data.subarray(2);
  if (!looksLikeDnsHeader(body)) return 'no';
  if (body.length >= len) return isDnsMessage(body.subarray(0, len)) ? 'yes' : 'no';
  return DNS_PORTS.has(flow.serverPort) ? 'maybe' : 'no';
}

export function createDnsAnalyser(limits: Partial<DnsLimits> = {}): Analyser {
  const effective: Readonly<DnsLimits> = Object.freeze({ ...DEFAULT_DNS_LIMITS, ...limits });
  return {
    name: 'dns',
    transports: ['udp', 'tcp'],
    probe(data: Uint8Array, _direction: Direction, flow: FlowInfo): ProbeResult {
      return probeDns(data, flow);
    },
    createSession(ctx: SessionContext) {
      return new DnsSession(ctx, effective);
    },
  };
}
