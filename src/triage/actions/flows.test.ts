// The flows action against a real SQLite store: a popular destination with more client pairs than
// a report lists keeps the alert's pair, the regular pair and the long-lived one, in rank order,
// and counts every pair.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/types.js';
import type { FlowRecord } from '../../flows/types.js';
import { openStore } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import { ManualClock } from '../../util/clock.js';
import type { TriageContext } from '../types.js';
import { MAX_REPORTED_PAIRS, flowsAction } from './flows.js';

const T0 = Date.UTC(2026, 10, 2) * 1000;
const SERVER = '23.0.0.1';
const EXTRA_PAIRS = 50;
let dir: string;
let store: Store;

function flow(id: string, client: string, startUs: number, durUs: number): FlowRecord {
  return {
    flow_id: id,
    source: 'netflow9',
    src_ip: client,
    src_port: 40000,
    dest_ip: SERVER,
    dest_port: 443,
    proto: 'TCP',
    start_us: startUs,
    end_us: startUs + durUs,
    pkts_toserver: 10,
    pkts_toclient: 10,
    bytes_toserver: 1000,
    bytes_toclient: 2000,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mw-flows-action-'));
  store = await openStore(join(dir, 'db.sqlite'));
  const flows: FlowRecord[] = [];
  // One short connection each from many clients: more pairs than the report lists.
  for (let i = 0; i < MAX_REPORTED_PAIRS + EXTRA_PAIRS; i++) flows.push(flow(`c${i}`, `10.5.${i >> 8}.${i & 255}`, T0 - 3_600_000_000 + i * 1_000_000, 5_000_000));
  // A regular pair: a reconnect every 10 minutes for 12 hours, same size each time.
  for (let k = 0; k < 72; k++) flows.push(flow(`r${k}`, '10.9.0.1', T0 - 12 * 3_600_000_000 + k * 600_000_000, 60_000_000));
  // A long-lived connection (two hours) from a host seen once.
  flows.push(flow('long', '10.9.0.2', T0 - 7_200_000_000, 7_200_000_000));
  // The alert's own pair, one short connection (it ranks last).
  flows.push(flow('alert', '10.9.0.3', T0 - 1_000_000, 2_000_000));
  await store.putFlows(flows);
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function ctx(): TriageContext {
  return { clock: new ManualClock(T0), store, hostIntel: [], captures: [], internalNetworks: [], flowWindowUs: 24 * 3_600_000_000, signal: new AbortController().signal };
}

describe('flows action', () => {
  it('lists at most MAX_REPORTED_PAIRS pairs, keeping the alert pair, regular and long-lived pairs', async () => {
    const alert = { id: 'a', ts_us: T0, src_ip: '10.9.0.3', src_port: 40000, dest_ip: SERVER, dest_port: 443, proto: 'TCP' } as Alert;
    const r = await flowsAction.run(alert, ctx(), new Map());
    expect(r.status).toBe('done');
    const ev = r.evidence!;
    expect(ev.pairs_total).toBe(MAX_REPORTED_PAIRS + EXTRA_PAIRS + 3);
    expect(ev.pairs).toHaveLength(MAX_REPORTED_PAIRS);
    const clients = ev.pairs.map((p) => p.client);
    expect(clients).toContain('10.9.0.3');
    expect(clients).toContain('10.9.0.2');
    // The regular pair ranks first, as it would in the full list.
    expect(ev.pairs[0]?.client).toBe('10.9.0.1');
    expect(ev.pairs[0]?.beacon_score).toBeGreaterThanOrEqual(0.8);
    expect(r.reason).toBe(`${MAX_REPORTED_PAIRS} of ${MAX_REPORTED_PAIRS + EXTRA_PAIRS + 3} pairs are listed`);
    expect(ev.internal_clients).toHaveLength(MAX_REPORTED_PAIRS + EXTRA_PAIRS + 3);
  });
});
