// The syslog input into the PostgreSQL store (the shared deployment's store) on 127.0.0.1:5432, in
// a schema of its own: PAN-OS THREAT and TRAFFIC lines over TCP become stored alerts and flows,
// and a redelivered log is stored once.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyslogIngest, StoreWriter, type SyslogIngest } from '../../src/ingest/syslog/index.js';
import { openStore, PostgresStore } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { fixtureLines, waitFor } from './helpers.js';

const TEST_PG_URL = process.env.MINERWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const NOW = Date.UTC(2026, 10, 27, 12) * 1000;

describe('syslog ingest into PostgreSQL', () => {
  let store: PostgresStore;
  let writer: StoreWriter;
  let ingest: SyslogIngest;

  beforeAll(async () => {
    store = (await openStore(TEST_PG_URL, { schema: `mw_test_${randomBytes(6).toString('hex')}` })) as PostgresStore;
    writer = new StoreWriter(store, new ManualClock(NOW), { flushMs: 10 });
    ingest = await startSyslogIngest({
      listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }],
      clock: new ManualClock(NOW),
      onAlert: (a) => writer.addAlert(a),
      onFlow: (f) => writer.addFlow(f),
    });
  });
  afterAll(async () => {
    await ingest?.close();
    await writer?.flush();
    await store?.dropSchema();
    await store?.close();
  });

  it('stores alerts and flows, once each', async () => {
    const lines = [...fixtureLines('syslog-bsd.log'), ...fixtureLines('syslog-ietf.log'), fixtureLines('syslog-bsd.log')[0] ?? ''];
    const s = connect(ingest.bound[0]?.port ?? 0, '127.0.0.1');
    await new Promise<void>((r) => s.once('connect', () => r()));
    await new Promise<void>((r) => s.end(lines.map((l) => `${l}\n`).join(''), () => r()));
    await waitFor(() => ingest.panos.counters.alerts + ingest.panos.counters.flows === 6, 5000, 'six records');
    await writer.flush();
    const alerts = await store.listAlerts({ limit: 10, order: 'oldest' });
    expect(alerts.map((a) => a.alert.signature_id)).toEqual([85886, 86098, 86510]);
    expect(alerts[0]?.original?.threatid).toBe('XMRig Miner Command and Control Traffic Detection(85886)');
    const flows = await store.queryFlows({ ip: '203.0.113.80', from_us: 0, to_us: NOW * 2 });
    expect(flows.map((f) => [f.source, f.bytes_toserver, f.reason])).toEqual([['panos', 2048, 'tcp-rst-from-server']]);
    expect(writer.counters).toMatchObject({ alerts_queued: 4, alerts_new: 3, flows_new: 2, write_errors: 0 });
  });
});
