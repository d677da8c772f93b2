// Malformed, truncated and hostile input: every datagram is counted and dropped or decoded, none
// throws, and memory (templates, held sets) stays within the named limits however long a flood
// lasts. Random datagrams come from fast-check, both unstructured and shaped like real headers.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowCollector, FlowDecoder, type RawFlow } from '../../src/ingest/netflow/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { Bytes, concat, ipfixMessage, ipfixSet, ipfixTemplate, v9Packet, v9Set, v9Template } from './build.js';

const NOW = 1_000_000;
const noop = (): void => undefined;

describe('hostile datagrams', () => {
  it('counts too-short, unknown-version and bad-count datagrams', () => {
    const d = new FlowDecoder();
    d.decode(new Uint8Array([0]), 'e:1', NOW, noop);
    d.decode(new Uint8Array([0, 7, 0, 0]), 'e:1', NOW, noop);
    d.decode(new Bytes().u16(5).u16(31).raw(new Uint8Array(22)).build(), 'e:1', NOW, noop); // 31 > 30 records
    d.decode(new Bytes().u16(5).u16(2).raw(new Uint8Array(22 + 48)).build(), 'e:1', NOW, noop); // 2 claimed, 1 present
    d.decode(new Bytes().u16(9).u16(1).raw(new Uint8Array(10)).build(), 'e:1', NOW, noop);
    d.decode(new Bytes().u16(10).u16(200).raw(new Uint8Array(14)).build(), 'e:1', NOW, noop); // length > datagram
    const c = d.counters;
    expect([c.datagram_too_short, c.unknown_version, c.v5_bad_count, c.ipfix_length_mismatch]).toEqual([2, 1, 2, 1]);
  });

  it('stops at zero-length and overlong sets instead of looping', () => {
    const d = new FlowDecoder();
    const zero = new Bytes().u16(256).u16(0).build();
    const overlong = new Bytes().u16(256).u16(4000).u32(0).build();
    d.decode(v9Packet(0, 0, 0, [zero, zero]), 'e:1', NOW, noop);
    d.decode(ipfixMessage(0, 0, [overlong]), 'e:1', NOW, noop);
    expect(d.counters.set_length_invalid).toBe(2);
  });

  it('rejects templates whose records would be zero bytes, and reserved set ids', () => {
    const d = new FlowDecoder();
    d.decode(ipfixMessage(0, 0, [ipfixSet(2, ipfixTemplate(256, [[8, 0], [12, 0]])), ipfixSet(5, new Uint8Array(4))]), 'e:1', NOW, noop);
    expect(d.counters.template_zero_length_record).toBe(1);
    expect(d.counters.set_id_reserved).toBe(1);
    expect(d.templateCount).toBe(0);
  });

  it('refuses templates beyond maxTemplateFields', () => {
    const d = new FlowDecoder({ maxTemplateFields: 16 });
    const fields = Array.from({ length: 17 }, () => [1, 4] as [number, number]);
    d.decode(ipfixMessage(0, 0, [ipfixSet(2, ipfixTemplate(256, fields))]), 'e:1', NOW, noop);
    d.decode(v9Packet(0, 0, 0, [v9Set(0, v9Template(256, fields))]), 'e:1', NOW, noop);
    expect(d.counters.template_too_many_fields).toBe(2);
    expect(d.templateCount).toBe(0);
  });

  it('counts a variable-length field that claims more bytes than the set holds', () => {
    const d = new FlowDecoder();
    const tmpl = ipfixSet(2, ipfixTemplate(256, [[8, 4], [82, 65535]]));
    const rec = new Bytes().ip4('10.0.0.1').u8(255).u16(60000).raw(new Uint8Array(10)).build();
    let n = 0;
    d.decode(ipfixMessage(0, 0, [tmpl, ipfixSet(256, rec)]), 'e:1', NOW, () => n++);
    expect(n).toBe(0);
    expect(d.counters.varlen_overflow).toBe(1);
    expect(d.counters.record_truncated).toBe(1);
  });

  it('drops records whose counters or times a store cannot keep exactly', () => {
    const d = new FlowDecoder();
    const tmpl = ipfixSet(2, ipfixTemplate(256, [[8, 4], [12, 4], [1, 8], [152, 8], [153, 8]]));
    const huge = new Bytes().ip4('10.0.0.1').ip4('10.0.0.2').u32(0xffffffff).u32(0xffffffff).u64(1).u64(2).build(); // 2^64 - 1 octets
    const future = new Bytes().ip4('10.0.0.1').ip4('10.0.0.2').u64(1).u64(9_000_000_000_000).u64(9_000_000_000_001).build(); // year 2255
    const fine = new Bytes().ip4('10.0.0.1').ip4('10.0.0.2').u64(1).u64(1_700_000_000_000).u64(1_700_000_000_001).build();
    let n = 0;
    d.decode(ipfixMessage(0, 0, [tmpl, ipfixSet(256, concat([huge, future, fine]))]), 'e:1', NOW, () => n++);
    expect(n).toBe(1);
    expect(d.counters.record_bad_value).toBe(2);
  });

  it('keeps the template cache bounded under a template flood (maxTemplatesPerExporter, maxTemplates)', () => {
    const d = new FlowDecoder({ maxTemplatesPerExporter: 100, maxTemplates: 150 });
    for (let i = 0; i < 50; i++) {
      const recs = Array.from({ length: 20 }, (_, j) => ipfixTemplate(256 + i * 20 + j, [[8, 4], [12, 4]]));
      d.decode(ipfixMessage(0, 0, [ipfixSet(2, concat(recs))]), 'e:1', NOW, noop);
      d.decode(ipfixMessage(0, 0, [ipfixSet(2, concat(recs))]), 'e:2', NOW, noop);
    }
    expect(d.templateCount).toBe(150);
    expect(d.counters.template_limit).toBe(2000 - 150);
  });

  it('keeps held data bounded when templates never come (maxPendingSets, maxPendingBytes)', () => {
    const d = new FlowDecoder({ maxPendingSets: 64, maxPendingBytes: 10_000 });
    for (let i = 0; i < 5000; i++) {
      d.decode(ipfixMessage(0, 0, [ipfixSet(256 + (i % 1000), new Uint8Array(400))]), `e:${i % 7}`, NOW + i, noop);
    }
    expect(d.pendingSets).toBeLessThanOrEqual(64);
    expect(d.pendingBytes).toBeLessThanOrEqual(10_000);
    expect(d.counters.pending_limit).toBe(5000 - d.pendingSets);
    d.expire(NOW + 10_000 + 61_000_000);
    expect(d.pendingSets).toBe(0);
    expect(d.pendingBytes).toBe(0);
  });

  it('expires UDP templates after templateIdleUs and counts it', () => {
    const d = new FlowDecoder({ templateIdleUs: 1_000_000 });
    d.decode(ipfixMessage(0, 0, [ipfixSet(2, ipfixTemplate(256, [[8, 4]]))]), 'e:1', 0, noop);
    d.expire(2_000_001);
    expect(d.templateCount).toBe(0);
    expect(d.counters.template_expired).toBe(1);
  });

  it('never throws on random bytes, on random bytes behind real headers, or on mutated real messages', () => {
    const d = new FlowDecoder({ maxPendingSets: 32, maxTemplates: 256 });
    const seeds = [
      ipfixMessage(1, 0, [ipfixSet(2, ipfixTemplate(256, [[8, 4], [12, 4], [82, 65535], [100, 4, 9]])), ipfixSet(256, new Bytes().ip4('1.2.3.4').ip4('5.6.7.8').u8(1).u8(65).u32(0).build())]),
      v9Packet(0, 0, 0, [v9Set(0, v9Template(256, [[8, 4], [12, 4], [1, 4]])), v9Set(256, new Uint8Array(12))]),
    ];
    let records = 0;
    const sink = (r: RawFlow): void => {
      records += r.octets >= 0 ? 1 : 0;
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.constantFrom(5, 9, 10), fc.uint8Array({ minLength: 0, maxLength: 300 })).map(([v, rest]) => {
            const b = new Uint8Array(rest.length + 4);
            b.set([0, v, rest.length >> 8, rest.length & 0xff]);
            b.set(rest, 4);
            return b;
          }),
          fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { maxLength: 8 })).map(([seed, muts]) => {
            const b = seed.slice();
            for (const [i, v] of muts) b[i % b.length] = v;
            return b;
          }),
        ),
        (b) => {
          d.decode(b, 'fuzz:1', NOW, sink);
          return d.pendingSets <= 32 && d.templateCount <= 256;
        },
      ),
      { numRuns: 3000, seed: 20261127 },
    );
    expect(d.counters.datagrams).toBe(3000);
    expect(records).toBeGreaterThan(0);
  });

  it('random mutations of real messages go through pairing into the SQLite store without a failed write', async () => {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), 'mw-fuzz-')), 'f.db'), { synchronous: 'normal' });
    const collector = new FlowCollector({ store, clock: new ManualClock(0), limits: { maxPendingSets: 16 } });
    const tmpl = ipfixSet(2, ipfixTemplate(256, [[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [1, 8], [2, 8], [152, 8], [153, 8], [136, 1]]));
    const rec = new Bytes().ip4('10.0.0.1').ip4('203.0.113.21').u16(40000).u16(3333).u8(6).u64(500).u64(5).u64(1_700_000_000_000).u64(1_700_000_060_000).u8(3).build();
    const seed = ipfixMessage(1_700_000_100, 0, [tmpl, ipfixSet(256, concat([rec, rec, rec]))]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(seed.length - 1), fc.nat(255)), { maxLength: 6 }), (muts) => {
        const b = seed.slice();
        for (const [i, v] of muts) b[i] = v;
        collector.ingest(b, '192.0.2.9:9995');
      }),
      { numRuns: 2000, seed: 7 },
    );
    await collector.flush();
    expect(collector.counters.store_error).toBe(0);
    expect(collector.counters.records_decoded).toBeGreaterThan(1000);
    const stored = await store.queryFlows({ ip: '203.0.113.21', from_us: 0, to_us: Number.MAX_SAFE_INTEGER, limit: 100_000 });
    expect(stored.length).toBeGreaterThan(0);
    expect(collector.counters.flows_stored).toBeGreaterThanOrEqual(stored.length);
    await store.close();
  });
});
