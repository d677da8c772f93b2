import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStratumAnalyser } from './index.js';
import type { StratumRecord } from './record.js';
import type { FactEvent } from '../analyser.js';
import {
  eventNames,
  firstBytes,
  flowInfoOf,
  loadFixture,
  oneByteChunks,
  replayFixture,
  runChunks,
  segmentBytes,
} from '../../../test/fixtures/protocols/replay.js';
import type { Chunk } from '../../../test/fixtures/protocols/replay.js';

const analyser = createStratumAnalyser();
const rec = (r: { record: Record<string, unknown> | undefined }): StratumRecord => r.record as unknown as StratumRecord;
const first = (events: FactEvent[], name: string): Record<string, unknown> | undefined => events.find((e) => e.name === name)?.data;
const enc = new TextEncoder();
const flow = flowInfoOf(loadFixture('stratum-zcash-flypool'));

function lines(...msgs: Array<[0 | 1, string]>): Chunk[] {
  return msgs.map(([direction, text], i) => ({ direction, tsUs: 1_000_000 + i, data: enc.encode(text + '\n') }));
}

describe('stratum analyser on the public corpus', () => {
  it('ZCash stratum v1 (mining.pcapng, EWBF to flypool): subscribe, authorize, set_target, notify, submit, accepted', () => {
    const r = replayFixture(analyser, 'stratum-zcash-flypool');
    const s = rec(r);
    expect(s.dialect).toBe('stratum-v1');
    expect(s.miner_side).toBe('client');
    expect(s.miner_side_basis).toBe('requests');
    expect(s.is_mid_session).toBe(false);
    expect(s.agent).toBe('EWBF 0.3.4b');
    expect(s.login).toBe('t1fAhZF5aUJdY7CikGULHmeYk7id8qmvbAd.rig4');
    expect(s.worker).toBe('rig4');
    expect(s.pool_host).toBe('eu1-zcash.flypool.org');
    expect(s.has_password).toBe(true);
    expect(s.methods.toserver['mining.submit']).toBe(8);
    expect(s.methods.toclient['mining.notify']).toBe(13);
    expect(s.counts).toMatchObject({ submits: 8, accepted: 8, rejected: 0, jobs: 13 });
    expect(s.steps.slice(0, 6).map((x) => x.step)).toEqual(['subscribe', 'authorize', 'set_difficulty', 'job', 'submit', 'accepted']);
    expect(eventNames(r.events)).toEqual(
      expect.arrayContaining(['stratum.subscribe', 'stratum.authorize', 'stratum.set_difficulty', 'stratum.job', 'stratum.submit', 'stratum.result', 'stratum.extranonce']),
    );
    expect(first(r.events, 'stratum.submit')).toMatchObject({ worker: 't1fAhZF5aUJdY7CikGULHmeYk7id8qmvbAd.rig4' });
    expect(JSON.stringify(r.record)).not.toContain('"pass');
  });

  it('CryptoNote (mining.pcapng, xmr-stak-cpu): login with agent, job in the login result, submits accepted', () => {
    const r = replayFixture(analyser, 'stratum-cryptonote-xmrstak');
    const s = rec(r);
    expect(s.dialect).toBe('cryptonote');
    expect(s.agent).toBe('xmr-stak-cpu/1.3.0-1.5.0');
    expect(s.steps.slice(0, 4).map((x) => x.step)).toEqual(['login', 'job', 'submit', 'accepted']);
    expect(s.counts.accepted).toBe(30);
    const loginJob = r.events.find((e) => e.name === 'stratum.job' && e.data['is_in_login_result'] === true);
    expect(loginJob?.direction).toBe(1);
    expect(loginJob?.data).toMatchObject({ dialect: 'cryptonote', has_target: true });
    expect(first(r.events, 'stratum.result')).toMatchObject({ request_method: 'login', accepted: true, status: 'OK' });
  });

  it('EthProxy with spaces and "worker" (mining.pcapng, nanopool :9999)', () => {
    const r = replayFixture(analyser, 'stratum-ethproxy-nanopool');
    const s = rec(r);
    expect(s.dialect).toBe('ethproxy');
    expect(s.login).toBe('0x9c99d212f7e5daa18ab50810e0fd255d1f04303b/tester.worker1/vvesely@mailinator');
    expect(s.worker).toBe('eth1.0');
    expect(s.worker_source).toBe('field');
    expect(s.methods.toserver).toMatchObject({ eth_submitLogin: 1, eth_submitHashrate: 14, eth_submitWork: 1 });
    expect(s.counts.accepted).toBe(1);
    expect(first(r.events, 'stratum.job')).toMatchObject({ dialect: 'ethproxy', has_seed_hash: true });
    expect(eventNames(r.events)).toContain('stratum.hashrate');
    // Jobs are pushed for the whole capture; events are capped, counts are not.
    expect(r.events.filter((e) => e.name === 'stratum.job')).toHaveLength(32);
    expect(s.facts_suppressed).toBeGreaterThan(0);
    expect(s.steps).toHaveLength(32);
    expect(s.steps_dropped).toBeGreaterThan(0);
  });

  it('compact EthProxy (nicehash_dwarf_s.pcapng): worker at top level, no password, rejected shares', () => {
    const r = replayFixture(analyser, 'stratum-ethproxy-compact');
    const s = rec(r);
    expect(s.dialect).toBe('ethproxy');
    expect(s.worker).toBe('0x512ee0989a7ec0382365f824f9b620de312fd212');
    expect(s.has_password).toBe(false);
    expect(s.counts).toMatchObject({ submits: 4, accepted: 1, rejected: 3 });
  });

  it('mid-session capture (bitcoin-mining-in-progress.pcap): notify and get_transactions only', () => {
    const r = replayFixture(analyser, 'stratum-mid-session');
    const s = rec(r);
    expect(s.dialect).toBe('stratum-v1');
    expect(s.is_mid_session).toBe(true);
    expect(s.miner_side).toBe('client');
    expect(s.methods.toclient['mining.notify']).toBe(3);
    expect(first(r.events, 'stratum.result')).toMatchObject({ request_method: 'mining.get_transactions', accepted: false });
  });

  it('mid-session with the orientation guessed backwards: the side receiving pushes is the miner', () => {
    const fx = loadFixture('stratum-mid-session');
    const swapped = segmentBytes(fx).map((c) => ({ ...c, direction: (c.direction === 0 ? 1 : 0) as 0 | 1 }));
    const onlyPushes = swapped.filter((c) => c.direction === 0);
    const s = runChunks(analyser, flowInfoOf(fx), onlyPushes).record as unknown as StratumRecord;
    expect(s).toMatchObject({ miner_side: 'server', miner_side_basis: 'pushes', is_mid_session: true });
    const s2 = runChunks(analyser, flowInfoOf(fx), swapped).record as unknown as StratumRecord;
    expect(s2).toMatchObject({ miner_side: 'server', miner_side_basis: 'requests' });
  });

  it('CryptoNote xmr/1.0 (nesfit xmr-eu1.nanopool.org and xmr.suprnova.cc)', () => {
    const a = rec(replayFixture(analyser, 'stratum-cryptonote-nanopool'));
    expect(a).toMatchObject({ dialect: 'cryptonote', agent: 'xmr/1.0', has_password: true });
    expect(a.steps.map((x) => x.step)).toEqual(['login', 'job']);
    const b = rec(replayFixture(analyser, 'stratum-cryptonote-suprnova'));
    expect(b).toMatchObject({ dialect: 'cryptonote', login: 'kvetak.worker1', worker: 'worker1' });
    expect(b.counts.accepted).toBe(5);
  });

  it('Equihash stratum (nesfit zec-eu.suprnova.cc, zec-eu1.nanopool.org)', () => {
    const a = rec(replayFixture(analyser, 'stratum-equihash-suprnova'));
    expect(a).toMatchObject({ dialect: 'stratum-v1', agent: 'equihashminer', pool_host: 'zec-eu.suprnova.cc' });
    const b = rec(replayFixture(analyser, 'stratum-equihash-nanopool'));
    expect(b.dialect).toBe('stratum-v1');
    expect(b.counts.accepted).toBeGreaterThan(0);
  });

  it('cgminer probe on TCP/25 and bfgminer subscribe (nesfit cgminer.s0, zeek bitcoin-mining)', () => {
    const a = replayFixture(analyser, 'stratum-cgminer-probe');
    expect(rec(a)).toMatchObject({ dialect: 'stratum-v1', agent: 'cgminer/3.7.2' });
    expect(first(a.events, 'stratum.agent')).toEqual({ agent: 'cgminer/3.7.2', source: 'subscribe' });
    const b = rec(replayFixture(analyser, 'stratum-bfgminer'));
    expect(b).toMatchObject({ dialect: 'stratum-v1', agent: 'bfgminer/5.2.0' });
    expect(b.steps.map((x) => x.step)).toEqual(['subscribe', 'set_difficulty', 'job']);
  });

  it('Coinhive stratum proxy (zeek coinhive-stratum.pcap): CryptoNote login without agent', () => {
    const r = replayFixture(analyser, 'stratum-coinhive-proxy');
    const s = rec(r);
    expect(s.dialect).toBe('cryptonote');
    expect(s.agent).toBeUndefined();
    expect(s.login?.startsWith('46WNbmwXpYxiBpkbHjAgjC65')).toBe(true);
    expect(first(r.events, 'stratum.login')).toMatchObject({ method: 'login', has_password: true });
  });

  it.each(['benign-jsonrpc-echo', 'benign-nats', 'benign-amqp', 'benign-websocket'])(
    'benign look-alike %s: probe refuses it and a forced session raises no stratum fact',
    (name) => {
      const fx = loadFixture(name);
      const chunks = segmentBytes(fx);
      expect(analyser.probe(firstBytes(chunks, 0), 0, flowInfoOf(fx))).toBe('no');
      const r = runChunks(analyser, flowInfoOf(fx), chunks);
      expect(r.events).toEqual([]);
      expect(r.record).toBeUndefined();
    },
  );

  it.each([
    'stratum-zcash-flypool',
    'stratum-cryptonote-xmrstak',
    'stratum-ethproxy-nanopool',
    'stratum-ethproxy-compact',
    'stratum-cryptonote-nanopool',
    'stratum-equihash-suprnova',
    'stratum-cgminer-probe',
    'stratum-coinhive-proxy',
  ])('probe accepts the first client bytes of %s', (name) => {
    const fx = loadFixture(name);
    expect(analyser.probe(firstBytes(segmentBytes(fx), 0), 0, flowInfoOf(fx))).toBe('yes');
  });

  it('probe accepts the first server bytes of the mid-session capture (a notify push)', () => {
    const fx = loadFixture('stratum-mid-session');
    expect(analyser.probe(firstBytes(segmentBytes(fx), 1), 1, flowInfoOf(fx))).toBe('yes');
  });

  it.each(['stratum-zcash-flypool', 'stratum-cryptonote-xmrstak', 'stratum-ethproxy-compact'])(
    '1-byte chunking gives the same record and events as whole delivery (%s)',
    (name) => {
      const fx = loadFixture(name);
      const chunks = segmentBytes(fx).slice(0, 30);
      const whole = runChunks(analyser, flowInfoOf(fx), chunks);
      const bytewise = runChunks(analyser, flowInfoOf(fx), oneByteChunks(chunks));
      expect(bytewise.record).toEqual(whole.record);
      expect(bytewise.events).toEqual(whole.events);
    },
  );
});

describe('stratum dialects not in the corpus', () => {
  it('EthereumStratum/1.0.0 (NiceHash): subscribe names the protocol, notify carries the seed hash', () => {
    const r = runChunks(
      analyser,
      flow,
      lines(
        [0, '{"id": 1, "method": "mining.subscribe", "params": ["ethminer/0.19.0", "EthereumStratum/1.0.0"]}'],
        [1, '{"id": 1, "result": [["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f", "EthereumStratum/1.0.0"], "080c"], "error": null}'],
        [0, '{"id": 2, "method": "mining.authorize", "params": ["0xabc.rig1", "x"]}'],
        [1, '{"id": null, "method": "mining.set_extranonce", "params": ["af4c"]}'],
        [1, '{"id": null, "method": "mining.notify", "params": ["bf0488aa", "abad8f99f3918bf903c6a909d9bbc0fdfa5a2f4b9cb1196175ec825c6610126c", "645cf20198c2f3861e947d4f67e3ab63b7b2e24dcc9095bd9123e7b33371f6cc", true]}'],
        [0, '{"id": 244, "method": "mining.submit", "params": ["0xabc.rig1", "bf0488aa", "6a909d9bbc0f"]}'],
        [1, '{"id": 244, "result": false, "error": [23, "Low difficulty share", null]}'],
      ),
    );
    const s = rec(r);
    expect(s).toMatchObject({ dialect: 'ethereum-stratum', protocol_version: 'EthereumStratum/1.0.0', worker: 'rig1' });
    expect(first(r.events, 'stratum.job')).toMatchObject({ has_seed_hash: true, job_id: 'bf0488aa', is_clean: true });
    expect(r.events.filter((e) => e.name === 'stratum.result').at(-1)?.data).toMatchObject({
      request_method: 'mining.submit',
      accepted: false,
      error: 'Low difficulty share',
    });
    expect(s.counts.rejected).toBe(1);
  });

  it('XMRig login with algo list and rigid; job with algo, seed_hash and height; keepalived', () => {
    const r = runChunks(
      analyser,
      flow,
      lines(
        [0, '{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4ABC","pass":"secret","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","algo":["rx/0","cn/r"],"rigid":"rig-7"}}'],
        [1, '{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"s1","job":{"blob":"0e0e","job_id":"j1","target":"ffff","algo":"rx/0","height":3000000,"seed_hash":"aa"},"extensions":["algo"],"status":"OK"}}'],
        [0, '{"id":2,"jsonrpc":"2.0","method":"keepalived","params":{"id":"s1"}}'],
        [1, '{"id":2,"jsonrpc":"2.0","error":null,"result":{"status":"KEEPALIVED"}}'],
        [0, '{"id":3,"jsonrpc":"2.0","method":"submit","params":{"id":"s1","job_id":"j1","nonce":"01020304","result":"ff"}}'],
        [1, '{"id":3,"jsonrpc":"2.0","error":{"code":-1,"message":"Invalid job id"}}'],
      ),
    );
    const s = rec(r);
    expect(s).toMatchObject({ dialect: 'cryptonote', rig_id: 'rig-7', algorithms: ['rx/0', 'cn/r'], has_password: true });
    expect(JSON.stringify(s)).not.toContain('secret');
    expect(JSON.stringify(r.events)).not.toContain('secret');
    expect(first(r.events, 'stratum.job')).toMatchObject({ algo: 'rx/0', has_seed_hash: true, height: 3000000, is_in_login_result: true });
    expect(first(r.events, 'stratum.keepalive')).toMatchObject({ method: 'keepalived' });
    expect(s.steps.map((x) => x.step)).toEqual(['login', 'job', 'submit', 'rejected']);
  });

  it('a plain JSON-RPC login or submit is not CryptoNote', () => {
    const r = runChunks(
      analyser,
      flow,
      lines(
        [0, '{"jsonrpc":"2.0","id":1,"method":"login","params":["admin","pw"]}'],
        [0, '{"jsonrpc":"2.0","id":2,"method":"submit","params":{"form":"x"}}'],
      ),
    );
    expect(r.events).toEqual([]);
    expect(r.record).toBeUndefined();
  });
});

describe('stratum hostile input', () => {
  it('an over-long line is an anomaly and the next line still counts', () => {
    const small = createStratumAnalyser({ maxLineBytes: 128 });
    const r = runChunks(
      small,
      flow,
      lines([0, `{"id":1,"method":"mining.subscribe","params":["${'A'.repeat(500)}"]}`], [0, '{"id":2,"method":"mining.subscribe","params":["ok/1"]}']),
    );
    expect(r.anomalies.get('stratum.line_too_long')).toBe(1);
    expect(rec(r).agent).toBe('ok/1');
    expect(rec(r).anomalies).toEqual({ 'stratum.line_too_long': 1 });
  });

  it('deep nesting, invalid UTF-8 and invalid JSON are anomalies, never exceptions', () => {
    const r = runChunks(analyser, flow, [
      { direction: 0, tsUs: 1, data: enc.encode('{"id":1,"method":"mining.subscribe","params":' + '['.repeat(5000) + ']'.repeat(5000) + '}\n') },
      { direction: 0, tsUs: 2, data: Uint8Array.from([...enc.encode('{"method":"mining.notify","x":"'), 0xc3, 0x28, ...enc.encode('"}\n')]) },
      { direction: 0, tsUs: 3, data: enc.encode('{"method":"mining.notify",\n') },
    ]);
    expect(Object.fromEntries(r.anomalies)).toEqual({ 'stratum.json_too_deep': 1, 'stratum.invalid_utf8': 1, 'stratum.invalid_json': 1 });
    expect(r.events).toEqual([]);
  });

  it('gives up with a violation after maxLinesWithoutMining lines without mining', () => {
    const msgs: Array<[0, string]> = [];
    for (let i = 0; i < 20; i++) msgs.push([0, `{"jsonrpc":"2.0","id":${i},"method":"echo","params":[]}`]);
    const r = runChunks(analyser, flow, lines(...msgs));
    expect(r.statuses.at(-1)).toEqual({ kind: 'violation', code: 'stratum.no_mining_messages' });
    expect(r.statuses).toHaveLength(16);
  });

  it('says done once maxBytesPerDirection is consumed in both directions', () => {
    const tiny = createStratumAnalyser({ maxBytesPerDirection: 100 });
    const line = '{"id":null,"method":"mining.notify","params":["1","2",true]}';
    const msgs: Array<[0 | 1, string]> = [];
    for (let i = 0; i < 4; i++) msgs.push([1, line], [0, '{"id":4,"method":"mining.submit","params":["w","1"]}']);
    const r = runChunks(tiny, flow, lines(...msgs));
    expect(r.statuses.at(-1)).toEqual({ kind: 'done' });
    expect(rec(r).counts.jobs).toBe(1);
  });

  it('a gap drops the partial line and the session resumes at the next line', () => {
    const events: FactEvent[] = [];
    const s = analyser.createSession({ flow, emit: (e) => events.push(e), anomaly: () => undefined });
    s.onData(0, enc.encode('{"id":1,"method":"mining.subs'), 1);
    s.onGap(0, 100, 2);
    s.onData(0, enc.encode('cribe"]}\n{"id":2,"method":"mining.authorize","params":["u.w","p"]}\n'), 3);
    s.onEnd(4);
    expect(events.map((e) => e.name)).toEqual(['stratum.dialect', 'stratum.authorize']);
    expect((s.record() as unknown as StratumRecord).anomalies).toEqual({ 'stratum.gap': 1, 'stratum.invalid_json': 1 });
  });

  it('random bytes never throw, in any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom<0 | 1>(0, 1), fc.uint8Array({ maxLength: 300 })), { maxLength: 10 }), (parts) => {
        const r = runChunks(
          analyser,
          flow,
          parts.map(([direction, data], i) => ({ direction, tsUs: i, data })),
        );
        expect(r.statuses.every((st) => ['ok', 'need-more', 'done', 'violation'].includes(st.kind))).toBe(true);
        for (const [d, data] of parts) expect(['yes', 'no', 'maybe']).toContain(analyser.probe(data, d, flow));
      }),
      { numRuns: 500 },
    );
  });

  it('random JSON values never throw and raise only stratum facts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom<0 | 1>(0, 1), fc.jsonValue({ maxDepth: 4 })), { maxLength: 8 }), (msgs) => {
        const r = runChunks(analyser, flow, lines(...msgs.map(([d, v]): [0 | 1, string] => [d, JSON.stringify(v)])));
        for (const e of r.events) expect(e.name.startsWith('stratum.')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('withPoolHost', () => {
  it('fills the pool host from DNS or SNI only when the protocol named none', async () => {
    const { withPoolHost } = await import('./index.js');
    const noHost = rec(replayFixture(analyser, 'stratum-cryptonote-nanopool'));
    expect(withPoolHost(noHost, 'xmr-eu1.nanopool.org', 'dns')).toMatchObject({ pool_host: 'xmr-eu1.nanopool.org', pool_host_source: 'dns' });
    expect(noHost.pool_host).toBeUndefined();
    const named = rec(replayFixture(analyser, 'stratum-zcash-flypool'));
    expect(withPoolHost(named, 'other.example', 'sni').pool_host).toBe('eu1-zcash.flypool.org');
  });
});
