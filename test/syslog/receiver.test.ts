// End-to-end tests of the syslog input: real-format PAN-OS lines sent over UDP, TCP (LF and octet
// counting) and TLS on 127.0.0.1 reach the SQLite store as alerts and flows; bad input is counted
// and never stops the valid lines around it; limits are exceeded and counted.
import { createSocket } from 'node:dgram';
import { rmSync, mkdtempSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyslogIngest, StoreWriter, type SyslogIngest } from '../../src/ingest/syslog/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { fixtureLines, makeSelfSignedCert, waitFor, type TestCert } from './helpers.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0) * 1000;

function sendUdp(port: number, lines: string[]): Promise<void> {
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => {
    let left = lines.length;
    for (const l of lines) {
      s.send(Buffer.from(l), port, '127.0.0.1', (err) => {
        if (err) reject(err);
        if (--left === 0) s.close(() => resolve());
      });
    }
  });
}

function openTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

async function sendStream(s: Socket, data: string | Buffer): Promise<void> {
  await new Promise<void>((resolve) => s.end(data, () => resolve()));
  await new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())));
}

const octet = (l: string): string => `${Buffer.byteLength(l)} ${l}`;

describe('syslog ingest into the store', () => {
  let cert: TestCert;
  let dir: string;
  let store: Store;
  let writer: StoreWriter;
  let ingest: SyslogIngest;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    dir = mkdtempSync(join(tmpdir(), 'mw-syslog-'));
    store = await openStore(join(dir, 'store.db'), { synchronous: 'normal' });
    writer = new StoreWriter(store, clock, { flushMs: 20 });
    ingest = await startSyslogIngest({
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port: 0 },
        { transport: 'tls', host: '127.0.0.1', port: 0 },
      ],
      tls: { cert: cert.cert, key: cert.key },
      limits: { maxMessageBytes: 4096 },
      clock,
      onAlert: (a) => writer.addAlert(a),
      onFlow: (f) => writer.addFlow(f),
    });
  });

  afterAll(async () => {
    await ingest?.close();
    await writer?.flush();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(cert.dir, { recursive: true, force: true });
  });

  const port = (t: string): number => ingest.bound.find((b) => b.transport === t)?.port ?? 0;

  it('stores alerts and flows sent over UDP, TCP (both framings) and TLS', async () => {
    const bsd = fixtureLines('syslog-bsd.log'); // 2 mining THREAT + 1 TRAFFIC end
    const ietf = fixtureLines('syslog-ietf.log'); // 1 mining THREAT (cryptominer) + 1 TRAFFIC end
    const threat = fixtureLines('threat.csv');
    const traffic = fixtureLines('traffic.csv');
    await sendUdp(port('udp'), bsd);
    await sendStream(await openTcp(port('tcp')), ietf.map((l) => `${l}\n`).join(''));
    // Octet counting; the last message also carries the IPv6 coin-miner log.
    const ipv6 = `<14>Nov 27 10:25:30 PA-220 ${threat[5]}`;
    await sendStream(await openTcp(port('tcp')), [octet(ipv6), octet(`<14>Nov 27 11:10:00 PA-3220-edge ${traffic[2]}`)].join(''));
    const tls = tlsConnect({ host: '127.0.0.1', port: port('tls'), ca: cert.cert, servername: 'localhost' });
    await new Promise<void>((r, j) => { tls.once('secureConnect', () => r()); tls.once('error', j); });
    await new Promise<void>((resolve) => tls.end(octet(`<14>1 2026-11-27T10:16:40Z PA-220 - - - - ${threat[1]}`), () => resolve()));
    await waitFor(() => ingest.panos.counters.alerts + ingest.panos.counters.flows >= 8, 5000, 'all messages');
    await writer.flush();
    const alerts = await store.listAlerts({ limit: 100, order: 'oldest' });
    // threat[1] arrives twice (UDP and TLS): same content, same id, stored once.
    expect(alerts.map((a) => a.alert.signature_id)).toEqual([85886, 86098, 54321, 86510]);
    expect(alerts.every((a) => a.source === 'panos' && a.status === 'new')).toBe(true);
    expect(alerts[0]?.original?.pcap_id).toBe('60256193416407868');
    expect(alerts[2]?.src_ip).toBe('fd00:10::34');
    const flows = await store.queryFlows({ ip: '203.0.113.21', from_us: 0, to_us: NOW * 2 });
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ source: 'panos', src_ip: '10.1.20.34', bytes_toserver: 61203, bytes_toclient: 122739, reason: 'tcp-fin' });
    const deny = await store.queryFlows({ ip: '198.51.100.53', from_us: 0, to_us: NOW * 2 });
    expect(deny[0]?.state).toBe('deny');
    expect(ingest.receiver.counters.by_transport).toEqual({ udp: 3, tcp: 4, tls: 1 });
    expect(ingest.receiver.counters.drops).toEqual({});
    expect(writer.counters).toMatchObject({ alerts_queued: 5, alerts_new: 4, flows_queued: 3, flows_new: 3, write_errors: 0 });
  });

  it('counts malformed, unknown, over-long and truncated input and keeps the valid lines around it', async () => {
    const threat = fixtureLines('threat.csv');
    const traffic = fixtureLines('traffic.csv');
    const before = { ...ingest.panos.counters, errors: { ...ingest.panos.counters.errors } };
    const drops = { ...ingest.receiver.counters.drops };
    const valid = (i: number): string => `<14>Nov 27 10:15:02 PA-220 ${(traffic[0] ?? '').replace(',48213,', `,${700000 + i},`)}`;
    const tcpPayload = [
      valid(1),
      'garbage without a priority',
      `<14>Nov 27 10:15:02 PA-220 1,2026/11/27 10:15:02,0128,SYSTEM,general,,2026/11/27 10:15:02`,
      `<14>Nov 27 10:15:02 PA-220 ${'A'.repeat(10_000)}`,
      valid(2),
      `<14>Nov 27 10:15:02 PA-220 1,"unterminated,THREAT`,
      `<14>Nov 27 10:15:02 PA-220 ${(threat[0] ?? '').replace('10.1.20.34', 'not-an-ip')}`,
      '\u0000\u00ff\u0001binary',
      valid(3),
    ].join('\n') + '\n';
    await sendStream(await openTcp(port('tcp')), tcpPayload);
    // Octet counting with an over-long frame, a zero count and a truncated last frame.
    const counted = octet(valid(4)) + `9999 ${'B'.repeat(9999)}` + octet(valid(5)) + '0 junk\n' + octet(valid(6)) + '500 <14>cut';
    await sendStream(await openTcp(port('tcp')), counted);
    await sendUdp(port('udp'), [valid(7), 'C'.repeat(5000), '<14>Nov 27 10:15:02 PA-220 1,x,y,CONFIG', valid(8)]);
    await waitFor(() => ingest.panos.counters.flows - before.flows >= 8, 5000, 'valid flows');
    const c = ingest.panos.counters;
    expect(c.flows - before.flows).toBe(8);
    expect((c.errors.unknown_log_type ?? 0) - (before.errors.unknown_log_type ?? 0)).toBe(2); // SYSTEM and CONFIG logs
    expect((c.errors.unterminated_quote ?? 0) - (before.errors.unterminated_quote ?? 0)).toBe(1);
    expect((c.errors.bad_address ?? 0) - (before.errors.bad_address ?? 0)).toBe(1);
    const d = ingest.receiver.counters.drops;
    const delta = (k: keyof typeof d): number => (d[k] ?? 0) - (drops[k] ?? 0);
    expect(delta('oversize')).toBe(3); // 10 kB LF line, 9999-byte counted frame, 5000-byte datagram
    expect(delta('parse_bad_pri')).toBe(2); // 'garbage...' and the binary line
    expect(delta('bad_frame')).toBe(2); // '0 junk' and the cut frame
    await writer.flush();
    for (let i = 1; i <= 8; i++) {
      const f = await store.queryFlows({ ip: '10.1.20.34', from_us: 0, to_us: NOW * 2, limit: 100 });
      expect(f.some((x) => x.extra?.sessionid === String(700000 + i))).toBe(true);
    }
  });
});

describe('syslog over IPv6 loopback', () => {
  it('receives on udp://[::1] and tcp://[::1]', async () => {
    const flows: string[] = [];
    const ing = await startSyslogIngest({
      listen: [
        { transport: 'udp', host: '::1', port: 0 },
        { transport: 'tcp', host: '::1', port: 0 },
      ],
      clock: new ManualClock(NOW),
      onAlert: () => undefined,
      onFlow: (f) => flows.push(f.flow_id),
    });
    try {
      const line = fixtureLines('syslog-bsd.log')[2] ?? '';
      const u = createSocket('udp6');
      await new Promise<void>((r) => u.send(line, ing.bound[0]?.port ?? 0, '::1', () => r()));
      u.close();
      const t = tcpConnect(ing.bound[1]?.port ?? 0, '::1');
      await new Promise<void>((r) => t.once('connect', () => r()));
      await new Promise<void>((r) => t.end(`${line}\n`, () => r()));
      await waitFor(() => flows.length === 2, 5000, 'two flows over IPv6');
      expect(ing.receiver.counters.by_transport).toEqual({ udp: 1, tcp: 1, tls: 0 });
    } finally {
      await ing.close();
    }
  });
});
