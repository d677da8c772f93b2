// `minerwatch scan` run in-process through main() with injected streams: alerts and flow records
// from the corpus, stdin, determinism, damaged and missing input (exit 2 after processing what was
// readable), the table format, alert pcaps checked with tshark, and a live capture on loopback.

import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { main } from '../main.js';

const CORPUS = '/work/shared/corpus';
const MINING = join(CORPUS, 'mining.pcapng');

function io(opts: { stdin?: Readable; tty?: boolean } = {}): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    stdout,
    stderr,
    stdin: opts.stdin ?? Readable.from([]),
    isStdoutTty: opts.tty ?? false,
    env: {},
    out: () => out,
    err: () => err,
  };
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const tmp = () => mkdtempSync(join(tmpdir(), 'mw-scan-'));

describe('minerwatch scan', () => {
  it('writes EVE alerts to stdout, EVE flow records with --flows and counters with --stats', async () => {
    const dir = tmp();
    const flows = join(dir, 'flows.json');
    const t = io();
    const code = await main(['node', 'minerwatch', 'scan', MINING, '--flows', flows, '--stats'], t);
    expect(code).toBe(0);
    const alerts = jsonLines(t.out());
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    expect(new Set(alerts.map((a) => a.event_type))).toEqual(new Set(['alert']));
    expect(new Set(alerts.map((a) => a.dest_port))).toEqual(new Set([9999, 9050, 3333]));
    const records = jsonLines(readFileSync(flows, 'utf8'));
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(r).toMatchObject({ event_type: 'flow', proto: 'TCP', app_proto: 'stratum', flow: { alerted: true } });
      expect(r.community_id).toMatch(/^1:/);
    }
    // Every alert names a flow that has a record.
    const ids = new Set(records.map((r) => r.flow_id));
    for (const a of alerts) expect(ids.has(a.flow_id)).toBe(true);
    const stats = JSON.parse(t.err()) as Record<string, number>;
    expect(stats.packets).toBe(673);
    expect(stats['flow.created']).toBe(4);
    expect(Object.keys(stats)).toEqual([...Object.keys(stats)].sort());
  });

  it('reads stdin for "-" and gives byte-identical output run after run', async () => {
    const a = io({ stdin: createReadStream(MINING) });
    expect(await main(['node', 'minerwatch', 'scan', '-'], a)).toBe(0);
    const b = io();
    expect(await main(['node', 'minerwatch', 'scan', MINING], b)).toBe(0);
    expect(a.out()).toBe(b.out());
    expect(a.out().length).toBeGreaterThan(0);
  });

  it('raises nothing on a benign JSON-RPC capture but still records its flows', async () => {
    const dir = tmp();
    const t = io();
    expect(await main(['node', 'minerwatch', 'scan', join(CORPUS, 'benign/jsonrpc.pcap'), '--flows', join(dir, 'f.json')], t)).toBe(0);
    expect(t.out()).toBe('');
    expect(jsonLines(readFileSync(join(dir, 'f.json'), 'utf8')).length).toBeGreaterThan(0);
  });

  it('exits 2 on a truncated capture, naming the file and byte offset, after processing every packet before it', async () => {
    const dir = tmp();
    const whole = readFileSync(MINING);
    const cut = join(dir, 'cut.pcapng');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const flows = join(dir, 'flows.json');
    const t = io();
    const code = await main(['node', 'minerwatch', 'scan', cut, '--flows', flows, '--stats'], t);
    expect(code).toBe(2);
    const lines = t.err().trim().split('\n');
    const last = lines[lines.length - 1]!;
    expect(last).toMatch(new RegExp(`^minerwatch: ${cut.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: byte offset \\d+: `));
    const stats = JSON.parse(lines.slice(0, -1).join('\n')) as Record<string, number>;
    expect(stats.packets).toBeGreaterThan(300);
    expect(stats.packets).toBeLessThan(673);
    expect(jsonLines(readFileSync(flows, 'utf8')).length).toBeGreaterThan(0);
    // The alerts found before the damage were written.
    expect(jsonLines(t.out()).length).toBeGreaterThan(0);
  });

  it('exits 2 on a missing file and on bad usage', async () => {
    const a = io();
    expect(await main(['node', 'minerwatch', 'scan', '/nonexistent/x.pcap'], a)).toBe(2);
    expect(a.err()).toMatch(/^minerwatch: \/nonexistent\/x\.pcap: byte offset 0: .*ENOENT/);
    const b = io();
    expect(await main(['node', 'minerwatch', 'scan', MINING, '--format', 'xml'], b)).toBe(2);
    expect(b.err()).toContain('--format');
    const c = io();
    expect(await main(['node', 'minerwatch', 'scan'], c)).toBe(2);
    const d = io();
    expect(await main(['node', 'minerwatch', 'scan', MINING, '--max-flows', '0'], d)).toBe(2);
  });

  it('prints a table on a terminal', async () => {
    const t = io({ tty: true });
    expect(await main(['node', 'minerwatch', 'scan', MINING], t)).toBe(0);
    const lines = t.out().trim().split('\n');
    expect(lines[0]).toMatch(/^time \(UTC\)\s+sev\s+source\s+destination\s+app\s+signature$/);
    expect(lines.some((l) => l.includes('185.71.66.39:9999') && l.includes('stratum'))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^\d+ alert\(s\), 4 flow\(s\), 673 packet\(s\)$/);
  });

  it('writes the packets of each alerting flow, handshake first, to --alert-pcaps', async () => {
    const dir = tmp();
    const pcaps = join(dir, 'pcaps');
    const flows = join(dir, 'flows.json');
    const t = io();
    expect(await main(['node', 'minerwatch', 'scan', MINING, '--alert-pcaps', pcaps, '--flows', flows], t)).toBe(0);
    const alerts = jsonLines(t.out());
    const files = readdirSync(pcaps).sort();
    expect(files.length).toBe(alerts.length);
    const records = jsonLines(readFileSync(flows, 'utf8'));
    for (const f of files) {
      const text = execFileSync('tshark', ['-n', '-r', join(pcaps, f), '-T', 'fields', '-e', 'tcp.flags.str', '-e', 'tcp.srcport', '-e', 'tcp.dstport'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const rows = text.trim().split('\n');
      expect(rows[0]).toMatch(/S/); // the SYN is the first packet
      const ports = rows[0]!.split('\t').slice(1).map(Number);
      const rec = records.find((r) => ports.includes(r.src_port as number) && ports.includes(r.dest_port as number))!;
      const flow = rec.flow as { pkts_toserver: number; pkts_toclient: number };
      // The alert came within the buffered start of the flow, so every packet is in the file.
      expect(rows.length).toBe(flow.pkts_toserver + flow.pkts_toclient);
    }
  });

  it('captures live on loopback with --interface and --bpf', async () => {
    const server = createServer((sock) => {
      sock.on('data', () => {
        sock.write('{"id":1,"jsonrpc":"2.0","result":{"id":"1","job":{"blob":"0707","job_id":"j1","target":"b88d0600","algo":"rx/0","seed_hash":"ab"},"status":"OK"}}\n');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const dir = tmp();
    const flows = join(dir, 'flows.json');
    const t = io();
    const run = main(['node', 'minerwatch', 'scan', '--interface', 'lo', '--bpf', `tcp port ${port}`, '--duration', '4', '--flows', flows], t);
    await new Promise((r) => setTimeout(r, 2000));
    await new Promise<void>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => {
        c.write('{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.21.0"}}\n');
      });
      c.on('data', () => c.end());
      c.on('close', () => resolve());
      c.on('error', reject);
    });
    expect(await run).toBe(0);
    server.close();
    const records = jsonLines(readFileSync(flows, 'utf8'));
    const rec = records.find((r) => r.dest_port === port);
    expect(rec).toMatchObject({ src_ip: '127.0.0.1', dest_ip: '127.0.0.1', proto: 'TCP', app_proto: 'stratum' });
    expect(jsonLines(t.out()).some((a) => a.dest_port === port)).toBe(true);
  });
});
