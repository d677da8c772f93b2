// Loader for the bundled pool-domain list (data/intel/pool-domains.txt): batches opened by
// `# batch: DATE | kind: KIND | source: TEXT` lines, one domain per line, `# version:` naming the
// file's version. The result is a DomainSuffixSet whose values say which batch and kind each
// domain came from, so an alert can cite where its evidence was learned.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DomainSuffixSet } from './domain-set.js';

export type DomainKind = 'pool' | 'browser' | 'donation';
const KINDS: ReadonlySet<string> = new Set(['pool', 'browser', 'donation']);

export interface DomainBatch {
  date: string;
  kind: DomainKind;
  source: string;
  /** Domains this batch added (duplicates of earlier batches are not counted). */
  count: number;
}

export interface PoolDomainInfo {
  kind: DomainKind;
  /** Index into `PoolDomainList.batches`. */
  batch: number;
}

export interface PoolDomainList {
  version: string;
  batches: DomainBatch[];
  domains: DomainSuffixSet<PoolDomainInfo>;
  /** Lines that were not a valid domain, with their 1-based line number (data file errors). */
  rejected: Array<{ line: number; text: string }>;
}

/** Where the bundled data lives, relative to this file in src/ or dist/. */
export function bundledIntelPath(file: string): string {
  return fileURLToPath(new URL(`../../data/intel/${file}`, import.meta.url));
}

const BATCH_RE = /^#\s*batch:\s*(\d{4}-\d{2}-\d{2})\s*\|\s*kind:\s*([a-z]+)\s*\|\s*source:\s*(.+)$/;
const VERSION_RE = /^#\s*version:\s*(\S+)\s*$/;

/** Parses the text of a pool-domain file. A domain line before any batch line is rejected. */
export function parsePoolDomains(text: string): PoolDomainList {
  const list: PoolDomainList = { version: 'unversioned', batches: [], domains: new DomainSuffixSet(), rejected: [] };
  let current = -1;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw.length === 0) continue;
    if (raw.startsWith('#')) {
      const b = BATCH_RE.exec(raw);
      if (b) {
        const kind = b[2] ?? '';
        if (!KINDS.has(kind)) {
          list.rejected.push({ line: i + 1, text: raw });
          current = -1;
          continue;
        }
        list.batches.push({ date: b[1] ?? '', kind: kind as DomainKind, source: (b[3] ?? '').trim(), count: 0 });
        current = list.batches.length - 1;
        continue;
      }
      const v = VERSION_RE.exec(raw);
      if (v) list.version = v[1] ?? list.version;
      continue;
    }
    const hash = raw.indexOf('#');
    const domain = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    const batch = list.batches[current];
    if (!batch) {
      list.rejected.push({ line: i + 1, text: raw });
      continue;
    }
    if (list.domains.add(domain, { kind: batch.kind, batch: current })) batch.count++;
    else if (!list.domains.match(domain) || list.domains.match(domain)?.domain !== domain.toLowerCase()) {
      list.rejected.push({ line: i + 1, text: raw });
    }
  }
  return list;
}

export function loadPoolDomains(path = bundledIntelPath('pool-domains.txt')): PoolDomainList {
  return parsePoolDomains(readFileSync(path, 'utf8'));
}
