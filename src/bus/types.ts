// The message bus between roles: sensors and collectors publish alerts and flow records, workers and
// store writers consume them through durable consumers with explicit acknowledgement. A message not
// acknowledged within the ack wait (its consumer died, or its handler failed) is delivered again, so
// every consumer's writes must be idempotent: alert ids are content-derived and the store ignores a
// record it already has. In-process by default (memory.ts); NATS JetStream across machines (nats.ts).

/** Logical subjects; an implementation maps them to its own names (a NATS subject and stream each). */
export type BusSubject = 'alerts' | 'flows';
export const BUS_SUBJECTS: readonly BusSubject[] = ['alerts', 'flows'];

export interface BusMessage {
  readonly subject: BusSubject;
  /** The published value, decoded from JSON: treat as untrusted and check its shape. */
  readonly data: unknown;
  /** 1 on the first delivery, then 2, 3, ... on redeliveries. */
  readonly deliveryCount: number;
  /** Confirms the message is handled; resolves once the bus recorded it. */
  ack(): Promise<void>;
  /** Gives the message back for redelivery after `delayMs` (default: at once). */
  nak(delayMs?: number): void;
}

/**
 * Handles one message and calls `ack()` when its effects are durable. If the handler throws, the
 * message is nak'ed and comes again; if it neither acks nor throws, it comes again after the ack wait.
 */
export type BusHandler = (msg: BusMessage) => Promise<void>;

export interface SubscribeOptions {
  /** Redeliver a message not acknowledged within this many milliseconds. Default 30000. */
  ackWaitMs?: number;
  /** Messages handed to this subscriber at once (handlers run concurrently up to this). Default 64. */
  maxInFlight?: number;
}

export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_MAX_IN_FLIGHT = 64;

export interface PublishResult {
  /** True when the bus had already accepted a message with this dedup id (not stored again). */
  duplicate: boolean;
}

export interface BusSubscription {
  /** Stops taking messages and waits for running handlers; unacknowledged messages go back. */
  stop(): Promise<void>;
}

export interface BusStats {
  published: number;
  duplicates: number;
  delivered: number;
  redelivered: number;
  acked: number;
  naked: number;
  handlerErrors: number;
}

export interface Bus {
  readonly kind: 'memory' | 'nats';
  /**
   * Publishes `msg` (JSON-encoded). Resolves when the bus accepted it (for JetStream: stored in the
   * stream). `dedupId` identifies the content: a second publish with the same id is dropped.
   */
  publish(subject: BusSubject, msg: unknown, dedupId: string): Promise<PublishResult>;
  /**
   * Joins the durable consumer `durable` on `subject`. Subscribers sharing a durable name share the
   * work (each message goes to one of them); different durable names each see every message.
   */
  subscribe(subject: BusSubject, durable: string, handler: BusHandler, opts?: SubscribeOptions): Promise<BusSubscription>;
  stats(): BusStats;
  close(): Promise<void>;
}

export function emptyBusStats(): BusStats {
  return { published: 0, duplicates: 0, delivered: 0, redelivered: 0, acked: 0, naked: 0, handlerErrors: 0 };
}
