import { beforeAll, describe, expect, it } from 'vitest';
import { defaultAnalysers } from './registry.js';
import { analyseStreams, loadCorpus } from '../../test/fixtures/protocols/corpus.js';
import type { CorpusStream, StreamResult } from '../../test/fixtures/protocols/corpus.js';

const analysers = defaultAnalysers();
const BENIGN = [
  'benign/jsonrpc.pcap',
  'benign/nats.pcap',
  'benign/amqp.pcap',
  'benign/websocket.pcap',
  'benign/443-curl.pcap',
  'benign/bitcoin.pcap',
  'benign/ethereum.pcap',
  'benign/monero.pcap',
  'benign/nano.pcapng',
  'benign/avast_securedns.pcapng',
];
const MINING = [
  'mining.pcapng',
  'nesfit/cgminer.s0.pcapng',
  'nesfit/cgminer.g0.pcapng',
  'nesfit/pool.eth.pp.ua.pcapng',
  'nesfit/xmr-eu1.nanopool.org.pcapng',
  'nesfit/xmr.suprnova.cc.pcapng',
  'nesfit/zec-eu.suprnova.cc.pcapng',
  'nesfit/zec-eu1.nanopool.org.pcapng',
  'nesfit/eth-eu1.nanopool.org.pcapng',
  'zeek-cryptomining/bitcoin-mining.pcap',
  'zeek-cryptomining/bitcoin-mining-in-progress.pcap',
  'zeek-cryptomining/coinhive-stratum.pcap',
  'zeek-cryptomining/coinhive.pcap',
  'other/nicehash_dwarf_s.pcapng',
];
let corpus = new Map<string, CorpusStream[]>();
beforeAll(async () => {
  corpus = await loadCorpus([...MINING, ...BENIGN]);
}, 300_000);

function analyseCorpusFile(file: string, list = analysers): StreamResult[] {
  const streams = corpus.get(file);
  if (streams === undefined) throw new Error(`${file} not loaded`);
  return analyseStreams(streams, list);
}

/** Streams whose facts include `name` (optionally with a data field equal to a value). */
function withFact(results: StreamResult[], name: string, field?: string, value?: unknown): StreamResult[] {
  return results.filter((r) => r.events.some((e) => e.name === name && (field === undefined || e.data[field] === value)));
}
function dialects(results: StreamResult[]): string[] {
  return withFact(results, 'stratum.dialect').map((r) => String(r.events.find((e) => e.name === 'stratum.dialect')!.data['dialect']));
}

describe('default analysers over the whole public corpus (tshark-read streams)', () => {
  it('registry names are unique and cover every protocol', () => {
    expect(analysers.map((a) => a.name)).toEqual(['stratum', 'jsonrpc', 'http', 'tls', 'dns', 'stratum_v2', 'crypto_node']);
  });

  it('mining.pcapng: the four mining flows and their dialects', () => {
    const r = analyseCorpusFile('mining.pcapng', analysers);
    expect(dialects(r).sort()).toEqual(['cryptonote', 'ethproxy', 'stratum-v1', 'stratum-v1']);
    // Each mining flow is stratum, not jsonrpc.
    for (const s of withFact(r, 'stratum.dialect')) expect(s.records.get('jsonrpc')).toBeUndefined();
    expect(withFact(r, 'stratum.result', 'accepted', true)).toHaveLength(4);
  });

  it('nesfit cgminer.s0: stratum subscribe probes, on TCP/25 too', () => {
    const r = analyseCorpusFile('nesfit/cgminer.s0.pcapng', analysers);
    const subs = withFact(r, 'stratum.subscribe');
    expect(subs.length).toBeGreaterThanOrEqual(10);
    expect(subs.some((s) => s.flow.serverPort === 25)).toBe(true);
    expect(withFact(r, 'stratum.agent', 'agent', 'cgminer/3.7.2').length).toBe(subs.length);
  });

  it('nesfit cgminer.g0: getblocktemplate over HTTP flows (missed by nDPI) are mining facts', () => {
    const r = analyseCorpusFile('nesfit/cgminer.g0.pcapng', analysers);
    const http = r.filter((s) => s.records.has('http'));
    const mining = http.filter((s) => s.events.some((e) => e.name === 'stratum.dialect'));
    const gbt = mining.filter((s) => s.events.some((e) => e.name === 'stratum.dialect' && e.data['dialect'] === 'getblocktemplate'));
    // 320 HTTP flows; 8 closed before the request body was sent (only the headers say mining).
    expect(http.length).toBe(320);
    expect(mining.length).toBe(312);
    expect(gbt.length).toBeGreaterThan(150);
    const headerOnly = http.filter((s) => !mining.includes(s));
    for (const s of headerOnly) expect(s.events.find((e) => e.name === 'http.request')?.data['x_mining_extensions']).toBeDefined();
  });

  it('nesfit EthProxy over HTTP, CryptoNote and Equihash captures', () => {
    expect(dialects(analyseCorpusFile('nesfit/pool.eth.pp.ua.pcapng', analysers))).toContain('ethproxy-http');
    expect(dialects(analyseCorpusFile('nesfit/xmr-eu1.nanopool.org.pcapng', analysers))).toEqual(['cryptonote']);
    expect(dialects(analyseCorpusFile('nesfit/xmr.suprnova.cc.pcapng', analysers))).toEqual(['cryptonote']);
    expect(dialects(analyseCorpusFile('nesfit/zec-eu.suprnova.cc.pcapng', analysers))).toContain('stratum-v1');
    expect(dialects(analyseCorpusFile('nesfit/zec-eu1.nanopool.org.pcapng', analysers))).toContain('stratum-v1');
    expect(dialects(analyseCorpusFile('nesfit/eth-eu1.nanopool.org.pcapng', analysers))).toEqual(['ethproxy']);
  });

  it('zeek bitcoin-mining.pcap: getwork, getblocktemplate, stratum and a TLS SNI to the pool', () => {
    const r = analyseCorpusFile('zeek-cryptomining/bitcoin-mining.pcap', analysers);
    expect(new Set(dialects(r))).toEqual(new Set(['getwork', 'getblocktemplate', 'stratum-v1']));
    expect(withFact(r, 'tls.client_hello', 'sni', 'us1.bitminter.com').length).toBeGreaterThan(0);
  });

  it('zeek mid-session, Coinhive stratum proxy (with DNS for the pool) and in-browser TLS', () => {
    const mid = analyseCorpusFile('zeek-cryptomining/bitcoin-mining-in-progress.pcap', analysers);
    expect(withFact(mid, 'stratum.dialect', 'is_mid_session', true).length).toBeGreaterThan(0);
    const ch = analyseCorpusFile('zeek-cryptomining/coinhive-stratum.pcap', analysers);
    expect(dialects(ch)).toContain('cryptonote');
    const dns = ch.flatMap((s) => s.events).filter((e) => e.name === 'dns.answer' && e.data['query'] === 'la01.supportxmr.com');
    expect(dns.some((e) => (e.data['addresses'] as string[]).length > 0)).toBe(true);
    const web = analyseCorpusFile('zeek-cryptomining/coinhive.pcap', analysers);
    expect(web.flatMap((s) => s.events).some((e) => e.name === 'tls.client_hello' && String(e.data['sni']).endsWith('authedmine.com'))).toBe(true);
  });

  it('NiceHash compact EthProxy (other/nicehash_dwarf_s.pcapng)', () => {
    expect(dialects(analyseCorpusFile('other/nicehash_dwarf_s.pcapng', analysers))).toEqual(['ethproxy']);
  });

  it.each(BENIGN)('benign %s raises no stratum fact', (file) => {
    const r = analyseCorpusFile(file, analysers);
    const names = r.flatMap((s) => s.events.map((e) => e.name));
    expect(names.filter((n) => n.startsWith('stratum.') || n.startsWith('stratum_v2.'))).toEqual([]);
  });

  it('benign/jsonrpc.pcap: the echo and Zabbix flows are recorded as JSON-RPC', () => {
    const r = analyseCorpusFile('benign/jsonrpc.pcap', analysers);
    expect(r.some((s) => s.records.get('jsonrpc') !== undefined)).toBe(true);
    expect(r.some((s) => (s.records.get('http') as { jsonrpc?: unknown } | undefined)?.jsonrpc !== undefined)).toBe(true);
  });
});
