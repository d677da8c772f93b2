// Allow lists for sanctioned mining: an organisation that mines on purpose (a research cluster, a
// pool it runs itself) lists the pool domains and the addresses or networks involved. A match
// suppresses the alert and is counted, so suppression is visible rather than silent.

import { readFileSync } from 'node:fs';
import { cidrContains, parseCidr, parseIp, type Cidr } from '../util/ip.js';
import { DomainSuffixSet, normalizeDomain } from './domain-set.js';

export interface AllowListConfig {
  /** Pool or host domains, matched by whole-label suffix like the pool list. */
  domains?: string[];
  /** Addresses or CIDR networks (either end of a flow). */
  ips?: string[];
}

export interface AllowMatch {
  kind: 'domain' | 'ip';
  entry: string;
}

export class AllowList {
  private readonly domains = new DomainSuffixSet<true>();
  private readonly cidrs: Array<{ text: string; cidr: Cidr }> = [];
  /** Alerts suppressed by this list, by entry. */
  readonly suppressed = new Map<string, number>();

  constructor(config: AllowListConfig = {}) {
    for (const d of config.domains ?? []) {
      if (!normalizeDomain(d)) throw new Error(`allow list: not a domain name: ${JSON.stringify(d)}`);
      this.domains.add(d, true);
    }
    for (const t of config.ips ?? []) {
      const cidr = parseCidr(t.trim());
      if (!cidr) throw new Error(`allow list: not an address or CIDR: ${JSON.stringify(t)}`);
      this.cidrs.push({ text: t.trim(), cidr });
    }
  }

  get isEmpty(): boolean {
    return this.domains.size === 0 && this.cidrs.length === 0;
  }

  matchDomain(name: string): AllowMatch | undefined {
    const m = this.domains.match(name);
    return m ? { kind: 'domain', entry: m.domain } : undefined;
  }

  matchIp(ip: string): AllowMatch | undefined {
    const addr = parseIp(ip);
    if (!addr) return undefined;
    for (const c of this.cidrs) if (cidrContains(c.cidr, addr)) return { kind: 'ip', entry: c.text };
    return undefined;
  }

  /** The first entry that allows a flow with these endpoints and names, if any. */
  match(ips: readonly string[], names: readonly string[]): AllowMatch | undefined {
    if (this.isEmpty) return undefined;
    for (const ip of ips) {
      const m = this.matchIp(ip);
      if (m) return m;
    }
    for (const n of names) {
      const m = this.matchDomain(n);
      if (m) return m;
    }
    return undefined;
  }

  countSuppressed(m: AllowMatch): void {
    const key = `${m.kind}:${m.entry}`;
    this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
  }

  get suppressedTotal(): number {
    let n = 0;
    for (const v of this.suppressed.values()) n += v;
    return n;
  }
}

/**
 * Reads an allow list from a JSON file (`{"domains": [...], "ips": [...]}`). Throws an Error naming
 * the file for unreadable files, bad JSON, unknown keys and invalid entries (configuration
 * errors, not wire data).
 */
export function loadAllowListFile(path: string): AllowList {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read allow list ${path}: ${(err as Error).message}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${path}: an allow list is a JSON object`);
  const obj = config as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (k !== 'domains' && k !== 'ips') throw new Error(`${path}: unknown key ${JSON.stringify(k)} (expected domains, ips)`);
  const list = (k: string): string[] | undefined => {
    const v = obj[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${path}: ${k} must be an array of strings`);
    return v as string[];
  };
  const domains = list('domains');
  const ips = list('ips');
  try {
    return new AllowList({ ...(domains ? { domains } : {}), ...(ips ? { ips } : {}) });
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
