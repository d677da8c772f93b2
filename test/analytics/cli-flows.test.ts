// The command line end to end, in process: `collect` receives softflowd's IPFIX export of a lab
// capture into a SQLite file, `flows import` adds a Zeek conn.log, and `flows` analyses the pool
// address as JSON and as a table; bad usage exits 2 with a one-line reason.

import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { FlowAnalysis } from '../../src/analytics/index.js';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { softflowdExport } from '../netflow/peers.js';

const run = promisify(execFile);
const LAB = new URL('../fixtures/lab/', import.meta.url).pathname;
const ZEEK = new URL('../netflow/fixtures/zeek-conn.log', import.meta.url).pathname;

function io(isTty = false): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, stdin: Readable.from([]), isStdoutTty: isTty, env: {}, out: () => out, err: () => err };
}

describe('minerwatch collect / flows', () => {
  it('collects, imports and analyses', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'mw-cli-flows-')), 'flows.db');
    const pcap = `${LAB}xmrig-daemon-http/capture.pcap`;
    const c = io();
    const collecting = main(['node', 'minerwatch', 'collect', '--netflow', '127.0.0.1:0', '--ipfix', '127.0.0.1:0', '--db', db, '--duration', '6'], c);
    let port = 0;
    for (let i = 0; i < 100 && port === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      port = Number(/ipfix udp 127\.0\.0\.1:(\d+)/.exec(c.err())?.[1] ?? 0);
    }
    expect(port).toBeGreaterThan(0);
    await softflowdExport(pcap, port, 10, ['-A', 'milli']);
    expect(await collecting).toBe(0);
    const counters = JSON.parse(c.err().trim().split('\n').pop()?.replace(/^collect: /, '') ?? '{}') as Record<string, number>;
    expect(counters.flows_stored).toBeGreaterThan(10);

    const imp = io();
    expect(await main(['node', 'minerwatch', 'flows', 'import', ZEEK, '--format', 'zeek-conn', '--db', db], imp)).toBe(0);
    expect(JSON.parse(imp.out())).toMatchObject({ records: 4, bad: 2 });
    expect(imp.err()).toContain(`${ZEEK}:12 field_count_mismatch`);
    // --db after `import` went to this store, not to a default file.
    const zeek = io();
    expect(await main(['node', 'minerwatch', 'flows', '--ip', '192.110.160.114', '--from', '1536684000', '--to', '1536684300', '--db', db, '--json'], zeek)).toBe(0);
    expect((JSON.parse(zeek.out()) as FlowAnalysis).flows).toBe(2);

    const { stdout } = await run('capinfos', ['-a', '-e', '-S', '-T', '-r', pcap]);
    const [, first, last] = (stdout.trim().split('\n').pop() ?? '').split('\t').map(Number);
    const window = ['--from', String(Math.floor(first as number) - 1), '--to', String(Math.ceil(last as number) + 1)];
    const j = io();
    expect(await main(['node', 'minerwatch', 'flows', '--ip', '203.0.113.21', ...window, '--db', db, '--json', '--detect'], j)).toBe(0);
    const a = JSON.parse(j.out()) as FlowAnalysis & { scores: unknown[] };
    const daemon = a.pairs.find((p) => p.server_port === 18081);
    expect(daemon?.client).toBe('10.1.2.3');
    expect(daemon?.connections).toBeGreaterThan(8);
    expect(a.scores.length).toBe(a.pairs.length);

    const t = io(true);
    expect(await main(['node', 'minerwatch', 'flows', '--ip', '203.0.113.21', '--peer', '10.1.2.3', ...window, '--db', db], t)).toBe(0);
    expect(t.out()).toMatch(/client\s+server:port\s+conns/);
    expect(t.out()).toContain('203.0.113.21:18081/tcp');
    expect(t.out()).toMatch(/[▁▂▃▄▅▆▇█]/);
  });

  it('bad usage exits 2 with a reason', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'mw-cli-flows-')), 'flows.db');
    const cases: string[][] = [
      ['flows', '--db', db],
      ['flows', '--ip', 'not-an-ip', '--db', db],
      ['flows', '--ip', '10.0.0.1', '--since', 'yesterday', '--db', db],
      ['flows', 'import', ZEEK, '--format', 'bogus', '--db', db],
      ['flows', 'import', '/nonexistent/file.log', '--format', 'eve', '--db', db],
      ['collect', '--netflow', 'nope', '--db', db],
    ];
    for (const args of cases) {
      const t = io();
      expect([args.join(' '), await main(['node', 'minerwatch', ...args], t)]).toEqual([args.join(' '), 2]);
      expect(t.err()).toMatch(/^minerwatch: .+\n$/);
    }
  });
});
