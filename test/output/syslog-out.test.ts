// Alerts forwarded as syslog over UDP, TCP and TLS to the project's own syslog receiver on
// 127.0.0.1: the RFC 5424 header, structured data and JSON / CEF bodies arrive intact; TLS
// verifies the collector (a trusted CA works, an untrusted certificate is refused).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyslogReceiver, type SyslogMessage } from '../../src/ingest/syslog/index.js';
import { formatSyslogAlert, rfc3339, sdValue, SyslogSender } from '../../src/output/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { makeSelfSignedCert, waitFor, type TestCert } from '../syslog/helpers.js';
import { fixtureAlerts, hostileAlert } from './alerts.js';

describe('syslog output', () => {
  let cert: TestCert;
  let receiver: SyslogReceiver;
  const got: { msg: SyslogMessage; transport: string }[] = [];
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    receiver = new SyslogReceiver({
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port: 0 },
        { transport: 'tls', host: '127.0.0.1', port: 0 },
      ],
      tls: { cert: cert.cert, key: cert.key },
      clock: new ManualClock(0),
      onMessage: (msg, peer) => got.push({ msg, transport: peer.transport }),
    });
    for (const b of await receiver.start()) ports[b.transport] = b.port;
  });
  afterAll(async () => {
    await receiver?.close();
    rmSync(cert.dir, { recursive: true, force: true });
  });

  it('formats RFC 5424 with structured data and an ASCII JSON body', () => {
    const a = hostileAlert();
    const line = formatSyslogAlert(a, { format: 'json', hostname: 'sensor 1' });
    expect(line.startsWith(`<10>1 ${rfc3339(a.ts_us)} sensor1 minerwatch - alert [minerwatch@32473 id="hostile-1" sid="85886"`)).toBe(true);
    expect(line).toMatch(/^[\x20-\x7e]+$/);
    expect(sdValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
  });

  it('delivers JSON over UDP and TCP, CEF over TLS, to a receiver that parses them back', async () => {
    const alerts = [...fixtureAlerts(), hostileAlert()];
    const udp = new SyslogSender({ url: `udp://127.0.0.1:${ports.udp}`, format: 'json', hostname: 'mw-sensor' });
    const tcp = new SyslogSender({ url: `tcp://127.0.0.1:${ports.tcp}`, format: 'json', hostname: 'mw-sensor' });
    const tls = new SyslogSender({ url: `tls://127.0.0.1:${ports.tls}`, format: 'cef', hostname: 'mw-sensor', ca: cert.cert });
    for (const a of alerts) {
      udp.send(a);
      tcp.send(a);
      tls.send(a);
    }
    await Promise.all([udp.close(), tcp.close(), tls.close()]);
    await waitFor(() => got.length >= alerts.length * 3, 5000, 'all forwarded alerts');
    for (const t of ['udp', 'tcp', 'tls']) {
      const mine = got.filter((g) => g.transport === t).map((g) => g.msg);
      expect(mine).toHaveLength(alerts.length);
      expect(mine.every((m) => m.format === 'rfc5424' && m.hostname === 'mw-sensor' && m.app_name === 'minerwatch' && m.msgid === 'alert')).toBe(true);
      expect(mine.map((m) => m.structured_data?.['minerwatch@32473']?.id)).toEqual(alerts.map((a) => a.id));
    }
    const json = got.filter((g) => g.transport === 'tcp').map((g) => JSON.parse(g.msg.msg) as { alert: { signature: string }; src_ip: string });
    expect(json.map((j) => j.alert.signature)).toEqual(alerts.map((a) => a.alert.signature));
    const cef = got.filter((g) => g.transport === 'tls').map((g) => g.msg.msg);
    expect(cef[0]?.startsWith('CEF:0|minerwatch|minerwatch|0.1.0|85886|')).toBe(true);
    // The hostile alert's CEF stays one record, its ünïcødé intact (UTF-8 with BOM, stripped by the receiver).
    expect(cef[cef.length - 1]).toContain('Miner\\|with\\\\pipes=and newlines "quotes"] ünïcødé|8|');
    expect(udp.counters).toMatchObject({ sent: alerts.length, dropped_queue_full: 0 });
  });

  it('refuses a collector whose certificate it does not trust, and counts it', async () => {
    const before = got.length;
    const delays: number[] = [];
    const sender: SyslogSender = new SyslogSender({
      url: `tls://127.0.0.1:${ports.tls}`, format: 'json', hostname: 'h', reconnectBaseMs: 100, maxQueue: 1,
      sleep: async (ms) => {
        delays.push(ms);
        // Give up after three attempts so the test ends.
        if (delays.length >= 3) sender.stop();
      },
    });
    const [a, b] = fixtureAlerts();
    sender.send(a!);
    sender.send(b!);
    await waitFor(() => delays.length >= 3, 5000, 'three failed connects');
    await sender.close();
    expect(sender.counters.dropped_on_stop).toBe(1);
    expect(sender.counters.connect_errors).toBeGreaterThanOrEqual(3);
    expect(sender.counters.sent).toBe(0);
    expect(sender.counters.dropped_queue_full).toBe(1);
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    expect(got.length).toBe(before);
    expect(receiver.counters.drops.tls_handshake_failed ?? 0).toBeGreaterThanOrEqual(1);
  });
});
