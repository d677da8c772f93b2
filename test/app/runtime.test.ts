// The composition root: alerts another process stores (a file import into the same database)
// are found by the untriaged poll and enter the same triage as the sensor's own.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { Runtime } from '../../src/app/runtime.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const imported: Alert = {
  id: 'imported-1',
  source: 'eve',
  ts_us: Date.UTC(2026, 10, 27, 10) * 1000,
  src_ip: '10.0.0.8',
  src_port: 49152,
  dest_ip: '198.51.100.30',
  dest_port: 3333,
  proto: 'TCP',
  alert: { action: 'allowed', gid: 1, signature_id: 2024792, rev: 4, signature: 'ET COINMINER Stratum login', category: 'Crypto Currency Mining Activity Detected', severity: 1 },
  confidence: 0.6,
  explanation: 'Suricata alert',
  rules: [],
  evidence: {},
};

describe('Runtime', () => {
  it('triages alerts that another process stored', async () => {
    const db = join(dir, 'shared.db');
    const rt = await Runtime.open({ db, alertPcapDir: join(dir, 'pcaps') }, new ManualClock(imported.ts_us));
    const stop = rt.startUntriagedPoll(50);
    try {
      const other = await openStore(db);
      await other.putAlerts([imported], imported.ts_us);
      await other.close();
      await expect.poll(async () => (await rt.store.getTriage('imported-1'))?.verdict, { timeout: 20_000, interval: 100 }).toBeDefined();
      const stored = await rt.store.getAlert('imported-1');
      expect(stored?.triage_verdict).toBe('needs_analyst');
      expect(await rt.store.listAlerts({ untriaged: true, limit: 10 })).toEqual([]);
    } finally {
      stop();
      await rt.close();
    }
  });

  it('runs the sensor over the bundled sample and triages its alert to a true positive', async () => {
    const rt = await Runtime.open({ db: join(dir, 'sample.db'), alertPcapDir: join(dir, 'sample-pcaps') }, new ManualClock(0));
    try {
      await rt.scanFile(new URL('../../samples/xmrig-lab.pcap', import.meta.url).pathname);
      const alerts = await rt.store.listAlerts({ limit: 10 });
      expect(alerts.some((a) => a.triage_verdict === 'true_positive' && a.dest_port === 3333)).toBe(true);
      const flows = await rt.store.queryFlows({ ip: '203.0.113.21', from_us: 0, to_us: Number.MAX_SAFE_INTEGER });
      expect(flows.length).toBeGreaterThan(0);
    } finally {
      await rt.close();
    }
  });
});
