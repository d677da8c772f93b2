import { describe, expect, it } from 'vitest';
import { CsvAsnDatabase, loadBundledAsnDatabase } from './asn-db.js';

describe('CsvAsnDatabase', () => {
  // Rows in the layout of @ip-location-db/asn: numeric IPv4 ranges and textual IPv6 ranges.
  const v4 = '16777216,16777471,13335,"Cloudflare, Inc."\n134744064,134744319,15169,Google LLC\n';
  const v6 = '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n';
  const db = new CsvAsnDatabase(v4, v6, 'test');

  it('finds the range holding an address, with quoted organisation names', () => {
    expect(db.lookup('1.0.0.1')).toMatchObject({ asn: 13335, organisation: 'Cloudflare, Inc.' });
    expect(db.lookup('8.8.8.8')).toMatchObject({ asn: 15169, organisation: 'Google LLC', network: '8.8.8.0-8.8.8.255' });
    expect(db.lookup('2001:4860:4860::8888')).toMatchObject({ asn: 15169 });
  });

  it('answers nothing between ranges, before the first and for non-addresses', () => {
    expect(db.lookup('1.0.1.0')).toBeUndefined();
    expect(db.lookup('0.0.0.1')).toBeUndefined();
    expect(db.lookup('2001:db8::1')).toBeUndefined();
    expect(db.lookup('not-an-ip')).toBeUndefined();
  });
});

describe('the bundled database', () => {
  it('loads from the pinned package and knows well-known networks', () => {
    const db = loadBundledAsnDatabase();
    expect(db.description).toMatch(/@ip-location-db\/asn/);
    expect(db.lookup('8.8.8.8')?.asn).toBe(15169);
    expect(db.lookup('1.1.1.1')?.asn).toBe(13335);
    expect(db.lookup('2606:4700:4700::1111')?.asn).toBe(13335);
    // Private and documentation ranges are not routed.
    expect(db.lookup('10.1.2.3')).toBeUndefined();
  });
});
