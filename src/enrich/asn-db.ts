// IP-to-ASN lookups read locally, so enrichment works with no network on first start. The default
// database is the pinned npm data package @ip-location-db/asn (RouteViews + RIR + DB-IP ASN Lite,
// CC-BY-4.0): CSV rows `start,end,asn,organisation`. A MaxMind-format (MMDB) ASN file the user
// supplies (GeoLite2-ASN or compatible) is read with mmdb-lib instead when configured.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader, type AsnResponse } from 'mmdb-lib';
import { defaultAsnCachePath, readAsnCache } from './asn-cache.js';
import { formatIp, parseIp } from '../util/ip.js';

export interface AsnInfo {
  asn: number;
  organisation: string;
  /** The range or network the answer came from, for the record. */
  network: string;
  source: 'ip-location-db' | 'mmdb';
}

export interface AsnLookup {
  lookup(ip: string): AsnInfo | undefined;
  readonly description: string;
}

/** The tables of a range database: sorted, non-overlapping ranges, one set per address family. */
export interface AsnTables {
  v4Start: Uint32Array;
  v4End: Uint32Array;
  v4Asn: Uint32Array;
  v4Org: Uint32Array;
  /** 16 bytes per range, big-endian, so byte order is numeric order. */
  v6Start: Uint8Array;
  v6End: Uint8Array;
  v6Asn: Uint32Array;
  v6Org: Uint32Array;
  orgs: string[];
  description: string;
}

/** Binary search over the tables; built from the CSV or from the binary cache (asn-cache.ts). */
export class RangeAsnDatabase implements AsnLookup {
  readonly description: string;
  constructor(readonly tables: AsnTables) {
    this.description = tables.description;
  }

  lookup(ip: string): AsnInfo | undefined {
    const t = this.tables;
    const addr = parseIp(ip);
    if (!addr) return undefined;
    if (addr.length === 4) {
      const n = ((addr[0]! << 24) >>> 0) + (addr[1]! << 16) + (addr[2]! << 8) + addr[3]!;
      const i = upperBound(t.v4Start.length, (k) => t.v4Start[k]! <= n) - 1;
      if (i < 0 || n > t.v4End[i]!) return undefined;
      return {
        asn: t.v4Asn[i]!,
        organisation: t.orgs[t.v4Org[i]!] ?? '',
        network: `${intToIpv4(t.v4Start[i]!)}-${intToIpv4(t.v4End[i]!)}`,
        source: 'ip-location-db',
      };
    }
    const count = t.v6Asn.length;
    const i = upperBound(count, (k) => compare16(t.v6Start, k, addr) <= 0) - 1;
    if (i < 0 || compare16(t.v6End, i, addr) < 0) return undefined;
    return {
      asn: t.v6Asn[i]!,
      organisation: t.orgs[t.v6Org[i]!] ?? '',
      network: `${formatIp(t.v6Start.subarray(i * 16, i * 16 + 16))}-${formatIp(t.v6End.subarray(i * 16, i * 16 + 16))}`,
      source: 'ip-location-db',
    };
  }
}

/** Compares the k-th 16-byte entry of `table` with `addr`: negative, zero or positive. */
function compare16(table: Uint8Array, k: number, addr: Uint8Array): number {
  const o = k * 16;
  for (let j = 0; j < 16; j++) {
    const d = table[o + j]! - addr[j]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Tables from the CSV layout of @ip-location-db/asn (numeric IPv4, textual IPv6 ranges). */
export function tablesFromCsv(ipv4Csv: string, ipv6Csv: string, description: string): AsnTables {
  const orgs: string[] = [];
  const orgIndex = new Map<string, number>();
  const orgId = (name: string): number => {
    let id = orgIndex.get(name);
    if (id === undefined) {
      id = orgs.length;
      orgs.push(name);
      orgIndex.set(name, id);
    }
    return id;
  };
  const v4 = parseRows(ipv4Csv);
  const t: AsnTables = {
    v4Start: new Uint32Array(v4.length),
    v4End: new Uint32Array(v4.length),
    v4Asn: new Uint32Array(v4.length),
    v4Org: new Uint32Array(v4.length),
    v6Start: new Uint8Array(0),
    v6End: new Uint8Array(0),
    v6Asn: new Uint32Array(0),
    v6Org: new Uint32Array(0),
    orgs,
    description,
  };
  v4.forEach((r, i) => {
    t.v4Start[i] = Number(r.start);
    t.v4End[i] = Number(r.end);
    t.v4Asn[i] = r.asn;
    t.v4Org[i] = orgId(r.org);
  });
  const v6 = parseRows(ipv6Csv).filter((r) => parseIp(r.start)?.length === 16 && parseIp(r.end)?.length === 16);
  t.v6Start = new Uint8Array(v6.length * 16);
  t.v6End = new Uint8Array(v6.length * 16);
  t.v6Asn = new Uint32Array(v6.length);
  t.v6Org = new Uint32Array(v6.length);
  v6.forEach((r, i) => {
    t.v6Start.set(parseIp(r.start)!, i * 16);
    t.v6End.set(parseIp(r.end)!, i * 16);
    t.v6Asn[i] = r.asn;
    t.v6Org[i] = orgId(r.org);
  });
  return t;
}

/** A range database straight from CSV text. */
export class CsvAsnDatabase extends RangeAsnDatabase {
  constructor(ipv4Csv: string, ipv6Csv: string, description: string) {
    super(tablesFromCsv(ipv4Csv, ipv6Csv, description));
  }
}

interface Row {
  start: string;
  end: string;
  asn: number;
  org: string;
}

/** Rows of `start,end,asn,org` where org may be double-quoted with doubled quotes inside. */
function parseRows(csv: string): Row[] {
  const rows: Row[] = [];
  let pos = 0;
  while (pos < csv.length) {
    let eol = csv.indexOf('\n', pos);
    if (eol < 0) eol = csv.length;
    const line = csv.slice(pos, eol).replace(/\r$/, '');
    pos = eol + 1;
    if (!line) continue;
    const c1 = line.indexOf(',');
    const c2 = line.indexOf(',', c1 + 1);
    const c3 = line.indexOf(',', c2 + 1);
    if (c1 < 0 || c2 < 0 || c3 < 0) continue;
    let org = line.slice(c3 + 1);
    if (org.startsWith('"') && org.endsWith('"')) org = org.slice(1, -1).replace(/""/g, '"');
    const asn = Number(line.slice(c2 + 1, c3));
    if (!Number.isFinite(asn)) continue;
    rows.push({ start: line.slice(0, c1), end: line.slice(c1 + 1, c2), asn, org });
  }
  return rows;
}

function upperBound(n: number, isBeforeOrAt: (k: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isBeforeOrAt(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function intToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The MaxMind-format reader: GeoLite2-ASN records carry autonomous_system_number/organization. */
export class MmdbAsnDatabase implements AsnLookup {
  private readonly reader: Reader<AsnResponse>;
  readonly description: string;
  constructor(path: string) {
    this.reader = new Reader<AsnResponse>(readFileSync(path));
    this.description = `MMDB ${path} (${this.reader.metadata.databaseType})`;
  }
  lookup(ip: string): AsnInfo | undefined {
    if (!parseIp(ip)) return undefined;
    const [rec, prefix] = this.reader.getWithPrefixLength(ip);
    if (!rec || typeof rec.autonomous_system_number !== 'number') return undefined;
    return {
      asn: rec.autonomous_system_number,
      organisation: rec.autonomous_system_organization ?? '',
      network: `${ip}/${prefix}`,
      source: 'mmdb',
    };
  }
}

/** Tables of the bundled database, parsed from the pinned data package's CSV (about 2 s). */
export function bundledAsnTablesFromCsv(): AsnTables {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@ip-location-db/asn/package.json');
  const dir = dirname(pkgJson);
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  return tablesFromCsv(
    readFileSync(join(dir, 'asn-ipv4-num.csv'), 'utf8'),
    readFileSync(join(dir, 'asn-ipv6.csv'), 'utf8'),
    `@ip-location-db/asn ${version} (RouteViews, RIRs, DB-IP ASN Lite; CC-BY-4.0)`,
  );
}

/**
 * The bundled database: from the binary cache that `npm run build` writes beside the compiled
 * code (tens of milliseconds), or from the CSV when there is no cache.
 */
export function loadBundledAsnDatabase(cachePath = defaultAsnCachePath()): RangeAsnDatabase {
  const cached = readAsnCache(cachePath);
  return new RangeAsnDatabase(cached ?? bundledAsnTablesFromCsv());
}

export function openAsnDatabase(mmdbPath?: string): AsnLookup {
  return mmdbPath ? new MmdbAsnDatabase(mmdbPath) : loadBundledAsnDatabase();
}
