// The bus contract: one suite both buses pass (in-process and NATS JetStream). Delivery of every
// message, de-duplication by dedup id, work shared within a durable consumer, fan-out across durable
// consumers, redelivery after a failed handler, after the ack wait, and after a subscriber stops.

import { afterAll, describe, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/types.js';

export interface BusHarness {
  /** A bus connection on the namespace `tag`; two calls with the same tag reach the same messages. */
  open(tag: string): Promise<Bus>;
  /** Removes everything the suite created. */
  cleanup(): Promise<void>;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function idOf(m: BusMessage): string {
  return (m.data as { id: string }).id;
}

export function busContract(name: string, harness: () => BusHarness): void {
  describe(`Bus contract: ${name}`, () => {
    const h = harness();
    const opened: Bus[] = [];
    const open = async (tag: string): Promise<Bus> => {
      const b = await h.open(tag);
      opened.push(b);
      return b;
    };
    afterAll(async () => {
      for (const b of opened) await b.close().catch(() => undefined);
      await h.cleanup();
    });

    it('delivers every message once, in order, to one subscriber', async () => {
      const bus = await open('order');
      for (let i = 0; i < 20; i++) expect((await bus.publish('alerts', { id: `m${i}` }, `m${i}`)).duplicate).toBe(false);
      const got: string[] = [];
      const sub = await bus.subscribe(
        'alerts',
        'w',
        async (m) => {
          got.push(idOf(m));
          expect(m.deliveryCount).toBe(1);
          await m.ack();
        },
        { maxInFlight: 1 },
      );
      await waitFor(() => got.length === 20, 10_000, '20 messages');
      await bus.publish('alerts', { id: 'late' }, 'late');
      await waitFor(() => got.length === 21, 10_000, 'the late message');
      await sub.stop();
      expect(got).toEqual([...Array.from({ length: 20 }, (_, i) => `m${i}`), 'late']);
      expect(bus.stats().acked).toBeGreaterThanOrEqual(21);
    });

    it('drops a second publish with the same dedup id', async () => {
      const bus = await open('dedup');
      expect((await bus.publish('alerts', { id: 'x' }, 'same')).duplicate).toBe(false);
      expect((await bus.publish('alerts', { id: 'x-again' }, 'same')).duplicate).toBe(true);
      expect((await bus.publish('alerts', { id: 'y' }, 'other')).duplicate).toBe(false);
      const got: string[] = [];
      const sub = await bus.subscribe('alerts', 'w', async (m) => {
        got.push(idOf(m));
        await m.ack();
      });
      await waitFor(() => got.length === 2, 10_000, 'two messages');
      await new Promise((r) => setTimeout(r, 200));
      await sub.stop();
      expect(got.sort()).toEqual(['x', 'y']);
      expect(bus.stats().duplicates).toBe(1);
    });

    it('shares work within a durable consumer and fans out across durable consumers', async () => {
      const pub = await open('share');
      const a = await open('share');
      const b = await open('share');
      const n = 60;
      const byA: string[] = [];
      const byB: string[] = [];
      const audit: string[] = [];
      const slow = (list: string[]) => async (m: BusMessage) => {
        list.push(idOf(m));
        await new Promise((r) => setTimeout(r, 5));
        await m.ack();
      };
      const sa = await a.subscribe('flows', 'writer', slow(byA), { maxInFlight: 4 });
      const sb = await b.subscribe('flows', 'writer', slow(byB), { maxInFlight: 4 });
      const sc = await a.subscribe('flows', 'auditor', slow(audit));
      for (let i = 0; i < n; i++) await pub.publish('flows', { id: `f${i}` }, `f${i}`);
      await waitFor(() => byA.length + byB.length === n && audit.length === n, 15_000, 'all deliveries');
      await new Promise((r) => setTimeout(r, 200));
      await Promise.all([sa.stop(), sb.stop(), sc.stop()]);
      expect(byA.length + byB.length).toBe(n);
      expect(new Set([...byA, ...byB]).size).toBe(n);
      expect(byA.length).toBeGreaterThan(0);
      expect(byB.length).toBeGreaterThan(0);
      expect(new Set(audit).size).toBe(n);
    });

    it('redelivers when the handler throws', async () => {
      const bus = await open('throw');
      await bus.publish('alerts', { id: 'boom' }, 'boom');
      const counts: number[] = [];
      const sub = await bus.subscribe('alerts', 'w', async (m) => {
        counts.push(m.deliveryCount);
        if (m.deliveryCount < 3) throw new Error('transient');
        await m.ack();
      });
      await waitFor(() => counts.length === 3, 10_000, 'three deliveries');
      await new Promise((r) => setTimeout(r, 200));
      await sub.stop();
      expect(counts).toEqual([1, 2, 3]);
      expect(bus.stats().handlerErrors).toBe(2);
    });

    it('redelivers what was not acknowledged within the ack wait', async () => {
      const bus = await open('ackwait');
      await bus.publish('alerts', { id: 'slow' }, 'slow');
      const seen: { n: number; at: number }[] = [];
      const t0 = Date.now();
      const sub = await bus.subscribe(
        'alerts',
        'w',
        async (m) => {
          seen.push({ n: m.deliveryCount, at: Date.now() - t0 });
          if (m.deliveryCount >= 2) await m.ack();
        },
        { ackWaitMs: 1000 },
      );
      await waitFor(() => seen.length === 2, 10_000, 'the redelivery');
      await sub.stop();
      expect(seen.map((s) => s.n)).toEqual([1, 2]);
      expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    });

    it('gives another subscriber what a stopped one left unacknowledged, and resumes a durable after a restart', async () => {
      const pub = await open('resume');
      for (let i = 0; i < 10; i++) await pub.publish('alerts', { id: `r${i}` }, `r${i}`);
      const w1 = await open('resume');
      const acked1: string[] = [];
      const held: string[] = [];
      const s1 = await w1.subscribe(
        'alerts',
        'w',
        async (m) => {
          const id = idOf(m);
          if (acked1.length < 4) {
            acked1.push(id);
            await m.ack();
          } else held.push(id);
        },
        { maxInFlight: 1, ackWaitMs: 1500 },
      );
      await waitFor(() => acked1.length === 4 && held.length >= 1, 10_000, 'first worker progress');
      await s1.stop();
      const w2 = await open('resume');
      const got2: string[] = [];
      const s2 = await w2.subscribe(
        'alerts',
        'w',
        async (m) => {
          got2.push(idOf(m));
          await m.ack();
        },
        { ackWaitMs: 1500 },
      );
      await waitFor(() => new Set(got2).size === 6, 15_000, 'the second worker to finish');
      await s2.stop();
      expect(acked1).toEqual(['r0', 'r1', 'r2', 'r3']);
      expect([...new Set(got2)].sort()).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    });
  });
}
