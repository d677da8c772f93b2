// Analyst metrics on both adapters: true-positive rates per signature and source, time to first
// look and to verdict, alerts per day.

import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { openStore, PostgresStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
const TEST_PG_URL = process.env.MINERWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

const DAY = 86_400_000_000;
const T0 = Date.UTC(2026, 10, 20) * 1000;

function alert(i: number, source: Alert['source'], sid: number): Alert {
  return {
    id: `m${i}`,
    source,
    ts_us: T0 + (i % 3) * DAY + i,
    src_ip: '10.0.0.1',
    src_port: 40000 + i,
    dest_ip: '203.0.113.21',
    dest_port: 3333,
    proto: 'TCP',
    alert: { action: 'allowed', gid: 1, signature_id: sid, rev: 1, signature: sid === 1 ? 'CoinMiner' : 'Stratum login', category: 'Crypto Currency Mining Activity Detected', severity: 2 },
    confidence: 0.5,
    explanation: '',
    rules: [],
    evidence: {},
  };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`alertMetrics on ${kind}`, () => {
    let store: Store;
    let dir = '';
    const schema = `mw_test_${randomBytes(6).toString('hex')}`;
    beforeAll(async () => {
      if (kind === 'sqlite') {
        dir = mkdtempSync(join(tmpdir(), 'mw-metrics-'));
        store = await openStore(join(dir, 'm.db'));
      } else {
        store = await openStore(TEST_PG_URL, { schema });
      }
      // 10 firewall alerts (sid 1): 4 true positive, 6 false positive; 5 sensor alerts (sid 2), 2 decided TP.
      const alerts = [...Array.from({ length: 10 }, (_, i) => alert(i, 'panos', 1)), ...Array.from({ length: 5 }, (_, i) => alert(10 + i, 'sensor', 2))];
      await store.putAlerts(alerts, T0);
      for (let i = 0; i < 10; i++) {
        await store.updateAlert(`m${i}`, { verdict: i < 4 ? 'true_positive' : 'false_positive', first_look_us: T0 + (i + 1) * 60_000_000, verdict_us: T0 + (i + 1) * 120_000_000 });
      }
      for (let i = 10; i < 12; i++) await store.updateAlert(`m${i}`, { verdict: 'true_positive', first_look_us: T0 + 30 * 60_000_000, verdict_us: T0 + 40 * 60_000_000 });
    });
    afterAll(async () => {
      if (kind === 'postgres') await (store as PostgresStore).dropSchema();
      await store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('computes true-positive rates per signature and per source', async () => {
      const m = await store.alertMetrics({ from_us: T0 - DAY, to_us: T0 + 10 * DAY });
      expect(m.by_signature).toEqual([
        { key: 'CoinMiner (1)', alerts: 10, decided: 10, true_positive: 4, tp_rate: 0.4 },
        { key: 'Stratum login (2)', alerts: 5, decided: 2, true_positive: 2, tp_rate: 1 },
      ]);
      expect(m.by_source.find((r) => r.key === 'panos')?.tp_rate).toBe(0.4);
    });

    it('gives time to first look against the 15-minute target, and time to verdict', async () => {
      const m = await store.alertMetrics({ from_us: T0 - DAY, to_us: T0 + 10 * DAY });
      // First looks after 1..10 minutes (10 alerts) and 30 minutes (2 alerts).
      expect(m.time_to_first_look.count).toBe(12);
      expect(m.time_to_first_look.max_us).toBe(30 * 60_000_000);
      expect(m.time_to_first_look.p50_us).toBe(6 * 60_000_000);
      expect(m.time_to_first_look.within_target).toBeCloseTo(10 / 12);
      expect(m.time_to_verdict.count).toBe(12);
      expect(m.time_to_verdict.max_us).toBe(40 * 60_000_000);
    });

    it('counts alerts per day and honours the range', async () => {
      const m = await store.alertMetrics({ from_us: T0 - DAY, to_us: T0 + 10 * DAY });
      expect(m.per_day).toEqual([
        { day: '2026-11-20', alerts: 5 },
        { day: '2026-11-21', alerts: 5 },
        { day: '2026-11-22', alerts: 5 },
      ]);
      const none = await store.alertMetrics({ from_us: 0, to_us: 1 });
      expect(none.by_signature).toEqual([]);
      expect(none.time_to_first_look.count).toBe(0);
    });
  });
}
