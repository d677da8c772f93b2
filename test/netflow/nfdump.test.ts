// nfdump as a second real exporter: nfpcapd turns a capture into nfdump files; nfreplay sends
// them as NetFlow v9 to the collector, and `nfdump -o csv` prints them for the CSV import. Both
// paths must store the same conversations, with the packets tshark counts and the IP-layer bytes
// (nfpcapd counts the IP total length, unlike softflowd which counts the frame after its link header).

import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/flows/types.js';
import { importFlowFiles } from '../../src/ingest/flow-imports/index.js';
import { FlowCollector } from '../../src/ingest/netflow/index.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryFlowStore } from './memory-store.js';
import { conversationTotals as totals, nfpcapd, tsharkConversations } from './peers.js';

const run = promisify(execFile);
const PCAP = new URL('../../../shared/corpus/zeek-cryptomining/coinhive-stratum.pcap', import.meta.url).pathname;

let collector: FlowCollector | undefined;
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
});

describe('nfdump tools as exporter and as CSV source', () => {
  it('nfreplay (v9) into the collector and nfdump CSV import store the capture conversations', async () => {
    const nfdir = await nfpcapd(PCAP);
    const files = readdirSync(nfdir).filter((f) => f.startsWith('nfcapd.'));
    expect(files.length).toBeGreaterThan(0);

    const replayed = new MemoryFlowStore();
    collector = new FlowCollector({ netflow: { host: '127.0.0.1', port: 0 }, store: replayed, clock: systemClock, tickMs: 50 });
    const bound = await collector.start();
    for (const f of files) {
      await run('nfreplay', ['-v', '9', '-H', '127.0.0.1', '-p', String(bound.netflow?.port), '-r', join(nfdir, f)], { timeout: 30_000 });
    }
    await new Promise((r) => setTimeout(r, 300));
    await collector.flush();
    expect(collector.counters.record_truncated + collector.counters.pending_limit).toBe(0);

    const csv = await run('nfdump', ['-R', nfdir, '-o', 'csv'], { env: { ...process.env, TZ: 'UTC' }, maxBuffer: 64 << 20 });
    const csvFile = join(mkdtempSync(join(tmpdir(), 'mw-nfcsv-')), 'flows.csv');
    writeFileSync(csvFile, csv.stdout);
    const imported = new MemoryFlowStore();
    const r = await importFlowFiles([csvFile], 'nfdump-csv', imported);
    expect(r.bad).toBe(0);
    expect(r.skipped.header).toBe(1);

    const convs = await tsharkConversations(PCAP);
    expect(convs.length).toBeGreaterThan(5);
    for (const c of convs) {
      const want = [c.pktsAB, c.ipBytesAB, c.pktsBA, c.ipBytesBA];
      expect([c.a, c.aPort, c.b, c.bPort, totals(replayed.all(), c)]).toEqual([c.a, c.aPort, c.b, c.bPort, want]);
      expect([c.a, c.aPort, c.b, c.bPort, totals(imported.all(), c)]).toEqual([c.a, c.aPort, c.b, c.bPort, want]);
    }
    // nfpcapd writes one record per direction; the pool connections come out paired both ways.
    const pool = (s: MemoryFlowStore): FlowRecord[] => s.all().filter((f) => f.dest_port === 3333);
    expect(pool(replayed).every((f) => f.pkts_toserver > 0 && f.pkts_toclient > 0 && f.src_ip === '10.0.2.15')).toBe(true);
    expect(pool(imported).every((f) => f.pkts_toserver > 0 && f.pkts_toclient > 0 && f.src_ip === '10.0.2.15')).toBe(true);
    // CSV times have whole seconds; the replayed v9 times carry milliseconds, within one second.
    for (const f of pool(imported)) {
      const g = pool(replayed).find((x) => x.src_port === f.src_port);
      expect(Math.abs((g?.start_us ?? 0) - f.start_us)).toBeLessThan(1_000_000);
    }
  });
});
