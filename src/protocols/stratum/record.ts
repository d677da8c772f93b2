// The schema of what the stratum analyser reports: the EVE `stratum` object of a flow and the data
// of the `stratum.*` fact events. Facts only: which dialect was spoken, who the miner is, what it
// sent and what the pool answered. Passwords are never stored, only whether one was sent.

/**
 * The mining dialect recognised.
 * - `stratum-v1`: Bitcoin/ZCash stratum (`mining.subscribe`, `mining.notify`, ...).
 * - `ethereum-stratum`: NiceHash EthereumStratum/1.0.0 (subscribe names it in its params).
 * - `ethproxy`: `eth_submitLogin`, `eth_getWork`, ... over line-delimited TCP.
 * - `cryptonote`: XMRig / xmr-stak `login`, `job`, `submit`, `keepalived`.
 * - `getwork`, `getblocktemplate`: Bitcoin mining over HTTP POST bodies.
 * - `ethproxy-http`: EthProxy methods in HTTP POST bodies (`POST /?miner=...`).
 * - `monerod-rpc`: monerod `POST /json_rpc` `getblocktemplate` with a `wallet_address`.
 */
export type StratumDialect =
  | 'stratum-v1'
  | 'ethereum-stratum'
  | 'ethproxy'
  | 'cryptonote'
  | 'getwork'
  | 'getblocktemplate'
  | 'ethproxy-http'
  | 'monerod-rpc';

/** Which side of the flow is the miner, and how that was decided. */
export type MinerSide = 'client' | 'server';
/**
 * - `requests`: that side sent mining requests (subscribe, login, submit, getwork...).
 * - `pushes`: only pool pushes were seen (mid-session); the side receiving them is the miner.
 * - `default`: nothing decisive yet; the client is assumed.
 */
export type MinerSideBasis = 'requests' | 'pushes' | 'default';

/** A step of the mining conversation (DESIGN.md: login -> job -> submit -> result). */
export type StratumStepName =
  | 'subscribe'
  | 'authorize'
  | 'login'
  | 'job'
  | 'submit'
  | 'accepted'
  | 'rejected'
  | 'set_difficulty'
  | 'hashrate';

/** Consecutive identical steps are folded into one entry with a count. */
export interface StratumStep {
  step: StratumStepName;
  /** 0: client to server, 1: server to client. */
  direction: 0 | 1;
  first_ts_us: number;
  last_ts_us: number;
  count: number;
}

/** Method names with how often each was seen, per direction (wire names kept verbatim). */
export interface MethodCounts {
  toserver: Record<string, number>;
  toclient: Record<string, number>;
}

export interface StratumCounts {
  jobs: number;
  submits: number;
  accepted: number;
  rejected: number;
  /** Lines that were valid JSON. */
  messages: number;
}

/** The EVE `stratum` object. Optional fields are absent when not seen. */
export interface StratumRecord {
  dialect: StratumDialect;
  miner_side: MinerSide;
  miner_side_basis: MinerSideBasis;
  /** True when the first mining message seen was not a subscribe/login (capture began mid-session). */
  is_mid_session: boolean;
  methods: MethodCounts;
  /** Miner software as it names itself (subscribe params[0], CryptoNote `agent`, HTTP User-Agent). */
  agent?: string;
  /** Algorithms named by the miner (`algo` in login) or the pool (`algo` in jobs), deduplicated. */
  algorithms: string[];
  /** Raw login / user name / wallet as sent (authorize params[0], login `login`, eth_submitLogin). */
  login?: string;
  /** Worker name: an explicit `worker` field, or the part of `login` after the first '.'. */
  worker?: string;
  worker_source?: 'field' | 'login-suffix';
  /** XMRig `rigid`. */
  rig_id?: string;
  /** A password was sent; its value is never stored. */
  has_password: boolean;
  /**
   * Pool host name where the protocol carries one (subscribe host param, HTTP Host). The engine or
   * detection may fill it later from DNS answers or TLS SNI, setting `pool_host_source`.
   */
  pool_host?: string;
  pool_host_source?: 'protocol' | 'http-host' | 'dns' | 'sni';
  /** NiceHash EthereumStratum version string when announced (`EthereumStratum/1.0.0`). */
  protocol_version?: string;
  steps: StratumStep[];
  /** Steps not listed because the list reached its cap (they are still in `counts`). */
  steps_dropped: number;
  counts: StratumCounts;
  /** Fact events not raised because their name reached the per-flow event cap. */
  facts_suppressed?: number;
  /** Named anomalies seen in this flow with counts (`stratum.line_too_long`, ...). */
  anomalies?: Record<string, number>;
}

// Fact events (FactEvent.name and the shape of FactEvent.data). All strings are capped.

/** `stratum.dialect`: raised once, when the flow is first recognised as mining. */
export interface StratumDialectFact {
  dialect: StratumDialect;
  miner_side: MinerSide;
  miner_side_basis: MinerSideBasis;
  is_mid_session: boolean;
}
/** `stratum.subscribe`: v1 / EthereumStratum subscribe. */
export interface StratumSubscribeFact {
  dialect: StratumDialect;
  method: string;
  agent?: string;
  protocol_version?: string;
  pool_host?: string;
  pool_port?: number;
}
/** `stratum.authorize`: v1 authorize (user name; password presence only). */
export interface StratumAuthorizeFact {
  dialect: StratumDialect;
  method: string;
  login?: string;
  worker?: string;
  has_password: boolean;
}
/**
 * `stratum.login`: CryptoNote `login`, EthProxy `eth_submitLogin`, compact EthProxy; over HTTP also
 * the Basic user name (`method: "http-basic-auth"`), the `miner=` URI parameter (`"uri"`) and the
 * monerod `wallet_address` (`"wallet_address"`).
 */
export interface StratumLoginFact {
  dialect: StratumDialect;
  method: string;
  login?: string;
  worker?: string;
  rig_id?: string;
  agent?: string;
  algorithms?: string[];
  has_password: boolean;
}
/** `stratum.agent`: the miner's self-declared software, once per distinct value. */
export interface StratumAgentFact {
  agent: string;
  source: 'subscribe' | 'login' | 'http-user-agent';
}
/** `stratum.job`: work from the pool (notify, CryptoNote job, job inside a login result, getWork result). */
export interface StratumJobFact {
  dialect: StratumDialect;
  method: string;
  job_id?: string;
  algo?: string;
  has_seed_hash: boolean;
  height?: number;
  has_target: boolean;
  /** True for the CryptoNote job carried in the login result. */
  is_in_login_result: boolean;
  /** v1 `clean_jobs` flag when present. */
  is_clean?: boolean;
}
/** `stratum.set_difficulty`: `mining.set_difficulty` / `mining.set_target`. */
export interface StratumDifficultyFact {
  dialect: StratumDialect;
  method: string;
  difficulty?: number;
  target?: string;
}
/** `stratum.submit`: a share from the miner. */
export interface StratumSubmitFact {
  dialect: StratumDialect;
  method: string;
  job_id?: string;
  worker?: string;
}
/** `stratum.result`: the pool's answer to a mining request whose id was seen. */
export interface StratumResultFact {
  dialect: StratumDialect;
  request_method: string;
  accepted: boolean;
  /** CryptoNote `status` ("OK", "KEEPALIVED"). */
  status?: string;
  /** Error message, capped. */
  error?: string;
}
/** `stratum.hashrate`: `eth_submitHashrate` and similar reports. */
export interface StratumHashrateFact {
  dialect: StratumDialect;
  method: string;
}
/**
 * `stratum.extranonce`, `stratum.configure`, `stratum.keepalive`, `stratum.reconnect`,
 * `stratum.get_transactions`, and `stratum.getwork` (a request for work: getwork, eth_getWork,
 * getblocktemplate, monerod get_block_template, CryptoNote getjob).
 */
export interface StratumMethodFact {
  dialect: StratumDialect;
  method: string;
}

export const STRATUM_FACT_NAMES = [
  'stratum.dialect',
  'stratum.subscribe',
  'stratum.authorize',
  'stratum.login',
  'stratum.agent',
  'stratum.job',
  'stratum.set_difficulty',
  'stratum.submit',
  'stratum.result',
  'stratum.hashrate',
  'stratum.extranonce',
  'stratum.configure',
  'stratum.keepalive',
  'stratum.reconnect',
  'stratum.get_transactions',
  'stratum.getwork',
] as const;
export type StratumFactName = (typeof STRATUM_FACT_NAMES)[number];
