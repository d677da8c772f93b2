// Unit tests of the PAN-OS CSV, THREAT and TRAFFIC parsers over the fixture lines.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/types.js';
import type { FlowRecord } from '../../flows/types.js';
import { THREAT_COLUMNS, TRAFFIC_COLUMNS } from './columns.js';
import { splitCsv } from './csv.js';
import { PanosIngest } from './ingest.js';
import { classifyPanosThreat } from './mining.js';
import { eveSeverity, parsePanosThreat, parsePanosTraffic, parsePanosTime, splitThreatName } from './parser.js';

const fixture = (name: string): string[] =>
  readFileSync(new URL(`../../../test/fixtures/panos/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);

describe('splitCsv', () => {
  it('handles quoted fields with commas and doubled quotes', () => {
    expect(splitCsv('a,"b,c","say ""hi""",,e')).toEqual({ fields: ['a', 'b,c', 'say "hi"', '', 'e'] });
    expect(splitCsv('a,b,')).toEqual({ fields: ['a', 'b', ''] });
    expect(splitCsv('"x""",y')).toEqual({ fields: ['x"', 'y'] });
  });
  it('reports errors instead of throwing', () => {
    expect(splitCsv('a,"unterminated')).toEqual({ error: 'unterminated_quote' });
    expect(splitCsv('a,"b"c,d')).toEqual({ error: 'bad_quote' });
    expect(splitCsv('a,b,c,d', 3)).toEqual({ error: 'too_many_fields' });
  });
});

describe('column tables', () => {
  it('have the documented lengths (THREAT 121, TRAFFIC 115)', () => {
    expect(THREAT_COLUMNS.length).toBe(121);
    expect(TRAFFIC_COLUMNS.length).toBe(115);
    expect(THREAT_COLUMNS[32]).toBe('threatid');
    expect(THREAT_COLUMNS[42]).toBe('pcap_id');
    expect(THREAT_COLUMNS[59]).toBe('device_name');
    expect(THREAT_COLUMNS[69]).toBe('thr_category');
    expect(THREAT_COLUMNS[107]).toBe('high_res_timestamp');
    expect(TRAFFIC_COLUMNS[46]).toBe('session_end_reason');
    expect(TRAFFIC_COLUMNS[52]).toBe('device_name');
    expect(TRAFFIC_COLUMNS[102]).toBe('high_res_timestamp');
  });
});

describe('THREAT', () => {
  const lines = fixture('threat.csv');
  it('parses the 10.x XMRig line with every kept field', () => {
    const r = parsePanosThreat(lines[0] ?? '');
    expect(r.error).toBeUndefined();
    const t = r.record!;
    expect(t.threat_name).toBe('XMRig Miner Command and Control Traffic Detection');
    expect(t.threat_id).toBe(85886);
    expect(t.src_ip).toBe('10.1.20.34');
    expect(t.dest_port).toBe(3333);
    expect(t.proto).toBe('TCP');
    expect(t.app).toBe('json-rpc');
    expect(t.severity).toBe('high');
    expect(t.eve_severity).toBe(1);
    expect(t.direction).toBe('client-to-server');
    expect(t.session_id).toBe('48213');
    expect(t.pcap_id).toBe('60256193416407868');
    expect(t.device_name).toBe('PA-220');
    expect(t.serial).toBe('012801096514');
    expect(t.fields.srcuser).toBe('corp\\build01');
    // The high-resolution timestamp wins over the second-resolution generated time.
    expect(t.ts_us).toBe(Date.UTC(2026, 10, 27, 10, 15, 2, 412) * 1000);
  });
  it('keeps quoted fields with commas and quotes intact', () => {
    const t = parsePanosThreat(lines[3] ?? '').record!;
    expect(t.fields.misc).toBe('www.example.com/cgi-bin/a,b.php?q="x"');
    expect(t.fields.user_agent).toBe('Mozilla/5.0 (X11; Linux x86_64) "scanner", v2');
    expect(t.threat_name).toBe('Apache Log4j Remote Code Execution Vulnerability');
    expect(t.fields.http_method).toBe('get');
  });
  it('classifies mining by name, threat category and not by json-rpc alone', () => {
    const got = lines.map((l) => classifyPanosThreat(parsePanosThreat(l).record!));
    expect(got.map((g) => g.isMining)).toEqual([true, true, true, false, false, true]);
    expect(got[2]?.rules).toEqual(['panos.threat_category']);
    expect(got[5]?.rules).toEqual(['panos.threat_name', 'panos.threat_category']);
  });
  it('parses IPv6 endpoints', () => {
    const t = parsePanosThreat(lines[5] ?? '').record!;
    expect(t.src_ip).toBe('fd00:10::34');
    expect(t.eve_severity).toBe(3);
  });
  it('names its errors', () => {
    expect(parsePanosThreat('').error).toBe('empty');
    expect(parsePanosThreat('1,2026/11/27 10:00:00,0001,SYSTEM,general').error).toBe('unknown_log_type');
    expect(parsePanosThreat('1,2026/11/27 10:00:00,0001,THREAT,url,1').error).toBe('too_few_fields');
    expect(parsePanosThreat((lines[0] ?? '').replace('10.1.20.34', '10.1.20.345')).error).toBe('bad_address');
    expect(parsePanosThreat((lines[0] ?? '').replace(',51734,', ',99999,')).error).toBe('bad_port');
    expect(parsePanosThreat((lines[1] ?? '').replace('2026/11/27 10:16:39', '2026/13/27 10:16:39')).error).toBe('bad_time');
    expect(parsePanosThreat(fixture('traffic.csv')[0] ?? '').error).toBe('wrong_log_type');
  });
  it('splits name(id) at the last parenthesis and maps severities', () => {
    expect(splitThreatName('Foo (bar) Miner(123)')).toEqual({ name: 'Foo (bar) Miner', id: 123 });
    expect(splitThreatName('no id')).toEqual({ name: 'no id' });
    expect(['critical', 'high', 'medium', 'low', 'informational'].map(eveSeverity)).toEqual([1, 1, 2, 3, 3]);
  });
});

describe('TRAFFIC', () => {
  const lines = fixture('traffic.csv');
  it('turns an end log into a flow record', () => {
    const r = parsePanosTraffic(lines[0] ?? '');
    const f = r.record!;
    expect(f.source).toBe('panos');
    expect(f.observer).toBe('PA-220');
    expect([f.src_ip, f.src_port, f.dest_ip, f.dest_port, f.proto]).toEqual(['10.1.20.34', 51734, '203.0.113.21', 3333, 'TCP']);
    expect(f.start_us).toBe(Date.UTC(2026, 10, 27, 10, 15, 1) * 1000);
    expect(f.end_us - f.start_us).toBe(902_000_000);
    expect([f.bytes_toserver, f.bytes_toclient, f.pkts_toserver, f.pkts_toclient]).toEqual([61203, 122739, 702, 700]);
    expect(f.reason).toBe('tcp-fin');
    expect(f.state).toBe('end');
    expect(f.app_proto).toBe('json-rpc');
    expect(f.extra?.sessionid).toBe('48213');
    expect(f.flow_id).toMatch(/^[0-9a-f]{32}$/);
    expect(parsePanosTraffic(lines[0] ?? '').record?.flow_id).toBe(f.flow_id);
  });
  it('skips start logs, keeps deny logs, reads quoted rules', () => {
    expect(parsePanosTraffic(lines[1] ?? '')).toEqual({ skipped: 'start_log' });
    const deny = parsePanosTraffic(lines[2] ?? '').record!;
    expect([deny.proto, deny.state, deny.reason]).toEqual(['UDP', 'deny', 'policy-deny']);
    expect(parsePanosTraffic(lines[3] ?? '').record?.extra?.rule).toBe('allow, out');
  });
  it('reads lines that kept their syslog header', () => {
    const bsd = fixture('syslog-bsd.log')[2] ?? '';
    expect(parsePanosTraffic(bsd).record?.bytes_toclient).toBe(122739);
    const ietf = fixture('syslog-ietf.log')[1] ?? '';
    expect(parsePanosTraffic(ietf).record?.extra?.rule).toBe('allow, out');
    expect(parsePanosTraffic('<14>Nov 27 10:15:02 fw garbage').error).toBe('unknown_log_type');
  });
  it('applies the firewall time zone', () => {
    expect(parsePanosTime('2026/11/27 10:00:00', 60)).toBe(Date.UTC(2026, 10, 27, 9, 0, 0) * 1000);
    const f = parsePanosTraffic(lines[0] ?? '', { tzOffsetMinutes: -300 }).record!;
    expect(f.start_us).toBe(Date.UTC(2026, 10, 27, 15, 15, 1) * 1000);
  });
});

describe('PanosIngest', () => {
  it('routes every fixture line and counts each outcome', () => {
    const alerts: Alert[] = [];
    const flows: FlowRecord[] = [];
    const ing = new PanosIngest({ onAlert: (a) => alerts.push(a), onFlow: (f) => flows.push(f) });
    for (const l of [...fixture('threat.csv'), ...fixture('traffic.csv'), 'garbage', '1,x,y,CONFIG,z']) ing.handle(l);
    expect(alerts).toHaveLength(4);
    expect(flows).toHaveLength(3);
    expect(ing.counters).toMatchObject({ threat_logs: 6, traffic_logs: 4, alerts: 4, flows: 3, threat_not_mining: 2, traffic_start_skipped: 1 });
    expect(ing.counters.errors).toEqual({ unknown_log_type: 2 });
    const a = alerts[0]!;
    expect(a.source).toBe('panos');
    expect(a.alert.signature_id).toBe(85886);
    expect(a.alert.action).toBe('allowed');
    expect(alerts[1]?.alert.action).toBe('blocked');
    expect(a.alert.category).toBe('Crypto Currency Mining Activity Detected');
    expect(a.original?.threatid).toBe('XMRig Miner Command and Control Traffic Detection(85886)');
    expect(a.original?.raw).toBe(fixture('threat.csv')[0]);
    expect((a.evidence.panos as Record<string, unknown>).pcap_id).toBe('60256193416407868');
    // The alert and the TRAFFIC end log of the same session share a Community ID.
    expect(a.community_id).toMatch(/^1:/);
    expect(a.community_id).toBe(flows[0]?.community_id);
    // Same log again: same id.
    const again: Alert[] = [];
    new PanosIngest({ onAlert: (x) => again.push(x), onFlow: () => undefined }).handle(fixture('threat.csv')[0] ?? '');
    expect(again[0]?.id).toBe(a.id);
  });
});
