// The intelligence a detector consults, bundled: the pool-domain list, the allow list and the
// addresses learned from DNS. Built once by the composition root and handed to whoever needs it.

import { AllowList, type AllowListConfig } from './allow-list.js';
import { LearnedPoolAddresses, type LearnedAddressOptions } from './learned-addresses.js';
import { loadPoolDomains, type DomainBatch, type DomainKind, type PoolDomainList } from './pool-domains.js';

export interface PoolNameMatch {
  /** The listed domain that matched (a whole-label suffix of the name). */
  domain: string;
  kind: DomainKind;
  batch: DomainBatch;
}

export interface IntelOptions {
  poolDomains?: PoolDomainList;
  /** An allow list built already (`loadAllowListFile`), or its configuration. */
  allowList?: AllowList;
  allow?: AllowListConfig;
  learned?: LearnedAddressOptions;
}

export class Intel {
  readonly poolDomains: PoolDomainList;
  readonly allowList: AllowList;
  readonly learned: LearnedPoolAddresses;

  constructor(opts: IntelOptions = {}) {
    this.poolDomains = opts.poolDomains ?? loadPoolDomains();
    this.allowList = opts.allowList ?? new AllowList(opts.allow);
    this.learned = new LearnedPoolAddresses(opts.learned);
  }

  matchPoolName(name: string): PoolNameMatch | undefined {
    const m = this.poolDomains.domains.match(name);
    if (!m) return undefined;
    const batch = this.poolDomains.batches[m.value.batch];
    if (!batch) return undefined;
    return { domain: m.domain, kind: m.value.kind, batch };
  }
}

export { AllowList, loadAllowListFile, type AllowListConfig } from './allow-list.js';
export { LearnedPoolAddresses } from './learned-addresses.js';
export { DomainSuffixSet, normalizeDomain } from './domain-set.js';
export { loadPoolDomains, parsePoolDomains } from './pool-domains.js';
export { matchMinerAgent } from './agents.js';
export { canonicalAlgorithm } from './algorithms.js';
export { classifyWallet, parseLogin } from './wallet.js';
export { isKnownPoolPort } from './ports.js';
export { classifyNodeBytes, NODE_PORTS } from './crypto-nodes.js';
