// IP-to-ASN lookups read locally, so enrichment works with no network on first start. The default
// database is the pinned npm data package @ip-location-db/asn (RouteViews + RIR + DB-IP ASN Lite,
// CC-BY-4.0): CSV rows `start,end,asn,organisation`. A MaxMind-format (MMDB) ASN file the user
// supplies (GeoLite2-ASN or compatible) is read with mmdb-lib instead when configured.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader, type AsnResponse } from 'mmdb-lib';
import { parseIp } from '../util/ip.js';

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

/** Sorted, non-overlapping ranges with a binary search; one table per address family. */
export class CsvAsnDatabase implements AsnLookup {
  private readonly v4Start: Uint32Array;
  private readonly v4End: Uint32Array;
  private readonly v4Asn: Uint32Array;
  private readonly v4Org: Uint32Array;
  private readonly v6Start: string[];
  private readonly v6End: string[];
  private readonly v6Asn: Uint32Array;
  private readonly v6Org: Uint32Array;
  private readonly orgs: string[] = [];
  readonly description: string;

  constructor(ipv4Csv: string, ipv6Csv: string, description: string) {
    this.description = description;
    const orgIndex = new Map<string, number>();
    const orgId = (name: string): number => {
      let id = orgIndex.get(name);
      if (id === undefined) {
        id = this.orgs.length;
        this.orgs.push(name);
        orgIndex.set(name, id);
      }
      return id;
    };
    const v4 = parseRows(ipv4Csv);
    this.v4Start = new Uint32Array(v4.length);
    this.v4End = new Uint32Array(v4.length);
    this.v4Asn = new Uint32Array(v4.length);
    this.v4Org = new Uint32Array(v4.length);
    v4.forEach((r, i) => {
      this.v4Start[i] = Number(r.start);
      this.v4End[i] = Number(r.end);
      this.v4Asn[i] = r.asn;
      this.v4Org[i] = orgId(r.org);
    });
    const v6 = parseRows(ipv6Csv);
    this.v6Start = [];
    this.v6End = [];
    this.v6Asn = new Uint32Array(v6.length);
    this.v6Org = new Uint32Array(v6.length);
    v6.forEach((r, i) => {
      this.v6Start.push(hex16(r.start));
      this.v6End.push(hex16(r.end));
      this.v6Asn[i] = r.asn;
      this.v6Org[i] = orgId(r.org);
    });
  }

  lookup(ip: string): AsnInfo | undefined {
    const addr = parseIp(ip);
    if (!addr) return undefined;
    if (addr.length === 4) {
      const n = ((addr[0]! << 24) >>> 0) + (addr[1]! << 16) + (addr[2]! << 8) + addr[3]!;
      const i = upperBound(this.v4Start.length, (k) => this.v4Start[k]! <= n) - 1;
      if (i < 0 || n > this.v4End[i]!) return undefined;
      return {
        asn: this.v4Asn[i]!,
        organisation: this.orgs[this.v4Org[i]!] ?? '',
        network: `${intToIpv4(this.v4Start[i]!)}-${intToIpv4(this.v4End[i]!)}`,
        source: 'ip-location-db',
      };
    }
    const h = bytesHex(addr);
    const i = upperBound(this.v6Start.length, (k) => this.v6Start[k]! <= h) - 1;
    if (i < 0 || h > this.v6End[i]!) return undefined;
    return {
      asn: this.v6Asn[i]!,
      organisation: this.orgs[this.v6Org[i]!] ?? '',
      network: `${this.v6Start[i]}-${this.v6End[i]}`,
      source: 'ip-location-db',
    };
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

function hex16(text: string): string {
  const addr = parseIp(text);
  return addr && addr.length === 16 ? bytesHex(addr) : 'z';
}

function bytesHex(addr: Uint8Array): string {
  let s = '';
  for (const b of addr) s += b.toString(16).padStart(2, '0');
  return s;
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

/** The bundled database from the pinned data package; loading takes about a second, so lazily. */
export function loadBundledAsnDatabase(): CsvAsnDatabase {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@ip-location-db/asn/package.json');
  const dir = dirname(pkgJson);
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  return new CsvAsnDatabase(
    readFileSync(join(dir, 'asn-ipv4-num.csv'), 'utf8'),
    readFileSync(join(dir, 'asn-ipv6.csv'), 'utf8'),
    `@ip-location-db/asn ${version} (RouteViews, RIRs, DB-IP ASN Lite; CC-BY-4.0)`,
  );
}

export function openAsnDatabase(mmdbPath?: string): AsnLookup {
  return mmdbPath ? new MmdbAsnDatabase(mmdbPath) : loadBundledAsnDatabase();
}
