// The NetFlow/IPFIX collector: UDP sockets for NetFlow v5/v9 and IPFIX, a TCP listener for IPFIX
// over TCP (RFC 7011 section 10.4), decoding through FlowDecoder, pairing directions, and writing
// FlowRecords to the store in batches. Time comes from the injected clock; sockets and timers
// are the only side effects, and `ingest` lets tests feed datagrams without sockets.

import dgram from 'node:dgram';
import net from 'node:net';
import type { FlowRecord } from '../../flows/types.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import { newCounters, type Counters } from './counters.js';
import { FlowDecoder } from './decoder.js';
import { DEFAULT_COLLECTOR_LIMITS, MAX_IPFIX_MESSAGE_BYTES, type CollectorLimits } from './limits.js';
import { FlowPairer } from './pairing.js';
import { toUniFlow, type RawFlowSink } from './record.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface CollectorOptions {
  /** UDP for NetFlow (any version is accepted on either UDP socket). */
  netflow?: Endpoint;
  /** UDP for IPFIX. */
  ipfix?: Endpoint;
  /** TCP for IPFIX. */
  ipfixTcp?: Endpoint;
  store: Pick<Store, 'putFlows'>;
  clock: Clock;
  limits?: Partial<CollectorLimits>;
  /** How often held records are flushed and state expired (milliseconds of timer time). */
  tickMs?: number;
}

export interface BoundAddresses {
  netflow?: Endpoint;
  ipfix?: Endpoint;
  ipfixTcp?: Endpoint;
}

export class FlowCollector {
  readonly counters: Counters = newCounters();
  readonly decoder: FlowDecoder;
  private readonly pairer: FlowPairer;
  private readonly limits: CollectorLimits;
  private readonly queue: FlowRecord[] = [];
  private writing: Promise<void> | undefined;
  private readonly udp: dgram.Socket[] = [];
  private tcp: net.Server | undefined;
  private readonly tcpSockets = new Set<net.Socket>();
  private timer: NodeJS.Timeout | undefined;
  private readonly sinks = new Map<string, RawFlowSink>();

  constructor(private readonly opts: CollectorOptions) {
    this.limits = { ...DEFAULT_COLLECTOR_LIMITS, ...opts.limits };
    this.decoder = new FlowDecoder(this.limits, this.counters);
    this.pairer = new FlowPairer(this.limits, this.counters, (rec) => this.enqueue(rec));
  }

  /** Binds the sockets that were asked for; resolves with the addresses actually bound. */
  async start(): Promise<BoundAddresses> {
    const out: BoundAddresses = {};
    if (this.opts.netflow) out.netflow = await this.bindUdp(this.opts.netflow);
    if (this.opts.ipfix) out.ipfix = await this.bindUdp(this.opts.ipfix);
    if (this.opts.ipfixTcp) out.ipfixTcp = await this.listenTcp(this.opts.ipfixTcp);
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 250);
    return out;
  }

  /** Feeds one datagram as if it came from `exporter` ("address:port"). */
  ingest(b: Uint8Array, exporter: string): number {
    return this.decoder.decode(b, exporter, this.opts.clock.nowUs(), this.sinkFor(exporter));
  }

  /** Flushes held records and waits until the store has everything accepted so far. */
  async flush(): Promise<void> {
    this.pairer.flushAll();
    await this.drain();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.udp) await new Promise<void>((res) => s.close(() => res()));
    this.udp.length = 0;
    for (const s of this.tcpSockets) s.destroy();
    if (this.tcp) await new Promise<void>((res) => (this.tcp as net.Server).close(() => res()));
    this.tcp = undefined;
    await this.flush();
  }

  /** Records accepted but not yet written, plus one-direction records awaiting their reverse. */
  get backlog(): number {
    return this.queue.length + this.pairer.size;
  }

  private sinkFor(exporter: string): RawFlowSink {
    let s = this.sinks.get(exporter);
    if (!s) {
      // The observer is the exporter's address: a restarted exporter on a new port is the same device.
      const observer = exporter.slice(0, exporter.lastIndexOf(':'));
      s = (raw, source, domain) => this.pairer.add(toUniFlow(raw, source, observer, domain), this.opts.clock.nowUs());
      if (this.sinks.size < this.limits.maxExporterStates) this.sinks.set(exporter, s);
    }
    return s;
  }

  private tick(): void {
    const now = this.opts.clock.nowUs();
    this.pairer.flushExpired(now);
    this.decoder.expire(now);
    void this.drain();
  }

  private enqueue(rec: FlowRecord): void {
    if (this.queue.length >= this.limits.maxStoreBacklog) {
      this.counters.store_backlog++;
      return;
    }
    this.queue.push(rec);
    if (this.queue.length >= this.limits.storeBatchSize && !this.writing) void this.drain();
  }

  private drain(): Promise<void> {
    if (this.writing) return this.writing.then(() => (this.queue.length > 0 ? this.drain() : undefined));
    if (this.queue.length === 0) return Promise.resolve();
    this.writing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.limits.storeBatchSize);
        try {
          await this.opts.store.putFlows(batch);
          this.counters.flows_stored += batch.length;
        } catch {
          this.counters.store_error += batch.length;
        }
      }
    })().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private bindUdp(ep: Endpoint): Promise<Endpoint> {
    const sock = dgram.createSocket({ type: ep.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    this.udp.push(sock);
    sock.on('message', (msg, rinfo) => this.ingest(msg, `${rinfo.address}:${rinfo.port}`));
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(ep.port, ep.host, () => {
        sock.off('error', reject);
        // Socket errors after binding (ICMP unreachable and the like) are not the exporter's data.
        sock.on('error', () => undefined);
        const a = sock.address();
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  private listenTcp(ep: Endpoint): Promise<Endpoint> {
    const server = net.createServer((s) => this.onTcp(s));
    this.tcp = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(ep.port, ep.host, () => {
        server.off('error', reject);
        const a = server.address() as net.AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** IPFIX over TCP: messages framed by their own length field (RFC 7011 section 10.4.2). */
  private onTcp(s: net.Socket): void {
    if (this.tcpSockets.size >= this.limits.maxTcpConnections) {
      this.counters.tcp_connection_limit++;
      s.destroy();
      return;
    }
    this.tcpSockets.add(s);
    const exporter = `${s.remoteAddress}:${s.remotePort}`;
    this.decoder.tcpExporters.add(exporter);
    let buf: Buffer = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const version = buf.readUInt16BE(0);
        const len = buf.readUInt16BE(2);
        if (version !== 10 || len < 16 || len > MAX_IPFIX_MESSAGE_BYTES) {
          // Framing is lost for good: nothing after this can be trusted.
          this.counters.tcp_bad_message++;
          s.destroy();
          return;
        }
        if (buf.length < len) break;
        this.ingest(buf.subarray(0, len), exporter);
        buf = buf.subarray(len);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      this.tcpSockets.delete(s);
      this.decoder.closeExporter(exporter);
    });
  }
}
