// Forwards alerts to a webhook: one HTTP POST per alert with a JSON body (the EVE alert, or ECS).
// Delivery is at least once: 5xx, 429 and network errors are retried with exponential backoff;
// after maxAttempts, or at once on other 4xx answers, the alert goes to a dead-letter file (JSON
// lines with the reason) for replay. The queue is bounded: when it is full the alert spills to the
// dead-letter file. Nothing is dropped silently; every path has a counter. Sleep is injected.

import { appendFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { toEcs } from '../alerts/ecs.js';
import { toEve } from '../alerts/eve.js';
import type { Alert } from '../alerts/types.js';
import type { Clock } from '../util/clock.js';
import { eveTimestamp } from '../util/clock.js';

export interface WebhookOptions {
  url: string;
  /** Body format: the EVE alert object (default) or its ECS mapping. */
  body?: 'eve' | 'ecs';
  /** Extra headers (for example Authorization); never logged or written to the dead-letter file. */
  headers?: Record<string, string>;
  deadLetterPath: string;
  /** Attempts per alert before it is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry, milliseconds, doubling each time up to maxDelayMs. Default 500. */
  baseDelayMs?: number;
  /** Default 30,000. */
  maxDelayMs?: number;
  /** Per-request timeout, milliseconds. Default 10,000. */
  timeoutMs?: number;
  /** Alerts waiting for delivery; more spill to the dead-letter file. Default 10,000. */
  maxQueue?: number;
  ca?: string | Buffer;
  insecure?: boolean;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
}

export interface WebhookCounters {
  sent: number;
  attempts: number;
  retries: number;
  dead_lettered: number;
  queue_full: number;
  dead_letter_write_errors: number;
}

export interface DeadLetter {
  dead_lettered_at: string;
  reason: string;
  attempts: number;
  last_status?: number;
  alert: Alert;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class WebhookSender {
  readonly counters: WebhookCounters = { sent: 0, attempts: 0, retries: 0, dead_lettered: 0, queue_full: 0, dead_letter_write_errors: 0 };
  private readonly queue: Alert[] = [];
  private readonly url: URL;
  private pumping: Promise<void> | undefined;

  constructor(private readonly opts: WebhookOptions) {
    this.url = new URL(opts.url);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new Error(`webhook URL must be http(s): ${opts.url}`);
  }

  get queued(): number {
    return this.queue.length;
  }

  send(alert: Alert): void {
    if (this.queue.length >= (this.opts.maxQueue ?? 10_000)) {
      this.counters.queue_full++;
      this.deadLetter(alert, 'queue_full', 0);
      return;
    }
    this.queue.push(alert);
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Resolves when every queued alert was delivered or dead-lettered. */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const alert = this.queue.shift() as Alert;
      await this.deliver(alert);
    }
  }

  private async deliver(alert: Alert): Promise<void> {
    const max = this.opts.maxAttempts ?? 5;
    const body = JSON.stringify(this.opts.body === 'ecs' ? toEcs(alert) : toEve(alert));
    let lastStatus: number | undefined;
    let lastReason = '';
    for (let attempt = 1; attempt <= max; attempt++) {
      this.counters.attempts++;
      const r = await this.post(body);
      if (r.status !== undefined && r.status >= 200 && r.status < 300) {
        this.counters.sent++;
        return;
      }
      lastStatus = r.status;
      lastReason = r.status !== undefined ? `http_${r.status}` : `network: ${r.error ?? 'error'}`;
      // Client errors other than 408/429 will not succeed on retry: the request itself is refused.
      if (r.status !== undefined && r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
        this.deadLetter(alert, lastReason, attempt, lastStatus);
        return;
      }
      if (attempt < max) {
        this.counters.retries++;
        const base = this.opts.baseDelayMs ?? 500;
        await (this.opts.sleep ?? defaultSleep)(Math.min(base * 2 ** (attempt - 1), this.opts.maxDelayMs ?? 30_000));
      }
    }
    this.deadLetter(alert, lastReason, max, lastStatus);
  }

  private post(body: string): Promise<{ status?: number; error?: string }> {
    const isHttps = this.url.protocol === 'https:';
    const req = isHttps ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const r = req(
        this.url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...this.opts.headers },
          timeout: this.opts.timeoutMs ?? 10_000,
          ...(isHttps ? { ca: this.opts.ca, rejectUnauthorized: !this.opts.insecure } : {}),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode }));
          res.on('error', (e) => resolve({ error: e.message }));
        },
      );
      r.on('timeout', () => r.destroy(new Error('timeout')));
      r.on('error', (e) => resolve({ error: e.message }));
      r.end(body);
    });
  }

  private deadLetter(alert: Alert, reason: string, attempts: number, lastStatus?: number): void {
    const rec: DeadLetter = { dead_lettered_at: eveTimestamp(this.opts.clock.nowUs()), reason, attempts, alert };
    if (lastStatus !== undefined) rec.last_status = lastStatus;
    try {
      appendFileSync(this.opts.deadLetterPath, `${JSON.stringify(rec)}\n`);
      this.counters.dead_lettered++;
    } catch {
      this.counters.dead_letter_write_errors++;
    }
  }
}
