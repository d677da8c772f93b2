import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsonRpcAnalyser } from './index.js';
import type { JsonRpcRecord } from './record.js';
import { flowInfoOf, firstBytes, loadFixture, oneByteChunks, replayFixture, runChunks, segmentBytes } from '../../../test/fixtures/protocols/replay.js';
import type { Chunk } from '../../../test/fixtures/protocols/replay.js';

const analyser = createJsonRpcAnalyser();
const enc = new TextEncoder();
const flow = flowInfoOf(loadFixture('benign-jsonrpc-echo'));

function msgs(...m: Array<[0 | 1, string]>): Chunk[] {
  return m.map(([direction, text], i) => ({ direction, tsUs: 10 + i, data: enc.encode(text) }));
}

describe('jsonrpc analyser', () => {
  it('records the plain JSON-RPC 2.0 echo of benign/jsonrpc.pcap (no newline after the message)', () => {
    const fx = loadFixture('benign-jsonrpc-echo');
    expect(analyser.probe(firstBytes(segmentBytes(fx), 0), 0, flow)).toBe('yes');
    const r = replayFixture(analyser, 'benign-jsonrpc-echo');
    expect(r.record).toEqual({
      version: '2.0',
      methods: { toserver: { echo: 1 }, toclient: {} },
      requests: 1,
      notifications: 0,
      responses: 0,
      errors: 0,
      batches: 0,
    });
    expect(r.events).toEqual([{ name: 'jsonrpc.method', tsUs: fx.segments[0]![1], direction: 0, data: { method: 'echo', version: '2.0', is_notification: false } }]);
  });

  it('steps aside for stratum on the corpus mining streams (no record, violation jsonrpc.mining_protocol)', () => {
    for (const name of ['stratum-zcash-flypool', 'stratum-cryptonote-xmrstak', 'stratum-ethproxy-compact', 'stratum-mid-session']) {
      const r = replayFixture(analyser, name);
      expect(r.statuses.at(-1), name).toEqual({ kind: 'violation', code: 'jsonrpc.mining_protocol' });
      expect(r.record, name).toBeUndefined();
    }
  });

  it('refuses NATS, AMQP and WebSocket look-alikes at the probe', () => {
    for (const name of ['benign-nats', 'benign-amqp', 'benign-websocket']) {
      const fx = loadFixture(name);
      expect(analyser.probe(firstBytes(segmentBytes(fx), 0), 0, flowInfoOf(fx)), name).toBe('no');
    }
  });

  it.each([
    ['{"jsonrpc":"1.0","id":"c","method":"getblockchaininfo","params":[]}', 'bitcoin'],
    ['{"jsonrpc":"2.0","id":0,"method":"server.version","params":["electrum/4.5","1.4"]}\n', 'electrum'],
    ['{"id":1,"method":"blockchain.scripthash.subscribe","params":["ab"]}\n', 'electrum'],
    ['{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}', 'ethereum'],
    ['{"jsonrpc":"2.0","id":"0","method":"get_info"}', 'monero'],
  ])('node RPC %s is jsonrpc with node_rpc %s', (text, coin) => {
    const r = runChunks(analyser, flow, msgs([0, text], [1, '{"jsonrpc":"2.0","id":1,"result":"0x10"}']));
    const rec = r.record as unknown as JsonRpcRecord;
    expect(rec.node_rpc).toEqual([coin]);
    expect(r.events.find((e) => e.name === 'jsonrpc.node_rpc')?.data).toMatchObject({ coin });
    expect(r.events.some((e) => e.name.startsWith('stratum.'))).toBe(false);
  });

  it('counts batches, notifications, errors and 1.0 vs 2.0', () => {
    const r = runChunks(
      analyser,
      flow,
      msgs(
        [0, '[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"note"}]'],
        [1, '[{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}}]'],
        [0, '{"method":"b","params":[],"id":7}'],
      ),
    );
    expect(r.record).toMatchObject({ version: 'mixed', requests: 3, notifications: 1, responses: 1, errors: 1, batches: 2 });
  });

  it('same record for 1-byte chunks as for whole delivery', () => {
    const chunks = msgs([0, '{"jsonrpc":"2.0","method":"x\\"}{","id":1}{"jsonrpc":"2.0","method":"y","id":2}'], [1, '{"jsonrpc":"2.0","id":1,"result":[1,{"a":"]"}]}']);
    expect(runChunks(analyser, flow, oneByteChunks(chunks)).record).toEqual(runChunks(analyser, flow, chunks).record);
    expect(runChunks(analyser, flow, chunks).record).toMatchObject({ requests: 2, responses: 1 });
  });

  it('over-long and deep messages are anomalies; non-JSON ends the session with a violation', () => {
    const small = createJsonRpcAnalyser({ maxMessageBytes: 64 });
    const r = runChunks(small, flow, msgs([0, `{"method":"${'x'.repeat(100)}"}`], [0, '{"jsonrpc":"2.0","method":"ok","id":1}']));
    expect(r.anomalies.get('jsonrpc.message_too_long')).toBe(1);
    expect(r.record).toMatchObject({ requests: 1 });
    const deep = runChunks(analyser, flow, msgs([0, '{"a":' + '['.repeat(100) + ']'.repeat(100) + '}']));
    expect(deep.anomalies.get('jsonrpc.json_too_deep')).toBe(1);
    const junk = runChunks(analyser, flow, msgs(...Array.from({ length: 9 }, (): [0, string] => [0, 'PING\r\n'])));
    expect(junk.statuses.at(-1)).toEqual({ kind: 'violation', code: 'jsonrpc.not_jsonrpc' });
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (parts) => {
        runChunks(analyser, flow, parts.map((data, i) => ({ direction: (i % 2) as 0 | 1, tsUs: i, data })));
        for (const p of parts) analyser.probe(p, 0, flow);
      }),
      { numRuns: 500 },
    );
  });
});

describe('jsonrpc refuses mixed protocols', () => {
  it('a direction opening with non-JSON bytes (HTTP, TLS) ends the session', () => {
    for (const name of ['http-getwork-bfgminer', 'tls-bitminter-client-hello']) {
      const r = replayFixture(analyser, name);
      expect(r.statuses.at(-1), name).toEqual({ kind: 'violation', code: 'jsonrpc.not_jsonrpc' });
    }
  });
});
