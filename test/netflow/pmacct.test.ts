// pmacct as a third real exporter: pmacctd reads a capture and its nfprobe plugin exports NetFlow
// v9 and IPFIX with 8-byte counters and absolute millisecond times (softflowd uses 4-byte
// counters and uptimes). The stored conversations must match tshark's packet counts and IP bytes.

import { afterEach, describe, expect, it } from 'vitest';
import { FlowCollector } from '../../src/ingest/netflow/index.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryFlowStore } from './memory-store.js';
import { conversationTotals as totals, pmacctExport, tsharkConversations } from './peers.js';

const PCAP = new URL('../../../shared/corpus/zeek-cryptomining/coinhive-stratum.pcap', import.meta.url).pathname;

let collector: FlowCollector | undefined;
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
});

describe('collector with pmacct as the exporter', () => {
  for (const version of [9, 10] as const) {
    it(`pmacct nfprobe ${version === 9 ? 'NetFlow v9' : 'IPFIX'}: conversations match tshark`, async () => {
      const store = new MemoryFlowStore();
      collector = new FlowCollector({ netflow: { host: '127.0.0.1', port: 0 }, store, clock: systemClock, tickMs: 50 });
      const bound = await collector.start();
      await pmacctExport(PCAP, bound.netflow?.port as number, version);
      await new Promise((r) => setTimeout(r, 300));
      await collector.flush();
      const c = collector.counters;
      expect(c.records_decoded).toBeGreaterThan(10);
      expect(c.record_truncated + c.pending_limit + c.times_approximated).toBe(0);
      // pmacct numbers messages as RFC 7011 and RFC 3954 say: the sequence accounting sees no loss.
      expect(c.sequence_gaps).toBe(0);
      const convs = await tsharkConversations(PCAP);
      for (const conv of convs) {
        const want = [conv.pktsAB, conv.ipBytesAB, conv.pktsBA, conv.ipBytesBA];
        expect([conv.a, conv.aPort, conv.b, conv.bPort, totals(store.all(), conv)]).toEqual([conv.a, conv.aPort, conv.b, conv.bPort, want]);
      }
    });
  }
});
