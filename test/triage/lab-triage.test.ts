// Triage on the project's lab captures: every real-XMRig capture triages to true positive with
// evidence from all six actions; a firewall-style alert raised on a benign look-alike (a long-
// lived Electrum JSON-RPC session, JSON-RPC on a mining port) triages to benign or needs-analyst,
// with its reasons.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { Runtime } from '../../src/app/runtime.js';
import { readCapture } from '../../src/capture/reader.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowRecord } from '../../src/flows/types.js';
import type { TriageReport } from '../../src/triage/types.js';
import { ManualClock } from '../../src/util/clock.js';

const LAB = new URL('../fixtures/lab/', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runtimeFor(capture: string): Promise<Runtime> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-labtriage-'));
  dirs.push(dir);
  return Runtime.open({ db: join(dir, 'db.sqlite'), alertPcapDir: join(dir, 'pcaps'), captureStoreDir: join(LAB, capture) }, new ManualClock(Date.UTC(2026, 10, 27, 13) * 1000));
}

const XMRIG = readdirSync(LAB).filter((d) => d.startsWith('xmrig-') && !/-(seg1|reorder|overlap|ipfrag|ipv6|vlan|qinq)$/.test(d));

describe('lab miner captures triage to true positive', () => {
  it.each(XMRIG)('%s', async (name) => {
    const rt = await runtimeFor(name);
    try {
      await rt.scanFile(join(LAB, name, 'capture.pcap'));
      const alerts = await rt.store.listAlerts({ limit: 100 });
      expect(alerts.length).toBeGreaterThan(0);
      // The miner's own connection (the strongest alert) is a true positive; no alert of a real
      // miner's capture is ever called benign (a bare pool-name lookup may need an analyst).
      const strongest = [...alerts].filter((x) => x.proto === 'TCP').sort((x, y) => x.alert.severity - y.alert.severity || y.confidence - x.confidence)[0]!;
      expect((await rt.store.getTriage(strongest.id))?.verdict, `${name} ${strongest.alert.signature}`).toBe('true_positive');
      for (const a of alerts) {
        const row = await rt.store.getTriage(a.id);
        const report = row?.report as unknown as TriageReport;
        expect(report.verdict, `${name} ${a.alert.signature}`).not.toBe('benign');
        expect(report.actions.map((x) => [x.action, x.status])).toEqual([
          ['endpoint_roles', 'done'],
          ['enrichment', 'done'],
          ['flows', 'done'],
          ['capture', expect.stringMatching(/done/)],
          ['verdict', 'done'],
          ['next_steps', 'done'],
        ]);
        const cap = report.actions.find((x) => x.action === 'capture')?.evidence as { flow_packets: number; steps: string[] };
        expect(cap.flow_packets).toBeGreaterThan(0);
        expect(report.reasons.join(' ')).toMatch(/10\.1\.2\.3 is an internal client/);
        const enr = report.actions.find((x) => x.action === 'enrichment')?.evidence as { names: string[]; pool_matches: unknown[] };
        // The pool's name, from the DNS answer the client got before connecting.
        if (a.id === strongest.id && !name.includes('daemon')) expect(enr.names.length, `${name}: the pool name`).toBeGreaterThan(0);
      }
    } finally {
      await rt.close();
    }
  });
});

/** A firewall-style alert on the lab capture's one TCP flow, as PAN-OS would raise it. */
async function firewallAlertOn(capture: string): Promise<{ alert: Alert; flows: FlowRecord[] }> {
  const flows: FlowRecord[] = [];
  const engine = new Engine({ analysers: [], onFlowEnd: (e) => flows.push(e.record) });
  await readCapture(capture, (p) => engine.processPacket(p));
  engine.finish();
  const tcp = flows.filter((f) => f.proto === 'TCP').sort((a, b) => b.bytes_toclient + b.bytes_toserver - (a.bytes_toclient + a.bytes_toserver))[0]!;
  return {
    flows,
    alert: {
      id: `fw-${tcp.flow_id}`,
      source: 'panos',
      ts_us: tcp.start_us,
      src_ip: tcp.src_ip,
      src_port: tcp.src_port,
      dest_ip: tcp.dest_ip,
      dest_port: tcp.dest_port,
      proto: 'TCP',
      app_proto: 'json-rpc',
      alert: { action: 'allowed', gid: 1, signature_id: 86219, rev: 1, signature: 'CoinMiner Command and Control Traffic', category: 'Crypto Currency Mining Activity Detected', severity: 2 },
      confidence: 0.4,
      explanation: 'PAN-OS threat log: CoinMiner Command and Control Traffic(86219), application json-rpc',
      rules: [],
      evidence: {},
    },
  };
}

describe('firewall alerts on benign look-alikes', () => {
  it.each(['benign-electrum', 'benign-jsonrpc-3333', 'benign-jsonrpc-feed'])('%s is not called mining', async (name) => {
    const rt = await runtimeFor(name);
    try {
      const { alert, flows } = await firewallAlertOn(join(LAB, name, 'capture.pcap'));
      await rt.store.putFlows(flows);
      await rt.acceptAlerts([alert]);
      await rt.idle();
      const report = (await rt.store.getTriage(alert.id))?.report as unknown as TriageReport;
      expect(['benign', 'needs_analyst']).toContain(report.verdict);
      const text = report.reasons.join(' ');
      expect(text).toMatch(/no mining method, login, job or share/);
      if (name === 'benign-electrum') {
        expect(report.verdict).toBe('benign');
        expect(text).toMatch(/server\.version|blockchain\.|Electrum/);
      }
    } finally {
      await rt.close();
    }
  });
});
