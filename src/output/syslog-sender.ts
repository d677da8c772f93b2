// Forwards alerts to a syslog collector (a SIEM) over UDP, TCP or TLS, as RFC 5424 messages with a
// JSON or CEF body (syslog-format.ts). Streams use octet-counting framing (RFC 6587 3.4.1, the
// framing RFC 5425 requires for TLS). TLS verifies the collector's certificate unless told
// otherwise. The queue is bounded; when the collector is away longer than the queue lasts, alerts
// are dropped and counted (`dropped_queue_full`), and reconnection backs off exponentially.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Alert } from '../alerts/types.js';
import { parseListenUrl, type ListenSpec } from '../ingest/syslog/listen.js';
import { formatSyslogAlert, type SyslogOutFormat } from './syslog-format.js';

export interface SyslogSenderOptions {
  /** udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT. */
  url: string;
  format: SyslogOutFormat;
  /** HOSTNAME written in each message. */
  hostname: string;
  /** Extra CA certificates (PEM) trusted for tls://. */
  ca?: string | Buffer;
  /** Name checked against the collector's certificate; default the URL host. */
  servername?: string;
  /** Skip certificate verification (tls:// only). Never the default. */
  insecure?: boolean;
  /** Alerts waiting while the collector is unreachable. Default 10,000. */
  maxQueue?: number;
  /** First reconnect delay, milliseconds, doubling up to reconnectMaxMs. Default 500. */
  reconnectBaseMs?: number;
  /** Default 30,000. */
  reconnectMaxMs?: number;
  /** Give up a connection attempt after this long, milliseconds. Default 10,000. */
  connectTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SyslogSenderCounters {
  sent: number;
  dropped_queue_full: number;
  /** Still queued when the sender was stopped. */
  dropped_on_stop: number;
  connect_errors: number;
  send_errors: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class SyslogSender {
  readonly counters: SyslogSenderCounters = { sent: 0, dropped_queue_full: 0, dropped_on_stop: 0, connect_errors: 0, send_errors: 0 };
  private readonly spec: ListenSpec;
  private readonly queue: string[] = [];
  private udp: UdpSocket | undefined;
  private stream: Socket | undefined;
  private pumping: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: SyslogSenderOptions) {
    this.spec = parseListenUrl(opts.url);
    if (!/^\w+:\/\/[^:/]/.test(opts.url)) {
      throw new Error(`syslog output needs a host: ${opts.url}`);
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  send(alert: Alert): void {
    if (this.closed) return;
    if (this.queue.length >= (this.opts.maxQueue ?? 10_000)) {
      this.counters.dropped_queue_full++;
      return;
    }
    this.queue.push(formatSyslogAlert(alert, { format: this.opts.format, hostname: this.opts.hostname }));
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Resolves when everything queued was written (or the sender was closed). */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Stops at once (the collector is gone for good): what is still queued is counted as dropped. */
  stop(): void {
    this.closed = true;
    this.counters.dropped_on_stop += this.queue.length;
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.stream) await new Promise<void>((r) => this.stream?.end(() => r()));
    this.stream?.destroy();
    if (this.udp) await new Promise<void>((r) => this.udp?.close(() => r()));
  }

  private async pump(): Promise<void> {
    let failures = 0;
    while (this.queue.length > 0 && !this.closed) {
      const msg = this.queue[0] as string;
      try {
        if (this.spec.transport === 'udp') await this.sendUdp(msg);
        else await this.sendStream(msg);
        this.queue.shift();
        this.counters.sent++;
        failures = 0;
      } catch {
        failures++;
        const base = this.opts.reconnectBaseMs ?? 500;
        const delay = Math.min(base * 2 ** (failures - 1), this.opts.reconnectMaxMs ?? 30_000);
        await (this.opts.sleep ?? defaultSleep)(delay);
      }
    }
  }

  private sendUdp(msg: string): Promise<void> {
    this.udp ??= createSocket(this.spec.host.includes(':') ? 'udp6' : 'udp4');
    const sock = this.udp;
    return new Promise((resolve, reject) => {
      sock.send(msg, this.spec.port, this.spec.host, (err) => {
        if (err) {
          this.counters.send_errors++;
          reject(err);
        } else resolve();
      });
    });
  }

  private async sendStream(msg: string): Promise<void> {
    const s = this.stream && !this.stream.destroyed ? this.stream : await this.connect();
    const frame = `${Buffer.byteLength(msg)} ${msg}`;
    await new Promise<void>((resolve, reject) => {
      s.write(frame, (err) => {
        if (err) {
          this.counters.send_errors++;
          s.destroy();
          reject(err);
        } else resolve();
      });
    });
  }

  private connect(): Promise<Socket> {
    const { host, port, transport } = this.spec;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.counters.connect_errors++;
        s.destroy();
        reject(err);
      };
      const ready = (): void => {
        s.off('error', onError);
        s.setTimeout(0);
        // Later errors end this connection; the next send reconnects.
        s.on('error', () => {
          this.counters.send_errors++;
        });
        this.stream = s;
        resolve(s);
      };
      const s: Socket =
        transport === 'tls'
          ? tlsConnect({
              host,
              port,
              ca: this.opts.ca,
              servername: this.opts.servername ?? (/^[\d.:]+$/.test(host) ? undefined : host),
              rejectUnauthorized: !this.opts.insecure,
            }, ready)
          : tcpConnect(port, host, ready);
      s.once('error', onError);
      s.setTimeout(this.opts.connectTimeoutMs ?? 10_000, () => onError(new Error('connect timeout')));
    });
  }
}
