// The bus contract on the in-process bus, plus its own limits: back-pressure when consumers lag
// (maxRetainedPerSubject) and the bounded dedup memory (maxDedupIds).

import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/memory.js';
import { busContract, waitFor } from './contract.js';

busContract('memory', () => {
  const buses = new Map<string, MemoryBus>();
  return {
    open: async (tag) => {
      let b = buses.get(tag);
      if (b === undefined) {
        b = new MemoryBus();
        buses.set(tag, b);
      }
      return b;
    },
    cleanup: async () => {
      for (const b of buses.values()) await b.close();
    },
  };
});

describe('MemoryBus limits', () => {
  it('makes publishers wait when consumers lag past maxRetainedPerSubject, and counts it', async () => {
    const bus = new MemoryBus({ maxRetainedPerSubject: 3 });
    const pending: ((v?: unknown) => void)[] = [];
    const got: number[] = [];
    const sub = await bus.subscribe('alerts', 'w', async (m) => {
      got.push((m.data as { n: number }).n);
      await new Promise((r) => pending.push(r));
      await m.ack();
    });
    for (let n = 0; n < 3; n++) await bus.publish('alerts', { n }, `d${n}`);
    let fourthDone = false;
    const fourth = bus.publish('alerts', { n: 3 }, 'd3').then(() => (fourthDone = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(fourthDone).toBe(false);
    expect(bus.stats().publishWaits).toBe(1);
    pending.shift()?.();
    await fourth;
    expect(fourthDone).toBe(true);
    while (got.length < 4 || pending.length > 0) {
      pending.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => bus.stats().acked === 4, 2000, 'four acks');
    await sub.stop();
    await bus.close();
    expect(got).toEqual([0, 1, 2, 3]);
  });

  it('forgets the oldest dedup id past maxDedupIds, and counts it', async () => {
    const bus = new MemoryBus({ maxDedupIds: 2 });
    await bus.publish('flows', 1, 'a');
    await bus.publish('flows', 2, 'b');
    await bus.publish('flows', 3, 'c');
    expect(bus.stats().dedupEvictions).toBe(1);
    expect((await bus.publish('flows', 4, 'c')).duplicate).toBe(true);
    expect((await bus.publish('flows', 5, 'a')).duplicate).toBe(false);
    await bus.close();
  });
});
