// Real syslog senders against the receiver on 127.0.0.1: util-linux `logger` (RFC 3164 over UDP,
// RFC 5424 over TCP with LF framing and with RFC 6587 octet counting) and `socat` over TLS
// (OpenSSL, verifying the receiver's self-signed certificate), each carrying the PAN-OS fixture
// lines. Every line arrives as the right alert or flow.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import type { FlowRecord } from '../../src/flows/types.js';
import { startSyslogIngest, type SyslogIngest } from '../../src/ingest/syslog/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { fixtureLines, makeSelfSignedCert, waitFor, type TestCert } from './helpers.js';

// Asynchronous: the receiver in this process must keep running while the sender talks to it.
const run = promisify(execFile);

describe('syslog from real senders', () => {
  let cert: TestCert;
  let ingest: SyslogIngest;
  const alerts: Alert[] = [];
  const flows: FlowRecord[] = [];
  const bodies = [...fixtureLines('threat.csv'), ...fixtureLines('traffic.csv')];
  let file = '';

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    file = join(cert.dir, 'bodies.txt');
    writeFileSync(file, `${bodies.join('\n')}\n`);
    ingest = await startSyslogIngest({
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port: 0 },
        { transport: 'tls', host: '127.0.0.1', port: 0 },
      ],
      tls: { cert: cert.cert, key: cert.key },
      clock: new ManualClock(Date.UTC(2026, 10, 27, 12) * 1000),
      onAlert: (a) => alerts.push(a),
      onFlow: (f) => flows.push(f),
    });
  });
  afterAll(async () => {
    await ingest?.close();
    rmSync(cert.dir, { recursive: true, force: true });
  });

  const port = (t: string): string => String(ingest.bound.find((b) => b.transport === t)?.port ?? 0);
  const expectAll = async (n: number): Promise<void> => {
    // Each batch: 4 mining alerts and 3 flows out of 10 bodies.
    await waitFor(() => alerts.length >= 4 * n && flows.length >= 3 * n, 10_000, `batch ${n}`);
    expect(alerts.slice(-4).map((a) => a.alert.signature_id)).toEqual([85886, 86098, 86510, 54321]);
    expect(flows.slice(-3).map((f) => f.state)).toEqual(['end', 'deny', 'end']);
  };

  it('logger --rfc3164 over UDP', async () => {
    await run('logger', ['--rfc3164', '-d', '-n', '127.0.0.1', '-P', port('udp'), '--size', '8192', '-t', 'PA-220', '-f', file]);
    await expectAll(1);
    expect(ingest.receiver.counters.by_transport.udp).toBe(10);
  });

  it('logger --rfc5424 over TCP, LF framing and octet counting', async () => {
    await run('logger', ['--rfc5424', '-T', '-n', '127.0.0.1', '-P', port('tcp'), '--size', '8192', '--sd-id', 'origin@32473', '--sd-param', 'software="PAN-OS"', '-f', file]);
    await expectAll(2);
    await run('logger', ['--rfc5424', '-T', '--octet-count', '-n', '127.0.0.1', '-P', port('tcp'), '--size', '8192', '-f', file]);
    await expectAll(3);
    expect(ingest.receiver.counters.by_transport.tcp).toBe(20);
    expect(ingest.receiver.counters.drops).toEqual({});
  });

  it('socat over TLS with certificate verification', async () => {
    const frames = bodies.map((b) => `<14>1 2026-11-27T10:15:02.000Z PA-220 - - - - ${b}`).map((m) => `${Buffer.byteLength(m)} ${m}`).join('');
    const payload = join(cert.dir, 'frames.txt');
    writeFileSync(payload, frames);
    await run('socat', ['-u', `FILE:${payload}`, `OPENSSL:127.0.0.1:${port('tls')},cafile=${cert.certPath},verify=1,commonname=127.0.0.1`]);
    await expectAll(4);
    expect(ingest.receiver.counters.by_transport.tls).toBe(10);
    expect(ingest.receiver.counters.drops).toEqual({});
  });
});

describe('syslog over mutual TLS', () => {
  it('accepts a sender with a certificate the CA signed and refuses one without', async () => {
    const server = makeSelfSignedCert('syslog-server');
    const client = makeSelfSignedCert('pa-220-client');
    const flows: FlowRecord[] = [];
    const ingest = await startSyslogIngest({
      listen: [{ transport: 'tls', host: '127.0.0.1', port: 0 }],
      // The client's self-signed certificate is its own CA.
      tls: { cert: server.cert, key: server.key, ca: client.cert, requireClientCert: true },
      clock: new ManualClock(Date.UTC(2026, 10, 27, 12) * 1000),
      onAlert: () => undefined,
      onFlow: (f) => flows.push(f),
    });
    try {
      const p = ingest.bound[0]?.port ?? 0;
      const body = fixtureLines('traffic.csv')[0] ?? '';
      const msg = `<14>1 2026-11-27T10:30:03Z PA-220 - - - - ${body}`;
      const payload = join(client.dir, 'frame.txt');
      writeFileSync(payload, `${Buffer.byteLength(msg)} ${msg}`);
      await run('socat', ['-u', `FILE:${payload}`, `OPENSSL:127.0.0.1:${p},cafile=${server.certPath},cert=${client.certPath},key=${client.keyPath},verify=1,commonname=127.0.0.1`]);
      await waitFor(() => flows.length === 1, 5000, 'flow over mutual TLS');
      // Without a client certificate the handshake fails and nothing is delivered.
      await run('socat', ['-u', `FILE:${payload}`, `OPENSSL:127.0.0.1:${p},cafile=${server.certPath},verify=1,commonname=127.0.0.1`]).catch(() => undefined);
      await waitFor(() => (ingest.receiver.counters.drops.tls_handshake_failed ?? 0) >= 1, 5000, 'refused handshake');
      expect(flows).toHaveLength(1);
    } finally {
      await ingest.close();
      rmSync(server.dir, { recursive: true, force: true });
      rmSync(client.dir, { recursive: true, force: true });
    }
  });
});
