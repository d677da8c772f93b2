// Triage end to end on a real capture: a firewall-style alert for a CryptoNote miner, with the
// capture in a capture store and the flow records the sensor made from the same capture.

import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { readCapture } from '../../src/capture/reader.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowRecord } from '../../src/flows/types.js';
import { loadHostingList } from '../../src/enrich/hosting.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { CaptureStoreDir } from '../../src/triage/capture-sources.js';
import { TriageService, renderReport } from '../../src/triage/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { CsvAsnDatabase } from '../../src/enrich/asn-db.js';

const corpus = new URL('../../../shared/corpus/', import.meta.url).pathname;
let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mw-triage-'));
  store = await openStore(join(dir, 'db.sqlite'));
  copyFileSync(`${corpus}nesfit/xmr.suprnova.cc.pcapng`, join(dir, 'xmr.pcapng'));
  const flows: FlowRecord[] = [];
  const engine = new Engine({ analysers: [], onFlowEnd: (e) => flows.push(e.record) });
  await readCapture(join(dir, 'xmr.pcapng'), (p) => engine.processPacket(p));
  engine.finish();
  await store.putFlows(flows);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function panosAlert(): Alert {
  return {
    id: 'panos-1',
    source: 'panos',
    ts_us: Date.UTC(2017, 0, 1) * 1000,
    src_ip: '147.229.13.222',
    src_port: 62314,
    dest_ip: '37.59.21.58',
    dest_port: 5222,
    proto: 'TCP',
    app_proto: 'json-rpc',
    alert: { action: 'allowed', gid: 1, signature_id: 86219, rev: 1, signature: 'CoinMiner Command and Control Traffic', category: 'Crypto Currency Mining Activity Detected', severity: 2 },
    confidence: 0.4,
    explanation: 'PAN-OS threat log',
    rules: [],
    evidence: {},
  };
}

describe('TriageService', () => {
  it('proves a firewall alert with the capture and the flows, with all six actions reporting', async () => {
    // A tiny ASN table standing in for the bundled one: 37.59.0.0/16 is OVH's (AS16276).
    const asn = new CsvAsnDatabase(`${(37 << 24) + (59 << 16)},${(37 << 24) + (59 << 16) + 65535},16276,OVH SAS\n`, '', 'test');
    const alert = panosAlert();
    await store.putAlerts([alert], alert.ts_us);
    const first = (await store.queryFlows({ ip: '37.59.21.58', from_us: 0, to_us: Number.MAX_SAFE_INTEGER }))[0]!;
    alert.ts_us = first.start_us;
    const svc = new TriageService({
      clock: new ManualClock(alert.ts_us),
      store,
      asn: () => asn,
      hosting: loadHostingList(),
      hostIntel: [],
      captures: [new CaptureStoreDir(dir)],
      internalNetworks: [{ addr: new Uint8Array([147, 229, 0, 0]), prefix: 16 }],
      flowWindowUs: 24 * 3600 * 1_000_000,
    });
    const report = await svc.run(alert);
    expect(report.actions.map((a) => [a.action, a.status])).toEqual([
      ['endpoint_roles', 'done'],
      ['enrichment', 'done'],
      ['flows', 'done'],
      ['capture', 'done'],
      ['verdict', 'done'],
      ['next_steps', 'done'],
    ]);
    expect(report.verdict).toBe('true_positive');
    expect(report.confidence).toBeGreaterThanOrEqual(0.95);
    expect(report.reasons.join(' ')).toMatch(/sent a job with .*seed_hash|sent a job/);
    expect(report.reasons.join(' ')).toMatch(/147\.229\.13\.222 is an internal client/);
    expect(report.reasons.join(' ')).toMatch(/AS16276 \(OVH SAS\), a hosting provider/);
    const md = renderReport(report, 'markdown');
    expect(md).toContain('True positive');
    const html = renderReport(report, 'html');
    expect(html).not.toMatch(/<script/i);
  });

  it('says what it could not check when no source is configured', async () => {
    const svc = new TriageService({ clock: new ManualClock(0), hostIntel: [], captures: [], internalNetworks: [], flowWindowUs: 1 });
    const report = await svc.run(panosAlert());
    expect(report.verdict).toBe('needs_analyst');
    const byName = Object.fromEntries(report.actions.map((a) => [a.action, a]));
    expect(byName.flows?.status).toBe('not_available');
    expect(byName.capture?.status).toBe('not_available');
    expect(report.reasons.join(' ')).toMatch(/Not checked: the packets \(no capture source is configured\); flow records \(no flow store is configured\)/);
  });
});
