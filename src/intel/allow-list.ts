// Allow lists for sanctioned mining: an organisation that mines on purpose (a research cluster, a
// pool it runs itself) lists the pool domains and the addresses or networks involved. A match
// suppresses the alert and is counted, so suppression is visible rather than silent.

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
