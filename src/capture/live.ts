// Live capture: runs `tcpdump -i IF -U -w - [filter]` and reads its stdout with the same parser
// as files. tcpdump keeps the privileges and the BPF compiler; we read a pcap stream (-U flushes
// each packet so the stream is never held back by stdio buffering).

import { spawn } from 'node:child_process';
import type { CaptureLimits } from './limits.js';
import { CaptureParser, type CaptureSummary } from './parser.js';
import { feed } from './reader.js';
import type { CapturedPacket } from './types.js';

/** How often a live sensor moves packet time on by the host clock (idle flows end, held alerts go out). */
export const LIVE_TICK_MS = 1000;

export interface LiveCaptureOptions {
  /** tcpdump executable; defaults to "tcpdump" on PATH. */
  tcpdumpPath?: string;
  /** Bytes kept of each packet (-s); tcpdump's default (262144) when absent. */
  snaplen?: number;
  limits?: Partial<CaptureLimits>;
}

export interface LiveCapture {
  /** Resolves once tcpdump says it is listening (packets sent after that are seen). */
  readonly ready: Promise<void>;
  /** Resolves with the summary after `stop()` (or when tcpdump ends); rejects when tcpdump fails. */
  readonly done: Promise<CaptureSummary>;
  /** Asks tcpdump to finish (SIGTERM); it flushes what it captured first. */
  stop(): void;
  readonly pid: number | undefined;
}

export function liveCapture(
  iface: string,
  bpf: string,
  onPacket: (p: CapturedPacket) => void,
  opts: LiveCaptureOptions = {},
): LiveCapture {
  const args = ['-i', iface, '-U', '-n', '-w', '-'];
  if (opts.snaplen !== undefined) args.push('-s', String(opts.snaplen));
  if (bpf.trim() !== '') args.push(bpf);
  const child = spawn(opts.tcpdumpPath ?? 'tcpdump', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stopped = false;
  let onReady: () => void = () => undefined;
  let onNotReady: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onNotReady = reject;
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    // Keep only the tail: tcpdump prints little, but a long run must not grow this.
    stderr = (stderr + s).slice(-4096);
    if (stderr.includes('listening on')) onReady();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (e) => {
      onNotReady(e);
      reject(e);
    });
    child.once('close', (code, signal) => {
      onNotReady(new Error(`tcpdump ended before listening: ${stderr.trim()}`));
      resolve(signal !== null && stopped ? 0 : code);
    });
  });
  const name = `tcpdump -i ${iface}`;
  const parser = new CaptureParser(name, onPacket, opts.limits);
  const done = (async () => {
    let readError: unknown;
    try {
      await feed(child.stdout, parser);
    } catch (e) {
      readError = e;
    }
    const code = await exited;
    if (code !== 0 && !stopped) throw new Error(`${name} exited with ${code}: ${stderr.trim()}`);
    if (readError !== undefined) throw readError;
    return parser.end();
  })();
  ready.catch(() => undefined);
  return {
    ready,
    done,
    pid: child.pid,
    stop() {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
