// `minerwatch scan FILE...|-` and `minerwatch scan --interface IF`: runs the sensor over captures
// (pcap, pcapng, gzip; '-' is stdin) or a live interface and writes EVE alerts (JSON lines) to
// stdout, or a table on a terminal; flow records as EVE flow lines with --flows; the packets of
// alerting flows with --alert-pcaps; counters with --stats. A damaged or unreadable input ends with
// exit code 2 and one line naming the file and byte offset, after every packet before the damage
// was processed and every flow ended. See docs/scan.md.

import { systemClock } from '../../util/clock.js';
import { tuneHeapForSensor } from '../../engine/heap.js';
import { closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { toEveLine } from '../../alerts/eve.js';
import type { Alert } from '../../alerts/types.js';
import { CaptureFormatError, type CapturedPacket } from '../../capture/types.js';
import { readCapture } from '../../capture/reader.js';
import { LIVE_TICK_MS, liveCapture } from '../../capture/live.js';
import { PcapWriter } from '../../capture/writer.js';
import { createMiningDetector, type NodeNotice } from '../../detect/detector.js';
import { defaultAnalysers } from '../../engine/analysers.js';
import { Engine } from '../../engine/engine.js';
import { Intel } from '../../intel/index.js';
import { eveTimestamp } from '../../util/clock.js';
import { UsageError, type CliIo } from '../io.js';

interface ScanOptions {
  interface?: string;
  bpf?: string;
  duration?: string;
  flows?: string;
  format?: string;
  alertPcaps?: string;
  stats?: boolean;
  notices?: boolean;
  sensor?: string;
  maxFlows?: string;
}

/** Output buffered and written synchronously: memory stays flat whatever the number of flows. */
class LineFile {
  private buf: string[] = [];
  private bytes = 0;
  constructor(private readonly fd: number) {}
  line(s: string): void {
    this.buf.push(s, '\n');
    this.bytes += s.length + 1;
    if (this.bytes >= 256 * 1024) this.flush();
  }
  flush(): void {
    if (this.buf.length === 0) return;
    const data = Buffer.from(this.buf.join(''), 'utf8');
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    this.buf = [];
    this.bytes = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** A capture name that is safe as a file name. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || 'alert';
}

function positiveInt(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive integer, not "${text}"`);
  return n;
}

function table(alerts: Alert[]): string {
  const rows = alerts.map((a) => [
    eveTimestamp(a.ts_us).slice(0, 19).replace('T', ' '),
    String(a.alert.severity),
    `${a.src_ip}:${a.src_port}`,
    `${a.dest_ip}:${a.dest_port}`,
    a.app_proto ?? '',
    a.alert.signature,
  ]);
  const head = ['time (UTC)', 'sev', 'source', 'destination', 'app', 'signature'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

export function registerScan(program: Command, io: CliIo): void {
  program
    .command('scan')
    .description('Detect mining traffic in captures (files, - for stdin) or on a live interface')
    .argument('[inputs...]', 'pcap or pcapng files (gzip allowed); - reads stdin')
    .option('-i, --interface <name>', 'capture live from this interface (tcpdump)')
    .option('--bpf <filter>', 'BPF filter for --interface')
    .option('--duration <seconds>', 'stop a live capture after this many seconds')
    .option('--flows <file>', 'write every flow record as an EVE flow JSON line to this file')
    .option('--format <format>', 'eve (JSON lines) or table; default: table on a terminal, eve otherwise')
    .option('--alert-pcaps <dir>', 'write the packets of each alert\'s flow to <dir>/<alert id>.pcap')
    .option('--stats', 'print the counters as JSON on stderr at the end')
    .option('--notices', 'also write cryptocurrency-node notices (event_type cryptocurrency_node) to stdout')
    .option('--sensor <name>', 'sensor name recorded in flow records and alert ids')
    .option('--max-flows <n>', 'flows held at once (maxFlows)')
    .action(async (inputs: string[], opts: ScanOptions) => {
      await scan(inputs, opts, io);
    });
}

async function scan(inputs: string[], opts: ScanOptions, io: CliIo): Promise<void> {
  tuneHeapForSensor();
  const format = opts.format ?? (io.isStdoutTty ? 'table' : 'eve');
  if (format !== 'eve' && format !== 'table') throw new UsageError(`--format must be eve or table, not "${format}"`);
  if (opts.interface === undefined && inputs.length === 0) throw new UsageError('scan: give capture files, - for stdin, or --interface');
  if (opts.interface !== undefined && inputs.length > 0) throw new UsageError('scan: give either capture files or --interface, not both');
  if (opts.bpf !== undefined && opts.interface === undefined) throw new UsageError('--bpf needs --interface');
  if (inputs.filter((i) => i === '-').length > 1) throw new UsageError('stdin (-) can be read once');
  const durationS = positiveInt(opts.duration, '--duration');
  const maxFlows = positiveInt(opts.maxFlows, '--max-flows');

  let flowsOut: LineFile | undefined;
  if (opts.flows !== undefined) {
    try {
      flowsOut = new LineFile(openSync(opts.flows, 'w'));
    } catch (e) {
      throw new UsageError(`cannot write ${opts.flows}: ${(e as Error).message}`);
    }
  }
  const pcapDir = opts.alertPcaps;
  if (pcapDir !== undefined) {
    try {
      mkdirSync(pcapDir, { recursive: true });
    } catch (e) {
      throw new UsageError(`cannot create ${pcapDir}: ${(e as Error).message}`);
    }
  }

  const alerts: Alert[] = [];
  // Called by the engine only, so after `engine` below is initialised.
  const onAlert = (alert: Alert): void => {
    if (pcapDir !== undefined && alert.flow_id !== undefined) engine.markFlowForCapture(alert.flow_id, fileSafe(alert.id));
    if (format === 'eve') io.stdout.write(`${toEveLine(alert)}\n`);
    else alerts.push(alert);
  };
  const onNotice = (n: NodeNotice): void => {
    if (opts.notices && format === 'eve') io.stdout.write(`${JSON.stringify({ timestamp: eveTimestamp(n.ts_us), ...n })}\n`);
  };
  const engine = new Engine({
    analysers: defaultAnalysers(),
    detector: createMiningDetector({ intel: new Intel(), onNotice, ...(opts.sensor !== undefined ? { sensor: opts.sensor } : {}) }),
    onAlert,
    onFlowEnd: flowsOut ? (end) => flowsOut.line(JSON.stringify(end.eve)) : undefined,
    flowTable: maxFlows !== undefined ? { maxFlows } : {},
    ...(opts.sensor !== undefined ? { observer: opts.sensor } : {}),
    ...(pcapDir !== undefined
      ? { alertCapture: { openWriter: (name: string, linkType: number) => PcapWriter.toFile(join(pcapDir, `${name}.pcap`), linkType) } }
      : {}),
  });
  const onPacket = (p: CapturedPacket): void => engine.processPacket(p);

  const errors: string[] = [];
  const stderrTty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  if (opts.interface !== undefined) {
    // Time passes on the host clock while no packet comes: idle flows end and held alerts go out.
    const tick = setInterval(() => engine.advanceTime(systemClock.nowUs()), LIVE_TICK_MS);
    try {
      await runLive(opts.interface, opts.bpf ?? '', durationS, onPacket, errors);
    } finally {
      clearInterval(tick);
    }
  } else {
    for (const input of inputs) {
      const progress = stderrTty ? new Progress(io, input) : undefined;
      try {
        await readCapture(input, progress ? (p) => (onPacket(p), progress.tick(p)) : onPacket, {
          name: input === '-' ? 'stdin' : input,
          stdin: io.stdin,
        });
      } catch (e) {
        if (e instanceof CaptureFormatError) errors.push(e.message);
        else errors.push(`${input === '-' ? 'stdin' : input}: byte offset 0: ${(e as Error).message}`);
      } finally {
        progress?.done();
      }
    }
  }
  engine.finish();
  flowsOut?.close();
  if (format === 'table') {
    io.stdout.write(alerts.length > 0 ? `${table(alerts)}\n` : '');
    const c = engine.counters();
    io.stdout.write(`${alerts.length} alert(s), ${c['flow.created'] ?? 0} flow(s), ${c.packets ?? 0} packet(s)\n`);
  }
  if (opts.stats) io.stderr.write(`${JSON.stringify(engine.counters(), null, 2)}\n`);
  if (errors.length > 0) {
    // Everything readable was processed and reported; the first damage is the exit reason.
    for (const e of errors.slice(0, -1)) io.stderr.write(`minerwatch: ${e}\n`);
    throw new UsageError(errors[errors.length - 1]!);
  }
}

async function runLive(
  iface: string,
  bpf: string,
  durationS: number | undefined,
  onPacket: (p: CapturedPacket) => void,
  errors: string[],
): Promise<void> {
  const live = liveCapture(iface, bpf, onPacket);
  const stop = () => live.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let timer: NodeJS.Timeout | undefined;
  try {
    await live.ready;
    if (durationS !== undefined) timer = setTimeout(stop, durationS * 1000);
    await live.done;
  } catch (e) {
    errors.push(e instanceof CaptureFormatError ? e.message : `${iface}: ${(e as Error).message}`);
    live.stop();
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** Progress on a terminal's stderr for long inputs: packets, bytes and share of the file read. */
class Progress {
  private nextAtMs = Date.now() + 1000;
  private packets = 0;
  private shown = false;
  private readonly size: number;
  constructor(
    private readonly io: CliIo,
    private readonly name: string,
  ) {
    let size = 0;
    try {
      if (name !== '-') size = statSync(name).size;
    } catch {
      size = 0;
    }
    this.size = size;
  }
  tick(p: CapturedPacket): void {
    this.packets++;
    if ((this.packets & 0x3fff) !== 0) return;
    const now = Date.now();
    if (now < this.nextAtMs) return;
    this.nextAtMs = now + 1000;
    const pct = this.size > 0 ? ` ${Math.min(100, (100 * p.fileOffset) / this.size).toFixed(0)}%` : '';
    this.io.stderr.write(`\r${this.name}: ${this.packets} packets${pct}   `);
    this.shown = true;
  }
  done(): void {
    if (this.shown) this.io.stderr.write(`\r${this.name}: ${this.packets} packets, done\n`);
  }
}
