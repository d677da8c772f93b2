// The role wiring in one process (role `all`: in-process bus, SQLite store): alerts published twice
// are stored and triaged once, a failing triage is retried, flows are stored once per record,
// malformed payloads are counted and dropped.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/memory.js';
import { flowBatchId, MAX_FLOWS_PER_MESSAGE, parseRole, startRole, type TriageFn } from '../../src/bus/roles.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { makeAlert, makeFlow } from '../store/records.js';
import { waitFor } from './contract.js';

describe('roles over the in-process bus', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-roles-'));
    store = await openStore(path.join(dir, 'mw.db'));
  });
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('parses roles and refuses a worker without a store', async () => {
    expect(parseRole('worker')).toBe('worker');
    expect(parseRole('admin')).toBeUndefined();
    const bus = new MemoryBus();
    await expect(startRole('worker', { bus, clock: new ManualClock(1) })).rejects.toThrow(/needs a store/);
    const sensor = await startRole('sensor', { bus, clock: new ManualClock(1) });
    expect(sensor.publisher).toBeDefined();
    expect(sensor.alertWorker).toBeUndefined();
    await sensor.stop();
    await bus.close();
  });

  it('stores and triages each alert once, retries a failed triage, stores flows once', async () => {
    const bus = new MemoryBus();
    const runs = new Map<string, number>();
    let failOnce = true;
    const triage: TriageFn = async (a) => {
      runs.set(a.id, (runs.get(a.id) ?? 0) + 1);
      if (a.id === 'a00003' && failOnce) {
        failOnce = false;
        throw new Error('enrichment timed out');
      }
      return { alert_id: a.id, report: { saw: a.dest_ip }, verdict: 'true_positive', confidence: 0.7, started_us: 1, finished_us: 2 };
    };
    const node = await startRole('all', { bus, store, clock: new ManualClock(5_000_000), triage, retryDelayMs: 20 });
    const pub = node.publisher;
    if (pub === undefined) throw new Error('role all must publish');
    const alerts = Array.from({ length: 30 }, (_, i) => makeAlert(i));
    for (const a of alerts) await pub.publishAlert(a);
    // A second sensor reporting the same evidence: same ids.
    for (const a of alerts.slice(0, 10)) expect((await pub.publishAlert(a)).duplicate).toBe(true);
    const flows = Array.from({ length: 2500 }, (_, i) => makeFlow(i));
    expect(await pub.publishFlows(flows)).toBe(Math.ceil(2500 / MAX_FLOWS_PER_MESSAGE));
    expect(await pub.publishFlows(flows)).toBe(0);
    // The same records in another batching are new messages, but not new rows.
    expect(await pub.publishFlows(flows.slice(0, 500))).toBe(1);
    expect(flowBatchId(flows.slice(0, 2))).toBe(flowBatchId([makeFlow(0), makeFlow(1)]));
    await bus.publish('alerts', { not: 'an alert' }, 'junk-1');
    await bus.publish('flows', [{ flow_id: 7 }, makeFlow(99_999)], 'junk-2');

    await waitFor(async () => (await store.countAlerts({})) === 30 && node.alertWorker?.counters().triaged === 30, 10_000, 'triage');
    await waitFor(() => (node.flowWriter?.counters().flowBatches ?? 0) === 5, 10_000, 'flow batches');
    await node.stop();
    const ac = node.alertWorker?.counters();
    const fc = node.flowWriter?.counters();
    expect(ac?.alertsStored).toBe(30);
    expect(ac?.triageFailed).toBe(1);
    expect(ac?.malformed).toBe(1);
    expect(runs.get('a00003')).toBe(2);
    expect([...runs.values()].reduce((s, n) => s + n, 0)).toBe(31);
    for (const a of alerts) expect((await store.getTriage(a.id))?.report).toEqual({ saw: a.dest_ip });
    expect((await store.getAlert('a00003'))?.triage_verdict).toBe('true_positive');
    expect(fc?.flowsStored).toBe(2501);
    expect(fc?.flowsAlreadyStored).toBe(500);
    expect(fc?.malformed).toBe(1);
    const stored = await store.queryFlows({ ip: '10.0.0.5', from_us: 0, to_us: Number.MAX_SAFE_INTEGER, limit: 100_000 });
    expect(stored.length).toBe(2501);
    await bus.close();
  });
});
