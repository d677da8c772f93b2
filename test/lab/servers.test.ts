// Exercises the lab's scripted servers on loopback, without namespaces: every pool dialect with
// its scripted client (and a TLS CryptoNote session), and the resolver's answers for lab names,
// unknown names and malformed queries. The real-miner conversations are proven by lab.test.ts.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const LAB_DIR = fileURLToPath(new URL('../../lab/', import.meta.url));
const HOST = '127.0.0.1';
const dir = mkdtempSync(join(tmpdir(), 'mwlab-servers-'));

/** A free loopback port (the kernel picks it; it is closed again before use). */
function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const s = dgram.createSocket('udp4');
      s.bind(0, HOST, () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
      s.on('error', reject);
      return;
    }
    const srv = net.createServer();
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout + stderr)));
  });
}

async function waitForLine(child: ChildProcess, pattern: RegExp, count: number): Promise<void> {
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${seen}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if ((seen.match(new RegExp(pattern.source, 'g')) ?? []).length >= count) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

const ports: Record<string, number> = {};
let pool: ChildProcess;
let poolLog = '';

/** The services started, as `dialect[:tls]` on the command line, and the name the tests use. */
const SERVICES: Array<[string, string]> = [
  ['cryptonote', 'cryptonote'],
  ['cryptonote:tls', 'cryptonoteTls'],
  ['btc', 'btc'],
  ['ethstratum', 'ethstratum'],
  ['daemon', 'daemon'],
  ['jsonrpc-feed', 'feed'],
  ['jsonrpc-app', 'app'],
  ['electrum', 'electrum'],
  ['bitcoind', 'bitcoind'],
  ['websocket', 'websocket'],
];

beforeAll(async () => {
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=pool.supportxmr.com',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  // Every service on port 0: the server binds free ports itself and names them (no race between
  // choosing a port here and binding it there).
  const serviceArgs = SERVICES.flatMap(([spec]) => {
    const [dialect, tlsFlag] = spec.split(':');
    return ['--service', `${dialect}:0${tlsFlag ? `:${tlsFlag}` : ''}`];
  });
  pool = spawn('node', [join(LAB_DIR, 'pool-server.mjs'), '--address', HOST, ...serviceArgs,
    '--cert', join(dir, 'cert.pem'), '--key', join(dir, 'key.pem'), '--push-interval-ms', '300', '--job-interval-ms', '500',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  pool.stderr?.on('data', (c: Buffer) => { poolLog += c.toString(); });
  await waitForLine(pool, /listening on/, SERVICES.length);
  for (const m of poolLog.matchAll(/pool-server: (\S+) listening on \S+:(\d+)( \(tls\))?/g)) {
    const spec = `${m[1]}${m[3] ? ':tls' : ''}`;
    const name = SERVICES.find(([s]) => s === spec)?.[1];
    if (name !== undefined) ports[name] = Number(m[2]);
  }
  expect(Object.keys(ports).sort()).toEqual(SERVICES.map(([, n]) => n).sort());
}, 60_000);

afterAll(async () => {
  if (pool.exitCode === null) {
    const exited = new Promise((r) => pool.once('exit', r));
    pool.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Sends JSON lines and collects the parsed replies until `until` is satisfied. */
async function converse(socket: net.Socket, lines: unknown[], until: (msgs: Record<string, unknown>[]) => boolean) {
  const msgs: Record<string, unknown>[] = [];
  let pending = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no complete answer: ${JSON.stringify(msgs)}`)), 10_000);
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        msgs.push(JSON.parse(pending.slice(0, nl)) as Record<string, unknown>);
        pending = pending.slice(nl + 1);
      }
      if (until(msgs)) {
        clearTimeout(timer);
        resolve();
      }
    });
    for (const l of lines) socket.write(`${JSON.stringify(l)}\n`);
  });
  socket.destroy();
  return msgs;
}

describe('scripted pool dialects', () => {
  it('CryptoNote: login result carries a job with an easy compact target, submit gets OK, jobs are pushed', async () => {
    const socket = net.connect(ports.cryptonote ?? 0, HOST);
    const msgs = await converse(socket, [
      { id: 1, jsonrpc: '2.0', method: 'login', params: { login: 'wallet', pass: 'x', agent: 'test', algo: ['cn-pico'] } },
      { id: 2, jsonrpc: '2.0', method: 'submit', params: { id: 'mwlab-1', job_id: 'j', nonce: '00000000', result: '00'.repeat(32) } },
      { id: 3, jsonrpc: '2.0', method: 'keepalived', params: { id: 'mwlab-1' } },
    ], (m) => m.some((x) => x.method === 'job'));
    const login = msgs.find((m) => m.id === 1)?.result as { job: Record<string, unknown>; status: string };
    expect(login.status).toBe('OK');
    expect(login.job.blob).toMatch(/^[0-9a-f]{152}$/);
    expect(login.job.target).toBe('37894100'); // floor(0xffffffff / 1000) = 0x00418937, little-endian
    expect(login.job.algo).toBe('cn-pico');
    expect(msgs.find((m) => m.id === 2)?.result).toEqual({ status: 'OK' });
    expect(msgs.find((m) => m.id === 3)?.result).toEqual({ status: 'KEEPALIVED' });
  });

  it('CryptoNote over TLS with the run-time certificate', async () => {
    const socket = tls.connect({ host: HOST, port: ports.cryptonoteTls ?? 0, rejectUnauthorized: false });
    await new Promise((r) => socket.once('secureConnect', r));
    expect(socket.getPeerCertificate().subject?.CN).toBe('pool.supportxmr.com');
    const msgs = await converse(socket as unknown as net.Socket, [{ id: 1, jsonrpc: '2.0', method: 'login', params: { login: 'w' } }], (m) => m.length > 0);
    expect((msgs[0]?.result as { status: string }).status).toBe('OK');
  });

  it('monerod HTTP: getblocktemplate, /getheight, submitblock, unknown method', async () => {
    const base = `http://${HOST}:${ports.daemon}`;
    const rpc = async (method: string) => (await fetch(`${base}/json_rpc`, { method: 'POST', body: JSON.stringify({ id: 0, jsonrpc: '2.0', method, params: {} }) })).json() as Promise<Record<string, Record<string, unknown>>>;
    const tpl = await rpc('getblocktemplate');
    const blob = String(tpl.result?.blocktemplate_blob);
    const reservedOffset = Number(tpl.result?.reserved_offset);
    // The reserved space is the 8 zero bytes of the tx extra nonce, as monerod reserves it.
    expect(blob.slice(reservedOffset * 2, reservedOffset * 2 + 16)).toBe('0'.repeat(16));
    expect(blob.slice(reservedOffset * 2 - 4, reservedOffset * 2)).toBe('0208');
    expect(String(tpl.result?.blockhashing_blob)).toHaveLength(152);
    expect((await rpc('submitblock')).result).toEqual({ status: 'OK', untrusted: false });
    expect((await rpc('nope')).error?.code).toBe(-32601);
    const height = (await (await fetch(`${base}/getheight`)).json()) as { height: number; status: string };
    expect(height.status).toBe('OK');
    expect(height.height).toBeGreaterThan(0);
  });

  const clients: Array<[string, string, RegExp[]]> = [
    ['btc-stratum', 'btc', [/"method":"mining.set_difficulty"/, /"method":"mining.notify"/]],
    ['ethstratum', 'ethstratum', [/EthereumStratum\/1\.0\.0/, /"method":"mining.notify"/]],
    ['jsonrpc-feed', 'feed', []],
    ['jsonrpc-app', 'app', []],
    ['electrum', 'electrum', []],
    ['bitcoind', 'bitcoind', []],
    ['websocket', 'websocket', []],
  ];
  it('every scripted client completes its conversation', async () => {
    const before = poolLog.length;
    await Promise.all(clients.map(([mode, svc]) =>
      run('node', [join(LAB_DIR, 'scripted-client.mjs'), '--mode', mode, '--host', 'localhost', '--port', String(ports[svc]), '--seconds', '2', '--interval-ms', '400'])
        .then((out) => {
          const received = Number(/scripted-client: \S+ done, (\d+) bytes received/.exec(out)?.[1] ?? 0);
          expect(out).toContain(`scripted-client: ${mode} done`);
          // Every server answers or pushes within two seconds.
          expect(received).toBeGreaterThan(40);
        })));
    expect(poolLog.slice(before)).not.toMatch(/not JSON|line too long/);
  }, 60_000);

  it('Bitcoin stratum: subscribe gives extranonce1 and its size, authorize is followed by difficulty and work', async () => {
    const socket = net.connect(ports.btc ?? 0, HOST);
    const msgs = await converse(socket, [
      { id: 1, method: 'mining.subscribe', params: ['cgminer/4.10.0'] },
      { id: 2, method: 'mining.authorize', params: ['w.1', 'x'] },
    ], (m) => m.some((x) => x.method === 'mining.notify'));
    const sub = msgs.find((m) => m.id === 1)?.result as unknown[];
    expect(sub[1]).toMatch(/^[0-9a-f]{8}$/);
    expect(sub[2]).toBe(4);
    expect(msgs.find((m) => m.id === 2)?.result).toBe(true);
    const notify = msgs.find((m) => m.method === 'mining.notify')?.params as unknown[];
    expect(notify).toHaveLength(9);
    expect(String(notify[5]) + String(notify[1]) + String(notify[7]) + String(notify[6])).toHaveLength(2 * (4 + 32 + 4 + 4));
  });
});

describe('lab resolver', () => {
  let port = 0;
  let dns: ChildProcess;
  beforeAll(async () => {
    port = await freePort('udp');
    dns = spawn('node', [join(LAB_DIR, 'dns-server.mjs'), '--address', HOST, '--port', String(port), '--answer', '203.0.113.21', '--name', 'pool.supportxmr.com'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForLine(dns, /listening on/, 1);
  });
  afterAll(() => {
    dns.kill('SIGTERM');
  });

  function query(bytes: Buffer): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      const timer = setTimeout(() => { s.close(); resolve(null); }, 1500);
      s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m); });
      s.send(bytes, port, HOST);
    });
  }
  function question(name: string, qtype: number, id: number): Buffer {
    const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
    const head = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    const tail = Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1]);
    return Buffer.concat([head, ...labels, tail]);
  }

  it('answers a lab name with the pool address, authoritatively', async () => {
    const r = await query(question('Pool.SupportXMR.com', 1, 0x1234));
    expect(r).not.toBeNull();
    const reply = r as Buffer;
    expect(reply.readUInt16BE(0)).toBe(0x1234);
    expect(reply.readUInt16BE(2) & 0x840f).toBe(0x8400); // QR, AA, NOERROR
    expect(reply.readUInt16BE(6)).toBe(1);
    expect([...reply.subarray(reply.length - 4)]).toEqual([203, 0, 113, 21]);
  });

  it('answers AAAA for a lab name with no records and other names with NXDOMAIN', async () => {
    const aaaa = (await query(question('pool.supportxmr.com', 28, 7))) as Buffer;
    expect(aaaa.readUInt16BE(2) & 0x000f).toBe(0);
    expect(aaaa.readUInt16BE(6)).toBe(0);
    const other = (await query(question('donate.v2.xmrig.com', 1, 8))) as Buffer;
    expect(other.readUInt16BE(2) & 0x000f).toBe(3);
    expect(other.readUInt16BE(6)).toBe(0);
  });

  it('answers a truncated query with FORMERR and ignores a runt', async () => {
    const bad = (await query(Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 40, 97]))) as Buffer;
    expect(bad.readUInt16BE(0)).toBe(9);
    expect(bad.readUInt16BE(2) & 0x000f).toBe(1);
    expect(await query(Buffer.from([1, 2, 3]))).toBeNull();
  });
});
