// The rule catalogue: every rule detection can fire, with a stable signature id, its severity,
// base confidence, the evidence fields it reads and the family it belongs to. One alert is raised
// per flow and family; its signature is the family's strongest rule that fired, and `rules`
// lists them all. Signature ids live in 9_100_000-9_100_999 (gid 1), a range documented in
// docs/detection.md; an id is never reused for a different meaning, and `rev` rises when a
// rule's logic changes.

export const DETECT_GID = 1;
export const SID_RANGE = { first: 9_100_000, last: 9_100_999 } as const;

/**
 * Families group rules that describe the same activity on one flow:
 * - `conversation`: the miner-pool protocol itself (stratum, EthProxy, CryptoNote, mining over HTTP).
 * - `pool-name`: a pool named by DNS, TLS SNI or HTTP Host, or reached at an address learned from DNS.
 * - `browser`: in-browser mining services.
 * - `stratum-v2`: the shape of a Stratum V2 (Noise) handshake on a mining port.
 */
export type RuleFamily = 'conversation' | 'pool-name' | 'browser' | 'stratum-v2';

export interface Rule {
  /** Stable text id (`MW-...`), used in `Alert.rules` and the docs. */
  id: string;
  sid: number;
  rev: number;
  name: string;
  family: RuleFamily;
  /** EVE severity: 1 high, 2 medium, 3 low. */
  severity: 1 | 2 | 3;
  /** Base confidence 0..1 before evidence adjustments. */
  confidence: number;
  /** Higher wins the alert signature within a family. */
  rank: number;
  description: string;
  evidence: string[];
  falsePositives: string;
}

export const RULES = {
  SHARES: {
    id: 'MW-STRATUM-SHARES',
    sid: 9_100_003,
    rev: 1,
    name: 'Mining shares submitted to a pool',
    family: 'conversation',
    severity: 1,
    confidence: 0.97,
    rank: 100,
    description: 'The client submitted proof-of-work shares (mining.submit, CryptoNote submit, eth_submitWork) and the pool answered; accepted shares prove work is being paid.',
    evidence: ['stratum.submit', 'stratum.result accepted', 'stratum.counts'],
    falsePositives: 'None known outside mining; a test harness replaying stratum would also match.',
  },
  JOB: {
    id: 'MW-STRATUM-JOB',
    sid: 9_100_002,
    rev: 1,
    name: 'Mining pool pushed work to a client',
    family: 'conversation',
    severity: 1,
    confidence: 0.95,
    rank: 90,
    description: 'The server sent mining work (mining.notify, CryptoNote job with blob/seed_hash/algo, getWork result); together with a login this proves the login succeeded.',
    evidence: ['stratum.job', 'algo', 'has_seed_hash'],
    falsePositives: 'None known: jobs carry block headers or blobs, targets and algorithms no other JSON-RPC service sends.',
  },
  HTTP_MINING: {
    id: 'MW-HTTP-MINING',
    sid: 9_100_005,
    rev: 1,
    name: 'Mining over HTTP (getwork, getblocktemplate, EthProxy over HTTP, monerod RPC)',
    family: 'conversation',
    severity: 1,
    confidence: 0.9,
    rank: 80,
    description: 'An HTTP POST carried mining RPC: Bitcoin getwork/getblocktemplate (often with X-Mining-Extensions), EthProxy eth_getWork/eth_submitWork, or monerod getblocktemplate with a wallet.',
    evidence: ['stratum.dialect in getwork/getblocktemplate/ethproxy-http/monerod-rpc', 'http user agent'],
    falsePositives: 'A solo-mining node operator talking to their own bitcoind/monerod: allow-list the node address.',
  },
  LOGIN: {
    id: 'MW-STRATUM-LOGIN',
    sid: 9_100_001,
    rev: 1,
    name: 'Mining client logged in or subscribed to a pool',
    family: 'conversation',
    severity: 2,
    confidence: 0.8,
    rank: 70,
    description: 'The client sent a mining login (mining.subscribe, mining.authorize, CryptoNote login, eth_submitLogin); a wallet address in the login raises confidence.',
    evidence: ['stratum.subscribe', 'stratum.authorize', 'stratum.login', 'login', 'wallet'],
    falsePositives: 'Probes that never get a job (scanners, miners against dead pools) fire this rule alone, at lower confidence.',
  },
  AGENT: {
    id: 'MW-MINER-AGENT',
    sid: 9_100_004,
    rev: 1,
    name: 'Miner software identified by its agent',
    family: 'conversation',
    severity: 2,
    confidence: 0.85,
    rank: 60,
    description: 'The client named known miner software (XMRig, xmr-stak, cgminer, bfgminer, ethminer, ...) in a stratum agent or HTTP User-Agent.',
    evidence: ['stratum.agent', 'http user agent', 'agent family and version'],
    falsePositives: 'Miner download or update checks over HTTP send the agent without mining.',
  },
  POOL_SNI: {
    id: 'MW-POOL-TLS-NAME',
    sid: 9_100_011,
    rev: 1,
    name: 'TLS connection to a mining pool name',
    family: 'pool-name',
    severity: 2,
    confidence: 0.75,
    rank: 60,
    description: 'A TLS ClientHello SNI or server certificate name is a listed pool domain (whole-label suffix match).',
    evidence: ['tls.sni', 'tls certificate names', 'intel.pool_domain', 'intel.batch'],
    falsePositives: 'Visiting a pool\'s web site over HTTPS matches; the stratum rules tell mining from browsing.',
  },
  POOL_HTTP_HOST: {
    id: 'MW-POOL-HTTP-HOST',
    sid: 9_100_012,
    rev: 1,
    name: 'HTTP request to a mining pool name',
    family: 'pool-name',
    severity: 2,
    confidence: 0.7,
    rank: 55,
    description: 'An HTTP Host header names a listed pool domain.',
    evidence: ['http.hostname', 'intel.pool_domain'],
    falsePositives: 'Browsing a pool\'s statistics page.',
  },
  POOL_DNS: {
    id: 'MW-POOL-DNS',
    sid: 9_100_010,
    rev: 1,
    name: 'DNS lookup of a mining pool name',
    family: 'pool-name',
    severity: 2,
    confidence: 0.7,
    rank: 50,
    description: 'A DNS query or answer names a listed pool domain; the answer\'s addresses are learned so later connections to them are attributed to the pool.',
    evidence: ['dns.rrname', 'dns answers', 'intel.pool_domain'],
    falsePositives: 'Blocklist checks and security tools resolve pool names; names are matched by whole labels only (pool.telefonica.de never matches).',
  },
  POOL_LEARNED_ADDRESS: {
    id: 'MW-POOL-LEARNED-ADDRESS',
    sid: 9_100_013,
    rev: 1,
    name: 'Connection to a pool address learned from DNS',
    family: 'pool-name',
    severity: 2,
    confidence: 0.65,
    rank: 45,
    description: 'The destination address was in a DNS answer for a pool name (asked by this client, or by any client: lower confidence), within the answer\'s TTL.',
    evidence: ['intel.learned_name', 'intel.learned_scope'],
    falsePositives: 'Pools behind shared CDN or hosting addresses: another site on the same address would match.',
  },
  TLS_MINING_PORT: {
    id: 'MW-TLS-MINING-PORT',
    sid: 9_100_014,
    rev: 1,
    name: 'Long-lived TLS on a mining pool port with miner-like traffic',
    family: 'pool-name',
    severity: 3,
    confidence: 0.4,
    rank: 20,
    description: 'TLS on a published pool port (3333, 4444, 14444, ...) without a browser ALPN, lasting at least the named minimum with small, steady messages both ways.',
    evidence: ['tls', 'dest_port', 'flow duration', 'packets each way'],
    falsePositives: 'Other services on these ports (some VPNs, game servers): low severity, for triage.',
  },
  BROWSER: {
    id: 'MW-BROWSER-MINING',
    sid: 9_100_020,
    rev: 1,
    name: 'In-browser mining service',
    family: 'browser',
    severity: 2,
    confidence: 0.8,
    rank: 50,
    description: 'DNS, TLS SNI or HTTP Host names an in-browser mining service (Coinhive, AuthedMine, CryptoLoot, CoinImp, ...).',
    evidence: ['dns.rrname', 'tls.sni', 'http.hostname', 'intel.pool_domain'],
    falsePositives: 'A user reading such a service\'s own web pages.',
  },
  STRATUM_V2: {
    id: 'MW-STRATUM-V2-SHAPE',
    sid: 9_100_030,
    rev: 1,
    name: 'Stratum V2 handshake shape',
    family: 'stratum-v2',
    severity: 3,
    confidence: 0.3,
    rank: 10,
    description: 'The first messages have the sizes of a Stratum V2 Noise NX handshake on a mining port; the content is encrypted, so this is shape only.',
    evidence: ['stratum_v2 handshake facts', 'dest_port'],
    falsePositives: 'Any protocol whose first messages happen to have the same sizes.',
  },
} as const satisfies Record<string, Rule>;

export type RuleKey = keyof typeof RULES;
export const RULE_LIST: readonly Rule[] = Object.values(RULES);
