// Exporter cuts, from a real exporter: nfpcapd with a 60-second active timeout (-e 60,30) cuts
// the corpus xmr-stak session (19 minutes to :9050) into one record per direction per minute or
// so; nfreplay sends them as NetFlow v9 to the collector. Counted as records, the cuts would look
// like a beacon; the analytics must see one long connection with tshark's packet totals.

import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { analyseFlows } from '../../src/analytics/index.js';
import { detectFlowMiners, poolIntel } from '../../src/detect/flow-scoring/index.js';
import { FlowCollector } from '../../src/ingest/netflow/index.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryFlowStore } from '../netflow/memory-store.js';
import { nfpcapd, tsharkConversations } from '../netflow/peers.js';

const run = promisify(execFile);
const PCAP = new URL('../../../shared/corpus/mining.pcapng', import.meta.url).pathname;

let collector: FlowCollector | undefined;
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
});

describe('active-timeout cuts from nfpcapd', () => {
  it('merge back into one long connection; the miner scores as long-lived, not as a beacon', async () => {
    const dir = await nfpcapd(PCAP, ['-e', '60,30']);
    const store = new MemoryFlowStore();
    collector = new FlowCollector({ netflow: { host: '127.0.0.1', port: 0 }, store, clock: systemClock, tickMs: 50 });
    const port = (await collector.start()).netflow?.port as number;
    for (const f of readdirSync(dir).filter((n) => n.startsWith('nfcapd.'))) {
      await run('nfreplay', ['-v', '9', '-H', '127.0.0.1', '-p', String(port), '-r', join(dir, f)], { timeout: 30_000 });
    }
    await new Promise((r) => setTimeout(r, 300));
    await collector.flush();

    const a = await analyseFlows(store, { ip: '178.32.196.217', fromUs: 0, toUs: 4e15 });
    const p = a.pairs.find((x) => x.server_port === 9050);
    const conv = (await tsharkConversations(PCAP)).find((c) => c.proto === 'TCP' && (c.aPort === 9050 || c.bPort === 9050));
    expect(p?.records).toBeGreaterThan(10); // the exporter's cuts
    expect(p?.connections).toBe(1);
    expect((p?.pkts_toserver ?? 0) + (p?.pkts_toclient ?? 0)).toBe((conv?.pktsAB ?? 0) + (conv?.pktsBA ?? 0));
    expect(p?.longest_connection_s).toBeGreaterThan(1150);
    expect(p?.beacon.timestamp).toBeNull();
    const s = detectFlowMiners(a, poolIntel({})).find((x) => x.server_port === 9050);
    const fired = s?.score.fired.map((f) => f.id);
    expect(fired).toContain('flow-miner.long_lived_tcp');
    expect(fired).not.toContain('flow-miner.regular_reconnects');
    expect(s?.alert).toBeDefined();
  });
});
