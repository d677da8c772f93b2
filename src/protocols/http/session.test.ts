import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHttpAnalyser } from './index.js';
import type { HttpRecord } from './record.js';
import type { FactEvent } from '../analyser.js';
import { firstBytes, flowInfoOf, loadFixture, oneByteChunks, replayFixture, runChunks, segmentBytes } from '../../../test/fixtures/protocols/replay.js';
import type { Chunk } from '../../../test/fixtures/protocols/replay.js';

const analyser = createHttpAnalyser();
const enc = new TextEncoder();
const flow = flowInfoOf(loadFixture('http-zabbix-jsonrpc'));
const rec = (r: { record: Record<string, unknown> | undefined }): HttpRecord => r.record as unknown as HttpRecord;
const first = (events: FactEvent[], name: string): Record<string, unknown> | undefined => events.find((e) => e.name === name)?.data;

function chunks(...parts: Array<[0 | 1, string | Uint8Array]>): Chunk[] {
  return parts.map(([direction, d], i) => ({ direction, tsUs: 100 + i, data: typeof d === 'string' ? enc.encode(d) : d }));
}

/** A WebSocket frame (RFC 6455 section 5.2); client frames are masked. */
function wsFrame(text: string, mask?: [number, number, number, number], opcode = 1): Uint8Array {
  const payload = enc.encode(text);
  const head: number[] = [0x80 | opcode];
  const m = mask !== undefined ? 0x80 : 0;
  if (payload.length < 126) head.push(m | payload.length);
  else head.push(m | 126, payload.length >> 8, payload.length & 0xff);
  if (mask !== undefined) head.push(...mask);
  const body = payload.map((b, i) => (mask !== undefined ? b ^ mask[i % 4]! : b));
  return Uint8Array.from([...head, ...body]);
}

describe('http analyser on the public corpus', () => {
  it('bfgminer getblocktemplate (zeek bitcoin-mining.pcap): headers, agent, Basic user as login, host as pool', () => {
    const r = replayFixture(analyser, 'http-getblocktemplate-bfgminer');
    const h = rec(r);
    expect(h.transactions[0]).toMatchObject({
      http_method: 'POST',
      url: '/',
      hostname: 'us1.bitminter.com:3333',
      http_user_agent: 'bfgminer/5.2.0',
      x_mining_extensions: 'longpoll midstate rollntime submitold',
      has_authorization: true,
      authorization_scheme: 'Basic',
      json_methods: ['getblocktemplate'],
    });
    expect(h.stratum).toMatchObject({ dialect: 'getblocktemplate', agent: 'bfgminer/5.2.0', login: 'Bigsky', pool_host: 'us1.bitminter.com', pool_host_source: 'http-host' });
    expect(first(r.events, 'stratum.login')).toMatchObject({ method: 'http-basic-auth', login: 'Bigsky', has_password: false });
    expect(first(r.events, 'http.request')).toMatchObject({ x_mining_extensions: 'longpoll midstate rollntime submitold' });
    // The credentials never leave the analyser: neither the base64 nor the password.
    expect(JSON.stringify([r.record, r.events])).not.toMatch(/Qmlnc2t5|123/);
  });

  it('bfgminer getwork answered with bare JSON by a stratum port: result rejected with the pool error', () => {
    const r = replayFixture(analyser, 'http-getwork-bfgminer');
    expect(rec(r).stratum).toMatchObject({ dialect: 'getwork' });
    expect(first(r.events, 'stratum.result')).toMatchObject({ request_method: 'getwork', accepted: false, error: 'Parse error' });
    expect(r.anomalies.get('http.response_not_http')).toBe(1);
  });

  it('cgminer getblocktemplate (nesfit cgminer.g0)', () => {
    const r = replayFixture(analyser, 'http-getblocktemplate-cgminer');
    expect(rec(r).stratum).toMatchObject({ dialect: 'getblocktemplate', agent: 'cgminer 3.7.2', login: 'Bitcoin', pool_host: '138.201.31.12' });
  });

  it('EthProxy over HTTP (nesfit pool.eth.pp.ua): miner= login, chunked JSON responses, work packages', () => {
    const r = replayFixture(analyser, 'http-ethproxy');
    const h = rec(r);
    expect(h.stratum).toMatchObject({
      dialect: 'ethproxy-http',
      login: '30@0x4b999ba68e017854ffb6b494bc2ddb9ef02bd745@OptionalRigName',
      worker: 'OptionalRigName',
      pool_host: 'pool.eth.pp.ua',
    });
    expect(h.stratum!.counts.jobs).toBeGreaterThan(10);
    expect(h.transactions).toHaveLength(16);
    expect(h.transactions_dropped).toBeGreaterThan(0);
    expect(h.transactions[1]).toMatchObject({ status: 200, response_body_bytes: 242, json_methods: ['eth_getWork'] });
    expect(first(r.events, 'stratum.job')).toMatchObject({ dialect: 'ethproxy-http', method: 'eth_getWork', has_seed_hash: true });
    // Responses are paired by transaction even though the pool answers id 73 to id 1.
    expect(first(r.events, 'stratum.result')).toMatchObject({ request_method: 'eth_submitHashrate', accepted: true });
  });

  it('Zabbix JSON-RPC over HTTP (benign/jsonrpc.pcap) is jsonrpc, not stratum', () => {
    const r = replayFixture(analyser, 'http-zabbix-jsonrpc');
    const h = rec(r);
    expect(h.jsonrpc).toMatchObject({ version: '2.0', methods: { toserver: { 'zabbix.status': 1 } }, requests: 1, responses: 1 });
    expect(h.stratum).toBeUndefined();
    expect(r.events.some((e) => e.name.startsWith('stratum.'))).toBe(false);
  });

  it('probes requests and responses, not other protocols', () => {
    const fx = loadFixture('http-ethproxy');
    expect(analyser.probe(firstBytes(segmentBytes(fx), 0), 0, flow)).toBe('yes');
    expect(analyser.probe(firstBytes(segmentBytes(fx), 1), 1, flow)).toBe('yes');
    expect(analyser.probe(enc.encode('PO'), 0, flow)).toBe('maybe');
    for (const name of ['stratum-zcash-flypool', 'benign-websocket', 'benign-nats', 'tls-curl-ntop']) {
      const f = loadFixture(name);
      expect(analyser.probe(firstBytes(segmentBytes(f), 0), 0, flow), name).toBe('no');
    }
  });

  it('reads JSON bodies after a page on the same connection; a page body is not taken for JSON', () => {
    const page = '<html><body>' + 'x'.repeat(3000) + '</body></html>';
    const json = '{"jsonrpc":"2.0","id":1,"result":{"status":"ok"}}';
    const req = ' {"jsonrpc":"2.0","id":1,"method":"getStatus"}';
    const r = runChunks(analyser, flow, chunks(
      [0, 'GET / HTTP/1.1\r\nHost: a.example\r\n\r\n'],
      [1, `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\n\r\n${page}`],
      [0, `POST /rpc HTTP/1.1\r\nHost: a.example\r\nContent-Type: text/plain\r\nContent-Length: ${req.length}\r\n\r\n${req}`],
      [1, `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${json.length}\r\n\r\n${json}`],
    ));
    const h = rec(r);
    expect(h.transactions).toHaveLength(2);
    expect(h.anomalies).toBeUndefined();
    expect(h.jsonrpc).toMatchObject({ requests: 1, responses: 1 });
  });

  it('1-byte chunking gives the same record and events (chunked responses included)', () => {
    const fx = loadFixture('http-ethproxy');
    const c = segmentBytes(fx).slice(0, 12);
    const whole = runChunks(analyser, flow, c);
    const bytewise = runChunks(analyser, flow, oneByteChunks(c));
    expect(bytewise.record).toEqual(whole.record);
    expect(bytewise.events).toEqual(whole.events);
  });
});

describe('http analyser: mining forms not in the corpus', () => {
  it('monerod get_block_template with wallet_address is monerod-rpc, and the template is a job', () => {
    const req = '{"jsonrpc":"2.0","id":"0","method":"get_block_template","params":{"wallet_address":"44AFFq5kSiGBoZ","reserve_size":60}}';
    const resp = '{"id":"0","jsonrpc":"2.0","result":{"blocktemplate_blob":"0e0e","difficulty":226807339040,"height":3195144,"seed_hash":"aa","status":"OK"}}';
    const r = runChunks(
      analyser,
      flow,
      chunks(
        [0, `POST /json_rpc HTTP/1.1\r\nHost: 127.0.0.1:18081\r\nContent-Type: application/json\r\nContent-Length: ${req.length}\r\n\r\n${req}`],
        [1, `HTTP/1.1 200 Ok\r\nContent-Type: application/json\r\nContent-Length: ${resp.length}\r\n\r\n${resp}`],
      ),
    );
    expect(rec(r).stratum).toMatchObject({ dialect: 'monerod-rpc', login: '44AFFq5kSiGBoZ' });
    expect(first(r.events, 'stratum.job')).toMatchObject({ dialect: 'monerod-rpc', height: 3195144, has_seed_hash: true, has_target: true });
  });

  it('bitcoind node RPC over HTTP is jsonrpc with a node_rpc hint, never stratum', () => {
    const req = '{"jsonrpc":"1.0","id":"curltest","method":"getblockchaininfo","params":[]}';
    const r = runChunks(
      analyser,
      flow,
      chunks([0, `POST / HTTP/1.1\r\nHost: 127.0.0.1:8332\r\nAuthorization: Basic dXNlcjpwYXNz\r\nContent-Length: ${req.length}\r\n\r\n${req}`]),
    );
    expect(rec(r).jsonrpc?.node_rpc).toEqual(['bitcoin']);
    expect(rec(r).stratum).toBeUndefined();
    expect(first(r.events, 'jsonrpc.node_rpc')).toEqual({ coin: 'bitcoin', method: 'getblockchaininfo' });
    expect(JSON.stringify([r.record, r.events])).not.toMatch(/dXNlcjpwYXNz|pass/);
  });

  it('WebSocket upgrade: an in-browser miner\'s JSON messages by type, and CryptoNote over WebSocket', () => {
    const mask: [number, number, number, number] = [0x12, 0x34, 0x56, 0x78];
    const r = runChunks(
      analyser,
      flow,
      chunks(
        [0, 'GET /proxy HTTP/1.1\r\nHost: ws027.authedmine.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'],
        [1, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'],
        [0, wsFrame('{"type":"auth","params":{"site_key":"abc","type":"anonymous","user":null,"goal":0}}', mask)],
        [1, wsFrame('{"type":"authed","params":{"token":"","hashes":0}}')],
        [1, wsFrame('{"type":"job","params":{"job_id":"j1","blob":"0707","target":"ffff"}}')],
        [0, wsFrame('{"id":1,"method":"login","params":{"login":"4WALLET","pass":"x","agent":"webminer/1.0"}}', mask)],
        [0, Uint8Array.from([0x89, 0x80, 1, 2, 3, 4])],
        [0, wsFrame(`{"type":"submit","params":{"job_id":"j1","nonce":"01","result":"${'a'.repeat(200)}"}}`, mask)],
      ),
    );
    const h = rec(r);
    expect(h.websocket).toEqual({
      messages: { toserver: { auth: 1, login: 1, submit: 1 }, toclient: { authed: 1, job: 1 } },
      text_frames: 5,
      binary_frames: 0,
      is_compressed: false,
    });
    expect(first(r.events, 'http.websocket')).toEqual({ url: '/proxy', hostname: 'ws027.authedmine.com' });
    expect(r.events.filter((e) => e.name === 'http.websocket_message').map((e) => e.data['name'])).toEqual(['auth', 'authed', 'job', 'login', 'submit']);
    expect(h.stratum).toMatchObject({ dialect: 'cryptonote', login: '4WALLET', agent: 'webminer/1.0' });
    expect(first(r.events, 'stratum.job')).toMatchObject({ job_id: 'j1', has_target: true });
    expect(h.stratum!.counts.submits).toBe(1);
  });

  it('a refused upgrade returns the client side to HTTP', () => {
    const r = runChunks(
      analyser,
      flow,
      chunks(
        [0, 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n'],
        [1, 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'],
        [0, 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n'],
      ),
    );
    expect(rec(r).transactions.map((t) => t.url)).toEqual(['/ws', '/next']);
    expect(rec(r).websocket).toBeUndefined();
  });
});

describe('http hostile input and limits', () => {
  it('a head over maxHeaderBytes is an anomaly and stops that direction', () => {
    const small = createHttpAnalyser({ maxHeaderBytes: 256 });
    const r = runChunks(small, flow, chunks([0, 'GET / HTTP/1.1\r\n' + `X-A: ${'a'.repeat(300)}\r\n\r\n`]));
    expect(r.anomalies.get('http.header_too_long')).toBe(1);
  });

  it('a body over maxBodyBytes is counted and not parsed', () => {
    const small = createHttpAnalyser({ maxBodyBytes: 32 });
    const body = `{"method":"getwork","params":[],"id":0,"pad":"${'x'.repeat(64)}"}`;
    const r = runChunks(small, flow, chunks([0, `POST / HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`]));
    expect(r.anomalies.get('http.body_too_long')).toBe(1);
    expect(rec(r).transactions[0]!.request_body_bytes).toBe(body.length);
    expect(rec(r).stratum).toBeUndefined();
  });

  it('a bad chunk size, a bad content length and a non-HTTP start are named', () => {
    const a = runChunks(analyser, flow, chunks([0, 'GET / HTTP/1.1\r\n\r\n'], [1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']));
    expect(a.anomalies.get('http.bad_chunk')).toBe(1);
    const b = runChunks(analyser, flow, chunks([0, 'POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n']));
    expect(b.anomalies.get('http.bad_content_length')).toBe(1);
    const c = runChunks(analyser, flow, chunks([0, 'HELLO there\r\n\r\n']));
    expect(c.statuses.at(-1)).toEqual({ kind: 'violation', code: 'http.bad_start_line' });
  });

  it('random bytes after a valid head never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom<0 | 1>(0, 1), fc.uint8Array({ maxLength: 200 })), { maxLength: 8 }), (parts) => {
        const c: Chunk[] = [
          { direction: 0, tsUs: 0, data: enc.encode('GET /x HTTP/1.1\r\nUpgrade: websocket\r\n\r\n') },
          { direction: 1, tsUs: 1, data: enc.encode('HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n\r\n') },
          ...parts.map(([direction, data], i) => ({ direction, tsUs: 2 + i, data })),
        ];
        runChunks(analyser, flow, c);
        runChunks(analyser, flow, c.slice(2));
      }),
      { numRuns: 500 },
    );
  });
});
