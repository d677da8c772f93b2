import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createStratumV2Analyser } from './index.js';
import type { FlowInfo } from '../analyser.js';
import { firstBytes, flowInfoOf, loadFixture, oneByteChunks, runChunks, segmentBytes } from '../../../test/fixtures/protocols/replay.js';
import type { Chunk } from '../../../test/fixtures/protocols/replay.js';

const analyser = createStratumV2Analyser();
const flow: FlowInfo = { flowId: 'f', transport: 'tcp', clientIp: '10.0.0.2', clientPort: 50000, serverIp: '198.51.100.7', serverPort: 34254, isOrientationFromSyn: true };

/** Deterministic key-like bytes (SHA-256 chain), standing in for EllSwift keys and ciphertext. */
function keyBytes(n: number, seed: string): Uint8Array {
  const out = new Uint8Array(n);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    out.set(block.subarray(0, Math.min(32, n - i)), i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

function handshake(serverSize: number): Chunk[] {
  return [
    { direction: 0, tsUs: 1, data: keyBytes(64, 'client-e') },
    { direction: 1, tsUs: 2, data: keyBytes(serverSize, 'server-act2') },
    { direction: 0, tsUs: 3, data: keyBytes(22 + 40, 'first-frame') },
  ];
}

describe('stratum_v2 handshake shape', () => {
  it('64 then 234 bytes of key material is the EllSwift Noise NX shape', () => {
    const r = runChunks(analyser, flow, handshake(234));
    expect(r.record).toMatchObject({ handshake_shape: 'noise-nx-ellswift', client_first_bytes: 64, server_first_bytes: 234 });
    expect(r.events.map((e) => e.name)).toEqual(['stratum_v2.handshake_shape']);
    expect(r.statuses.at(-1)).toEqual({ kind: 'done' });
  });

  it('64 then 170 bytes (the specification table size) is recognised too, also at the end of the capture', () => {
    const r = runChunks(analyser, flow, handshake(170).slice(0, 2));
    expect(r.record).toMatchObject({ handshake_shape: 'noise-nx-no-signature' });
  });

  it('segmentation does not matter', () => {
    expect(runChunks(analyser, flow, oneByteChunks(handshake(234))).record).toEqual(runChunks(analyser, flow, handshake(234)).record);
  });

  it('other sizes, text, and TLS are refused', () => {
    expect(runChunks(analyser, flow, handshake(200)).statuses.at(-1)).toEqual({ kind: 'violation', code: 'stratum_v2.shape_mismatch' });
    const text = new TextEncoder().encode('x'.repeat(64));
    expect(analyser.probe(text, 0, flow)).toBe('no');
    expect(runChunks(analyser, flow, [{ direction: 0, tsUs: 1, data: text }, { direction: 1, tsUs: 2, data: new TextEncoder().encode('y'.repeat(234)) }, { direction: 0, tsUs: 3, data: text }]).record).toBeUndefined();
    expect(analyser.probe(keyBytes(64, 'a'), 0, flow)).toBe('yes');
    expect(analyser.probe(keyBytes(30, 'a'), 0, flow)).toBe('maybe');
    expect(analyser.probe(keyBytes(65, 'a'), 0, flow)).toBe('no');
  });

  it.each(['stratum-zcash-flypool', 'tls-curl-ntop', 'http-ethproxy', 'benign-websocket', 'benign-amqp'])('raises nothing on %s', (name) => {
    const fx = loadFixture(name);
    const c = segmentBytes(fx);
    expect(analyser.probe(firstBytes(c, 0), 0, flowInfoOf(fx))).not.toBe('yes');
    expect(runChunks(analyser, flowInfoOf(fx), c).events).toEqual([]);
  });
});
