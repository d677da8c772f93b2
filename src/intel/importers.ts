// Importers for the public list formats mining blocklists publish: one domain per line, hosts
// files (`0.0.0.0 domain`, `127.0.0.1 domain`) and adblock network rules (`||domain^`). Each
// returns the domains it accepted and named counts of what it skipped, and can write the result
// in the bundled batch format so an imported feed becomes a dated, sourced batch.

import { normalizeDomain } from './domain-set.js';

export type ListFormat = 'domains' | 'hosts' | 'adblock';
export const LIST_FORMATS: readonly ListFormat[] = ['domains', 'hosts', 'adblock'];

/** Lines longer than this are skipped as `line_too_long` (no list line needs more). */
export const MAX_IMPORT_LINE_CHARS = 1024;
/** At most this many domains are taken from one file; the rest count as `over_cap`. */
export const MAX_IMPORT_DOMAINS = 1_000_000;

export interface ImportResult {
  format: ListFormat;
  domains: string[];
  /** Named counts: comment, blank, invalid_domain, duplicate, line_too_long, unsupported_rule, over_cap, local_name. */
  skipped: Record<string, number>;
}

/** Names a hosts file maps to itself; they are never mining domains. */
const LOCAL_NAMES: ReadonlySet<string> = new Set([
  'localhost',
  'localhost.localdomain',
  'local',
  'broadcasthost',
  'ip6-localhost',
  'ip6-loopback',
  'ip6-localnet',
  'ip6-mcastprefix',
  'ip6-allnodes',
  'ip6-allrouters',
  'ip6-allhosts',
  '0.0.0.0',
]);

export function importList(text: string, format: ListFormat, maxDomains = MAX_IMPORT_DOMAINS): ImportResult {
  const result: ImportResult = { format, domains: [], skipped: {} };
  const seen = new Set<string>();
  const skip = (why: string): void => {
    result.skipped[why] = (result.skipped[why] ?? 0) + 1;
  };
  const take = (candidate: string): void => {
    const d = normalizeDomain(candidate);
    if (!d || !d.includes('.')) {
      if (d && LOCAL_NAMES.has(d)) skip('local_name');
      else skip('invalid_domain');
      return;
    }
    if (LOCAL_NAMES.has(d)) return skip('local_name');
    if (seen.has(d)) return skip('duplicate');
    if (result.domains.length >= maxDomains) return skip('over_cap');
    seen.add(d);
    result.domains.push(d);
  };
  for (const rawLine of text.split(/\r?\n/)) {
    if (rawLine.length > MAX_IMPORT_LINE_CHARS) {
      skip('line_too_long');
      continue;
    }
    const line = rawLine.trim();
    if (line.length === 0) {
      skip('blank');
      continue;
    }
    if (format === 'adblock') {
      if (line.startsWith('!') || line.startsWith('[')) {
        skip('comment');
        continue;
      }
      // `||example.com^` with optional `$options`; element hiding, exceptions and paths are not
      // network-level domain rules.
      const m = /^\|\|([a-z0-9._-]+)\^(?:\$[^/]*)?$/i.exec(line);
      if (!m) {
        skip('unsupported_rule');
        continue;
      }
      take(m[1] ?? '');
      continue;
    }
    if (line.startsWith('#')) {
      skip('comment');
      continue;
    }
    const uncommented = line.split('#')[0]?.trim() ?? '';
    const fields = uncommented.split(/\s+/).filter((f) => f.length > 0);
    if (format === 'domains') {
      if (fields.length !== 1) {
        skip('unsupported_rule');
        continue;
      }
      take(fields[0] ?? '');
      continue;
    }
    // hosts: ADDRESS NAME [NAME...]
    if (fields.length < 2 || !/^[0-9a-f.:]+$/i.test(fields[0] ?? '')) {
      skip('unsupported_rule');
      continue;
    }
    for (const name of fields.slice(1)) take(name);
  }
  return result;
}

/** Writes imported domains as one batch of the bundled format (data/intel/pool-domains.txt). */
export function toBatchText(result: ImportResult, opts: { date: string; kind: 'pool' | 'browser'; source: string; version?: string }): string {
  const source = opts.source.replace(/[\r\n]+/g, ' ');
  const lines = [
    '# minerwatch intelligence: imported domain batch.',
    `# version: ${opts.version ?? opts.date.replaceAll('-', '.')}`,
    `# batch: ${opts.date} | kind: ${opts.kind} | source: ${source}`,
    ...result.domains,
  ];
  return `${lines.join('\n')}\n`;
}
