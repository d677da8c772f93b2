// CEF escaping: a record with pipes, backslashes, equals signs and line breaks in every field
// still splits into exactly 8 header parts and the extension reads back to the original values.
import { describe, expect, it } from 'vitest';
import { cefHeader, cefSeverity, cefValue, toCef } from '../../src/output/cef.js';
import { fixtureAlerts, hostileAlert } from './alerts.js';

/** An independent CEF reader: header split on unescaped pipes, extension on key= boundaries. */
function readCef(rec: string): { header: string[]; ext: Record<string, string> } {
  const header: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < rec.length && header.length < 7; i++) {
    const c = rec[i];
    if (c === '\\' && (rec[i + 1] === '|' || rec[i + 1] === '\\')) {
      cur += rec[i + 1];
      i++;
    } else if (c === '|') {
      header.push(cur);
      cur = '';
    } else cur += c;
  }
  const extText = rec.slice(i);
  const ext: Record<string, string> = {};
  // Keys are unescaped `name=` preceded by start or a space; values run to the next key.
  const keyRe = /(?:^| )([A-Za-z0-9_]+)=/g;
  const keys: { key: string; start: number; valueStart: number }[] = [];
  for (let m = keyRe.exec(extText); m; m = keyRe.exec(extText)) {
    if (m.index > 0 && extText[m.index - 1] === '\\') continue;
    keys.push({ key: m[1] as string, start: m.index, valueStart: m.index + m[0].length });
  }
  keys.forEach((k, n) => {
    const raw = extText.slice(k.valueStart, n + 1 < keys.length ? (keys[n + 1] as { start: number }).start : extText.length);
    ext[k.key] = raw.replace(/\\(.)/g, (_s, ch: string) => (ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch));
  });
  return { header, ext };
}

describe('CEF', () => {
  it('escapes header and extension characters as the CEF specification says', () => {
    expect(cefHeader('a|b\\c=d')).toBe('a\\|b\\\\c=d');
    expect(cefHeader('line1\nline2\r\nline3')).toBe('line1 line2 line3');
    expect(cefValue('a=b\\c|d\ne\rf')).toBe('a\\=b\\\\c|d\\ne\\rf');
    expect([1, 2, 3, 4].map(cefSeverity)).toEqual([8, 5, 3, 1]);
  });

  it('writes a fixture alert with the expected header and extension', () => {
    const a = fixtureAlerts()[0]!;
    const rec = toCef(a);
    expect(rec.startsWith('CEF:0|minerwatch|minerwatch|0.1.0|85886|XMRig Miner Command and Control Traffic Detection|8|rt=')).toBe(true);
    const { header, ext } = readCef(rec);
    expect(header).toHaveLength(7);
    expect(ext).toMatchObject({
      rt: String(Math.floor(a.ts_us / 1000)), src: '10.1.20.34', spt: '51734', dst: '203.0.113.21', dpt: '3333',
      proto: 'TCP', app: 'json-rpc', act: 'allowed', externalId: a.id, cs1: 'panos', cs2: a.community_id, cfp1: '0.50',
    });
    expect(ext.msg).toBe(a.explanation);
  });

  it('keeps hostile text inside its fields', () => {
    const a = hostileAlert();
    const rec = toCef(a);
    expect(rec).not.toMatch(/[\r\n]/);
    const { header, ext } = readCef(rec);
    expect(header).toEqual(['CEF:0', 'minerwatch', 'minerwatch', '0.1.0', '85886', 'Miner|with\\pipes=and newlines "quotes"] ünïcødé', '8']);
    expect(ext.msg).toBe('a=b|c\\d\ne\rf ] "g"');
    expect(ext.externalId).toBe('hostile-1');
  });
});
