// The in-process bus, for the single-process deployment: same semantics as the JetStream bus
// (dedup ids, durable consumers that share work, explicit ack, redelivery after the ack wait) kept in
// memory. It does not survive the process: durability there comes from the store, which the consumers
// write before they acknowledge.

import {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_MAX_IN_FLIGHT,
  emptyBusStats,
  type Bus,
  type BusHandler,
  type BusMessage,
  type BusStats,
  type BusSubject,
  type BusSubscription,
  type PublishResult,
  type SubscribeOptions,
} from './types.js';

export interface MemoryBusOptions {
  /**
   * Messages kept per subject that some durable consumer has not acknowledged yet. Publishing past
   * it waits until consumers catch up (back-pressure; counted in `publishWaits`). Default 100000.
   */
  maxRetainedPerSubject?: number;
  /** Dedup ids remembered per subject; the oldest is forgotten past it (counted). Default 100000. */
  maxDedupIds?: number;
}

export const DEFAULT_MAX_RETAINED_PER_SUBJECT = 100_000;
export const DEFAULT_MAX_DEDUP_IDS = 100_000;

export interface MemoryBusStats extends BusStats {
  /** Publishes that had to wait for room (maxRetainedPerSubject reached). */
  publishWaits: number;
  /** Dedup ids forgotten because maxDedupIds was reached. */
  dedupEvictions: number;
}

interface Pending {
  deliveries: number;
  timer: NodeJS.Timeout | undefined;
  owner: Subscriber | undefined;
  queued: boolean;
}

interface Subscriber {
  handler: BusHandler;
  maxInFlight: number;
  ackWaitMs: number;
  inFlight: number;
  stopped: boolean;
  running: Set<Promise<void>>;
}

interface Durable {
  /** Next sequence never delivered to this consumer. */
  cursor: number;
  pending: Map<number, Pending>;
  redeliver: number[];
  subs: Subscriber[];
  rr: number;
}

class SubjectLog {
  /** data (JSON text) of sequences base, base+1, ... */
  readonly entries: string[] = [];
  base = 1;
  readonly durables = new Map<string, Durable>();
  readonly dedup = new Map<string, number>();
  readonly waiters: (() => void)[] = [];
  get next(): number {
    return this.base + this.entries.length;
  }
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly logs = new Map<BusSubject, SubjectLog>();
  private readonly counters: MemoryBusStats = { ...emptyBusStats(), publishWaits: 0, dedupEvictions: 0 };
  private readonly maxRetained: number;
  private readonly maxDedup: number;
  private closed = false;

  constructor(opts: MemoryBusOptions = {}) {
    this.maxRetained = opts.maxRetainedPerSubject ?? DEFAULT_MAX_RETAINED_PER_SUBJECT;
    this.maxDedup = opts.maxDedupIds ?? DEFAULT_MAX_DEDUP_IDS;
  }

  private log(subject: BusSubject): SubjectLog {
    let l = this.logs.get(subject);
    if (l === undefined) {
      l = new SubjectLog();
      this.logs.set(subject, l);
    }
    return l;
  }

  stats(): MemoryBusStats {
    return { ...this.counters };
  }

  async publish(subject: BusSubject, msg: unknown, dedupId: string): Promise<PublishResult> {
    if (this.closed) throw new Error('bus is closed');
    const l = this.log(subject);
    if (l.dedup.has(dedupId)) {
      this.counters.duplicates++;
      return { duplicate: true };
    }
    const json = JSON.stringify(msg);
    if (l.entries.length >= this.maxRetained) {
      this.counters.publishWaits++;
      while (l.entries.length >= this.maxRetained && !this.closed) {
        await new Promise<void>((resolve) => l.waiters.push(resolve));
      }
      if (this.closed) throw new Error('bus is closed');
      // Another publisher may have sent the same content while this one waited.
      if (l.dedup.has(dedupId)) {
        this.counters.duplicates++;
        return { duplicate: true };
      }
    }
    l.entries.push(json);
    l.dedup.set(dedupId, l.next - 1);
    if (l.dedup.size > this.maxDedup) {
      const oldest = l.dedup.keys().next().value;
      if (oldest !== undefined) l.dedup.delete(oldest);
      this.counters.dedupEvictions++;
    }
    this.counters.published++;
    for (const d of l.durables.values()) this.pump(subject, l, d);
    return { duplicate: false };
  }

  async subscribe(subject: BusSubject, durable: string, handler: BusHandler, opts: SubscribeOptions = {}): Promise<BusSubscription> {
    if (this.closed) throw new Error('bus is closed');
    const l = this.log(subject);
    let d = l.durables.get(durable);
    if (d === undefined) {
      d = { cursor: l.base, pending: new Map(), redeliver: [], subs: [], rr: 0 };
      l.durables.set(durable, d);
    }
    const sub: Subscriber = {
      handler,
      maxInFlight: Math.max(1, opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
      ackWaitMs: Math.max(1, opts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
      inFlight: 0,
      stopped: false,
      running: new Set(),
    };
    d.subs.push(sub);
    const dur = d;
    this.pump(subject, l, dur);
    return {
      stop: async () => {
        if (sub.stopped) return;
        sub.stopped = true;
        dur.subs = dur.subs.filter((s) => s !== sub);
        await Promise.allSettled([...sub.running]);
        // What this subscriber left unacknowledged goes to the others now rather than after the ack wait.
        for (const [seq, p] of dur.pending) {
          if (p.owner === sub && !p.queued) this.requeue(dur, seq, p);
        }
        this.pump(subject, l, dur);
      },
    };
  }

  private requeue(d: Durable, seq: number, p: Pending): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
    p.owner = undefined;
    p.queued = true;
    d.redeliver.push(seq);
  }

  private pickSubscriber(d: Durable): Subscriber | undefined {
    for (let i = 0; i < d.subs.length; i++) {
      const s = d.subs[(d.rr + i) % d.subs.length];
      if (s !== undefined && !s.stopped && s.inFlight < s.maxInFlight) {
        d.rr = (d.rr + i + 1) % d.subs.length;
        return s;
      }
    }
    return undefined;
  }

  private pump(subject: BusSubject, l: SubjectLog, d: Durable): void {
    if (this.closed) return;
    for (;;) {
      if (d.redeliver.length === 0 && d.cursor >= l.next) return;
      const sub = this.pickSubscriber(d);
      if (sub === undefined) return;
      let seq: number;
      const again = d.redeliver.shift();
      if (again !== undefined) seq = again;
      else seq = d.cursor++;
      const p = d.pending.get(seq);
      // A message acknowledged while it waited in the redelivery queue is done.
      if (again !== undefined && p === undefined) continue;
      this.deliver(subject, l, d, sub, seq, p);
    }
  }

  private deliver(subject: BusSubject, l: SubjectLog, d: Durable, sub: Subscriber, seq: number, prev: Pending | undefined): void {
    const json = l.entries[seq - l.base];
    if (json === undefined) return;
    const p: Pending = prev ?? { deliveries: 0, timer: undefined, owner: undefined, queued: false };
    p.deliveries++;
    p.owner = sub;
    p.queued = false;
    d.pending.set(seq, p);
    p.timer = setTimeout(() => {
      if (d.pending.get(seq) === p && !p.queued) {
        this.requeue(d, seq, p);
        this.pump(subject, l, d);
      }
    }, sub.ackWaitMs);
    p.timer.unref();
    this.counters.delivered++;
    if (p.deliveries > 1) this.counters.redelivered++;
    const msg: BusMessage = {
      subject,
      data: JSON.parse(json) as unknown,
      deliveryCount: p.deliveries,
      ack: async () => {
        const cur = d.pending.get(seq);
        if (cur === undefined) return;
        if (cur.timer !== undefined) clearTimeout(cur.timer);
        d.pending.delete(seq);
        this.counters.acked++;
        this.trim(l);
      },
      nak: (delayMs = 0) => {
        const cur = d.pending.get(seq);
        if (cur === undefined || cur.queued) return;
        this.counters.naked++;
        if (cur.timer !== undefined) clearTimeout(cur.timer);
        cur.timer = undefined;
        cur.owner = undefined;
        cur.queued = true;
        const back = (): void => {
          d.redeliver.push(seq);
          this.pump(subject, l, d);
        };
        if (delayMs > 0) setTimeout(back, delayMs).unref();
        else queueMicrotask(back);
      },
    };
    sub.inFlight++;
    const run = (async () => {
      try {
        await sub.handler(msg);
      } catch {
        this.counters.handlerErrors++;
        msg.nak();
      }
    })().finally(() => {
      sub.inFlight--;
      sub.running.delete(run);
      this.pump(subject, l, d);
    });
    sub.running.add(run);
  }

  /** Forgets messages every durable consumer has acknowledged, and wakes waiting publishers. */
  private trim(l: SubjectLog): void {
    if (l.durables.size === 0) return;
    let floor = l.next;
    for (const d of l.durables.values()) {
      let f = d.cursor;
      for (const seq of d.pending.keys()) if (seq < f) f = seq;
      if (f < floor) floor = f;
    }
    const drop = floor - l.base;
    if (drop <= 0) return;
    l.entries.splice(0, drop);
    l.base = floor;
    while (l.waiters.length > 0 && l.entries.length < this.maxRetained) l.waiters.shift()?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const l of this.logs.values()) {
      for (const d of l.durables.values()) {
        for (const p of d.pending.values()) if (p.timer !== undefined) clearTimeout(p.timer);
        await Promise.allSettled(d.subs.flatMap((s) => [...s.running]));
      }
      for (const w of l.waiters.splice(0)) w();
    }
  }
}
