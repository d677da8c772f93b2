// Limits of the syslog receiver under load: a 200,000-message flood over TCP and UDP on 127.0.0.1
// keeps the heap bounded and every message accounted for (stored, or dropped with a counter);
// connections beyond maxConnections are refused and counted; idle connections are closed.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/flows/types.js';
import { startSyslogIngest, StoreWriter, type SyslogIngest } from '../../src/ingest/syslog/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { fixtureLines, makeSelfSignedCert, waitFor } from './helpers.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0) * 1000;
const FLOOD = 200_000;

function openTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

describe('syslog receiver limits', () => {
  let dir: string;
  let store: Store;
  let writer: StoreWriter;
  let ingest: SyslogIngest;
  const clock = new ManualClock(NOW);
  const traffic = fixtureLines('traffic.csv')[0] ?? '';
  const system = (i: number): string =>
    `<14>Nov 27 10:30:03 PA-220 1,2026/11/27 10:30:03,012801096514,SYSTEM,general,2561,2026/11/27 10:30:03,,general,,0,0,general,informational,"User admin logged in via Web from 10.1.1.${i % 250} using https, client Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0, authentication profile corp-ldap, method password, session ${i} started, previous login 2026/11/26 17:45:10 from 10.1.1.${(i + 1) % 250}, role superuser, vsys all, admin type dynamic, comment ok",${i},0x0,0,0,0,0,,PA-220\n`;
  const line = (i: number): string => `<14>Nov 27 10:30:03 PA-220 ${traffic.replace(',48213,', `,${i},`)}\n`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mw-flood-'));
    store = await openStore(join(dir, 'store.db'), { synchronous: 'normal' });
    writer = new StoreWriter(store, clock, { maxQueued: 5_000, batchSize: 1_000, flushMs: 10 });
    ingest = await startSyslogIngest({
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port: 0 },
      ],
      limits: { maxMessageBytes: 2048 },
      clock,
      onAlert: (a) => writer.addAlert(a),
      onFlow: (f: FlowRecord) => writer.addFlow(f),
    });
  });

  afterAll(async () => {
    await ingest?.close();
    await writer?.flush();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const port = (t: string): number => ingest.bound.find((b) => b.transport === t)?.port ?? 0;

  it('refuses connections beyond maxConnections and closes idle ones', async () => {
    const small = await startSyslogIngest({
      listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }],
      limits: { maxConnections: 3, connectionIdleMs: 300 },
      clock,
      onAlert: () => undefined,
      onFlow: () => undefined,
    });
    const p = small.bound[0]?.port ?? 0;
    const open = await Promise.all([openTcp(p), openTcp(p), openTcp(p)]);
    await waitFor(() => small.receiver.counters.connections_open === 3, 2000, 'three connections');
    const extra = await openTcp(p);
    await new Promise<void>((r) => (extra.closed ? r() : extra.once('close', () => r())));
    expect(small.receiver.counters.drops.connection_refused).toBe(1);
    // The three idle connections are closed after connectionIdleMs.
    await waitFor(() => small.receiver.counters.connections_open === 0, 3000, 'idle close');
    expect(small.receiver.counters.drops.idle_timeout).toBe(3);
    for (const s of open) s.destroy();
    await small.close();
  });

  it('abandons TLS handshakes that do not finish within tlsHandshakeMs', async () => {
    const cert = makeSelfSignedCert();
    const tls = await startSyslogIngest({
      listen: [{ transport: 'tls', host: '127.0.0.1', port: 0 }],
      tls: { cert: cert.cert, key: cert.key },
      limits: { tlsHandshakeMs: 200 },
      clock,
      onAlert: () => undefined,
      onFlow: () => undefined,
    });
    try {
      // A plain TCP connection that never starts the handshake.
      const s = await openTcp(tls.bound[0]?.port ?? 0);
      await new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())));
      expect(tls.receiver.counters.drops.tls_handshake_failed).toBe(1);
      expect(tls.receiver.counters.connections_total).toBe(0);
    } finally {
      await tls.close();
      rmSync(cert.dir, { recursive: true, force: true });
    }
  });

  it('survives a 200,000-message TCP flood with bounded heap and every message accounted for', async () => {
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 20);
    const flowsBefore = ingest.panos.counters.flows;
    const unknownBefore = ingest.panos.counters.errors.unknown_log_type ?? 0;
    const handled = (): number =>
      ingest.panos.counters.flows - flowsBefore + (ingest.panos.counters.errors.unknown_log_type ?? 0) - unknownBefore +
      (ingest.receiver.counters.drops.oversize ?? 0);
    const s = await openTcp(port('tcp'));
    let sentBytes = 0;
    // Bounded loop: batches of 1,000 lines, waiting for the socket to drain between them.
    for (let i = 0; i < FLOOD; i += 1000) {
      let batch = '';
      // Mostly SYSTEM logs (counted as unknown), one valid TRAFFIC log in 100, now and then an
      // over-long message.
      for (let k = i; k < i + 1000; k++) {
        batch += k % 50_000 === 7 ? `<14>Nov 27 10:30:03 PA-220 ${'Z'.repeat(3000)}\n` : k % 100 === 0 ? line(k) : system(k);
      }
      sentBytes += batch.length;
      if (!s.write(batch)) await new Promise((r) => s.once('drain', r));
    }
    s.end();
    await waitFor(() => handled() >= FLOOD, 60_000, 'flood').catch((e: unknown) => { console.log(JSON.stringify([handled(), ingest.panos.counters, ingest.receiver.counters])); throw e; });
    await writer.flush();
    clearInterval(sampler);
    const growth = peak - base;
    const w = writer.counters;
    // Every valid message became a flow, every SYSTEM log was counted, over-long ones too.
    const oversize = FLOOD / 50_000;
    expect(ingest.receiver.counters.drops.oversize).toBe(oversize);
    expect(ingest.panos.counters.flows - flowsBefore).toBe(FLOOD / 100);
    expect((ingest.panos.counters.errors.unknown_log_type ?? 0) - unknownBefore).toBe(FLOOD - FLOOD / 100 - oversize);
    // Every flow was either stored or counted as dropped by the bounded queue.
    expect(w.flows_queued + w.flows_dropped_queue_full).toBe(FLOOD / 100);
    expect(w.flows_new).toBe(w.flows_queued);
    expect(ingest.receiver.counters.max_stream_buffer_bytes).toBeLessThanOrEqual(2048 + 10);
    console.log(`flood: ${FLOOD} messages, ${(sentBytes / 1e6).toFixed(1)} MB sent, heap growth ${(growth / 1e6).toFixed(1)} MB, stored ${w.flows_new}, queue_full ${w.flows_dropped_queue_full}`);
    // The traffic sent is far larger than the heap may grow: nothing accumulates per message.
    expect(growth).toBeLessThan(Math.min(64e6, sentBytes / 2));
  });

  it('survives a 200,000-datagram UDP flood and still takes valid messages after it', async () => {
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 20);
    const before = ingest.receiver.counters.by_transport.udp;
    const sock = createSocket('udp4');
    const junk = Buffer.from('<14>Nov 27 10:30:03 PA-220 1,2026/11/27 10:30:03,0128,SYSTEM,general');
    for (let i = 0; i < FLOOD; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, () => new Promise<void>((r) => sock.send(junk, port('udp'), '127.0.0.1', () => r()))),
      );
    }
    // A valid message must still get through once the receiver has drained its socket buffer
    // (UDP may lose a datagram while the buffer is full, so it is resent until it arrives).
    const flows = ingest.panos.counters.flows;
    for (let k = 0; k < 100 && ingest.panos.counters.flows === flows; k++) {
      await new Promise<void>((r) => sock.send(line(999_999), port('udp'), '127.0.0.1', () => r()));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ingest.panos.counters.flows).toBeGreaterThan(flows);
    sock.close();
    clearInterval(sampler);
    const got = ingest.receiver.counters.by_transport.udp - before;
    console.log(`udp flood: ${FLOOD} sent, ${got} received (the kernel drops the rest), heap growth ${((peak - base) / 1e6).toFixed(1)} MB`);
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThanOrEqual(FLOOD + 1);
    expect(peak - base).toBeLessThan(64e6);
  });
});
