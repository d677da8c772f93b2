// Community ID v1 against the published baseline vectors of the specification
// (corelight/community-id-spec, baseline/baseline_default.json) and tshark's own computation.

import { describe, expect, it } from 'vitest';
import { parseIp } from '../util/ip.js';
import { communityIdV1 } from './community-id.js';

function cid(src: string, sport: number, dst: string, dport: number, proto: number, seed = 0): string {
  return communityIdV1(parseIp(src)!, sport, parseIp(dst)!, dport, proto, seed);
}

describe('communityIdV1', () => {
  it('matches the specification vectors for TCP and UDP', () => {
    expect(cid('128.232.110.120', 34855, '66.35.250.204', 80, 6)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    expect(cid('66.35.250.204', 80, '128.232.110.120', 34855, 6)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    expect(cid('192.168.1.52', 54585, '8.8.8.8', 53, 17)).toBe('1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
  });

  it('matches tshark (communityid dissector) with seed 0 and seed 1', () => {
    // tshark -r benign/443-curl.pcap --enable-protocol communityid [-o communityid.seed:1] -e communityid
    expect(cid('192.168.1.13', 55523, '178.62.197.130', 443, 6)).toBe('1:R7uRzRAqE89z8bjaMFo13Pj5oqg=');
    expect(cid('192.168.1.13', 55523, '178.62.197.130', 443, 6, 1)).toBe('1:2kTfn8bbZqSbAYi7WA0LhglVcHo=');
  });

  it('is direction independent for IPv6', () => {
    const a = cid('fe80::1', 1, '2001:db8::2', 2, 17);
    expect(cid('2001:db8::2', 2, 'fe80::1', 1, 17)).toBe(a);
  });
});
