// Action 2, destination enrichment: who is the server? Its AS and organisation from the local
// IP-to-ASN database, whether that AS is a cloud or hosting provider, the names the sensor saw
// resolve to it or the alert carries (DNS, SNI, HTTP Host, stratum login), which of those names
// are listed pools, and, when keys are configured, what Shodan and Censys see on it.

import type { HostIntelResult } from '../../enrich/host-intel.js';
import type { ActionResult, TriageAction } from '../types.js';
import type { EndpointRoles } from './endpoint-roles.js';

export interface Enrichment {
  ip: string;
  asn?: { number: number; organisation: string; network: string; database: string };
  hosting?: { name: string; kind: string };
  names: string[];
  pool_matches: { name: string; listed_as: string }[];
  host_intel: HostIntelResult[];
  unchecked: string[];
}

/** Names the alert's own evidence ties to the server. */
export function namesFromEvidence(evidence: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.length > 0 && v.length <= 253) out.add(v.toLowerCase().replace(/\.$/, ''));
  };
  const tls = evidence.tls as { sni?: unknown; client_hello?: { sni?: unknown } } | undefined;
  add(tls?.sni ?? tls?.client_hello?.sni);
  const http = evidence.http as Record<string, unknown> | undefined;
  add(http?.hostname ?? http?.host);
  const stratum = evidence.stratum as Record<string, unknown> | undefined;
  add(stratum?.pool_host);
  const dns = evidence.dns as { rrname?: unknown; query?: unknown; queries?: { rrname?: unknown }[] } | undefined;
  add(dns?.rrname ?? dns?.query);
  for (const q of Array.isArray(dns?.queries) ? dns.queries.slice(0, 16) : []) add(q.rrname);
  const intel = evidence.intel as { pool_name?: unknown; learned_name?: unknown } | undefined;
  add(intel?.pool_name);
  add(intel?.learned_name);
  return [...out].filter((n) => !/^[\d.]+$/.test(n) && !n.includes(':'));
}

export const enrichment: TriageAction<Enrichment> = {
  name: 'enrichment',
  title: 'Destination enrichment',
  async run(alert, ctx, prior) {
    const roles = (prior.get('endpoint_roles') as ActionResult<EndpointRoles> | undefined)?.evidence;
    const ip = roles?.server.ip ?? alert.dest_ip;
    const unchecked: string[] = [];
    const out: Enrichment = { ip, names: [], pool_matches: [], host_intel: [], unchecked };

    if (ctx.asn) {
      const db = ctx.asn();
      const hit = db.lookup(ip);
      if (hit) {
        out.asn = { number: hit.asn, organisation: hit.organisation, network: hit.network, database: db.description };
        const provider = ctx.hosting?.lookup(hit.asn);
        if (provider) out.hosting = { name: provider.name, kind: provider.kind };
      }
    } else {
      unchecked.push('AS number (no IP-to-ASN database configured)');
    }

    const names = new Set(namesFromEvidence(alert.evidence));
    if (ctx.poolIntel) for (const n of ctx.poolIntel.namesFor(ip)) names.add(n);
    else unchecked.push('pool intelligence (not loaded)');
    out.names = [...names].sort();
    if (ctx.poolIntel) {
      for (const n of out.names) {
        const listed = ctx.poolIntel.matchDomain(n);
        if (listed) out.pool_matches.push({ name: n, listed_as: listed });
      }
    }

    if (ctx.hostIntel.length === 0) unchecked.push('internet scan data (no Shodan or Censys key configured)');
    for (const p of ctx.hostIntel) out.host_intel.push(await p.lookup(ip, ctx.signal));

    return { status: 'done', evidence: out, ...(unchecked.length ? { reason: `not checked: ${unchecked.join('; ')}` } : {}) };
  },
};
