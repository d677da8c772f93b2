import { describe, expect, it } from 'vitest';
import { classifyMining, firstObjectEnd, probeStratum, readResultVerdict, toRpcMessage, workerFromLogin } from './parser.js';

const enc = new TextEncoder();

describe('probeStratum', () => {
  it.each([
    ['{"id": 1, "method": "mining.subscribe", "params": []}\n', 'yes'],
    ['  \r\n{"method":"mining.notify","params":[]}', 'yes'],
    ['{"id":1,"method":"login","params":{"login":"4A","pass":"x"}}\n', 'yes'],
    ['{"jsonrpc":"2.0","method":"job","params":{"blob":"00","job_id":"1","target":"ff"}}\n', 'yes'],
    ['{"id":1,"result":{"id":"1","job":{"blob":"0405","job_id":"6774","target":"69ba0000"},"status":"OK"}}\n', 'yes'],
    ['{"id":1,"method":"eth_submitLogin","worker":"w","params":["0x1"]}\n', 'yes'],
    ['{"jsonrpc":"2.0","method":"login","params":["user","pw"]}\n', 'no'],
    ['{"jsonrpc": "2.0", "method": "echo", "params": ["Testing!"], "id": "ca08"}', 'no'],
    ['GET / HTTP/1.1\r\n', 'no'],
    ['{"id": 1, "meth', 'maybe'],
    ['   ', 'maybe'],
  ])('%j -> %s', (text, expected) => {
    expect(probeStratum(enc.encode(text))).toBe(expected);
  });

  it('decides after PROBE_MAX_BYTES without a newline', () => {
    expect(probeStratum(enc.encode('{"a":"' + 'x'.repeat(3000)))).toBe('no');
  });

  it('finds the end of the first balanced object', () => {
    expect(firstObjectEnd(enc.encode('{"a":"}"}xyz'), 100)).toBe(9);
    expect(firstObjectEnd(enc.encode('{"a":{'), 100)).toBe(-1);
  });
});

describe('message classification', () => {
  it('reads the JSON-RPC envelope, including stratum null ids and compact EthProxy worker', () => {
    expect(toRpcMessage({ id: null, method: 'mining.notify', params: [] })).toMatchObject({ kind: 'request', id: null });
    expect(toRpcMessage({ id: 3, result: true, error: null })).toMatchObject({ kind: 'response', id: 3, hasResult: true });
    expect(toRpcMessage({ id: 1, method: 'eth_submitLogin', worker: 'rig' })?.worker).toBe('rig');
    expect(toRpcMessage([1, 2])).toBeUndefined();
  });

  it('admits getwork and getblocktemplate only over HTTP', () => {
    const m = toRpcMessage({ id: 0, method: 'getblocktemplate', params: [] })!;
    expect(classifyMining(m)).toBeUndefined();
    expect(classifyMining(m, true)).toEqual({ dialect: 'getblocktemplate', role: 'getwork', method: 'getblocktemplate' });
  });

  it('reads verdicts of v1, EthProxy and CryptoNote responses', () => {
    expect(readResultVerdict(toRpcMessage({ id: 1, result: true, error: null })!)).toEqual({ accepted: true });
    expect(readResultVerdict(toRpcMessage({ id: 1, result: null, error: [21, 'Job not found', null] })!)).toEqual({
      accepted: false,
      error: 'Job not found',
    });
    expect(readResultVerdict(toRpcMessage({ id: 1, result: { status: 'OK' } })!)).toEqual({ accepted: true, status: 'OK' });
    expect(readResultVerdict(toRpcMessage({ id: 1, error: { code: -1, message: 'Low difficulty share' } })!)).toMatchObject({
      accepted: false,
    });
  });

  it('takes the worker from the last dot of a login, not from addresses or e-mail', () => {
    expect(workerFromLogin('t1abc.rig4')).toBe('rig4');
    expect(workerFromLogin('4ABC.paymentid.ryzen')).toBe('ryzen');
    expect(workerFromLogin('0x9c/tester.worker1/v@mailinator')).toBeUndefined();
    expect(workerFromLogin('wallet.')).toBeUndefined();
    expect(workerFromLogin('wallet')).toBeUndefined();
  });
});
