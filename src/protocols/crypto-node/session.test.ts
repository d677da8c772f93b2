import { describe, expect, it } from 'vitest';
import type { FactEvent, FlowInfo, SessionContext } from '../analyser.js';
import { createCryptoNodeAnalyser } from './index.js';
import { probeNodeDatagram, probeNodeStream } from './parser.js';
import { MAX_NODE_PROBE_BYTES } from './session.js';

// First bytes of real node traffic from the public corpus (nDPI tests/cfgs/default/pcap/):
// bitcoin.pcap (version message to :8333), monero.pcap (Levin handshake to :18080),
// ethereum.pcap (EIP-8 RLPx auth to :30303) and nano.pcapng (keepalive to :7075).
const hex = (s: string) => Uint8Array.from(s.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
const BITCOIN = hex('f9beb4d976657273696f6e000000000055000000017d00000100000');
const MONERO = hex('0121010101010101060100000000000001e9030000000000000100');
const RLPX = hex(`01ed043456d131b0e847cabbfe5055a522ddbd0d2cb3f2b2b180d3ddc81eb81b${'00'.repeat(463)}`);
const NANO = hex('52431414120a0500f0269f5e0110da0ffa6fb70e5c70c46e');
const STRATUM = new TextEncoder().encode('{"id":1,"method":"mining.subscribe","params":["cgminer/3.7.2"]}\n');

function flow(serverPort: number, transport: 'tcp' | 'udp' = 'tcp'): FlowInfo {
  return { flowId: '1', transport, clientIp: '10.0.0.1', clientPort: 50000, serverIp: '192.0.2.1', serverPort, isOrientationFromSyn: true };
}

function run(serverPort: number, chunks: Uint8Array[], transport: 'tcp' | 'udp' = 'tcp') {
  const facts: FactEvent[] = [];
  const ctx: SessionContext = { flow: flow(serverPort, transport), emit: (e) => facts.push(e), anomaly: () => undefined };
  const s = createCryptoNodeAnalyser().createSession(ctx);
  const statuses = chunks.map((c, i) => s.onData(0, c, 1000 + i).kind);
  return { facts, statuses, record: s.record() };
}

describe('crypto-node analyser', () => {
  it('recognises Bitcoin, Monero, Ethereum and Nano node traffic from real first bytes', () => {
    expect(run(8333, [BITCOIN]).record).toEqual({ network: 'bitcoin', protocol: 'p2p', evidence: 'magic', command: 'version' });
    expect(run(18080, [MONERO]).record).toEqual({ network: 'monero', protocol: 'levin', evidence: 'levin-signature' });
    expect(run(30303, [RLPX]).record).toEqual({ network: 'ethereum', protocol: 'devp2p', evidence: 'rlpx-auth-shape' });
    expect(run(7075, [NANO]).record).toEqual({ network: 'nano', protocol: 'p2p', evidence: 'nano-header' });
    const r = run(8333, [BITCOIN]);
    expect(r.facts).toEqual([{ name: 'crypto_node.p2p', tsUs: 1000, direction: 0, data: { network: 'bitcoin', protocol: 'p2p', evidence: 'magic', command: 'version' } }]);
    expect(r.statuses).toEqual(['done']);
  });

  it('waits for a header split over segments, one byte at a time', () => {
    const chunks = [...BITCOIN.subarray(0, 20)].map((b) => Uint8Array.of(b));
    const r = run(8333, chunks);
    expect(r.statuses.slice(0, 15).every((s) => s === 'need-more')).toBe(true);
    expect(r.statuses[15]).toBe('done');
    expect(r.facts).toHaveLength(1);
  });

  it('refuses mining and other traffic, whatever the port', () => {
    expect(probeNodeStream(STRATUM, 8333, 50000).kind).toBe('no');
    expect(probeNodeStream(STRATUM, 30303, 50000).kind).toBe('no');
    expect(probeNodeStream(new TextEncoder().encode('GET / HTTP/1.1\r\n'), 7075, 50000).kind).toBe('no');
    const badCommand = BITCOIN.slice();
    badCommand[11] = 0x41;
    expect(probeNodeStream(badCommand, 8333, 50000).kind).toBe('no');
    expect(probeNodeStream(RLPX, 443, 50000).kind).toBe('no'); // RLPx shape only on devp2p ports
    expect(run(3333, [STRATUM]).statuses).toEqual(['violation']);
    const a = createCryptoNodeAnalyser();
    expect(a.probe(STRATUM, 0, flow(3333))).toBe('no');
    expect(a.probe(BITCOIN.subarray(0, 2), 0, flow(8333))).toBe('maybe');
    expect(a.probe(MONERO, 1, flow(18080))).toBe('yes');
  });

  it('gives up after the named probe limit without a header', () => {
    const r = run(7075, [new Uint8Array(MAX_NODE_PROBE_BYTES + 10).fill(0x52)]);
    expect(r.statuses).toEqual(['violation']);
    expect(r.record).toBeUndefined();
  });

  it('recognises discovery datagrams only on devp2p ports and in the size range', () => {
    expect(probeNodeDatagram(new Uint8Array(120), 30303, 40000).kind).toBe('match');
    expect(probeNodeDatagram(new Uint8Array(120), 53, 40000).kind).toBe('no');
    expect(probeNodeDatagram(new Uint8Array(40), 30303, 40000).kind).toBe('no');
    expect(run(30303, [new Uint8Array(150)], 'udp').record?.protocol).toBe('discovery');
  });
});
