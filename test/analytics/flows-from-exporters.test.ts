// Analytics and flow-only detection on flows that a real exporter produced: softflowd reads lab
// and corpus captures and exports IPFIX to the collector, which stores them in SQLite; the
// figures must agree with tshark's conversation table of the same captures, the miners must
// score and the benign look-alikes must not alert.

import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseFlows, median } from '../../src/analytics/index.js';
import { detectFlowMiners, type PoolIntel } from '../../src/detect/flow-scoring/index.js';
import { FlowCollector } from '../../src/ingest/netflow/index.js';
import { isKnownPoolPort } from '../../src/intel/ports.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { systemClock } from '../../src/util/clock.js';
import { softflowdExport } from '../netflow/peers.js';

const run = promisify(execFile);
const LAB = new URL('../fixtures/lab/', import.meta.url).pathname;
const CORPUS = new URL('../../../shared/corpus/', import.meta.url).pathname;
const ALL_TIME = { fromUs: 0, toUs: 4_000_000_000_000_000 };
const noIntel: PoolIntel = { isPoolAddress: () => undefined, isMiningPort: isKnownPoolPort };

let store: Store;
let collector: FlowCollector;

/** tshark's TCP conversations with the server: [client port, start seconds, frames ->, frames <-]. */
async function tsharkTcp(pcap: string, server: string, port: number): Promise<Array<{ cport: number; start: number; up: number; down: number }>> {
  const { stdout } = await run('tshark', ['-r', pcap, '-q', '-n', '-z', 'conv,tcp']);
  const out = [];
  for (const m of stdout.matchAll(/^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+\S+(?: bytes| kB)\s+(\d+)\s+\S+(?: bytes| kB)\s+\d+\s+\S+(?: bytes| kB)\s+([\d.]+)/gm)) {
    if (m[3] === server && Number(m[4]) === port) out.push({ cport: Number(m[2]), start: Number(m[7]), down: Number(m[5]), up: Number(m[6]) });
  }
  return out;
}

beforeAll(async () => {
  store = await openStore(join(mkdtempSync(join(tmpdir(), 'mw-analytics-')), 'flows.db'), { synchronous: 'normal' });
  collector = new FlowCollector({ ipfix: { host: '127.0.0.1', port: 0 }, store, clock: systemClock, tickMs: 50 });
  const bound = await collector.start();
  // Each capture through its own softflowd run: addresses overlap between lab captures, so each
  // lab capture is analysed in its own time window (they were recorded at different times).
  for (const pcap of [
    `${LAB}xmrig-plain/capture.pcap`,
    `${LAB}xmrig-daemon-http/capture.pcap`,
    `${LAB}benign-jsonrpc-3333/capture.pcap`,
    `${CORPUS}mining.pcapng`,
    `${CORPUS}benign/bitcoin.pcap`,
    `${CORPUS}benign/monero.pcap`,
    `${CORPUS}benign/443-curl.pcap`,
  ]) {
    await softflowdExport(pcap, bound.ipfix?.port as number, 10, ['-A', 'milli']);
  }
  await new Promise((r) => setTimeout(r, 300));
  await collector.flush();
}, 120_000);

afterAll(async () => {
  await collector.stop();
  await store.close();
});

async function captureWindow(pcap: string): Promise<{ fromUs: number; toUs: number }> {
  const { stdout } = await run('capinfos', ['-a', '-e', '-S', '-T', '-r', pcap]);
  const [, first, last] = (stdout.trim().split('\n').pop() ?? '').split('\t').map(Number);
  return { fromUs: Math.floor((first as number) * 1e6) - 1_000_000, toUs: Math.ceil((last as number) * 1e6) + 1_000_000 };
}

describe('analytics over softflowd-exported flows', () => {
  it('xmrig-plain: one long connection to the pool on 3333, bytes as tshark counts them', async () => {
    const pcap = `${LAB}xmrig-plain/capture.pcap`;
    const a = await analyseFlows(store, { ip: '203.0.113.21', ...(await captureWindow(pcap)) });
    const pool = a.pairs.find((p) => p.server_port === 3333);
    const ref = await tsharkTcp(pcap, '203.0.113.21', 3333);
    expect(ref).toHaveLength(1);
    expect(pool?.client).toBe('10.1.2.3');
    expect(pool?.connections).toBe(1);
    expect(pool?.pkts_toserver).toBe(ref[0]?.up);
    expect(pool?.pkts_toclient).toBe(ref[0]?.down);
    expect(pool?.longest_connection_s).toBeGreaterThan(14);
    expect(pool?.beacon.timestamp).toBeNull();
    expect(a.pairs.some((p) => p.server_port === 53 && p.proto === 'UDP')).toBe(true);
  });

  it('xmrig-daemon-http: reconnects every few seconds; counts and interval median agree with tshark', async () => {
    const pcap = `${LAB}xmrig-daemon-http/capture.pcap`;
    const a = await analyseFlows(store, { ip: '203.0.113.21', ...(await captureWindow(pcap)) });
    const p = a.pairs.find((x) => x.server_port === 18081);
    const ref = await tsharkTcp(pcap, '203.0.113.21', 18081);
    expect(ref.length).toBeGreaterThan(8);
    expect(p?.connections).toBe(ref.length);
    const starts = ref.map((r) => r.start).sort((x, y) => x - y);
    const intervals = starts.slice(1).map((s, i) => s - (starts[i] as number));
    // softflowd's -A milli times are milliseconds: allow 2 ms against tshark's microseconds.
    expect(Math.abs((p?.interval?.median_s ?? 0) - median(intervals))).toBeLessThan(0.002);
    expect(p?.beacon.timestamp).not.toBeNull();
    expect(p?.sparkline.trim().length).toBeGreaterThan(0);
  });

  it('flow-only scoring: corpus miners score, a pool address makes the ZCash miner alert, benign captures stay quiet', async () => {
    const mining = await analyseFlows(store, { ip: '178.32.196.217', ...ALL_TIME });
    const xmr = detectFlowMiners(mining, noIntel).find((s) => s.server_port === 9050);
    // xmr-stak to :9050, 19 minutes, 128 bytes per packet, 7.5 packets a minute, both ways.
    expect(xmr?.alert).toBeDefined();
    expect(xmr?.alert?.source).toBe('flows');
    expect(xmr?.alert?.confidence).toBeLessThanOrEqual(0.6);
    expect(xmr?.alert?.rules).toEqual(
      expect.arrayContaining(['flow-miner.mining_port', 'flow-miner.long_lived_tcp', 'flow-miner.small_packets', 'flow-miner.steady_packet_rate']),
    );
    expect(xmr?.alert?.explanation).toMatch(/lasted 115\d(\.\d)? s/);

    const zec = await analyseFlows(store, { ip: '94.23.199.191', ...ALL_TIME });
    expect(detectFlowMiners(zec, noIntel)[0]?.alert).toBeUndefined(); // mining port and duration alone: 0.4
    const withPool: PoolIntel = { isPoolAddress: (ip) => (ip === '94.23.199.191' ? 'eu1-zcash.flypool.org' : undefined), isMiningPort: isKnownPoolPort };
    const zecAlert = detectFlowMiners(zec, withPool)[0]?.alert;
    expect(zecAlert?.alert.severity).toBe(2);
    expect(zecAlert?.explanation).toContain('eu1-zcash.flypool.org');

    for (const ip of ['192.168.2.1', '10.0.0.1']) {
      for (const s of detectFlowMiners(await analyseFlows(store, { ip, ...ALL_TIME }), noIntel)) expect(s.alert).toBeUndefined();
    }
  });

  it('benign look-alikes raise nothing: a Bitcoin node, a Monero node, curl over TLS, JSON-RPC on 3333 for 15 s', async () => {
    let pairs = 0;
    for (const pcap of [`${CORPUS}benign/bitcoin.pcap`, `${CORPUS}benign/monero.pcap`, `${CORPUS}benign/443-curl.pcap`, `${LAB}benign-jsonrpc-3333/capture.pcap`]) {
      // Each capture in its own time window: the lab captures share addresses.
      const window = await captureWindow(pcap);
      const { stdout } = await run('tshark', ['-r', pcap, '-q', '-n', '-z', 'conv,tcp']);
      const servers = new Set([...stdout.matchAll(/^\S+:\d+\s+<->\s+(\S+):\d+/gm)].map((m) => m[1] as string));
      expect(servers.size, pcap).toBeGreaterThan(0);
      for (const ip of servers) {
        for (const s of detectFlowMiners(await analyseFlows(store, { ip, ...window }), noIntel)) {
          pairs++;
          expect([pcap, s.client, s.server, s.server_port, s.alert]).toEqual([pcap, s.client, s.server, s.server_port, undefined]);
        }
      }
    }
    expect(pairs).toBeGreaterThan(3);
  });
});
