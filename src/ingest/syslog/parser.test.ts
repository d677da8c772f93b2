// Unit tests of the RFC 3164 / RFC 5424 header parsers.
import { describe, expect, it } from 'vitest';
import { parseListenList } from './listen.js';
import { parseSyslog } from './parser.js';

const recv = Date.UTC(2026, 10, 27, 12, 0, 0) * 1000;

describe('parseSyslog RFC 3164', () => {
  it('parses the PAN-OS BSD form (no tag, CSV after the host)', () => {
    const r = parseSyslog('<14>Nov 27 10:15:02 PA-220 1,2026/11/27 10:15:02,0128,THREAT,spyware\n', { receivedUs: recv });
    expect(r.message).toEqual({
      format: 'rfc3164', pri: 14, facility: 1, severity: 6,
      ts_us: Date.UTC(2026, 10, 27, 10, 15, 2) * 1000,
      hostname: 'PA-220', msg: '1,2026/11/27 10:15:02,0128,THREAT,spyware',
    });
  });
  it('reads a tag with pid, a space-padded day and the year nearest the receive time', () => {
    const r = parseSyslog('<38>Dec 31 23:59:59 host sshd[123]: Accepted key', { receivedUs: Date.UTC(2027, 0, 1, 0, 0, 5) * 1000 });
    expect(r.message?.app_name).toBe('sshd');
    expect(r.message?.procid).toBe('123');
    expect(r.message?.msg).toBe('Accepted key');
    expect(r.message?.ts_us).toBe(Date.UTC(2026, 11, 31, 23, 59, 59) * 1000);
    const p = parseSyslog('<13>Jan  5 01:02:03 h app: x', { receivedUs: recv, tzOffsetMinutes: 60 });
    expect(p.message?.ts_us).toBe(Date.UTC(2027, 0, 5, 0, 2, 3) * 1000);
  });
  it('keeps a message without timestamp whole', () => {
    expect(parseSyslog('<13>hello world', { receivedUs: recv }).message?.msg).toBe('hello world');
  });
  it('names bad input', () => {
    expect(parseSyslog('', { receivedUs: recv }).error).toBe('empty');
    expect(parseSyslog('\r\n', { receivedUs: recv }).error).toBe('empty');
    expect(parseSyslog('no pri', { receivedUs: recv }).error).toBe('bad_pri');
    expect(parseSyslog('<192>Nov 27 10:15:02 h x', { receivedUs: recv }).error).toBe('bad_pri');
    expect(parseSyslog('<14>Foo 27 10:15:02 h x', { receivedUs: recv }).message?.msg).toBe('Foo 27 10:15:02 h x');
    expect(parseSyslog('<14>Nov 27 25:15:02 h x', { receivedUs: recv }).error).toBe('bad_header');
  });
});

describe('parseSyslog RFC 5424', () => {
  it('parses header, structured data with escapes and a BOM message', () => {
    const r = parseSyslog(
      '<165>1 2026-11-27T10:15:02.123456+01:00 fw.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\\"ica\\]tion"][b@1 x="\\\\y"] \uFEFFAn application event',
      { receivedUs: recv },
    );
    expect(r.message).toEqual({
      format: 'rfc5424', pri: 165, facility: 20, severity: 5,
      ts_us: Date.UTC(2026, 10, 27, 9, 15, 2) * 1000 + 123456,
      hostname: 'fw.example.com', app_name: 'evntslog', msgid: 'ID47',
      structured_data: { 'exampleSDID@32473': { iut: '3', eventSource: 'Appl"ica]tion' }, 'b@1': { x: '\\y' } },
      msg: 'An application event',
    });
  });
  it('parses the PAN-OS IETF form with nil values', () => {
    const r = parseSyslog('<14>1 2026-11-27T11:20:00.500Z PA-3220 - - - - 1,2026/11/27,x,TRAFFIC', { receivedUs: recv });
    expect(r.message?.hostname).toBe('PA-3220');
    expect(r.message?.app_name).toBeUndefined();
    expect(r.message?.msg).toBe('1,2026/11/27,x,TRAFFIC');
    expect(r.message?.ts_us).toBe(Date.UTC(2026, 10, 27, 11, 20, 0, 500) * 1000);
  });
  it('names bad input', () => {
    expect(parseSyslog('<14>2 2026-11-27T11:20:00Z h a p m - x', { receivedUs: recv }).error).toBe('bad_version');
    expect(parseSyslog('<14>1 2026-11-27T11:20:00Z h a', { receivedUs: recv }).error).toBe('bad_header');
    expect(parseSyslog('<14>1 yesterday h a p m - x', { receivedUs: recv }).error).toBe('bad_header');
    expect(parseSyslog('<14>1 - h a p m [x a="1" x', { receivedUs: recv }).error).toBe('bad_structured_data');
    expect(parseSyslog('<14>1 - h a p m {x} y', { receivedUs: recv }).error).toBe('bad_structured_data');
  });
});

describe('parseListenList', () => {
  it('reads transports, hosts, IPv6 and default ports', () => {
    expect(parseListenList('udp://127.0.0.1:5514, tcp://[::1]:6000,tls://0.0.0.0,udp://')).toEqual([
      { transport: 'udp', host: '127.0.0.1', port: 5514 },
      { transport: 'tcp', host: '::1', port: 6000 },
      { transport: 'tls', host: '0.0.0.0', port: 6514 },
      { transport: 'udp', host: '0.0.0.0', port: 5514 },
    ]);
  });
  it('throws on bad configuration', () => {
    expect(() => parseListenList('http://x:1')).toThrow(/bad syslog address/);
    expect(() => parseListenList('udp://x:70000')).toThrow(/bad port/);
    expect(() => parseListenList('')).toThrow(/empty/);
  });
});
