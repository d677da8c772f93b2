// The XML reader on the documented response shapes, and on hostile input (never throws, bounded
// depth, no entity expansion).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pcapIdEpochSeconds } from './pcap-id.js';
import { child, MAX_XML_DEPTH, parseXml, textOf } from './xml.js';

describe('parseXml', () => {
  it('reads the documented response shapes', () => {
    const r = parseXml('<?xml version="1.0"?>\n<response status="success" code="19"><result><msg><line>query job enqueued with jobid 18</line></msg><job>18</job></result></response>');
    expect(r.root?.attrs).toEqual({ status: 'success', code: '19' });
    expect(textOf(child(r.root, 'result', 'job'))).toBe('18');
    expect(textOf(child(r.root, 'result', 'msg', 'line'))).toBe('query job enqueued with jobid 18');
    const e = parseXml("<response status='error' code='403'><result><msg>Invalid Credential</msg></result></response>");
    expect(e.root?.attrs.status).toBe('error');
    expect(textOf(child(e.root, 'result', 'msg'))).toBe('Invalid Credential');
    expect(parseXml('<a/>').root?.name).toBe('a');
  });
  it('names malformed documents', () => {
    expect(parseXml('').error).toBe('no root element');
    expect(parseXml('<a>').error).toMatch(/unclosed/);
    expect(parseXml('<a></a><b/>').error).toMatch(/more than one root/);
    expect(parseXml('x<a/>').error).toMatch(/text outside/);
    expect(parseXml(`${'<a>'.repeat(MAX_XML_DEPTH + 1)}`).error).toBe('nesting too deep');
  });
  it('never throws on random input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
      parseXml(s);
      parseXml(`<response>${s}</response>`);
    }), { numRuns: 2000 });
  });
  it('reads the time out of pcap ids and rejects what is not one', () => {
    expect(pcapIdEpochSeconds('60256193416407868')).toBe(1795774502);
    expect(pcapIdEpochSeconds('0')).toBeUndefined();
    expect(pcapIdEpochSeconds('-1')).toBeUndefined();
    expect(pcapIdEpochSeconds('99999999999999999999')).toBeUndefined();
  });
});
