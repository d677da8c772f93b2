// A binary form of the bundled IP-to-ASN tables, written once at build time so that a server or a
// triage run loads them in milliseconds instead of parsing 30 MB of CSV. Layout (little-endian):
// magic "MWASN1\0\0", u32 v4 count, u32 v6 count, u32 description bytes, u32 orgs JSON bytes,
// then the v4 start/end/asn/org arrays (u32 each), v6 start/end (16 bytes each), v6 asn/org (u32),
// the description (UTF-8) and the organisation names as a JSON array. A cache from another data
// version is simply rebuilt by the next build.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AsnTables } from './asn-db.js';

const MAGIC = 'MWASN1\0\0';

export function defaultAsnCachePath(): string {
  return fileURLToPath(new URL('./asn-cache.bin', import.meta.url));
}

export function encodeAsnTables(t: AsnTables): Buffer {
  const desc = Buffer.from(t.description, 'utf8');
  const orgs = Buffer.from(JSON.stringify(t.orgs), 'utf8');
  const n4 = t.v4Asn.length;
  const n6 = t.v6Asn.length;
  const head = Buffer.alloc(24);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(n4, 8);
  head.writeUInt32LE(n6, 12);
  head.writeUInt32LE(desc.length, 16);
  head.writeUInt32LE(orgs.length, 20);
  const u32 = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([head, u32(t.v4Start), u32(t.v4End), u32(t.v4Asn), u32(t.v4Org), Buffer.from(t.v6Start), Buffer.from(t.v6End), u32(t.v6Asn), u32(t.v6Org), desc, orgs]);
}

/** The tables, or undefined when the file is missing or not a cache of this layout. */
export function readAsnCache(path: string): AsnTables | undefined {
  if (!existsSync(path)) return undefined;
  const b = readFileSync(path);
  if (b.length < 24 || b.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const n4 = b.readUInt32LE(8);
  const n6 = b.readUInt32LE(12);
  const descLen = b.readUInt32LE(16);
  const orgsLen = b.readUInt32LE(20);
  const expected = 24 + n4 * 16 + n6 * 40 + descLen + orgsLen;
  if (b.length !== expected) return undefined;
  // Copy into fresh aligned arrays (the file buffer's offset may not be 4-aligned); on a
  // little-endian host that is a plain byte copy.
  const isLe = endianness() === 'LE';
  const copy32 = (off: number, n: number) => {
    if (isLe) return new Uint32Array(b.buffer.slice(b.byteOffset + off, b.byteOffset + off + n * 4));
    const a = new Uint32Array(n);
    for (let i = 0; i < n; i++) a[i] = b.readUInt32LE(off + i * 4);
    return a;
  };
  let off = 24;
  const v4Start = copy32(off, n4);
  off += n4 * 4;
  const v4End = copy32(off, n4);
  off += n4 * 4;
  const v4Asn = copy32(off, n4);
  off += n4 * 4;
  const v4Org = copy32(off, n4);
  off += n4 * 4;
  const v6Start = new Uint8Array(b.subarray(off, off + n6 * 16));
  off += n6 * 16;
  const v6End = new Uint8Array(b.subarray(off, off + n6 * 16));
  off += n6 * 16;
  const v6Asn = copy32(off, n6);
  off += n6 * 4;
  const v6Org = copy32(off, n6);
  off += n6 * 4;
  const description = b.toString('utf8', off, off + descLen);
  off += descLen;
  const orgs = JSON.parse(b.toString('utf8', off, off + orgsLen)) as string[];
  return { v4Start, v4End, v4Asn, v4Org, v6Start, v6End, v6Asn, v6Org, orgs, description };
}

export function writeAsnCache(path: string, t: AsnTables): void {
  writeFileSync(path, encodeAsnTables(t));
}
