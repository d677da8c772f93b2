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

describe('the binary cache', () => {
  it('round-trips the tables and answers as the CSV does', async () => {
    const { encodeAsnTables, readAsnCache } = await import('./asn-cache.js');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { tablesFromCsv, RangeAsnDatabase } = await import('./asn-db.js');
    const t = tablesFromCsv(
      '16777216,16777471,13335,"Cloudflare, Inc."\n134744064,134744319,15169,Google LLC\n',
      '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n2606:4700::,2606:4700:ffff:ffff:ffff:ffff:ffff:ffff,13335,"Cloudflare, Inc."\n',
      'test tables',
    );
    const dir = mkdtempSync(join(tmpdir(), 'mw-asn-'));
    const path = join(dir, 'c.bin');
    writeFileSync(path, encodeAsnTables(t));
    const back = readAsnCache(path);
    expect(back?.description).toBe('test tables');
    const a = new RangeAsnDatabase(t);
    const b = new RangeAsnDatabase(back!);
    for (const ip of ['1.0.0.9', '8.8.8.8', '9.9.9.9', '2001:4860::1', '2606:4700::1111', '2001:db8::1']) expect(b.lookup(ip)).toEqual(a.lookup(ip));
    writeFileSync(path, Buffer.from('not a cache'));
    expect(readAsnCache(path)).toBeUndefined();
    rmSync(dir, { recursive: true });
  });
});

describe('a MaxMind-format ASN file', () => {
  it('is read with its prefix and organisation', async () => {
    const { MmdbAsnDatabase } = await import('./asn-db.js');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'mw-mmdb-'));
    const path = join(dir, 'asn.mmdb');
    writeFileSync(path, buildMmdb([
      { prefix: [203, 0, 113, 0], bits: 24, asn: 64500, org: 'Example Hosting' },
      { prefix: [198, 51, 100, 0], bits: 24, asn: 64501, org: 'Other Net' },
    ]));
    const db = new MmdbAsnDatabase(path);
    expect(db.lookup('203.0.113.21')).toEqual({ asn: 64500, organisation: 'Example Hosting', network: '203.0.113.21/24', source: 'mmdb' });
    expect(db.lookup('198.51.100.7')?.asn).toBe(64501);
    expect(db.lookup('192.0.2.1')).toBeUndefined();
    rmSync(dir, { recursive: true });
  });
});

/**
 * A minimal MaxMind DB writer for the test (format: MaxMind DB File Format Specification 2.0):
 * an IPv4 binary search tree with 24-bit records, a data section of maps, and the metadata map.
 */
function buildMmdb(nets: { prefix: number[]; bits: number; asn: number; org: string }[]): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    // Sizes from 29 to 284 take one extra byte (size - 29) after a control size of 29.
    if (b.length < 29) return Buffer.concat([Buffer.from([0x40 | b.length]), b]);
    return Buffer.concat([Buffer.from([0x40 | 29, b.length - 29]), b]);
  };
  const u32 = (n: number) => {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    // uint32 is type 6: control byte 0b110 << 5 | size.
    return Buffer.from([0xc0 | bytes.length, ...bytes]);
  };
  const u16 = (n: number) => Buffer.from([0xa0 | 2, n >> 8, n & 0xff]);
  const map = (entries: [string, Buffer][]) => Buffer.concat([Buffer.from([0xe0 | entries.length]), ...entries.flatMap(([k, v]) => [str(k), v])]);
  const arr = (items: Buffer[]) => Buffer.concat([Buffer.from([items.length, 0x04]), ...items]); // extended type 11 (array)
  // Data section: one record per network.
  const records: Buffer[] = [];
  const offsets: number[] = [];
  let off = 0;
  for (const n of nets) {
    const rec = map([
      ['autonomous_system_number', u32(n.asn)],
      ['autonomous_system_organization', str(n.org)],
    ]);
    offsets.push(off);
    records.push(rec);
    off += rec.length;
  }
  // Search tree: nodes created along each prefix's path.
  type Node = [number | Node | undefined, number | Node | undefined];
  const root: Node = [undefined, undefined];
  nets.forEach((n, idx) => {
    let node = root;
    for (let i = 0; i < n.bits; i++) {
      const bit = (n.prefix[i >> 3]! >> (7 - (i & 7))) & 1;
      if (i === n.bits - 1) node[bit] = -1 - idx;
      else {
        if (typeof node[bit] !== 'object') node[bit] = [undefined, undefined];
        node = node[bit] as Node;
      }
    }
  });
  const nodes: Node[] = [];
  const number = new Map<Node, number>();
  const walk = (n: Node) => {
    number.set(n, nodes.length);
    nodes.push(n);
    for (const c of n) if (typeof c === 'object') walk(c);
  };
  walk(root);
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach((n, i) => {
    for (const side of [0, 1] as const) {
      const c = n[side];
      // Empty: nodeCount; child: its number; data: nodeCount + 16 + offset.
      const v = c === undefined ? nodeCount : typeof c === 'object' ? number.get(c)! : nodeCount + 16 + offsets[-1 - c]!;
      tree.writeUIntBE(v, i * 6 + side * 3, 3);
    }
  });
  const meta = map([
    ['node_count', u32(nodeCount)],
    ['record_size', u16(24)],
    ['ip_version', u16(4)],
    ['database_type', str('Test-ASN')],
    ['languages', arr([str('en')])],
    ['binary_format_major_version', u16(2)],
    ['binary_format_minor_version', u16(0)],
    ['build_epoch', u32(1_700_000_000)],
    ['description', map([['en', str('test')]])],
  ]);
  return Buffer.concat([tree, Buffer.alloc(16), ...records, Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'), meta]);
}
