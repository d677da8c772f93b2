// The bus across machines: NATS JetStream. Each logical subject is one stream (file storage, limits
// retention by age) holding one NATS subject `<prefix>.<subject>`. Publishing sets Nats-Msg-Id to
// the content-derived dedup id, so JetStream drops a second copy within its duplicate window; the
// publish resolves only once the stream stored the message. Consumers are durable pull consumers with
// explicit ack: subscribers sharing a durable name share the work, and a message a dead worker held
// is delivered again after the ack wait.

import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  connect,
  nanos,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_MAX_IN_FLIGHT,
  emptyBusStats,
  type Bus,
  type BusHandler,
  type BusMessage,
  type BusStats,
  type BusSubject,
  type BusSubscription,
  type PublishResult,
  type SubscribeOptions,
} from './types.js';

export interface NatsBusOptions {
  /** Server URLs (a cluster: several). Default 127.0.0.1:4222. */
  servers?: string | string[];
  /** Prefix of subject and stream names, so several deployments (or test runs) share a cluster. Default `minerwatch`. */
  prefix?: string;
  /** Stream replicas in a cluster (1 on a single server, 3 for a three-node cluster). Default 1. */
  replicas?: number;
  /** Messages older than this leave the stream. Default 7 days. */
  maxAgeMs?: number;
  /**
   * Bytes a stream may hold before the oldest messages go. JetStream reserves this against the
   * server's storage limit when the stream is created ("insufficient storage resources" when the
   * reservations exceed it). Default 8 GiB.
   */
  maxBytes?: number;
  /** Window in which JetStream remembers Nats-Msg-Id for de-duplication. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Connection name shown by the server's monitoring. */
  name?: string;
}

export const DEFAULT_NATS_PREFIX = 'minerwatch';
export const DEFAULT_STREAM_MAX_AGE_MS = 7 * 86_400_000;
export const DEFAULT_STREAM_MAX_BYTES = 8 * 1024 ** 3;
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
/** Deliveries of one message before JetStream gives up on it (a message that always fails). */
export const MAX_DELIVERIES = 20;

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  private readonly counters: BusStats = emptyBusStats();
  private readonly ready = new Map<BusSubject, Promise<void>>();
  private readonly subs = new Set<BusSubscription>();
  private readonly prefix: string;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly opts: NatsBusOptions,
  ) {
    this.prefix = safeName(opts.prefix ?? DEFAULT_NATS_PREFIX);
  }

  static async connect(opts: NatsBusOptions = {}): Promise<NatsBus> {
    const nc = await connect({
      servers: opts.servers ?? '127.0.0.1:4222',
      name: opts.name ?? 'minerwatch',
      maxReconnectAttempts: -1,
    });
    try {
      const jsm = await nc.jetstreamManager();
      return new NatsBus(nc, nc.jetstream(), jsm, opts);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** NATS subject of a logical subject. */
  natsSubject(subject: BusSubject): string {
    return `${this.prefix}.${subject}`;
  }

  /** Stream name of a logical subject. */
  streamName(subject: BusSubject): string {
    return `${this.prefix}_${subject}`.toUpperCase();
  }

  stats(): BusStats {
    return { ...this.counters };
  }

  /** Creates the stream once per process; adding an identical stream again is a no-op on the server. */
  private ensureStream(subject: BusSubject): Promise<void> {
    let p = this.ready.get(subject);
    if (p === undefined) {
      p = (async () => {
        const name = this.streamName(subject);
        const config = {
          name,
          subjects: [this.natsSubject(subject)],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          max_age: nanos(this.opts.maxAgeMs ?? DEFAULT_STREAM_MAX_AGE_MS),
          max_bytes: this.opts.maxBytes ?? DEFAULT_STREAM_MAX_BYTES,
          duplicate_window: nanos(this.opts.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
          num_replicas: this.opts.replicas ?? 1,
        };
        try {
          await this.jsm.streams.info(name);
        } catch {
          try {
            await this.jsm.streams.add(config);
          } catch (err) {
            // Another process created it between our look and our add.
            await this.jsm.streams.info(name).catch(() => {
              throw err;
            });
          }
        }
      })();
      p.catch(() => this.ready.delete(subject));
      this.ready.set(subject, p);
    }
    return p;
  }

  async publish(subject: BusSubject, msg: unknown, dedupId: string): Promise<PublishResult> {
    await this.ensureStream(subject);
    const ack = await this.js.publish(this.natsSubject(subject), JSON.stringify(msg), { msgID: dedupId });
    if (ack.duplicate) this.counters.duplicates++;
    else this.counters.published++;
    return { duplicate: ack.duplicate };
  }

  async subscribe(subject: BusSubject, durable: string, handler: BusHandler, opts: SubscribeOptions = {}): Promise<BusSubscription> {
    await this.ensureStream(subject);
    const stream = this.streamName(subject);
    const name = safeName(durable);
    const maxInFlight = Math.max(1, opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    const config: Partial<ConsumerConfig> = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(opts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
      filter_subject: this.natsSubject(subject),
      max_deliver: MAX_DELIVERIES,
      max_ack_pending: Math.max(1000, maxInFlight * 16),
    };
    try {
      await this.jsm.consumers.add(stream, config);
    } catch {
      // Exists with other settings (another worker version): bring it to ours.
      await this.jsm.consumers.update(stream, name, config);
    }
    const consumer = await this.js.consumers.get(stream, name);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: maxInFlight });
    const running = new Set<Promise<void>>();
    let slots = maxInFlight;
    let wake: (() => void) | undefined;
    const loop = (async () => {
      for await (const m of messages) {
        while (slots <= 0) await new Promise<void>((r) => (wake = r));
        slots--;
        const run = this.handle(subject, m, handler).finally(() => {
          slots++;
          running.delete(run);
          const w = wake;
          wake = undefined;
          w?.();
        });
        running.add(run);
      }
    })();
    const sub: BusSubscription = {
      stop: async () => {
        this.subs.delete(sub);
        messages.stop();
        const w = wake;
        wake = undefined;
        w?.();
        await loop.catch(() => undefined);
        await Promise.allSettled([...running]);
      },
    };
    this.subs.add(sub);
    return sub;
  }

  private async handle(subject: BusSubject, m: JsMsg, handler: BusHandler): Promise<void> {
    this.counters.delivered++;
    if (m.info.deliveryCount > 1) this.counters.redelivered++;
    let data: unknown;
    try {
      data = JSON.parse(m.string()) as unknown;
    } catch {
      // Not JSON: no delivery will ever parse it, so it is acknowledged (and counted) rather than retried.
      data = undefined;
    }
    const msg: BusMessage = {
      subject,
      data,
      deliveryCount: m.info.deliveryCount,
      ack: async () => {
        await m.ackAck();
        this.counters.acked++;
      },
      nak: (delayMs?: number) => {
        this.counters.naked++;
        m.nak(delayMs);
      },
    };
    try {
      await handler(msg);
    } catch {
      this.counters.handlerErrors++;
      msg.nak();
    }
  }

  /** Deletes this prefix's streams (and so their consumers): for tests and benchmarks that made their own. */
  async deleteStreams(): Promise<void> {
    for (const s of ['alerts', 'flows'] as const) {
      await this.jsm.streams.delete(this.streamName(s)).catch(() => undefined);
      this.ready.delete(s);
    }
  }

  /** Messages the durable consumer has not acknowledged yet (pending plus in flight). */
  async backlog(subject: BusSubject, durable: string): Promise<number> {
    const info = await this.jsm.consumers.info(this.streamName(subject), safeName(durable));
    return info.num_pending + info.num_ack_pending;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subs].map((s) => s.stop()));
    await this.nc.drain().catch(() => this.nc.close());
  }
}

export function connectNatsBus(opts: NatsBusOptions = {}): Promise<NatsBus> {
  return NatsBus.connect(opts);
}
