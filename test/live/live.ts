// Shared pieces of the live end-to-end tests: the built CLI's path, a line reader over a child's
// stdout that stamps each line with the wall time it arrived, and a wait for the sensor's tcpdump
// to start listening inside the client namespace.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The installed entry point; it runs the compiled CLI from dist/ (`npm run build`). */
export const CLI = fileURLToPath(new URL('../../bin/minerwatch', import.meta.url));

export interface StampedLine {
  text: string;
  /** Wall time the line was read, microseconds since the epoch (the clock tcpdump stamps packets with). */
  readUs: number;
}

/** Collects a stream's lines as they arrive, each with the wall time it was read. */
export class LineLog {
  readonly lines: StampedLine[] = [];
  private partial = '';
  private waiters: (() => void)[] = [];

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const readUs = Date.now() * 1000;
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      for (const text of parts) if (text.length > 0) this.lines.push({ text, readUs });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves with the first line matching `pred`, or undefined after `timeoutMs`. */
  async waitFor(pred: (line: StampedLine) => boolean, timeoutMs: number): Promise<StampedLine | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  text(): string {
    return this.lines.map((l) => l.text).join('\n') + this.partial;
  }
}

/** Child process ids of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Waits until the process `pid` runs tcpdump, then a settle time for tcpdump to open the interface
 * (the CLI keeps tcpdump's "listening on" to itself). Throws after `timeoutMs`.
 */
export async function waitForTcpdump(pid: number, timeoutMs: number, settleMs = 1500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (commandOf(pid) === '') throw new Error(`process ${pid} ended before starting tcpdump`);
    if (childrenOf(pid).some((c) => commandOf(c) === 'tcpdump')) {
      await new Promise((r) => setTimeout(r, settleMs));
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no tcpdump under process ${pid} after ${timeoutMs} ms`);
}

/** Resolves with the exit code (or signal name) once `child` has ended; at most `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs: number): Promise<number | string | undefined> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve(code ?? signal ?? undefined);
    });
  });
}

/** Ends `child` for certain: SIGTERM, then SIGKILL if it is still there after a grace time. */
export async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if ((await exited(child, 3000)) === undefined) {
    child.kill('SIGKILL');
    await exited(child, 3000);
  }
}
