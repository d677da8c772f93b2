// An HTTP endpoint for webhook alerts: `POST /alerts` with a JSON document (parser.ts shapes).
// Senders authenticate with `Authorization: Bearer TOKEN`, checked by an injected function (the
// composition root passes the store's API tokens). Bodies are bounded (maxBodyBytes); the answer
// says per item what was accepted or why not (202 Accepted, or 400/401/404/405/413/415).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Alert } from '../../alerts/types.js';
import { parseWebhookDocument } from './parser.js';

/** Largest request body, bytes. Default 1 MiB. */
export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookReceiverOptions {
  host: string;
  port: number;
  path?: string;
  maxBodyBytes?: number;
  /** True when the bearer token may post alerts. */
  authorize(token: string): boolean | Promise<boolean>;
  onAlert(alert: Alert): void;
}

export interface WebhookReceiverCounters {
  requests: number;
  alerts: number;
  items_rejected: number;
  unauthorized: number;
  too_large: number;
  bad_request: number;
}

export class WebhookReceiver {
  readonly counters: WebhookReceiverCounters = { requests: 0, alerts: 0, items_rejected: 0, unauthorized: 0, too_large: 0, bad_request: 0 };
  private server: Server | undefined;

  constructor(private readonly opts: WebhookReceiverOptions) {}

  async start(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => void this.handle(req, res));
    // Slow senders cannot hold a request open forever.
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const a = server.address();
    return { host: this.opts.host, port: typeof a === 'object' && a ? a.port : this.opts.port };
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.requests++;
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0];
    if (path !== (this.opts.path ?? '/alerts')) return reply(404, { error: 'not_found' });
    if (req.method !== 'POST') return reply(405, { error: 'method_not_allowed' });
    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!auth || !(await this.opts.authorize(auth[1] as string))) {
      this.counters.unauthorized++;
      req.resume();
      return reply(401, { error: 'unauthorized' });
    }
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      this.counters.bad_request++;
      req.resume();
      return reply(415, { error: 'content_type_must_be_application_json' });
    }
    const max = this.opts.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      this.counters.too_large++;
      req.resume();
      return reply(413, { error: 'body_too_large', max_bytes: max });
    }
    const parts: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > max) {
        tooLarge = true;
        break;
      }
      parts.push(chunk as Buffer);
    }
    if (tooLarge) {
      this.counters.too_large++;
      res.setHeader('connection', 'close');
      return reply(413, { error: 'body_too_large', max_bytes: max });
    }
    const items = parseWebhookDocument(Buffer.concat(parts).toString('utf8'));
    const errors: { index: number; error: string; detail?: string }[] = [];
    let accepted = 0;
    for (const it of items) {
      if (it.alert) {
        accepted++;
        this.counters.alerts++;
        this.opts.onAlert(it.alert);
      } else {
        this.counters.items_rejected++;
        errors.push({ index: it.index, error: it.error ?? 'bad_json', ...(it.detail ? { detail: it.detail } : {}) });
      }
    }
    if (accepted === 0) {
      this.counters.bad_request++;
      return reply(400, { accepted, errors });
    }
    reply(202, { accepted, errors });
  }
}
