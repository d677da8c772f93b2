// Runs the store contract against the PostgreSQL adapter on the test database, in a schema of its
// own per run (dropped afterwards) so parallel runs never see each other's rows.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openStore, PostgresStore } from '../../src/store/index.js';
import { storeContract } from './contract.js';
import { makeAlert, makeFlow, T0 } from './records.js';
import { DAY_US } from '../../src/store/common.js';

export const TEST_PG_URL = process.env.MINERWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

storeContract('postgres', () => {
  const schema = `mw_test_${randomBytes(6).toString('hex')}`;
  return {
    open: () => openStore(TEST_PG_URL, { schema }),
    cleanup: async () => {
      const s = new PostgresStore(TEST_PG_URL, { schema });
      try {
        await s.dropSchema();
      } finally {
        await s.close();
      }
    },
  };
});

describe('PostgreSQL store with several writers', () => {
  it('creates day partitions once when writers race, and keeps every flow once', async () => {
    const schema = `mw_test_${randomBytes(6).toString('hex')}`;
    const stores = await Promise.all([0, 1, 2].map(() => openStore(TEST_PG_URL, { schema })));
    try {
      // Each writer sends the same 30 days of flows: partitions created concurrently, rows deduplicated.
      const flows = Array.from({ length: 3000 }, (_, i) =>
        makeFlow(i, { start_us: T0 + Math.floor(i / 100) * DAY_US + i, end_us: T0 + Math.floor(i / 100) * DAY_US + i + 10 }),
      );
      const added = await Promise.all(stores.map((s) => s.putFlows(flows)));
      expect(added.reduce((a, b) => a + b, 0)).toBe(3000);
      const got = await stores[0]?.queryFlows({ ip: '10.0.0.5', from_us: T0, to_us: T0 + 40 * DAY_US, limit: 10_000 });
      expect(got?.length).toBe(3000);
      // Retention from one writer while another still knows the dropped partition: the other recreates it.
      expect(await stores[1]?.expireFlows(T0 + 40 * DAY_US)).toBe(3000);
      expect(await stores[2]?.putFlows(flows.slice(0, 10))).toBe(10);
    } finally {
      const first = stores[0] as PostgresStore;
      await first.dropSchema();
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describe('PostgreSQL store statement chunks', () => {
  it('splits alert and flow batches larger than one statement takes, idempotently', async () => {
    const schema = `mw_test_${randomBytes(6).toString('hex')}`;
    const store = (await openStore(TEST_PG_URL, { schema })) as PostgresStore;
    try {
      // ALERT_INSERT_CHUNK is 1000 alerts per INSERT, FLOW_INSERT_CHUNK 10000 flows per statement.
      const alerts = Array.from({ length: 2500 }, (_, i) => makeAlert(i));
      expect(await store.putAlerts(alerts, T0)).toBe(2500);
      expect(await store.putAlerts(alerts, T0)).toBe(0);
      expect(await store.countAlerts({})).toBe(2500);
      const flows = Array.from({ length: 12_000 }, (_, i) => makeFlow(i));
      expect(await store.putFlows(flows)).toBe(12_000);
      expect(await store.putFlows(flows.slice(9_000))).toBe(0);
      const got = await store.queryFlows({ ip: '198.51.100.7', from_us: 0, to_us: T0 + 100 * DAY_US, limit: 20_000 });
      expect(got.length).toBe(12_000);
    } finally {
      await store.dropSchema();
      await store.close();
    }
  });
});
