// Pool addresses learned at run time from DNS answers: when a client resolves a pool name, the
// answer's addresses are remembered, so a later connection to one of them (by address, without a
// name in the flow) is attributed to the pool's name. Entries are kept per client (the client that
// asked) and globally (any client), each bounded by a named cap and expiring after the DNS TTL,
// clamped to a named range. Time is packet time.

export interface LearnedAddress {
  name: string;
  /** Which client's query taught it ('client') or any client's ('global'). */
  scope: 'client' | 'global';
  learnedUs: number;
  expiresUs: number;
  /** The client whose query taught the entry. */
  learnedFrom: string;
}

/** TTLs below this many seconds are raised to it: a short TTL still predicts the next connection. */
export const MIN_LEARNED_TTL_S = 300;
/** TTLs above this many seconds are cut to it, so a stale answer does not name an address for days. */
export const MAX_LEARNED_TTL_S = 86_400;
/** Default caps on entries (client-scoped, then global); the oldest entry is evicted first. */
export const MAX_LEARNED_CLIENT_ENTRIES = 65_536;
export const MAX_LEARNED_GLOBAL_ENTRIES = 65_536;

export interface LearnedAddressOptions {
  maxClientEntries?: number;
  maxGlobalEntries?: number;
  minTtlS?: number;
  maxTtlS?: number;
}

export interface LearnedCounters {
  learned: number;
  refreshed: number;
  evicted_client_cap: number;
  evicted_global_cap: number;
  expired: number;
  hits_client: number;
  hits_global: number;
}

interface Entry {
  name: string;
  learnedUs: number;
  expiresUs: number;
  learnedFrom: string;
}

export class LearnedPoolAddresses {
  private readonly client = new Map<string, Entry>();
  private readonly global = new Map<string, Entry>();
  private readonly maxClient: number;
  private readonly maxGlobal: number;
  private readonly minTtlUs: number;
  private readonly maxTtlUs: number;
  readonly counters: LearnedCounters = {
    learned: 0,
    refreshed: 0,
    evicted_client_cap: 0,
    evicted_global_cap: 0,
    expired: 0,
    hits_client: 0,
    hits_global: 0,
  };

  constructor(opts: LearnedAddressOptions = {}) {
    this.maxClient = opts.maxClientEntries ?? MAX_LEARNED_CLIENT_ENTRIES;
    this.maxGlobal = opts.maxGlobalEntries ?? MAX_LEARNED_GLOBAL_ENTRIES;
    this.minTtlUs = (opts.minTtlS ?? MIN_LEARNED_TTL_S) * 1e6;
    this.maxTtlUs = (opts.maxTtlS ?? MAX_LEARNED_TTL_S) * 1e6;
  }

  get size(): { client: number; global: number } {
    return { client: this.client.size, global: this.global.size };
  }

  /** Remembers that `clientIp` resolved `name` to `address` with `ttlS` at packet time `tsUs`. */
  learn(clientIp: string, address: string, name: string, ttlS: number, tsUs: number): void {
    const ttlUs = Math.min(this.maxTtlUs, Math.max(this.minTtlUs, (Number.isFinite(ttlS) ? ttlS : 0) * 1e6));
    const entry: Entry = { name, learnedUs: tsUs, expiresUs: tsUs + ttlUs, learnedFrom: clientIp };
    const ck = `${clientIp}|${address}`;
    if (this.client.has(ck) || this.global.has(address)) this.counters.refreshed++;
    else this.counters.learned++;
    this.put(this.client, ck, entry, this.maxClient, 'evicted_client_cap');
    this.put(this.global, address, entry, this.maxGlobal, 'evicted_global_cap');
  }

  private put(map: Map<string, Entry>, key: string, entry: Entry, cap: number, counter: 'evicted_client_cap' | 'evicted_global_cap'): void {
    // Re-inserting moves the key to the newest end, so eviction takes the least recently learned.
    map.delete(key);
    while (map.size >= cap && cap > 0) {
      const oldest = map.keys().next();
      if (oldest.done) break;
      map.delete(oldest.value);
      this.counters[counter]++;
    }
    if (cap > 0) map.set(key, entry);
  }

  /** Whether `lookup` would find a name (no counters, no expiry): a cheap test before keeping state. */
  isKnown(clientIp: string, address: string, tsUs: number): boolean {
    if (this.client.size === 0 && this.global.size === 0) return false;
    const g = this.global.get(address);
    if (g && g.expiresUs >= tsUs) return true;
    const c = this.client.get(`${clientIp}|${address}`);
    return c !== undefined && c.expiresUs >= tsUs;
  }

  /** The pool name for a connection from `clientIp` to `address` at `tsUs`, client scope first. */
  lookup(clientIp: string, address: string, tsUs: number): LearnedAddress | undefined {
    const ck = `${clientIp}|${address}`;
    const c = this.client.get(ck);
    if (c) {
      if (c.expiresUs >= tsUs) {
        this.counters.hits_client++;
        return { ...c, scope: 'client' };
      }
      this.client.delete(ck);
      this.counters.expired++;
    }
    const g = this.global.get(address);
    if (g) {
      if (g.expiresUs >= tsUs) {
        this.counters.hits_global++;
        return { ...g, scope: 'global' };
      }
      this.global.delete(address);
      this.counters.expired++;
    }
    return undefined;
  }
}
