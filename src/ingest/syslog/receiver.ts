// The syslog receiver: UDP datagrams, TCP and TLS streams (framing.ts), each message parsed
// (parser.ts) and handed to `onMessage`. Limits are named with units and defaults; every drop is
// counted by reason. A flood costs CPU, never unbounded memory: UDP has the kernel's socket buffer,
// each stream at most one frame buffer, and the number of streams is capped.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { Clock } from '../../util/clock.js';
import { DEFAULT_MAX_MESSAGE_BYTES, StreamFramer, type FrameDrop } from './framing.js';
import type { ListenSpec } from './listen.js';
import { parseSyslog } from './parser.js';
import type { SyslogMessage, SyslogParseError, SyslogPeer, SyslogTransport } from './record.js';

export interface SyslogLimits {
  /** Largest message, bytes (over-long ones are counted as `oversize` and skipped). Default 64 KiB. */
  maxMessageBytes: number;
  /** Concurrent TCP plus TLS connections; more are refused and counted. Default 256. */
  maxConnections: number;
  /** A stream silent this long is closed (slow senders hold memory and a slot). Default 5 min. */
  connectionIdleMs: number;
  /** UDP socket receive buffer the receiver asks the kernel for, bytes. Default 4 MiB. */
  udpReceiveBufferBytes: number;
  /** A TLS handshake not done by then is abandoned (`tls_handshake_failed`). Default 10 s. */
  tlsHandshakeMs: number;
}

export const DEFAULT_SYSLOG_LIMITS: Readonly<SyslogLimits> = Object.freeze({
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxConnections: 256,
  connectionIdleMs: 300_000,
  udpReceiveBufferBytes: 4 * 1024 * 1024,
  tlsHandshakeMs: 10_000,
});

export type SyslogDrop =
  | FrameDrop
  | `parse_${SyslogParseError}`
  | 'connection_refused'
  | 'idle_timeout'
  | 'tls_handshake_failed'
  | 'socket_error'
  | 'handler_error';

export interface SyslogCounters {
  messages: number;
  bytes: number;
  by_transport: Record<SyslogTransport, number>;
  connections_total: number;
  connections_open: number;
  /** Largest number of bytes any stream framer held at once (bounded by the frame cap). */
  max_stream_buffer_bytes: number;
  drops: Partial<Record<SyslogDrop, number>>;
}

export interface SyslogTlsConfig {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA bundle for client certificates (only with requestClientCert). */
  ca?: string | Buffer;
  /** Ask senders for a certificate and reject those the CA does not sign (RFC 5425 mutual auth). */
  requireClientCert?: boolean;
}

export interface SyslogReceiverOptions {
  listen: ListenSpec[];
  tls?: SyslogTlsConfig;
  limits?: Partial<SyslogLimits>;
  clock: Clock;
  /** Offset of BSD header timestamps from UTC, minutes. */
  tzOffsetMinutes?: number;
  onMessage(msg: SyslogMessage, peer: SyslogPeer): void;
}

export interface BoundListener {
  transport: SyslogTransport;
  host: string;
  port: number;
}

export class SyslogReceiver {
  readonly counters: SyslogCounters = {
    messages: 0,
    bytes: 0,
    by_transport: { udp: 0, tcp: 0, tls: 0 },
    connections_total: 0,
    connections_open: 0,
    max_stream_buffer_bytes: 0,
    drops: {},
  };
  readonly limits: SyslogLimits;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly udp: UdpSocket[] = [];
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: SyslogReceiverOptions) {
    this.limits = { ...DEFAULT_SYSLOG_LIMITS, ...opts.limits };
    if (opts.listen.some((l) => l.transport === 'tls') && !opts.tls) {
      throw new Error('a tls:// syslog listener needs a certificate and key');
    }
  }

  /** Opens every listener; resolves with the bound addresses (port 0 becomes the real port). */
  async start(): Promise<BoundListener[]> {
    const bound: BoundListener[] = [];
    for (const spec of this.opts.listen) {
      bound.push(spec.transport === 'udp' ? await this.startUdp(spec) : await this.startStream(spec));
    }
    return bound;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      ...this.udp.map((u) => new Promise<void>((r) => u.close(() => r()))),
      ...this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))),
    ]);
    this.udp.length = 0;
    this.servers.length = 0;
  }

  private drop(reason: SyslogDrop): void {
    this.counters.drops[reason] = (this.counters.drops[reason] ?? 0) + 1;
  }

  private deliver(bytes: Uint8Array, peer: SyslogPeer): void {
    this.counters.bytes += bytes.length;
    const text = this.decoder.decode(bytes);
    const parsed = parseSyslog(text, { receivedUs: this.opts.clock.nowUs(), tzOffsetMinutes: this.opts.tzOffsetMinutes ?? 0 });
    if (parsed.error) {
      this.drop(`parse_${parsed.error}`);
      return;
    }
    this.counters.messages++;
    this.counters.by_transport[peer.transport]++;
    try {
      this.opts.onMessage(parsed.message, peer);
    } catch {
      // A failing consumer loses this message only; counted, the receiver carries on.
      this.drop('handler_error');
    }
  }

  private startUdp(spec: ListenSpec): Promise<BoundListener> {
    const sock = createSocket({
      type: spec.host.includes(':') ? 'udp6' : 'udp4',
      recvBufferSize: this.limits.udpReceiveBufferBytes,
    });
    this.udp.push(sock);
    sock.on('message', (msg, rinfo) => {
      if (msg.length > this.limits.maxMessageBytes) {
        this.drop('oversize');
        return;
      }
      this.deliver(msg, { transport: 'udp', address: rinfo.address, port: rinfo.port });
    });
    sock.on('error', () => this.drop('socket_error'));
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(spec.port, spec.host, () => {
        sock.off('error', reject);
        const a = sock.address();
        resolve({ transport: 'udp', host: a.address, port: a.port });
      });
    });
  }

  private startStream(spec: ListenSpec): Promise<BoundListener> {
    const transport = spec.transport;
    const onSocket = (socket: Socket): void => this.serveStream(socket, transport);
    let server: Server;
    if (transport === 'tls') {
      const t = this.opts.tls as SyslogTlsConfig;
      const tlsOpts: TlsOptions = { cert: t.cert, key: t.key, minVersion: 'TLSv1.2', handshakeTimeout: this.limits.tlsHandshakeMs };
      if (t.ca) tlsOpts.ca = t.ca;
      if (t.requireClientCert) {
        tlsOpts.requestCert = true;
        tlsOpts.rejectUnauthorized = true;
      }
      const tlsServer = createTlsServer(tlsOpts, onSocket);
      // With a listener here Node leaves the failed socket open: close it, or a handshake flood
      // would hold connection slots until the peer gives up.
      tlsServer.on('tlsClientError', (_err, socket) => {
        this.drop('tls_handshake_failed');
        socket.destroy();
      });
      server = tlsServer;
    } else {
      server = createServer(onSocket);
    }
    // Node refuses connections beyond maxConnections (counted on 'drop'); the count spans
    // the raw connections of TLS servers too, so a handshake flood is capped as well.
    server.maxConnections = this.limits.maxConnections;
    server.on('drop', () => this.drop('connection_refused'));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host, () => {
        server.off('error', reject);
        server.on('error', () => this.drop('socket_error'));
        const a = server.address();
        const port = typeof a === 'object' && a ? a.port : spec.port;
        resolve({ transport, host: spec.host, port });
      });
    });
  }

  private serveStream(socket: Socket, transport: SyslogTransport): void {
    this.counters.connections_total++;
    this.counters.connections_open++;
    this.sockets.add(socket);
    const peer: SyslogPeer = { transport, address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const framer = new StreamFramer(
      {
        message: (bytes) => this.deliver(bytes, peer),
        drop: (reason) => this.drop(reason),
      },
      this.limits.maxMessageBytes,
    );
    socket.setTimeout(this.limits.connectionIdleMs);
    socket.on('timeout', () => {
      this.drop('idle_timeout');
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      if (framer.bufferedBytes > this.counters.max_stream_buffer_bytes) {
        this.counters.max_stream_buffer_bytes = framer.bufferedBytes;
      }
    });
    socket.on('error', () => this.drop('socket_error'));
    socket.on('close', () => {
      // A last LF-framed message without its LF still counts; a cut counted frame is a drop.
      framer.end();
      this.counters.connections_open--;
      this.sockets.delete(socket);
    });
  }
}
