// Collector limits beyond the decoder: broken IPFIX-over-TCP framing, too many TCP exporters,
// pairing table overflow, a store that fails or cannot keep up. Each is counted; nothing throws.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/flows/types.js';
import { FlowCollector } from '../../src/ingest/netflow/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Bytes, concat, ipfixMessage, ipfixSet, ipfixTemplate } from './build.js';
import { MemoryFlowStore } from './memory-store.js';

let collector: FlowCollector | undefined;
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
});

const TEMPLATE = ipfixSet(2, ipfixTemplate(256, [[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [1, 4], [2, 4], [152, 8], [153, 8]]));
function record(i: number, reverse = false): Uint8Array {
  const a = `10.0.${(i >> 8) & 255}.${i & 255}`;
  const b = '203.0.113.21';
  const w = new Bytes();
  if (reverse) w.ip4(b).ip4(a).u16(3333).u16(40000 + (i % 20000));
  else w.ip4(a).ip4(b).u16(40000 + (i % 20000)).u16(3333);
  return w.u8(6).u32(100).u32(2).u64(1_800_000_000_000 + i).u64(1_800_000_001_000 + i).build();
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

const closed = (s: net.Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('collector limits', () => {
  it('closes an IPFIX/TCP session whose framing is broken, and refuses sessions over maxTcpConnections', async () => {
    collector = new FlowCollector({ ipfixTcp: { host: '127.0.0.1', port: 0 }, store: new MemoryFlowStore(), clock: new ManualClock(0), limits: { maxTcpConnections: 2 } });
    const port = (await collector.start()).ipfixTcp?.port as number;
    const good = await connect(port);
    good.write(ipfixMessage(1, 0, [TEMPLATE, ipfixSet(256, record(1))]));
    const bad = await connect(port);
    bad.write(new Bytes().u16(9).u16(100).raw(new Uint8Array(96)).build()); // version 9 on an IPFIX stream
    await closed(bad);
    // Two connections were open (one now closed); fill up to the limit and one more is refused.
    const second = await connect(port);
    const third = await connect(port);
    await closed(third);
    expect(collector.counters.tcp_bad_message).toBe(1);
    expect(collector.counters.tcp_connection_limit).toBe(1);
    for (let i = 0; i < 50 && collector.counters.records_decoded === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(collector.counters.records_decoded).toBe(1);
    good.destroy();
    second.destroy();
  });

  it('decodes a message split across TCP segments', async () => {
    const store = new MemoryFlowStore();
    collector = new FlowCollector({ ipfixTcp: { host: '127.0.0.1', port: 0 }, store, clock: new ManualClock(0) });
    const port = (await collector.start()).ipfixTcp?.port as number;
    const s = await connect(port);
    const msg = concat([ipfixMessage(1, 0, [TEMPLATE, ipfixSet(256, concat([record(1), record(1, true)]))]), ipfixMessage(1, 0, [ipfixSet(256, record(2))])]);
    for (let i = 0; i < msg.length; i += 7) {
      s.write(msg.subarray(i, i + 7));
      await new Promise((r) => setTimeout(r, 1));
    }
    for (let i = 0; i < 100 && collector.counters.records_decoded < 3; i++) await new Promise((r) => setTimeout(r, 20));
    s.destroy();
    await collector.flush();
    expect(collector.counters.records_decoded).toBe(3);
    expect(collector.counters.flows_paired).toBe(2);
    expect(store.all()).toHaveLength(2);
  });

  it('bounds the pairing table (maxPairingEntries) and flushes after pairingHoldUs', async () => {
    const store = new MemoryFlowStore();
    const clock = new ManualClock(0);
    collector = new FlowCollector({ store, clock, limits: { maxPairingEntries: 100, pairingHoldUs: 1_000_000 } });
    const recs = Array.from({ length: 300 }, (_, i) => record(i));
    for (let i = 0; i < recs.length; i += 30) collector.ingest(ipfixMessage(1, 0, [TEMPLATE, ipfixSet(256, concat(recs.slice(i, i + 30)))]), '192.0.2.1:9');
    expect(collector.backlog).toBeLessThanOrEqual(300);
    expect(collector.counters.pairing_limit).toBe(200);
    await collector.flush();
    expect(store.all()).toHaveLength(300);
    expect(collector.counters.flows_unpaired).toBe(300);
  });

  it('counts records lost to a failing store and to a full backlog', async () => {
    const failing = { putFlows: async (_: FlowRecord[]): Promise<number> => Promise.reject(new Error('disk full')) };
    collector = new FlowCollector({ store: failing, clock: new ManualClock(0), limits: { maxStoreBacklog: 50, pairingHoldUs: 0, maxPairingEntries: 1 } });
    const recs = Array.from({ length: 120 }, (_, i) => record(i));
    for (let i = 0; i < recs.length; i += 30) collector.ingest(ipfixMessage(1, 0, [TEMPLATE, ipfixSet(256, concat(recs.slice(i, i + 30)))]), '192.0.2.1:9');
    await collector.flush();
    expect(collector.counters.store_backlog + collector.counters.store_error).toBe(120);
    expect(collector.counters.store_backlog).toBeGreaterThan(0);
    expect(collector.counters.store_error).toBeGreaterThan(0);
  });
});
