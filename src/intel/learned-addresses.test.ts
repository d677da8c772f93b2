import { describe, expect, it } from 'vitest';
import { LearnedPoolAddresses, MAX_LEARNED_TTL_S, MIN_LEARNED_TTL_S } from './learned-addresses.js';

const S = 1_000_000;

describe('LearnedPoolAddresses', () => {
  it('attributes a later connection to the resolved name, client scope first', () => {
    const l = new LearnedPoolAddresses();
    l.learn('10.0.0.5', '198.51.100.7', 'pool.supportxmr.com', 600, 1000 * S);
    expect(l.lookup('10.0.0.5', '198.51.100.7', 1100 * S)).toMatchObject({ name: 'pool.supportxmr.com', scope: 'client' });
    expect(l.lookup('10.0.0.9', '198.51.100.7', 1100 * S)).toMatchObject({ name: 'pool.supportxmr.com', scope: 'global', learnedFrom: '10.0.0.5' });
    expect(l.lookup('10.0.0.5', '198.51.100.8', 1100 * S)).toBeUndefined();
    expect(l.counters).toMatchObject({ learned: 1, hits_client: 1, hits_global: 1 });
  });

  it('expires entries after the TTL, clamped to the named range', () => {
    const l = new LearnedPoolAddresses();
    l.learn('10.0.0.5', '198.51.100.7', 'a.nanopool.org', 1, 0);
    expect(l.lookup('10.0.0.5', '198.51.100.7', (MIN_LEARNED_TTL_S - 1) * S)).toBeDefined();
    expect(l.lookup('10.0.0.5', '198.51.100.7', (MIN_LEARNED_TTL_S + 1) * S)).toBeUndefined();
    expect(l.counters.expired).toBe(2); // client and global entries
    l.learn('10.0.0.5', '198.51.100.8', 'b.nanopool.org', 10 * MAX_LEARNED_TTL_S, 0);
    expect(l.lookup('10.0.0.5', '198.51.100.8', (MAX_LEARNED_TTL_S + 1) * S)).toBeUndefined();
  });

  it('evicts the oldest entry beyond the caps and counts it', () => {
    const l = new LearnedPoolAddresses({ maxClientEntries: 2, maxGlobalEntries: 3 });
    for (let i = 1; i <= 4; i++) l.learn('10.0.0.5', `198.51.100.${i}`, `p${i}.example`, 600, i * S);
    expect(l.size).toEqual({ client: 2, global: 3 });
    expect(l.counters.evicted_client_cap).toBe(2);
    expect(l.counters.evicted_global_cap).toBe(1);
    expect(l.lookup('10.0.0.5', '198.51.100.1', 10 * S)).toBeUndefined();
    expect(l.lookup('10.0.0.5', '198.51.100.2', 10 * S)?.scope).toBe('global');
    expect(l.lookup('10.0.0.5', '198.51.100.4', 10 * S)?.scope).toBe('client');
  });

  it('refreshing an entry counts as a refresh and extends it', () => {
    const l = new LearnedPoolAddresses();
    l.learn('10.0.0.5', '198.51.100.7', 'x.example', 600, 0);
    l.learn('10.0.0.5', '198.51.100.7', 'x.example', 600, 500 * S);
    expect(l.counters).toMatchObject({ learned: 1, refreshed: 1 });
    expect(l.lookup('10.0.0.5', '198.51.100.7', 1000 * S)).toBeDefined();
  });
});
