// `minerwatch ingest` end to end: fixture files imported into a SQLite store, bad lines reported
// as FILE:LINE with the valid lines around them still imported, stdout output without a store,
// usage errors with exit code 2, and alerts forwarded to a syslog collector and an ECS file.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runIngest } from '../../src/cli/commands/ingest.js';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { SyslogReceiver } from '../../src/ingest/syslog/index.js';
import { openStore } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';

const fixtures = new URL('../fixtures/panos/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mw-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), isStdoutTty: false, env: {} };
  const code = await main(['node', 'minerwatch', ...args], io);
  return { code, out, err };
}

describe('minerwatch ingest', () => {
  it('imports PAN-OS THREAT and TRAFFIC files into the store', async () => {
    const db = join(dir, 'a.db');
    const t = await run(['ingest', join(fixtures, 'threat.csv'), join(fixtures, 'syslog-bsd.log'), '--format', 'panos-threat', '--db', db]);
    expect(t.code).toBe(0);
    // syslog-bsd.log holds a TRAFFIC line too: reported as the wrong type for this format.
    expect(t.err).toContain('syslog-bsd.log:3: wrong_log_type');
    expect(t.err).toContain('threat.csv: 6 lines, 4 alerts, 0 flows, skipped: threat_not_mining 2');
    const f = await run(['ingest', join(fixtures, 'traffic.csv'), '--format', 'panos-traffic', '--db', db]);
    expect(f.code).toBe(0);
    expect(f.err).toContain('traffic.csv: 4 lines, 0 alerts, 3 flows, skipped: traffic_start_skipped 1');
    const store = await openStore(db);
    try {
      const alerts = await store.listAlerts({ limit: 10, order: 'oldest' });
      expect(alerts.map((a) => a.alert.signature_id)).toEqual([85886, 86098, 54321, 86510]);
      expect(await store.countAlerts({ source: 'panos' })).toBe(4);
      const flows = await store.queryFlows({ ip: '192.168.7.12', from_us: 0, to_us: 4e15 });
      expect(flows.map((x) => x.state).sort()).toEqual(['deny', 'end']);
    } finally {
      await store.close();
    }
  });

  it('reports bad EVE lines by file and line and keeps the good ones', async () => {
    const file = join(dir, 'eve.json');
    const good = (sid: number, sig: string): string => JSON.stringify({
      timestamp: `2026-11-27T10:15:0${sid % 10}.000000+0000`, flow_id: 1000 + sid, event_type: 'alert', src_ip: '10.1.20.34', src_port: 51734,
      dest_ip: '203.0.113.21', dest_port: 3333, proto: 'TCP',
      alert: { action: 'allowed', gid: 1, signature_id: sid, rev: 1, signature: sig, category: 'Crypto Currency Mining Activity Detected', severity: 1 },
    });
    writeFileSync(file, [
      good(2024792, 'ET COINMINER CryptoNight Proof of Work Stratum Submit'),
      '{"event_type":"alert", broken',
      '{"event_type":"dns","dns":{"rrname":"pool.example"}}',
      good(2033451, 'ET POLICY Cryptocurrency Miner Checkin'),
      '',
      good(2024793, 'ET COINMINER Monero Miner Login'),
    ].join('\n'));
    const r = await run(['ingest', file, '--format', 'eve']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/eve\.json:2: bad_json/);
    expect(r.err).toContain('eve.json: 6 lines, 3 alerts, 0 flows, skipped: not_alert 1, empty_line 1, bad: bad_json 1');
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { event_type: string; alert: { signature_id: number; metadata: Record<string, string[]> } });
    expect(lines.map((l) => l.alert.signature_id)).toEqual([2024792, 2033451, 2024793]);
    expect(lines[0]?.alert.metadata.source).toEqual(['eve']);
  });

  it('imports webhook JSON lines', async () => {
    const file = join(dir, 'hook.jsonl');
    writeFileSync(file, `${JSON.stringify({ alerts: [{ timestamp: '2026-11-27T10:15:02Z', src_ip: '10.1.20.34', dest_ip: '203.0.113.21', signature: 'EDR: xmrig process' }, { src_ip: 'x' }] })}\n`);
    const r = await run(['ingest', file, '--format', 'webhook-json']);
    expect(r.err).toContain('hook.jsonl:1: missing_field (alert 1: timestamp)');
    expect(r.out.trim().split('\n')).toHaveLength(1);
  });

  it('fails with exit code 2 on bad usage and unreadable files', async () => {
    expect((await run(['ingest', join(dir, 'nope.csv'), '--format', 'eve'])).err).toMatch(/cannot read .*nope\.csv/);
    expect((await run(['ingest', join(dir, 'nope.csv'), '--format', 'eve'])).code).toBe(2);
    expect((await run(['ingest', 'x', '--format', 'csv'])).code).toBe(2);
    expect((await run(['ingest', 'x'])).code).toBe(2);
    expect((await run(['ingest'])).code).toBe(2);
    const bad = await run(['ingest', '--syslog', 'ftp://x']);
    expect([bad.code, bad.err.trim()]).toEqual([2, 'minerwatch: bad syslog address "ftp://x" (expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT)']);
  });
});

describe('minerwatch ingest outputs', () => {
  it('forwards imported alerts as CEF over TCP syslog and as ECS lines', async () => {
    const msgs: string[] = [];
    const rx = new SyslogReceiver({ listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }], clock: new ManualClock(0), onMessage: (m) => msgs.push(m.msg) });
    const [b] = await rx.start();
    const ecs = join(dir, 'out.ecs.jsonl');
    try {
      const r = await run(['ingest', join(fixtures, 'threat.csv'), '--format', 'panos-threat', '--forward-syslog', `tcp://127.0.0.1:${b!.port}`,
        '--forward-format', 'cef', '--ecs-out', ecs]);
      expect(r.code).toBe(0);
      expect(r.err).toContain('forward syslog: {"sent":4');
      expect(r.err).toContain('ecs: 4 alerts written');
      for (let i = 0; i < 200 && msgs.length < 4; i++) await new Promise((res) => setTimeout(res, 10));
      expect(msgs.map((m) => m.split('|')[4])).toEqual(['85886', '86098', '86510', '54321']);
      expect(readFileSync(ecs, 'utf8').trim().split('\n')).toHaveLength(4);
    } finally {
      await rx.close();
    }
    expect((await run(['ingest', 'x', '--format', 'eve', '--forward-webhook', 'http://127.0.0.1:9/'])).err).toContain('needs --dead-letter');
  });
});

describe('minerwatch ingest, long-running', () => {
  const io = () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const text = { out: '', err: '' };
    stdout.on('data', (d: Buffer) => (text.out += d.toString()));
    stderr.on('data', (d: Buffer) => (text.err += d.toString()));
    const cli: CliIo = { stdout, stderr, stdin: new PassThrough(), isStdoutTty: false, env: {} };
    return { cli, text };
  };

  it('--follow imports lines appended to a growing file until stopped', async () => {
    const file = join(dir, 'growing.csv');
    const threat = readFileSync(join(fixtures, 'threat.csv'), 'utf8').split('\n');
    writeFileSync(file, `${threat[0]}\n`);
    const { cli, text } = io();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = runIngest([file], { format: 'panos-threat', follow: true }, cli, new ManualClock(0), () => stopped);
    for (let i = 0; i < 300 && text.out.split('\n').length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    appendFileSync(file, `${threat[1]}\nnot a log\n${threat[2]}\n`);
    for (let i = 0; i < 300 && text.out.trim().split('\n').length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    stop();
    expect(await running).toBe(0);
    expect(text.out.trim().split('\n').map((l) => (JSON.parse(l) as { alert: { signature_id: number } }).alert.signature_id)).toEqual([85886, 86098, 86510]);
    expect(text.err).toContain('growing.csv:3: unknown_log_type');
    expect(text.err).toContain('growing.csv: 4 lines, 3 alerts');
  });

  it('--syslog and --webhook-listen receive until stopped, then print their counters', async () => {
    const tokens = join(dir, 'tokens.txt');
    writeFileSync(tokens, '# senders\ntok-edr\n');
    const { cli, text } = io();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    let ports: { syslog: { transport: string; port: number }[]; webhookPort?: number } | undefined;
    const running = runIngest([], { syslog: 'tcp://127.0.0.1:0', webhookListen: '127.0.0.1:0', webhookTokens: tokens }, cli, new ManualClock(0), () => stopped, (p) => (ports = p));
    for (let i = 0; i < 300 && !ports; i++) await new Promise((r) => setTimeout(r, 10));
    const s = tcpConnect(ports!.syslog[0]!.port, '127.0.0.1');
    await new Promise<void>((r) => s.once('connect', () => r()));
    await new Promise<void>((r) => s.end(`${readFileSync(join(fixtures, 'syslog-bsd.log'), 'utf8')}`, () => r()));
    const res = await fetch(`http://127.0.0.1:${ports!.webhookPort}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer tok-edr' },
      body: JSON.stringify({ timestamp: '2026-11-27T10:15:02Z', src_ip: '10.1.20.34', dest_ip: '203.0.113.21', signature: 'EDR: xmrig' }),
    });
    expect(res.status).toBe(202);
    for (let i = 0; i < 300 && text.out.trim().split('\n').length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    stop();
    expect(await running).toBe(0);
    const out = text.out.trim().split('\n').map((l) => JSON.parse(l) as { event_type: string });
    expect(out.map((o) => o.event_type).sort()).toEqual(['alert', 'alert', 'alert', 'flow']);
    expect(text.err).toMatch(/syslog: .*"messages":3/);
    expect(text.err).toMatch(/webhook: .*"alerts":1/);
  });
});
