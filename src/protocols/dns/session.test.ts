import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDnsAnalyser } from './index.js';
import { isDnsMessage, parseDnsMessage, readName, skipName } from './parser.js';
import type { DnsRecord } from './record.js';
import type { FlowInfo } from '../analyser.js';
import { flowInfoOf, loadFixture, oneByteChunks, replayFixture, runChunks, segmentBytes } from '../../../test/fixtures/protocols/replay.js';
import type { Chunk } from '../../../test/fixtures/protocols/replay.js';

const analyser = createDnsAnalyser();
const corpus = join(process.cwd(), '..', 'shared', 'corpus');

/** tshark's reading of the responses of a capture: id, query name, addresses, CNAMEs. */
function tsharkAnswers(file: string): Array<{ id: number; query: string; addresses: string[]; cnames: string[] }> {
  const out = execFileSync(
    'tshark',
    ['-r', join(corpus, file), '-Y', 'dns.flags.response == 1 && udp.stream == 0', '-T', 'fields', '-E', 'separator=\t', '-E', 'aggregator=,', '-e', 'dns.id', '-e', 'dns.qry.name', '-e', 'dns.a', '-e', 'dns.aaaa', '-e', 'dns.cname'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const [id, q, a, aaaa, cname] = l.split('\t');
      const list = (s: string | undefined): string[] => (s ? s.split(',') : []);
      return { id: Number(id), query: q!.toLowerCase(), addresses: [...list(a), ...list(aaaa)], cnames: list(cname).map((c) => c.toLowerCase()) };
    });
}

function toTcp(chunks: Chunk[]): Chunk[] {
  return chunks.map((c) => ({ ...c, data: Uint8Array.from([c.data.length >> 8, c.data.length & 0xff, ...c.data]) }));
}

describe('dns analyser on the public corpus', () => {
  it('UDP answers for la01.supportxmr.com (coinhive-stratum.pcap) match tshark', () => {
    const r = replayFixture(analyser, 'dns-supportxmr');
    const mine = r.events.filter((e) => e.name === 'dns.answer').map((e) => ({ id: e.data['id'], query: e.data['query'], addresses: e.data['addresses'], cnames: e.data['cnames'] }));
    expect(mine).toEqual(tsharkAnswers('zeek-cryptomining/coinhive-stratum.pcap'));
    expect(mine.some((a) => a.query === 'la01.supportxmr.com' && (a.addresses as string[]).length > 0)).toBe(true);
    const q = r.events.find((e) => e.name === 'dns.query');
    expect(q?.data).toMatchObject({ rrname: 'coinhive.com', rrtype: 'A' });
  });

  it('mixed-case names (avast_securedns.pcapng) are lower-cased and match tshark', () => {
    const r = replayFixture(analyser, 'dns-avast');
    const rec = r.record as unknown as DnsRecord;
    expect(rec.queries[0]?.rrname).toBe('2.securedns.avast.com');
    const mine = r.events.filter((e) => e.name === 'dns.answer').map((e) => ({ id: e.data['id'], query: e.data['query'], addresses: e.data['addresses'], cnames: e.data['cnames'] }));
    expect(mine).toEqual(tsharkAnswers('benign/avast_securedns.pcapng'));
  });

  it('the same messages over TCP with the length prefix, whole or 1 byte at a time', () => {
    const fx = loadFixture('dns-supportxmr');
    const udp = runChunks(analyser, flowInfoOf(fx), segmentBytes(fx));
    const tcpFlow: FlowInfo = { ...flowInfoOf(fx), transport: 'tcp' };
    const tcp = toTcp(segmentBytes(fx));
    const whole = runChunks(analyser, tcpFlow, tcp);
    const bytewise = runChunks(analyser, tcpFlow, oneByteChunks(tcp));
    expect(whole.record).toEqual(udp.record);
    expect(bytewise.record).toEqual(udp.record);
    expect(bytewise.events).toEqual(udp.events);
    expect(analyser.probe(tcp[0]!.data, 0, tcpFlow)).toBe('yes');
  });

  it('probe: DNS datagrams yes; stratum, HTTP and TLS bytes no', () => {
    const fx = loadFixture('dns-supportxmr');
    expect(analyser.probe(segmentBytes(fx)[0]!.data, 0, flowInfoOf(fx))).toBe('yes');
    for (const name of ['stratum-zcash-flypool', 'http-ethproxy', 'tls-curl-ntop']) {
      const f = loadFixture(name);
      const d = segmentBytes(f)[0]!.data;
      expect(analyser.probe(d, 0, flowInfoOf(f)), name).toBe('no');
      expect(analyser.probe(d, 0, { ...flowInfoOf(f), transport: 'udp' }), name).toBe('no');
    }
  });
});

describe('dns parser', () => {
  // Query for a.example.com with a CNAME to b.example.com and an A record, compressed names.
  const msg = Uint8Array.from([
    0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
    1, 0x61, 7, ...new TextEncoder().encode('example'), 3, 0x63, 0x6f, 0x6d, 0, 0, 1, 0, 1,
    0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 4, 1, 0x62, 0xc0, 14,
    0xc0, 43, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 7,
  ]);

  it('follows compression pointers and reports the CNAME chain and addresses', () => {
    const r = parseDnsMessage(msg);
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.msg.questions).toEqual([{ name: 'a.example.com', type: 1, class: 1 }]);
    expect(r.msg.answers).toEqual([
      { name: 'a.example.com', type: 5, class: 1, ttl: 60, rdata: 'b.example.com' },
      { name: 'b.example.com', type: 1, class: 1, ttl: 30, rdata: '192.0.2.7' },
    ]);
    const s = runChunks(analyser, { flowId: 'f', transport: 'udp', clientIp: '10.0.0.1', clientPort: 5000, serverIp: '10.0.0.53', serverPort: 53, isOrientationFromSyn: false }, [
      { direction: 1, tsUs: 5, data: msg },
    ]);
    expect(s.events[0]).toMatchObject({ name: 'dns.answer', data: { query: 'a.example.com', rrname: 'a.example.com', addresses: ['192.0.2.7'], cnames: ['b.example.com'], ttl_min: 30, rcode: 'NOERROR' } });
  });

  it('refuses pointer loops, forward pointers, over-long names and truncation by name', () => {
    expect(readName(Uint8Array.from([0, 0, 0xc0, 2]), 2)).toBe('name_loop');
    expect(readName(Uint8Array.from([0xc0, 2, 1, 0x61, 0]), 0)).toBe('name_loop');
    // A backward pointer that loops through a label is stopped by the jump limit.
    expect(readName(Uint8Array.from([1, 0x61, 0xc0, 0]), 0)).toBe('name_loop');
    const long: number[] = [];
    for (let i = 0; i < 5; i++) long.push(63, ...new Array<number>(63).fill(0x61));
    long.push(0);
    expect(readName(Uint8Array.from(long), 0)).toBe('name_too_long');
    expect(readName(Uint8Array.from([5, 0x61]), 0)).toBe('truncated');
    expect(readName(Uint8Array.from([0x80]), 0)).toBe('bad_label');
    expect(parseDnsMessage(msg.subarray(0, msg.length - 2))).toEqual({ kind: 'error', code: 'truncated' });
  });

  it('escapes non-printable label bytes', () => {
    expect(readName(Uint8Array.from([3, 0x41, 0x2e, 0x07, 0]), 0)).toEqual({ name: 'a\\.\\007', next: 5 });
    expect(readName(Uint8Array.from([4, 0x5c, 0xff, 0x20, 0x7e, 0]), 0)).toEqual({ name: '\\\\\\255\\032~', next: 6 });
  });

  it('checks a message without building it exactly as the parser reads it', () => {
    expect(isDnsMessage(msg)).toBe(true);
    // Every prefix and every single-byte change of a real answer, and random bytes.
    for (let n = 0; n < msg.length; n++) expect(isDnsMessage(msg.subarray(0, n))).toBe(parseDnsMessage(msg.subarray(0, n)).kind === 'ok');
    fc.assert(
      fc.property(fc.nat(msg.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const m = Uint8Array.from(msg);
        m[at] = value;
        expect(isDnsMessage(m)).toBe(parseDnsMessage(m).kind === 'ok');
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (b) => {
        expect(isDnsMessage(b)).toBe(parseDnsMessage(b).kind === 'ok');
        const r = readName(b, 0);
        const skipped = skipName(b, 0);
        expect(typeof r === 'string' ? r : r.next).toBe(skipped);
      }),
    );
  });

  it('random bytes never throw, over UDP and TCP', () => {
    const udp: FlowInfo = { flowId: 'f', transport: 'udp', clientIp: 'a', clientPort: 1, serverIp: 'b', serverPort: 53, isOrientationFromSyn: false };
    const tcp: FlowInfo = { ...udp, transport: 'tcp' };
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (parts) => {
        const c = parts.map((data, i) => ({ direction: (i % 2) as 0 | 1, tsUs: i, data }));
        runChunks(analyser, udp, c);
        runChunks(analyser, tcp, c);
        for (const p of parts) {
          analyser.probe(p, 0, udp);
          analyser.probe(p, 0, tcp);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a TCP message over maxTcpMessageBytes is an anomaly', () => {
    const small = createDnsAnalyser({ maxTcpMessageBytes: 20 });
    const tcp: FlowInfo = { flowId: 'f', transport: 'tcp', clientIp: 'a', clientPort: 1, serverIp: 'b', serverPort: 53, isOrientationFromSyn: true };
    const r = runChunks(small, tcp, [{ direction: 1, tsUs: 1, data: Uint8Array.from([0, msg.length, ...msg]) }]);
    expect(r.anomalies.get('dns.tcp_message_too_long')).toBe(1);
  });
});
