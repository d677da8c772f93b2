// Flow-file imports: Zeek conn.log (TSV and JSON), Suricata EVE flow events and PAN-OS TRAFFIC
// CSV from fixtures, into the store; bad lines are reported by file:line and the lines around
// them still go in; overlong lines are dropped with bounded memory.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importFlowFiles, readLines } from '../../src/ingest/flow-imports/index.js';
import { MemoryFlowStore } from './memory-store.js';

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const panos = fileURLToPath(new URL('../fixtures/panos/traffic.csv', import.meta.url));

describe('flow imports', () => {
  it('Zeek conn.log TSV: header, unset and empty fields, bad lines by file:line', async () => {
    const store = new MemoryFlowStore();
    const file = `${dir}zeek-conn.log`;
    const r = await importFlowFiles([file], 'zeek-conn', store);
    expect(r.records).toBe(4);
    expect(r.bad).toBe(2);
    expect(r.badExamples).toEqual([`${file}:12 field_count_mismatch`, `${file}:13 bad_port`]);
    const flows = store.all();
    const xmr = flows.find((f) => f.src_port === 46080);
    expect(xmr).toMatchObject({ source: 'zeek', src_ip: '10.0.2.15', dest_ip: '192.110.160.114', dest_port: 3333, proto: 'TCP' });
    expect(xmr).toMatchObject({ pkts_toserver: 10, bytes_toserver: 754, pkts_toclient: 9, bytes_toclient: 1772, state: 'SF' });
    expect(xmr?.start_us).toBe(1_536_684_114_459_365);
    expect(xmr?.end_us).toBe(1_536_684_114_459_365 + 57_621_500);
    // duration, orig_bytes and resp_bytes unset ("-"): zero duration, IP bytes still there.
    const s0 = flows.find((f) => f.src_port === 45358);
    expect(s0).toMatchObject({ end_us: s0?.start_us, bytes_toserver: 60, app_proto: 'ssl', state: 'S0' });
    expect(flows.find((f) => f.proto === 'UDP')?.app_proto).toBe('dns');
  });

  it('reads gzip-compressed logs (.gz), as Zeek archives them', async () => {
    const gz = join(mkdtempSync(join(tmpdir(), 'mw-gz-')), 'conn.log.gz');
    writeFileSync(gz, gzipSync(readFileSync(`${dir}zeek-conn.log`)));
    const plain = new MemoryFlowStore();
    const zipped = new MemoryFlowStore();
    await importFlowFiles([`${dir}zeek-conn.log`], 'zeek-conn', plain);
    const r = await importFlowFiles([gz], 'zeek-conn', zipped);
    expect(r.records).toBe(4);
    expect(zipped.all()).toEqual(plain.all());
    // Cut short: the lines before the damage are imported, the damage is one bad line.
    const cut = join(mkdtempSync(join(tmpdir(), 'mw-gz-')), 'cut.log.gz');
    const whole = gzipSync(readFileSync(`${dir}zeek-conn.log`));
    writeFileSync(cut, Buffer.concat([whole.subarray(0, whole.length - 12), Buffer.from('garbage!')]));
    const partial = new MemoryFlowStore();
    const rc = await importFlowFiles([cut], 'zeek-conn', partial);
    expect(rc.badByReason.gzip_error).toBe(1);
  });

  it('Zeek conn.log JSON gives the same records as TSV for the same connections', async () => {
    const tsv = new MemoryFlowStore();
    const json = new MemoryFlowStore();
    await importFlowFiles([`${dir}zeek-conn.log`], 'zeek-conn', tsv);
    const r = await importFlowFiles([`${dir}zeek-conn.json`], 'zeek-conn', json);
    expect(r.badByReason).toEqual({ bad_address: 1, bad_json: 1 });
    const key = (f: { src_port: number; bytes_toserver: number; bytes_toclient: number; start_us: number; end_us: number }): string =>
      `${f.src_port}|${f.bytes_toserver}|${f.bytes_toclient}|${f.start_us}|${f.end_us}`;
    const a = tsv.all().map(key).sort();
    const b = json.all().map(key).sort();
    expect(b).toEqual(a);
  });

  it('Suricata EVE: flow events imported, other events skipped, bad lines counted', async () => {
    const store = new MemoryFlowStore();
    const r = await importFlowFiles([`${dir}eve-flow.json`], 'eve', store);
    expect(r.records).toBe(3);
    expect(r.skipped.not_a_flow_event).toBe(1);
    expect(r.badByReason).toEqual({ bad_time: 1, not_an_object: 1 });
    const f = store.all().find((x) => x.src_port === 46080);
    expect(f).toMatchObject({ flow_id: '1403946720577426', source: 'eve', bytes_toclient: 1898, state: 'closed', reason: 'timeout', tcp_flags: 0x1b });
    expect(f?.start_us).toBe(1_536_684_114_459_365);
  });

  it('PAN-OS TRAFFIC CSV is parsed by the PAN-OS parser', async () => {
    const store = new MemoryFlowStore();
    const r = await importFlowFiles([panos], 'panos-traffic', store);
    expect(r.skipped.start_log).toBe(1);
    expect(r.records).toBe(3);
    const f = store.all().find((x) => x.dest_port === 3333);
    expect(f).toMatchObject({ source: 'panos', src_ip: '10.1.20.34', dest_ip: '203.0.113.21' });
  });

  it('re-importing the same file stores nothing new', async () => {
    const store = new MemoryFlowStore();
    await importFlowFiles([`${dir}eve-flow.json`], 'eve', store);
    const again = await importFlowFiles([`${dir}eve-flow.json`], 'eve', store);
    expect(again.records).toBe(3);
    expect(again.stored).toBe(0);
  });

  it('counts values a store cannot keep exactly as bad lines, keeps the lines around them', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mw-eve-'));
    const f = join(tmp, 'eve.json');
    const flow = (id: number, start: string, bytes: number): string =>
      JSON.stringify({ flow_id: id, event_type: 'flow', src_ip: '10.0.0.1', src_port: 1, dest_ip: '10.0.0.2', dest_port: 2, proto: 'TCP', flow: { start, end: start, bytes_toserver: bytes } });
    writeFileSync(f, [flow(1, '2026-01-01T00:00:00.000000+0000', 10), flow(2, '2301-01-01T00:00:00.000000+0000', 10), flow(3, '2026-01-01T00:00:01.000000+0000', 2 ** 60), flow(4, '2026-01-01T00:00:02.000000+0000', 10)].join('\n'));
    const store = new MemoryFlowStore();
    const r = await importFlowFiles([f], 'eve', store);
    expect(r.badByReason).toEqual({ value_out_of_range: 2 });
    expect(store.all().map((x) => x.flow_id).sort()).toEqual(['1', '4']);
  });

  it('drops lines over the line limit whole, keeps the next line', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mw-lines-'));
    const f = join(tmp, 'long.txt');
    writeFileSync(f, `short\n${'x'.repeat(5000)}\nafter\nlast-no-newline`);
    const lines: Array<string | undefined> = [];
    for await (const l of readLines(f, 1000)) lines.push(l);
    expect(lines).toEqual(['short', undefined, 'after', 'last-no-newline']);
  });
});
