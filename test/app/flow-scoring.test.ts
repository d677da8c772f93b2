// Continuous flow-only scoring through the composition root: flow records written through the
// runtime (a Zeek conn.log imported the way serve's collectors hand records over) are scored, and
// the alert lands in the store with source 'flows', the same alert `flows --detect` gives, and is
// triaged like any other. Then the same through `serve` itself, with its timer on the wall clock.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseFlows } from '../../src/analytics/index.js';
import { Runtime } from '../../src/app/runtime.js';
import { startServe } from '../../src/cli/commands/serve.js';
import { main } from '../../src/cli/main.js';
import { UsageError, type CliIo } from '../../src/cli/io.js';
import { detectFlowMiners, FLOW_MINER_SID, FLOW_STREAM_INTERVAL_US, poolIntel } from '../../src/detect/flow-scoring/index.js';
import { importFlowFiles } from '../../src/ingest/flow-imports/index.js';
import { ManualClock } from '../../src/util/clock.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-flow-scoring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLIENT = '10.20.30.40';
const SERVER = '203.0.113.88';

/** Zeek JSON conn.log lines: a client reconnecting every 60 s to port 8080 with near-constant bytes. */
function minerConnLog(startS: number, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      JSON.stringify({
        ts: startS + i * 60 + (i % 2),
        uid: `Cmw${i}`,
        'id.orig_h': CLIENT,
        'id.orig_p': 42000 + i,
        'id.resp_h': SERVER,
        'id.resp_p': 8080,
        proto: 'tcp',
        duration: 21.5,
        orig_bytes: 620 + (i % 4) * 8,
        resp_bytes: 810 + (i % 3) * 6,
        conn_state: 'SF',
        history: 'ShADadFf',
        orig_pkts: 11,
        orig_ip_bytes: 1200 + (i % 4) * 8,
        resp_pkts: 9,
        resp_ip_bytes: 1290 + (i % 3) * 6,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('flow scoring in the runtime', () => {
  it('scores imported records on the clock and stores the flow alert flows --detect gives', async () => {
    const startS = Date.UTC(2026, 10, 27, 9) / 1000;
    const log = join(dir, 'conn.log');
    writeFileSync(log, minerConnLog(startS, 45));
    const clock = new ManualClock(startS * 1e6);
    const rt = await Runtime.open({ db: join(dir, 'runtime.db'), alertPcapDir: join(dir, 'pcaps') }, clock);
    const stop = rt.startFlowScoring();
    try {
      // The adapter serve gives its collectors: records go through the runtime on their way to the store.
      const res = await importFlowFiles([log], 'zeek-conn', { putFlows: async (flows) => (await rt.acceptFlows(flows), flows.length) });
      expect(res.records).toBe(45);
      // Not due before an interval of the clock: the timer's pass has not run.
      await new Promise((r) => setTimeout(r, 1200));
      expect(await rt.store.countAlerts({ source: 'flows' })).toBe(0);
      clock.advance(FLOW_STREAM_INTERVAL_US);
      // Due now: the runtime's timer runs the pass (and writes the buffered flows first).
      await expect.poll(async () => rt.store.countAlerts({ source: 'flows' }), { timeout: 10_000, interval: 100 }).toBe(1);
      const [alert] = await rt.store.listAlerts({ source: 'flows', limit: 10 });
      expect(alert?.alert.signature_id).toBe(FLOW_MINER_SID);
      expect(alert?.src_ip).toBe(CLIENT);
      expect(alert?.dest_ip).toBe(SERVER);
      expect(alert?.explanation).toMatch(/over 45 connections, median interval 6[01] s/);
      expect(alert?.confidence).toBeLessThanOrEqual(0.6);

      // The on-demand detector over the stored flows gives the same alert (same id, same figures).
      const analysis = await analyseFlows(rt.store, { ip: CLIENT, fromUs: startS * 1e6 - 3600e6, toUs: startS * 1e6 + 3 * 3600e6 });
      const onDemand = detectFlowMiners(analysis, poolIntel({})).flatMap((s) => (s.alert ? [s.alert] : []));
      expect(onDemand.map((a) => a.id)).toEqual([alert?.id]);
      expect(alert?.explanation).toBe(onDemand[0]?.explanation);
      expect(alert?.evidence).toEqual(onDemand[0]?.evidence);

      // Re-importing the same file stores nothing new: the pair alerted in this window already.
      await importFlowFiles([log], 'zeek-conn', { putFlows: async (flows) => (await rt.acceptFlows(flows), flows.length) });
      expect(await rt.scoreFlows()).toBe(0);
      expect(await rt.store.countAlerts({ source: 'flows' })).toBe(1);

      // It went to triage like the sensor's alerts.
      await rt.idle();
      expect((await rt.store.getTriage(alert!.id))?.verdict).toBeDefined();
      expect(rt.metrics.render()).toMatch(/minerwatch_flow_scoring_events_total\{event="alerts_raised"\} 1/);
    } finally {
      stop();
      await rt.close();
    }
  });

  it('runs inside serve (all roles) and can be tuned or turned off', async () => {
    const io: CliIo = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), isStdoutTty: false, env: { MINERWATCH_ADMIN_PASSWORD: 'flow-scoring-test-pw' } };
    const base = { http: '127.0.0.1:0', netflow: false as const, ipfix: false as const, syslog: false as const, sample: false };
    await expect(startServe({ ...base, db: join(dir, 'bad.db'), flowScoring: '0' }, io)).rejects.toThrow(UsageError);

    const server = await startServe({ ...base, db: join(dir, 'serve.db'), flowScoring: '0.2' }, io);
    try {
      const nowS = Math.floor(Date.now() / 1000) - 3600;
      const log = join(dir, 'serve-conn.log');
      writeFileSync(log, minerConnLog(nowS, 30));
      await importFlowFiles([log], 'zeek-conn', { putFlows: async (flows) => (await server.runtime.acceptFlows(flows), flows.length) });
      await expect.poll(async () => server.runtime.store.countAlerts({ source: 'flows' }), { timeout: 15_000, interval: 200 }).toBe(1);
    } finally {
      await server.close();
    }

    const off = await startServe({ ...base, db: join(dir, 'off.db'), flowScoring: false }, io);
    try {
      const log = join(dir, 'serve-conn.log');
      await importFlowFiles([log], 'zeek-conn', { putFlows: async (flows) => (await off.runtime.acceptFlows(flows), flows.length) });
      await off.runtime.flushFlows();
      await new Promise((r) => setTimeout(r, 1500));
      expect(await off.runtime.scoreFlows()).toBe(0);
      expect(await off.runtime.store.countAlerts({ source: 'flows' })).toBe(0);
      expect(off.runtime.metrics.render()).not.toContain('minerwatch_flow_scoring');
    } finally {
      await off.close();
    }
  });

  it('flows import scores what it imports and stores the flow alert (untriaged, for a running serve)', async () => {
    const startS = Date.UTC(2026, 10, 26, 9) / 1000;
    const log = join(dir, 'import-conn.log');
    writeFileSync(log, minerConnLog(startS, 45));
    const cli = (): CliIo & { out: () => string } => {
      const stdout = new PassThrough();
      let out = '';
      stdout.on('data', (c: Buffer) => (out += c.toString()));
      return { stdout, stderr: new PassThrough(), stdin: Readable.from([]), isStdoutTty: false, env: {}, out: () => out };
    };
    const db = join(dir, 'import.db');
    const off = cli();
    expect(await main(['node', 'minerwatch', 'flows', 'import', log, '--format', 'zeek-conn', '--db', db, '--no-score'], off)).toBe(0);
    expect(JSON.parse(off.out())).not.toHaveProperty('alerts');
    const on = cli();
    expect(await main(['node', 'minerwatch', 'flows', 'import', log, '--format', 'zeek-conn', '--db', db], on)).toBe(0);
    expect(JSON.parse(on.out())).toMatchObject({ records: 45, stored: 0, alerts: 1, alerts_new: 1 });
    const rt = await Runtime.open({ db, alertPcapDir: join(dir, 'import-pcaps') }, new ManualClock(startS * 1e6));
    try {
      const stored = await rt.store.listAlerts({ source: 'flows', limit: 10 });
      expect(stored.map((a) => [a.src_ip, a.dest_ip, a.alert.signature_id, a.triage_verdict])).toEqual([[CLIENT, SERVER, FLOW_MINER_SID, null]]);
      expect(stored[0]?.explanation).toMatch(/over 45 connections/);
    } finally {
      await rt.close();
    }
  });
});
