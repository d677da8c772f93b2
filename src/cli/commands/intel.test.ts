import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parsePoolDomains } from '../../intel/pool-domains.js';
import type { CliIo } from '../io.js';
import { main } from '../main.js';

function io(stdin = ''): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, stdin: Readable.from([stdin]), isStdoutTty: false, env: {}, out: () => out, err: () => err };
}

describe('minerwatch intel', () => {
  it('looks up names by suffix, bait names, addresses and wallets', async () => {
    const t = io();
    const code = await main(['node', 'minerwatch', 'intel', 'lookup', 'la01.supportxmr.com', 'dynamic-1-2-3-4.pool.telefonica.de', '10.0.0.1', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'], t);
    expect(code).toBe(0);
    const lines = t.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ query: 'la01.supportxmr.com', is_listed: true, listed_as: 'supportxmr.com', kind: 'pool' });
    expect(lines[1]).toMatchObject({ is_listed: false });
    expect(lines[2]).toMatchObject({ type: 'ip', is_internal: true, allow_listed: null });
    expect(lines[3]).toMatchObject({ type: 'wallet', wallet: { coin: 'bitcoin', kind: 'p2pkh' } });
  });

  it('reports allow-listed entries from an allow-list file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-intel-'));
    const allow = join(dir, 'allow.json');
    writeFileSync(allow, JSON.stringify({ domains: ['nanopool.org'], ips: ['192.0.2.0/24'] }));
    const t = io();
    expect(await main(['node', 'minerwatch', 'intel', 'lookup', '--allow', allow, 'xmr-eu1.nanopool.org', '192.0.2.9'], t)).toBe(0);
    const lines = t.out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]?.allow_listed).toBe('nanopool.org');
    expect(lines[1]?.allow_listed).toBe('192.0.2.0/24');
  });

  it('imports an adblock list from stdin into a batch file the loader reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-intel-'));
    const out = join(dir, 'batch.txt');
    const t = io('! miners\n||coinhive.com^\n||crypto-loot.com^$third-party\n##.ad\n');
    const code = await main(['node', 'minerwatch', 'intel', 'import', '-', '--format', 'adblock', '--out', out, '--kind', 'browser', '--date', '2026-11-27', '--source', 'test list'], t);
    expect(code).toBe(0);
    expect(JSON.parse(t.out())).toMatchObject({ domains: 2, skipped: { comment: 1, unsupported_rule: 1 } });
    const list = parsePoolDomains(readFileSync(out, 'utf8'));
    expect(list.batches).toEqual([{ date: '2026-11-27', kind: 'browser', source: 'test list', count: 2 }]);
  });

  it('exits 2 with a reason for unreadable files and bad options', async () => {
    const t = io();
    expect(await main(['node', 'minerwatch', 'intel', 'import', '/nonexistent/list.txt', '--format', 'hosts', '--out', '/tmp/x'], t)).toBe(2);
    expect(t.err()).toMatch(/cannot read \/nonexistent\/list.txt/);
    const u = io();
    expect(await main(['node', 'minerwatch', 'intel', 'import', 'x', '--format', 'csv', '--out', '/tmp/x'], u)).toBe(2);
    expect(u.err()).toMatch(/--format must be one of domains, hosts, adblock/);
    const v = io();
    expect(await main(['node', 'minerwatch', 'intel', 'lookup', 'not a name'], v)).toBe(2);
  });

  it('prints counts, batches and the version', async () => {
    const t = io();
    expect(await main(['node', 'minerwatch', 'intel', 'stats'], t)).toBe(0);
    const s = JSON.parse(t.out()) as Record<string, unknown>;
    expect(s.domains as number).toBeGreaterThanOrEqual(500);
    expect(s.rejected_lines).toBe(0);
    expect((s.batches as unknown[]).length).toBeGreaterThanOrEqual(5);
    expect(s.version).toBe('2026.11.27.3');
  });
});
