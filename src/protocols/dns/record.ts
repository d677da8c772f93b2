// The schema of what the DNS analyser reports: the EVE `dns` object and the data of the `dns.*`
// fact events. Names are lower-cased (DNS names compare case-insensitively, RFC 4343) with
// non-printable bytes escaped as \DDD; resolvers randomise case (0x20 encoding).

export interface DnsQuery {
  id: number;
  rrname: string;
  /** Type mnemonic (A, AAAA, CNAME...) or TYPE<n>. */
  rrtype: string;
}

export interface DnsAnswerRecord {
  rrname: string;
  rrtype: string;
  ttl: number;
  /** Address for A/AAAA, target name for CNAME/NS/PTR/MX(exchange), absent otherwise. */
  rdata?: string;
}

export interface DnsAnswer {
  id: number;
  /** The question's name. */
  query: string;
  /** The question's type. */
  query_type: string;
  /** Response code mnemonic: NOERROR, NXDOMAIN, SERVFAIL... */
  rcode: string;
  /** A and AAAA addresses in the answer section, in order. */
  addresses: string[];
  /** CNAME targets in the answer section, in chain order. */
  cnames: string[];
  /** Smallest TTL over the answer section, seconds; absent when it is empty. */
  ttl_min?: number;
  answers: DnsAnswerRecord[];
}

export interface DnsRecord {
  queries: DnsQuery[];
  answers: DnsAnswer[];
  /** Messages not listed because a list reached its cap (still counted below). */
  messages_dropped: number;
  query_count: number;
  response_count: number;
  anomalies?: Record<string, number>;
}

/** `dns.query`: a question sent. */
export type DnsQueryFact = DnsQuery;
/** `dns.answer`: a response, with its resolved addresses and CNAME chain (`rrname` = the query name). */
export interface DnsAnswerFact extends DnsAnswer {
  rrname: string;
  rrtype: string;
}

export const DNS_FACT_NAMES = ['dns.query', 'dns.answer'] as const;
