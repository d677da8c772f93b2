// Per-flow evidence that detection accumulates from fact events: what the miner said (dialect,
// agent, login, wallet, algorithms), what the pool did (jobs, share results), and the names that
// point at a pool (DNS, TLS, HTTP, addresses learned from DNS). Plain data, so an alert can be
// built from it after the flow itself is gone.

import type { FlowView } from '../engine/types.js';
import type { PoolNameMatch } from '../intel/index.js';
import type { LearnedAddress } from '../intel/learned-addresses.js';
import type { MinerAgent } from '../intel/agents.js';
import type { ParsedLogin } from '../intel/wallet.js';
import type { RuleFamily, RuleKey } from './rules.js';

/** How a pool name became known for a flow. */
export type NameSource = 'dns' | 'sni' | 'certificate' | 'http-host' | 'protocol' | 'learned';

export interface NamedPool {
  name: string;
  source: NameSource;
  match: PoolNameMatch;
}

export interface ConversationEvidence {
  dialect?: string;
  minerSide?: string;
  isMidSession: boolean;
  agent?: string;
  minerAgent?: MinerAgent;
  login?: ParsedLogin;
  hasSubscribe: boolean;
  hasLogin: boolean;
  /** Pool host named inside the protocol (subscribe params, HTTP Host of a mining POST). */
  protocolPoolHost?: string;
  algorithms: string[];
  jobs: number;
  submits: number;
  accepted: number;
  rejected: number;
  methods: string[];
}

export interface FamilyState {
  fired: Set<RuleKey>;
  firstUs: number;
  deadlineUs: number;
  isEmitted: boolean;
}

export interface FlowSnapshot {
  flowId: string;
  communityId: string;
  transport: 'tcp' | 'udp';
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  startUs: number;
  lastUs: number;
  appProto?: string;
  records: Record<string, Record<string, unknown>>;
}

export interface FlowEvidence {
  flow: FlowSnapshot;
  families: Map<RuleFamily, FamilyState>;
  conversation: ConversationEvidence;
  /** Pool names tied to this flow, most trusted source first when chosen. */
  pools: NamedPool[];
  learned?: LearnedAddress;
  /** Names seen on the flow whether listed or not (for allow lists and the explanation). */
  dnsNames: string[];
  dnsAnswers: string[];
  /** Addresses answered for each queried name (the explanation cites a name's own answers). */
  dnsAnswersByName: Map<string, string[]>;
  sni?: string;
  certNames: string[];
  alpn: string[];
  httpHost?: string;
  httpUserAgent?: string;
  httpMethod?: string;
  httpUrl?: string;
  hasTls: boolean;
  hasLearnedCheck: boolean;
  nodeNoticed: boolean;
  /**
   * The live flow, kept only while detection holds this evidence (until the flow ends or its state
   * is evicted): an alert released from another flow's fact or a clock tick still marks it.
   */
  view?: FlowView;
}

export function newConversation(): ConversationEvidence {
  return {
    isMidSession: false,
    hasSubscribe: false,
    hasLogin: false,
    algorithms: [],
    jobs: 0,
    submits: 0,
    accepted: 0,
    rejected: 0,
    methods: [],
  };
}

/** Caps on lists kept per flow, so a hostile flow cannot grow detection state without bound. */
export const MAX_NAMES_PER_FLOW = 16;
export const MAX_METHODS_PER_FLOW = 32;
export const MAX_ALGORITHMS_PER_FLOW = 8;

export function pushCapped<T>(list: T[], value: T, cap: number): boolean {
  if (list.includes(value)) return true;
  if (list.length >= cap) return false;
  list.push(value);
  return true;
}
