// Is an autonomous system a cloud, VPS or hosting provider? Pools and mining proxies run on rented
// servers, so a destination in such a network is one more reason to look closer; an ISP's eyeball
// network is not. The list is versioned data (data/enrich/hosting-asns.json).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type HostingKind = 'cloud' | 'hosting' | 'cdn';

export interface HostingProvider {
  asn: number;
  name: string;
  kind: HostingKind;
}

export interface HostingList {
  version: string;
  lookup(asn: number): HostingProvider | undefined;
  size: number;
}

interface HostingFile {
  version: string;
  asns: HostingProvider[];
}

export function hostingListFrom(file: HostingFile): HostingList {
  const byAsn = new Map(file.asns.map((p) => [p.asn, p]));
  return { version: file.version, lookup: (asn) => byAsn.get(asn), size: byAsn.size };
}

export function loadHostingList(path = fileURLToPath(new URL('../../data/enrich/hosting-asns.json', import.meta.url))): HostingList {
  return hostingListFrom(JSON.parse(readFileSync(path, 'utf8')) as HostingFile);
}
