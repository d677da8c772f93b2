// `minerwatch ingest`: imports alerts and flow records that firewalls and IDSs already produce.
// Files of PAN-OS THREAT or TRAFFIC logs (CSV bodies, bare or with their syslog header), Suricata
// EVE alerts, or webhook JSON, read once or followed as they grow (--follow); and a syslog
// receiver (--syslog) for PAN-OS server profiles. Mining alerts go to the store (--db) or, without
// one, to stdout as EVE lines, and to any outputs asked for (syslog, webhook, ECS file); flows to
// the store or stdout as JSON lines. Bad lines are reported as FILE:LINE: reason on stderr and
// counted; the valid lines around them are still imported.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { toEveLine } from '../../alerts/eve.js';
import type { Alert } from '../../alerts/types.js';
import type { FlowRecord } from '../../flows/types.js';
import { FileFollower, parseEveAlertLine, readLines, type LineSink } from '../../ingest/eve-alerts/index.js';
import { PanosIngest } from '../../ingest/panos/index.js';
import { parseListenList, parseSyslog, startSyslogIngest, StoreWriter, type SyslogIngest } from '../../ingest/syslog/index.js';
import { parseWebhookDocument, WebhookReceiver } from '../../ingest/webhook/index.js';
import { EcsFileWriter, SyslogSender, WebhookSender } from '../../output/index.js';
import { openStore, type Store } from '../../store/index.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { UsageError, type CliIo } from '../io.js';

export const INGEST_FORMATS = ['panos-threat', 'panos-traffic', 'eve', 'webhook-json'] as const;
export type IngestFormat = (typeof INGEST_FORMATS)[number];

/** Bad lines reported one by one per file; the rest only in the counts. */
const MAX_REPORTED_BAD_LINES = 20;

export interface IngestOpts {
  format?: string;
  db?: string;
  follow?: boolean;
  tzOffset?: string;
  syslog?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  forwardSyslog?: string;
  forwardFormat?: string;
  forwardCa?: string;
  forwardWebhook?: string;
  deadLetter?: string;
  ecsOut?: string;
  webhookListen?: string;
  webhookTokens?: string;
}

export interface FileCounts {
  lines: number;
  alerts: number;
  flows: number;
  skipped: Record<string, number>;
  bad: Record<string, number>;
}

/**
 * Turns lines of one format into Alerts and FlowRecords, counting every outcome; `report` hears
 * about each bad line (with its reason) so the caller can name FILE:LINE.
 */
export class LineImporter {
  readonly counts: FileCounts = { lines: 0, alerts: 0, flows: 0, skipped: {}, bad: {} };
  private readonly panos: PanosIngest;

  constructor(
    private readonly format: IngestFormat,
    private readonly sinks: { onAlert(a: Alert): void; onFlow(f: FlowRecord): void },
    private readonly report: (lineNo: number, reason: string) => void,
    private readonly clock: Clock,
    private readonly tzOffsetMinutes = 0,
  ) {
    this.panos = new PanosIngest(
      {
        onAlert: (a) => {
          this.counts.alerts++;
          sinks.onAlert(a);
        },
        onFlow: (f) => {
          this.counts.flows++;
          sinks.onFlow(f);
        },
      },
      { tzOffsetMinutes },
    );
  }

  line(text: string, lineNo: number): void {
    this.counts.lines++;
    if (text.trim() === '') return this.skip('empty_line');
    switch (this.format) {
      case 'panos-threat':
      case 'panos-traffic':
        return this.panosLine(text, lineNo);
      case 'eve': {
        const r = parseEveAlertLine(text);
        if (r.alert) {
          this.counts.alerts++;
          this.sinks.onAlert(r.alert);
        } else if (r.skipped) this.skip(r.skipped);
        else this.bad(lineNo, r.error ?? 'bad_json', r.detail);
        return;
      }
      case 'webhook-json':
        for (const item of parseWebhookDocument(text)) {
          if (item.alert) {
            this.counts.alerts++;
            this.sinks.onAlert(item.alert);
          } else this.bad(lineNo, item.error ?? 'bad_json', `alert ${item.index}${item.detail ? `: ${item.detail}` : ''}`);
        }
        return;
    }
  }

  oversize(lineNo: number): void {
    this.counts.lines++;
    this.bad(lineNo, 'line_too_long');
  }

  private panosLine(text: string, lineNo: number): void {
    let body = text;
    // Syslog archives keep the header: `<14>Nov 27 10:15:02 PA-220 1,2026/...`.
    if (body.startsWith('<')) {
      const s = parseSyslog(body, { receivedUs: this.clock.nowUs(), tzOffsetMinutes: this.tzOffsetMinutes });
      if (s.error) return this.bad(lineNo, `syslog_${s.error}`);
      body = s.message.msg;
    }
    // Web-interface CSV exports open with a header row.
    if (lineNo === 1 && /(^|,)Receive Time(,|$)/.test(body)) return this.skip('header');
    const outcome = this.panos.handle(body, this.format === 'panos-threat' ? 'THREAT' : 'TRAFFIC');
    if (outcome === 'alert' || outcome === 'flow') return;
    if (outcome === 'threat_not_mining' || outcome === 'traffic_start_skipped') return this.skip(outcome);
    this.bad(lineNo, outcome);
  }

  private skip(reason: string): void {
    this.counts.skipped[reason] = (this.counts.skipped[reason] ?? 0) + 1;
  }

  private bad(lineNo: number, reason: string, detail?: string): void {
    this.counts.bad[reason] = (this.counts.bad[reason] ?? 0) + 1;
    this.report(lineNo, detail ? `${reason} (${detail})` : reason);
  }
}

export function registerIngest(program: Command, io: CliIo): void {
  program
    .command('ingest')
    .description('import PAN-OS, Suricata EVE or webhook alerts and PAN-OS flows from files, or receive PAN-OS syslog')
    .argument('[files...]', 'files to import')
    .option('--format <format>', `file format: ${INGEST_FORMATS.join(', ')}`)
    .option('--db <spec>', 'store: SQLite file path or postgres:// URL (default: write to stdout)')
    .option('--follow', 'keep reading the files as they grow, across rotation and truncation (until interrupted)')
    .option('--tz-offset <minutes>', "offset of the firewall's local time from UTC in minutes (PAN-OS times carry no zone)", '0')
    .option('--syslog <list>', 'receive PAN-OS syslog on udp://HOST:PORT,tcp://HOST:PORT,tls://HOST:PORT (until interrupted)')
    .option('--tls-cert <file>', 'PEM certificate for tls:// listeners')
    .option('--tls-key <file>', 'PEM private key for tls:// listeners')
    .option('--tls-client-ca <file>', 'require senders on tls:// to present a certificate signed by this PEM CA')
    .option('--webhook-listen <host:port>', 'receive webhook JSON alerts on http://HOST:PORT/alerts (until interrupted)')
    .option('--webhook-tokens <file>', 'file of bearer tokens (one per line) allowed to post to --webhook-listen')
    .option('--forward-syslog <url>', 'also forward alerts to a syslog collector: udp://, tcp:// or tls://HOST:PORT')
    .option('--forward-format <format>', 'body of forwarded syslog messages: json or cef', 'json')
    .option('--forward-ca <file>', 'PEM CA trusted for a tls:// collector')
    .option('--forward-webhook <url>', 'also POST alerts to this webhook (needs --dead-letter)')
    .option('--dead-letter <file>', 'JSON lines file for alerts the webhook could not take')
    .option('--ecs-out <file>', 'also append alerts as ECS JSON lines to this file')
    .action(async (files: string[], opts: IngestOpts) => {
      io.exitCode = await runIngest(files, opts, io, systemClock);
    });
}

/**
 * Runs an import; with --follow, --syslog or --webhook-listen it keeps running until `stop`
 * resolves (SIGINT or SIGTERM from the command line). Resolves with the exit code.
 */
export async function runIngest(
  files: string[],
  opts: IngestOpts,
  io: CliIo,
  clock: Clock,
  stop: () => Promise<void> = untilInterrupted,
  onListening?: (where: { syslog: { transport: string; port: number }[]; webhookPort?: number }) => void,
): Promise<number> {
  if (files.length === 0 && !opts.syslog && !opts.webhookListen) throw new UsageError('ingest needs FILE..., --syslog or --webhook-listen');
  const webhook = opts.webhookListen ? webhookReceiverOptions(opts) : undefined;
  let format: IngestFormat | undefined;
  if (files.length > 0) {
    if (!opts.format) throw new UsageError(`--format is required with files (${INGEST_FORMATS.join(', ')})`);
    if (!(INGEST_FORMATS as readonly string[]).includes(opts.format)) {
      throw new UsageError(`unknown --format "${opts.format}" (${INGEST_FORMATS.join(', ')})`);
    }
    format = opts.format as IngestFormat;
  }
  const tz = Number(opts.tzOffset ?? '0');
  if (!Number.isInteger(tz) || Math.abs(tz) > 24 * 60) throw new UsageError(`bad --tz-offset "${opts.tzOffset}"`);
  let listen;
  let tls: { cert: Buffer; key: Buffer; ca?: Buffer; requireClientCert?: boolean } | undefined;
  if (opts.syslog) {
    try {
      listen = parseListenList(opts.syslog);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (listen.some((l) => l.transport === 'tls')) {
      if (!opts.tlsCert || !opts.tlsKey) throw new UsageError('tls:// listeners need --tls-cert and --tls-key');
      try {
        tls = { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey) };
        if (opts.tlsClientCa) tls = { ...tls, ca: readFileSync(opts.tlsClientCa), requireClientCert: true };
      } catch (err) {
        throw new UsageError(`cannot read TLS certificate or key: ${(err as Error).message}`);
      }
    }
  }

  const outputs = makeOutputs(opts, clock);
  let store: Store | undefined;
  if (opts.db) {
    try {
      store = await openStore(opts.db);
    } catch (err) {
      throw new UsageError(`cannot open store ${opts.db}: ${(err as Error).message}`);
    }
  }
  const writer = store ? new StoreWriter(store, clock) : undefined;
  const sinks = {
    onAlert: (a: Alert): void => {
      if (writer) writer.addAlert(a);
      else io.stdout.write(`${toEveLine(a)}\n`);
      outputs.syslog?.send(a);
      outputs.webhook?.send(a);
      outputs.ecs?.write(a);
    },
    onFlow: (f: FlowRecord): void => {
      if (writer) writer.addFlow(f);
      else io.stdout.write(`${JSON.stringify({ event_type: 'flow', ...f })}\n`);
    },
  };

  const importers: { file: string; imp: LineImporter }[] = [];
  const followers: FileFollower[] = [];
  let syslog: SyslogIngest | undefined;
  let hookRx: WebhookReceiver | undefined;
  let webhookPort = 0;
  try {
    for (const file of files) {
      let reported = 0;
      const imp = new LineImporter(
        format as IngestFormat,
        sinks,
        (lineNo, reason) => {
          if (reported++ < MAX_REPORTED_BAD_LINES) io.stderr.write(`${file}:${lineNo}: ${reason}\n`);
        },
        clock,
        tz,
      );
      importers.push({ file, imp });
      const sink: LineSink = { line: (t, n) => imp.line(t, n), oversize: (n) => imp.oversize(n) };
      if (opts.follow) {
        const f = new FileFollower(file, sink, { onRestart: (why) => io.stderr.write(`${file}: ${why}, reading from the start\n`) });
        try {
          await f.start();
        } catch (err) {
          throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
        }
        followers.push(f);
      } else {
        try {
          await readLines(file, sink);
        } catch (err) {
          throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
        }
      }
    }
    if (listen) {
      syslog = await startSyslogIngest({ listen, tls, clock, tzOffsetMinutes: tz, onAlert: sinks.onAlert, onFlow: sinks.onFlow });
      for (const b of syslog.bound) io.stderr.write(`listening for syslog on ${b.transport}://${b.host}:${b.port}\n`);
    }
    if (webhook) {
      hookRx = new WebhookReceiver({ ...webhook, onAlert: sinks.onAlert });
      let b;
      try {
        b = await hookRx.start();
      } catch (err) {
        throw new UsageError(`cannot listen on ${opts.webhookListen}: ${(err as Error).message}`);
      }
      webhookPort = b.port;
      io.stderr.write(`listening for webhook alerts on http://${b.host}:${b.port}/alerts\n`);
    }
    onListening?.({ syslog: syslog?.bound ?? [], webhookPort: hookRx ? webhookPort : undefined });
    if (followers.length > 0 || syslog || hookRx) await stop();
  } finally {
    await hookRx?.close();
    await Promise.all(followers.map((f) => f.stop()));
    await syslog?.close();
    await writer?.flush();
    await store?.close();
    await outputs.syslog?.close();
    await outputs.webhook?.flush();
    await outputs.ecs?.close();
  }

  for (const { file, imp } of importers) io.stderr.write(`${file}: ${summary(imp.counts)}\n`);
  if (hookRx) io.stderr.write(`webhook: ${JSON.stringify(hookRx.counters)}\n`);
  if (syslog) io.stderr.write(`syslog: ${JSON.stringify({ receiver: syslog.receiver.counters, panos: syslog.panos.counters })}\n`);
  if (outputs.syslog) io.stderr.write(`forward syslog: ${JSON.stringify(outputs.syslog.counters)}\n`);
  if (outputs.webhook) io.stderr.write(`forward webhook: ${JSON.stringify(outputs.webhook.counters)}\n`);
  if (outputs.ecs) io.stderr.write(`ecs: ${outputs.ecs.written} alerts written${outputs.ecs.errors ? `, ${outputs.ecs.errors} write errors` : ''}\n`);
  if (writer) {
    const w = writer.counters;
    io.stderr.write(`store: ${w.alerts_new} new alerts, ${w.flows_new} new flows` +
      `${w.write_errors ? `, ${w.write_errors} failed writes (${w.records_lost_write_error} records lost: ${w.last_error})` : ''}\n`);
    if (w.write_errors) return 1;
  }
  return 0;
}

/** Listener address and token check for --webhook-listen; tokens are compared as SHA-256 digests in constant time. */
function webhookReceiverOptions(opts: IngestOpts): { host: string; port: number; authorize(token: string): boolean } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(opts.webhookListen ?? '');
  if (!m || Number(m[2]) > 65535) throw new UsageError(`bad --webhook-listen "${opts.webhookListen}" (HOST:PORT)`);
  if (!opts.webhookTokens) throw new UsageError('--webhook-listen needs --webhook-tokens FILE');
  let text: string;
  try {
    text = readFileSync(opts.webhookTokens, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${opts.webhookTokens}: ${(err as Error).message}`);
  }
  const digest = (t: string): Buffer => createHash('sha256').update(t).digest();
  const allowed = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map(digest);
  if (allowed.length === 0) throw new UsageError(`no tokens in ${opts.webhookTokens}`);
  return {
    host: (m[1] as string).replace(/^\[|\]$/g, ''),
    port: Number(m[2]),
    authorize: (token) => {
      const d = digest(token);
      let ok = false;
      for (const a of allowed) ok = timingSafeEqual(a, d) || ok;
      return ok;
    },
  };
}

interface Outputs {
  syslog?: SyslogSender;
  webhook?: WebhookSender;
  ecs?: EcsFileWriter;
}

function makeOutputs(opts: IngestOpts, clock: Clock): Outputs {
  const out: Outputs = {};
  if (opts.forwardSyslog) {
    const format = opts.forwardFormat ?? 'json';
    if (format !== 'json' && format !== 'cef') throw new UsageError(`bad --forward-format "${format}" (json or cef)`);
    let ca: Buffer | undefined;
    if (opts.forwardCa) {
      try {
        ca = readFileSync(opts.forwardCa);
      } catch (err) {
        throw new UsageError(`cannot read ${opts.forwardCa}: ${(err as Error).message}`);
      }
    }
    try {
      out.syslog = new SyslogSender({ url: opts.forwardSyslog, format, hostname: hostname(), ca });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (opts.forwardWebhook) {
    if (!opts.deadLetter) throw new UsageError('--forward-webhook needs --dead-letter FILE');
    try {
      out.webhook = new WebhookSender({ url: opts.forwardWebhook, deadLetterPath: opts.deadLetter, clock });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (opts.ecsOut) out.ecs = new EcsFileWriter(opts.ecsOut);
  return out;
}

function summary(c: FileCounts): string {
  const parts = [`${c.lines} lines`, `${c.alerts} alerts`, `${c.flows} flows`];
  const skipped = Object.entries(c.skipped).map(([k, v]) => `${k} ${v}`);
  const bad = Object.entries(c.bad).map(([k, v]) => `${k} ${v}`);
  if (skipped.length) parts.push(`skipped: ${skipped.join(', ')}`);
  if (bad.length) parts.push(`bad: ${bad.join(', ')}`);
  return parts.join(', ');
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
