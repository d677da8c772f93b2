// Batches ingested alerts and flows into the store. Receivers call `addAlert`/`addFlow`
// synchronously; writes happen in batches on a timer or when a batch fills. The queue is bounded
// (maxQueued): when the store falls behind, further records are counted as `queue_full` drops,
// never buffered without bound; failed writes are counted too. Nothing is dropped silently.

import type { Alert } from '../../alerts/types.js';
import type { FlowRecord } from '../../flows/types.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';

export type RecordStore = Pick<Store, 'putAlerts' | 'putFlows'>;

export interface StoreWriterLimits {
  /** Records (alerts + flows) waiting for the store; more are dropped and counted. Default 100,000. */
  maxQueued: number;
  /** Records per store call. Default 1,000. */
  batchSize: number;
  /** Longest a record waits before a write starts, milliseconds. Default 250. */
  flushMs: number;
}

export const DEFAULT_STORE_WRITER_LIMITS: Readonly<StoreWriterLimits> = Object.freeze({
  maxQueued: 100_000,
  batchSize: 1_000,
  flushMs: 250,
});

export interface StoreWriterCounters {
  alerts_queued: number;
  flows_queued: number;
  alerts_new: number;
  flows_new: number;
  alerts_dropped_queue_full: number;
  flows_dropped_queue_full: number;
  write_errors: number;
  records_lost_write_error: number;
  last_error?: string;
}

export class StoreWriter {
  readonly counters: StoreWriterCounters = {
    alerts_queued: 0,
    flows_queued: 0,
    alerts_new: 0,
    flows_new: 0,
    alerts_dropped_queue_full: 0,
    flows_dropped_queue_full: 0,
    write_errors: 0,
    records_lost_write_error: 0,
  };
  private readonly limits: StoreWriterLimits;
  private alerts: Alert[] = [];
  private flows: FlowRecord[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RecordStore,
    private readonly clock: Clock,
    limits: Partial<StoreWriterLimits> = {},
  ) {
    this.limits = { ...DEFAULT_STORE_WRITER_LIMITS, ...limits };
  }

  get queued(): number {
    return this.alerts.length + this.flows.length + this.inFlight;
  }

  addAlert(a: Alert): void {
    if (this.queued >= this.limits.maxQueued) {
      this.counters.alerts_dropped_queue_full++;
      return;
    }
    this.alerts.push(a);
    this.counters.alerts_queued++;
    this.schedule();
  }

  addFlow(f: FlowRecord): void {
    if (this.queued >= this.limits.maxQueued) {
      this.counters.flows_dropped_queue_full++;
      return;
    }
    this.flows.push(f);
    this.counters.flows_queued++;
    this.schedule();
  }

  /** Writes everything queued so far; resolves when it is in the store. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const alerts = this.alerts;
    const flows = this.flows;
    this.alerts = [];
    this.flows = [];
    this.inFlight += alerts.length + flows.length;
    // Writes are chained so batches reach the store in arrival order.
    this.writing = this.writing.then(() => this.write(alerts, flows));
    return this.writing;
  }

  private schedule(): void {
    if (this.alerts.length + this.flows.length >= this.limits.batchSize) {
      void this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.limits.flushMs);
      this.timer.unref();
    }
  }

  private async write(alerts: Alert[], flows: FlowRecord[]): Promise<void> {
    const b = this.limits.batchSize;
    for (let i = 0; i < alerts.length; i += b) {
      const part = alerts.slice(i, i + b);
      try {
        this.counters.alerts_new += await this.store.putAlerts(part, this.clock.nowUs());
      } catch (err) {
        this.writeFailed(err, part.length);
      }
      this.inFlight -= part.length;
    }
    for (let i = 0; i < flows.length; i += b) {
      const part = flows.slice(i, i + b);
      try {
        this.counters.flows_new += await this.store.putFlows(part);
      } catch (err) {
        this.writeFailed(err, part.length);
      }
      this.inFlight -= part.length;
    }
  }

  private writeFailed(err: unknown, n: number): void {
    this.counters.write_errors++;
    this.counters.records_lost_write_error += n;
    this.counters.last_error = err instanceof Error ? err.message : String(err);
  }
}
