// Decodes datagrams that softflowd 1.1.0 exported on loopback (fixtures/make-fixtures.sh: the
// capture is the corpus mining.pcapng, or a ::1 echo recorded with tcpdump) and compares every
// record with tshark's own NetFlow/IPFIX dissector over the same export capture.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FlowDecoder, toUniFlow, type UniFlow } from '../../src/ingest/netflow/index.js';
import { hexLines } from './build.js';

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));

function decodeFixture(name: string): { flows: UniFlow[]; decoder: FlowDecoder } {
  const decoder = new FlowDecoder();
  const flows: UniFlow[] = [];
  for (const d of hexLines(readFileSync(`${dir}${name}.hex`, 'utf8'))) {
    decoder.decode(d, '127.0.0.1:5000', 0, (r, s, dom) => flows.push(toUniFlow(r, s, '127.0.0.1', dom)));
  }
  return { flows, decoder };
}

interface TsharkFlow {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  octets: number;
  packets: number;
  absStart?: string;
}

/** tshark's reading of the export capture: one entry per flow record, in order. */
function tsharkFlows(name: string, withAbsTime: boolean): TsharkFlow[] {
  const fields = ['cflow.srcaddr', 'cflow.dstaddr', 'cflow.srcport', 'cflow.dstport', 'cflow.octets', 'cflow.packets'];
  if (withAbsTime) fields.push('cflow.abstimestart');
  const out = execFileSync(
    'tshark',
    ['-r', `${dir}${name}.pcap`, '-d', 'udp.port==39555,cflow', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const flows: TsharkFlow[] = [];
  for (const line of out.trim().split('\n')) {
    const cols = line.split('\t').map((c) => c.split('|'));
    const n = cols[0]?.length ?? 0;
    for (let i = 0; i < n; i++) {
      const f: TsharkFlow = {
        src: cols[0]?.[i] ?? '',
        dst: cols[1]?.[i] ?? '',
        sport: Number(cols[2]?.[i]),
        dport: Number(cols[3]?.[i]),
        octets: Number(cols[4]?.[i]),
        packets: Number(cols[5]?.[i]),
      };
      if (withAbsTime) f.absStart = cols[6]?.[i];
      flows.push(f);
    }
  }
  return flows;
}

describe('softflowd exports decoded like tshark decodes them', () => {
  for (const [name, hasAbs] of [
    ['softflowd-v5-mining', false],
    ['softflowd-v9-mining', false],
    ['softflowd-ipfix-mining', false],
    ['softflowd-ipfix-milli-mining', true],
    ['softflowd-ipfix-nano-mining', true],
  ] as const) {
    it(name, () => {
      const { flows, decoder } = decodeFixture(name);
      const ref = tsharkFlows(name, hasAbs);
      expect(ref.length).toBe(8);
      expect(flows.map((f) => [f.srcIp, f.dstIp, f.srcPort, f.dstPort, f.octets, f.packets])).toEqual(
        ref.map((f) => [f.src, f.dst, f.sport, f.dport, f.octets, f.packets]),
      );
      if (hasAbs) {
        // tshark prints "Dec 25, 2017 10:01:34.240000000 UTC"; compare to the millisecond.
        for (let i = 0; i < flows.length; i++) {
          const t = Date.parse((ref[i]?.absStart ?? '').replace(/(\.\d{3})\d* UTC$/, '$1Z'));
          expect(Math.floor((flows[i] as UniFlow).startUs / 1000)).toBe(t);
        }
      }
      expect(decoder.counters.record_truncated).toBe(0);
      expect(decoder.counters.set_length_invalid).toBe(0);
    });
  }

  it('v5, v9 and absolute-time IPFIX agree on times (v9 to the whole second of its header clock)', () => {
    const v5 = decodeFixture('softflowd-v5-mining').flows;
    const v9 = decodeFixture('softflowd-v9-mining').flows;
    const nano = decodeFixture('softflowd-ipfix-nano-mining').flows;
    // Records 2..7 lie within 49.7 days of the export; record 0/1 are 342 days older, beyond the
    // 32-bit millisecond uptime of v5/v9, so only the absolute IPFIX times place them right.
    for (let i = 2; i < 8; i++) {
      // v5 carries milliseconds (softflowd rounds them); nanosecond export keeps microseconds.
      expect(Math.abs((v5[i]?.startUs ?? 0) - (nano[i]?.startUs ?? 0))).toBeLessThan(1000);
      expect(Math.abs((v5[i]?.endUs ?? 0) - (nano[i]?.endUs ?? 0))).toBeLessThan(1000);
      const skew = (nano[i]?.startUs ?? 0) - (v9[i]?.startUs ?? 0);
      expect(skew).toBeGreaterThanOrEqual(0);
      expect(skew).toBeLessThan(1_000_000);
    }
    expect(new Date((nano[0]?.startUs ?? 0) / 1000).toISOString()).toBe('2017-01-17T12:17:01.797Z');
  });

  it('IPFIX uptimes use systemInitTimeMilliseconds from softflowd options record', () => {
    const { flows, decoder } = decodeFixture('softflowd-ipfix-mining');
    expect(decoder.counters.options_records).toBe(1);
    expect(decoder.counters.times_approximated).toBe(0);
    // 160 = Jan 17 2017 12:17:01.797; the first flow starts at uptime 0 (tshark shows both).
    expect(new Date((flows[0]?.startUs ?? 0) / 1000).toISOString()).toBe('2017-01-17T12:17:01.797Z');
    expect((flows[0]?.endUs ?? 0) - (flows[0]?.startUs ?? 0)).toBe(295_926_000);
  });

  for (const name of ['softflowd-v9-ipv6', 'softflowd-ipfix-ipv6']) {
    it(`${name}: IPv6 flows match tshark's conversations of the capture`, () => {
      const { flows } = decodeFixture(name);
      const conv = execFileSync('tshark', ['-r', `${dir}loopback-ipv6-echo.pcap`, '-q', '-n', '-z', 'conv,tcp'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      // "::1:39078 <-> ::1:40123  4 360 bytes  6 532 bytes ..." (left <- right, then ->).
      const rows = [...conv.matchAll(/::1:(\d+)\s+<->\s+::1:(\d+)\s+(\d+)\s+(\d+) bytes\s+(\d+)\s+(\d+) bytes/g)];
      expect(rows.length).toBe(3);
      for (const m of rows) {
        const [cport, sport, backPkts, backBytes, fwdPkts, fwdBytes] = m.slice(1).map(Number) as number[];
        const fwd = flows.find((f) => f.srcPort === cport && f.dstPort === sport);
        const back = flows.find((f) => f.srcPort === sport && f.dstPort === cport);
        expect(fwd?.srcIp).toBe('::1');
        // softflowd counts IP bytes; tshark's frame bytes include the 14-byte Ethernet header.
        expect(fwd?.packets).toBe(fwdPkts);
        expect(fwd?.octets).toBe((fwdBytes as number) - 14 * (fwdPkts as number));
        expect(back?.packets).toBe(backPkts);
        expect(back?.octets).toBe((backBytes as number) - 14 * (backPkts as number));
      }
    });
  }
});
