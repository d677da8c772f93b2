// Template handling, options and time conversion on messages built from the RFC layouts
// (build.ts): scoping by exporter and domain, refresh and withdrawal, data before template,
// variable-length and enterprise fields, sampling from options and headers, all time encodings.

import { describe, expect, it } from 'vitest';
import { FlowDecoder, toUniFlow, type UniFlow } from '../../src/ingest/netflow/index.js';
import {
  Bytes,
  concat,
  ipfixMessage,
  ipfixOptionsTemplate,
  ipfixSet,
  ipfixTemplate,
  v9OptionsTemplate,
  v9Packet,
  v9Set,
  v9Template,
  type Field,
} from './build.js';

const EXPORT_SECS = 1_700_000_000; // 2023-11-14T22:13:20Z

function run(d: FlowDecoder, msgs: Uint8Array[], exporter = '192.0.2.1:4739', nowUs = 0): UniFlow[] {
  const out: UniFlow[] = [];
  for (const m of msgs) d.decode(m, exporter, nowUs, (r, s, dom) => out.push(toUniFlow(r, s, 'x', dom)));
  return out;
}

// IPFIX template with absolute millisecond times (IEs 8, 12, 7, 11, 4, 1, 2, 152, 153).
const T_MS: Field[] = [[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [1, 8], [2, 8], [152, 8], [153, 8]];
function recMs(src: string, dst: string, sp: number, dp: number, octets: number, pkts: number, startMs: number, endMs: number): Uint8Array {
  return new Bytes().ip4(src).ip4(dst).u16(sp).u16(dp).u8(6).u64(octets).u64(pkts).u64(startMs).u64(endMs).build();
}

describe('IPFIX templates', () => {
  it('decodes data with a known template, and scopes templates per exporter and domain', () => {
    const d = new FlowDecoder();
    const tmpl = ipfixSet(2, ipfixTemplate(256, T_MS));
    const data = ipfixSet(256, recMs('10.0.0.1', '203.0.113.7', 50000, 3333, 1200, 10, 1_700_000_000_000, 1_700_000_060_000));
    const a = run(d, [ipfixMessage(EXPORT_SECS, 1, [tmpl, data])]);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ srcIp: '10.0.0.1', dstIp: '203.0.113.7', srcPort: 50000, dstPort: 3333, octets: 1200, packets: 10 });
    expect(a[0]?.startUs).toBe(1_700_000_000_000_000);
    expect(a[0]?.endUs).toBe(1_700_000_060_000_000);
    // Same template id, other domain or other exporter: unknown there, so held, not decoded.
    expect(run(d, [ipfixMessage(EXPORT_SECS, 2, [data])])).toHaveLength(0);
    expect(run(d, [ipfixMessage(EXPORT_SECS, 1, [data])], '192.0.2.2:4739')).toHaveLength(0);
    expect(d.counters.pending_held).toBe(2);
  });

  it('holds data that arrives before its template and decodes it when the template comes', () => {
    const d = new FlowDecoder();
    const data = ipfixSet(300, recMs('10.0.0.2', '198.51.100.9', 40000, 443, 500, 5, 1_700_000_000_000, 1_700_000_001_000));
    expect(run(d, [ipfixMessage(EXPORT_SECS, 0, [data])], 'e:1', 1_000)).toHaveLength(0);
    expect(d.pendingSets).toBe(1);
    const got = run(d, [ipfixMessage(EXPORT_SECS, 0, [ipfixSet(2, ipfixTemplate(300, T_MS))])], 'e:1', 2_000);
    expect(got).toHaveLength(1);
    expect(got[0]?.dstPort).toBe(443);
    expect(d.pendingSets).toBe(0);
    expect(d.counters.pending_decoded).toBe(1);
  });

  it('drops held data after pendingHoldUs and counts it', () => {
    const d = new FlowDecoder({ pendingHoldUs: 5_000_000 });
    const data = ipfixSet(301, recMs('10.0.0.2', '198.51.100.9', 40000, 443, 500, 5, 1, 2));
    run(d, [ipfixMessage(EXPORT_SECS, 0, [data])], 'e:1', 0);
    d.expire(6_000_000);
    expect(d.pendingSets).toBe(0);
    expect(d.pendingBytes).toBe(0);
    expect(d.counters.pending_expired).toBe(1);
    // The template now finds nothing to release.
    expect(run(d, [ipfixMessage(EXPORT_SECS, 0, [ipfixSet(2, ipfixTemplate(301, T_MS))])], 'e:1', 6_000_001)).toHaveLength(0);
  });

  it('refreshes, replaces and withdraws templates (RFC 7011 section 8.1)', () => {
    const d = new FlowDecoder();
    const t1 = ipfixSet(2, ipfixTemplate(256, T_MS));
    run(d, [ipfixMessage(EXPORT_SECS, 0, [t1]), ipfixMessage(EXPORT_SECS, 0, [t1])]);
    expect(d.counters.templates_learned).toBe(1);
    expect(d.counters.templates_replaced).toBe(0);
    // Same id, new layout: ports first.
    const t2 = ipfixSet(2, ipfixTemplate(256, [[7, 2], [11, 2], [8, 4], [12, 4]]));
    run(d, [ipfixMessage(EXPORT_SECS, 0, [t2])]);
    expect(d.counters.templates_replaced).toBe(1);
    const rec = new Bytes().u16(1234).u16(80).ip4('10.1.1.1').ip4('10.2.2.2').build();
    const got = run(d, [ipfixMessage(EXPORT_SECS, 0, [ipfixSet(256, rec)])]);
    expect(got[0]).toMatchObject({ srcPort: 1234, dstPort: 80, srcIp: '10.1.1.1' });
    // Withdraw 256: field count 0.
    run(d, [ipfixMessage(EXPORT_SECS, 0, [ipfixSet(2, new Bytes().u16(256).u16(0).build())])]);
    expect(d.templateCount).toBe(0);
    expect(d.counters.templates_withdrawn).toBe(1);
    // Withdraw all (template id 2) after learning two.
    run(d, [ipfixMessage(EXPORT_SECS, 0, [ipfixSet(2, concat([ipfixTemplate(257, T_MS), ipfixTemplate(258, T_MS)]))])]);
    expect(d.templateCount).toBe(2);
    run(d, [ipfixMessage(EXPORT_SECS, 0, [ipfixSet(2, new Bytes().u16(2).u16(0).build())])]);
    expect(d.templateCount).toBe(0);
  });

  it('withdraws only within the sending exporter and domain; a closed TCP session forgets its templates', () => {
    const d = new FlowDecoder();
    const both = ipfixSet(2, concat([ipfixTemplate(256, T_MS), ipfixTemplate(257, T_MS)]));
    run(d, [ipfixMessage(EXPORT_SECS, 1, [both]), ipfixMessage(EXPORT_SECS, 2, [both])], 'a:1');
    run(d, [ipfixMessage(EXPORT_SECS, 1, [both])], 'b:1');
    expect(d.templateCount).toBe(6);
    run(d, [ipfixMessage(EXPORT_SECS, 1, [ipfixSet(2, new Bytes().u16(2).u16(0).build())])], 'a:1');
    expect(d.templateCount).toBe(4); // a:1 domain 2 and b:1 untouched
    d.tcpExporters.add('a:1');
    d.closeExporter('a:1');
    expect(d.templateCount).toBe(2);
    const data = ipfixSet(256, recMs('10.0.0.1', '10.0.0.2', 1, 2, 3, 4, 5, 6));
    expect(run(d, [ipfixMessage(EXPORT_SECS, 1, [data])], 'b:1')).toHaveLength(1);
  });

  it('counts records missing between messages from the sequence numbers (RFC 7011 section 3.1)', () => {
    const d = new FlowDecoder();
    const tmpl = ipfixSet(2, ipfixTemplate(256, T_MS));
    const two = ipfixSet(256, concat([recMs('10.0.0.1', '10.0.0.2', 1, 2, 3, 4, 5, 6), recMs('10.0.0.1', '10.0.0.2', 1, 2, 3, 4, 5, 6)]));
    run(d, [ipfixMessage(EXPORT_SECS, 0, [tmpl, two], 0)]); // records 0-1
    run(d, [ipfixMessage(EXPORT_SECS, 0, [two], 2)]); // records 2-3: as expected
    expect(d.counters.sequence_gaps).toBe(0);
    run(d, [ipfixMessage(EXPORT_SECS, 0, [two], 10)]); // 4-9 never arrived
    expect(d.counters.sequence_records_missing).toBe(6);
    run(d, [ipfixMessage(EXPORT_SECS, 0, [two], 0)]); // exporter restarted
    expect(d.counters.sequence_resets).toBe(1);
    expect(d.counters.sequence_gaps).toBe(2);
    // Another domain keeps its own count.
    run(d, [ipfixMessage(EXPORT_SECS, 5, [tmpl, two], 1000)]);
    expect(d.counters.sequence_gaps).toBe(2);
    // v9 counts packets.
    for (const seq of [7, 8, 11]) run(d, [new Bytes().u16(9).u16(0).u32(0).u32(EXPORT_SECS).u32(seq).u32(0).build()]);
    expect(d.counters.sequence_packets_missing).toBe(2);
  });

  it('skips enterprise-specific and variable-length fields by their lengths', () => {
    const d = new FlowDecoder();
    const fields: Field[] = [
      [8, 4],
      [100, 4, 29305], // enterprise field (PEN 29305), 4 bytes
      [12, 4],
      [82, 65535], // interfaceName, variable length
      [7, 2],
      [200, 65535, 9], // enterprise and variable length
      [11, 2],
      [1, 4],
      [2, 4],
    ];
    const rec = new Bytes()
      .ip4('10.9.9.9')
      .u32(0xdeadbeef)
      .ip4('192.0.2.50')
      .u8(3)
      .raw([101, 116, 104]) // "eth", one-byte length
      .u16(51000)
      .u8(255)
      .u16(300)
      .raw(new Uint8Array(300)) // three-byte length form: 255 then 300
      .u16(14444)
      .u32(777)
      .u32(7)
      .build();
    const got = run(d, [ipfixMessage(EXPORT_SECS, 0, [ipfixSet(2, ipfixTemplate(400, fields)), ipfixSet(400, concat([rec, rec]))])]);
    expect(got).toHaveLength(2);
    expect(got[1]).toMatchObject({ srcIp: '10.9.9.9', dstIp: '192.0.2.50', srcPort: 51000, dstPort: 14444, octets: 777, packets: 7 });
    // No time fields at all: the export time bounds the flow, and that is counted.
    expect(got[0]?.startUs).toBe(EXPORT_SECS * 1_000_000);
    expect(d.counters.times_approximated).toBe(2);
  });

  it('converts every IPFIX time encoding', () => {
    const base = 1_700_000_000_000; // ms
    const ntp = (ms: number): [number, number] => {
      const s = Math.floor(ms / 1000) + 2_208_988_800;
      const frac = Math.round(((ms % 1000) / 1000) * 2 ** 32);
      return [s, frac];
    };
    const cases: Array<[string, Field[], (b: Bytes) => Bytes, number, number]> = [
      ['seconds 150/151', [[150, 4], [151, 4]], (b) => b.u32(base / 1000).u32(base / 1000 + 30), base * 1000, (base + 30_000) * 1000],
      [
        'NTP microseconds 154/155',
        [[154, 8], [155, 8]],
        (b) => b.u32(ntp(base + 250)[0]).u32(ntp(base + 250)[1]).u32(ntp(base + 750)[0]).u32(ntp(base + 750)[1]),
        (base + 250) * 1000,
        (base + 750) * 1000,
      ],
      [
        'NTP nanoseconds 156/157',
        [[156, 8], [157, 8]],
        (b) => b.u32(ntp(base + 125)[0]).u32(ntp(base + 125)[1]).u32(ntp(base + 500)[0]).u32(ntp(base + 500)[1]),
        (base + 125) * 1000,
        (base + 500) * 1000,
      ],
      [
        'uptime 22/21 with systemInitTimeMilliseconds 160 in the record',
        [[160, 8], [22, 4], [21, 4]],
        (b) => b.u64(base).u32(5_000).u32(65_000),
        (base + 5_000) * 1000,
        (base + 65_000) * 1000,
      ],
      [
        'delta microseconds 158/159 before export time',
        [[158, 4], [159, 4]],
        (b) => b.u32(90_000_000).u32(2_000_000),
        EXPORT_SECS * 1_000_000 - 90_000_000,
        EXPORT_SECS * 1_000_000 - 2_000_000,
      ],
    ];
    for (const [name, timeFields, write, start, end] of cases) {
      const d = new FlowDecoder();
      const fields: Field[] = [[8, 4], [12, 4], ...timeFields];
      const rec = write(new Bytes().ip4('10.0.0.1').ip4('10.0.0.2')).build();
      const got = run(d, [ipfixMessage(EXPORT_SECS, 0, [ipfixSet(2, ipfixTemplate(256, fields)), ipfixSet(256, rec)])]);
      expect([name, Math.abs((got[0]?.startUs ?? 0) - start) <= 1, Math.abs((got[0]?.endUs ?? 0) - end) <= 1]).toEqual([name, true, true]);
    }
  });

  it('takes systemInitTimeMilliseconds and sampling from an options record (RFC 7011 section 4)', () => {
    const d = new FlowDecoder();
    const opts = ipfixSet(3, ipfixOptionsTemplate(500, [[143, 4]], [[160, 8], [305, 4], [306, 4]]));
    // 1 in (1 + 9) / 1 = 10: one packet sampled, nine skipped.
    const optData = ipfixSet(500, new Bytes().u32(1).u64(1_600_000_000_000).u32(1).u32(9).build());
    const tmpl = ipfixSet(2, ipfixTemplate(256, [[8, 4], [12, 4], [1, 4], [2, 4], [22, 4], [21, 4]]));
    const data = ipfixSet(256, new Bytes().ip4('10.0.0.1').ip4('10.0.0.2').u32(100).u32(2).u32(1000).u32(2000).build());
    const got = run(d, [ipfixMessage(EXPORT_SECS, 7, [opts, optData, tmpl, data])]);
    expect(got[0]).toMatchObject({ octets: 1000, packets: 20, samplingRate: 10 });
    expect(got[0]?.startUs).toBe((1_600_000_000_000 + 1000) * 1000);
    expect(d.counters.sampling_applied).toBe(1);
  });

  it('without systemInitTimeMilliseconds, uptimes fall back to export time and are counted', () => {
    const d = new FlowDecoder();
    const tmpl = ipfixSet(2, ipfixTemplate(256, [[8, 4], [12, 4], [22, 4], [21, 4]]));
    const data = ipfixSet(256, new Bytes().ip4('10.0.0.1').ip4('10.0.0.2').u32(1000).u32(2000).build());
    const got = run(d, [ipfixMessage(EXPORT_SECS, 0, [tmpl, data])]);
    expect(got[0]?.startUs).toBe(EXPORT_SECS * 1_000_000);
    expect(d.counters.times_approximated).toBe(1);
  });
});

describe('NetFlow v9', () => {
  it('converts sysUptime-relative times, applies options sampling (34) and handles padding', () => {
    const d = new FlowDecoder();
    const opts = v9Set(1, v9OptionsTemplate(257, [[1, 4]], [[34, 4], [35, 1]]));
    const optData = v9Set(257, new Bytes().u32(0).u32(100).u8(2).u8(0).u8(0).u8(0).build()); // 3 bytes padding
    const tmpl = v9Set(0, v9Template(256, [[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [1, 4], [2, 4], [22, 4], [21, 4]]));
    const rec = new Bytes().ip4('10.0.0.5').ip4('203.0.113.5').u16(40000).u16(3333).u8(6).u32(50).u32(1).u32(9_000).u32(59_000).build();
    const data = v9Set(256, concat([rec, new Uint8Array(3)])); // padded to 4 bytes
    // Header: sysUptime 60 000 ms at unix 1 700 000 000 s; count 99 is deliberately wrong.
    const got = run(d, [v9Packet(60_000, EXPORT_SECS, 3, [opts, optData, tmpl, data], 99)]);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ source: 'netflow9', domain: 3, octets: 5000, packets: 100, samplingRate: 100 });
    expect(got[0]?.startUs).toBe((EXPORT_SECS * 1000 - 51_000) * 1000);
    expect(got[0]?.endUs).toBe((EXPORT_SECS * 1000 - 1_000) * 1000);
    expect(d.counters.record_truncated).toBe(0);
  });

  it('handles sysUptime wrap-around between record and header', () => {
    const d = new FlowDecoder();
    const tmpl = v9Set(0, v9Template(256, [[8, 4], [12, 4], [22, 4], [21, 4]]));
    // Flow started 2 s before the 32-bit counter wrapped; header says 1 s after the wrap.
    const rec = new Bytes().ip4('10.0.0.1').ip4('10.0.0.2').u32(0xffffffff - 1999).u32(500).build();
    const got = run(d, [v9Packet(1000, EXPORT_SECS, 0, [tmpl, v9Set(256, rec)])]);
    expect(got[0]?.startUs).toBe((EXPORT_SECS * 1000 - 3000) * 1000);
    expect(got[0]?.endUs).toBe((EXPORT_SECS * 1000 - 500) * 1000);
  });

  it('decodes IPv6 records (fields 27/28)', () => {
    const d = new FlowDecoder();
    const tmpl = v9Set(0, v9Template(256, [[27, 16], [28, 16], [7, 2], [11, 2]]));
    const a = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1];
    const b = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
    const rec = new Bytes().raw(a).raw(b).u16(1).u16(2).build();
    const got = run(d, [v9Packet(0, EXPORT_SECS, 0, [tmpl, v9Set(256, rec)])]);
    expect(got[0]).toMatchObject({ srcIp: '2001:db8::1', dstIp: '2001:db8::2' });
  });
});

describe('NetFlow v5', () => {
  it('applies header sampling (low 14 bits) and converts uptimes', () => {
    const d = new FlowDecoder();
    const hdr = new Bytes().u16(5).u16(1).u32(100_000).u32(EXPORT_SECS).u32(500_000_000).u32(1).u8(0).u8(0).u16(0x4000 | 64);
    const rec = new Bytes()
      .ip4('10.0.0.1')
      .ip4('198.51.100.1')
      .ip4('0.0.0.0')
      .u16(1)
      .u16(2)
      .u32(3) // packets
      .u32(300) // octets
      .u32(40_000) // first
      .u32(90_000) // last
      .u16(50123)
      .u16(4444)
      .u8(0)
      .u8(0x18)
      .u8(6)
      .u8(0)
      .u16(0)
      .u16(0)
      .u8(0)
      .u8(0)
      .u16(0);
    const got = run(d, [concat([hdr.build(), rec.build()])]);
    expect(got[0]).toMatchObject({ packets: 192, octets: 19200, samplingRate: 64, tcpFlags: 0x18, dstPort: 4444 });
    expect(got[0]?.startUs).toBe((EXPORT_SECS * 1000 + 500 - 60_000) * 1000);
    expect(got[0]?.endUs).toBe((EXPORT_SECS * 1000 + 500 - 10_000) * 1000);
  });
});
