// The store writer's bounded queue: a store that falls behind makes records drop with a counter,
// never pile up; failed writes are counted; everything else reaches the store in order.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/types.js';
import type { FlowRecord } from '../../flows/types.js';
import { ManualClock } from '../../util/clock.js';
import { StoreWriter, type RecordStore } from './store-writer.js';

const flow = (i: number): FlowRecord => ({
  flow_id: `f${i}`, source: 'panos', src_ip: '10.0.0.1', src_port: 1000 + i, dest_ip: '192.0.2.1', dest_port: 3333,
  proto: 'TCP', start_us: i, end_us: i + 1, pkts_toserver: 1, pkts_toclient: 1, bytes_toserver: 1, bytes_toclient: 1,
});

class SlowStore implements RecordStore {
  flows: FlowRecord[] = [];
  alerts: Alert[] = [];
  release: (() => void) | undefined;
  fail = false;
  async putAlerts(a: Alert[]): Promise<number> {
    this.alerts.push(...a);
    return a.length;
  }
  async putFlows(f: FlowRecord[]): Promise<number> {
    await new Promise<void>((r) => (this.release = r));
    if (this.fail) throw new Error('disk full');
    this.flows.push(...f);
    return f.length;
  }
}

describe('StoreWriter', () => {
  it('drops and counts records beyond maxQueued while the store is stuck', async () => {
    const store = new SlowStore();
    const w = new StoreWriter(store, new ManualClock(0), { maxQueued: 100, batchSize: 50, flushMs: 1 });
    for (let i = 0; i < 1000; i++) w.addFlow(flow(i));
    expect(w.queued).toBe(100);
    expect(w.counters.flows_dropped_queue_full).toBe(900);
    const done = w.flush();
    for (let k = 0; k < 10 && store.flows.length < 100; k++) {
      await new Promise((r) => setTimeout(r, 5));
      store.release?.();
    }
    await done;
    expect(store.flows.map((f) => f.flow_id)).toEqual(Array.from({ length: 100 }, (_, i) => `f${i}`));
    expect(w.counters).toMatchObject({ flows_queued: 100, flows_new: 100, write_errors: 0 });
    expect(w.queued).toBe(0);
  });
  it('counts failed writes and the records they lost', async () => {
    const store = new SlowStore();
    store.fail = true;
    const w = new StoreWriter(store, new ManualClock(0), { batchSize: 10, flushMs: 1000 });
    for (let i = 0; i < 5; i++) w.addFlow(flow(i));
    const done = w.flush();
    await new Promise((r) => setTimeout(r, 5));
    store.release?.();
    await done;
    expect(w.counters).toMatchObject({ write_errors: 1, records_lost_write_error: 5, last_error: 'disk full' });
  });
});
