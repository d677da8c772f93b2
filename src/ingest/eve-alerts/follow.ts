// Line input from files: a bounded line splitter, a one-pass reader, and a follower that keeps
// reading a file as it grows (`tail -F`): when the file is replaced (rotation: a new inode at the
// path) it finishes the old one and starts the new one from its beginning; when it shrinks
// (truncation, `copytruncate`) it starts again from offset 0. Over-long lines are counted and
// skipped up to their LF, so memory per file stays at one line.

import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

/** Longest line kept, bytes; longer ones are reported through `oversize` and skipped. Default 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/** How often a followed file is checked for growth, rotation or truncation, milliseconds. */
export const DEFAULT_FOLLOW_POLL_MS = 250;
const READ_CHUNK_BYTES = 64 * 1024;

export interface LineSink {
  line(text: string, lineNo: number): void;
  oversize(lineNo: number): void;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private held = 0;
  private skipping = false;
  private lineNo = 0;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {}

  get heldBytes(): number {
    return this.held;
  }

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      const lf = chunk.indexOf(0x0a, i);
      const stop = lf < 0 ? chunk.length : lf;
      if (!this.skipping) {
        if (this.held + (stop - i) > this.maxLineBytes) {
          this.skipping = true;
          this.parts = [];
          this.held = 0;
        } else if (stop > i) {
          this.parts.push(chunk.subarray(i, stop));
          this.held += stop - i;
        }
      }
      if (lf < 0) {
        // Keep views only while the chunk is not reused: copy what outlives this call.
        if (!this.skipping && this.parts.length > 0) {
          const last = this.parts.length - 1;
          this.parts[last] = Buffer.from(this.parts[last] as Buffer);
        }
        return;
      }
      this.finishLine();
      i = lf + 1;
    }
  }

  /** End of input: a last line without LF still counts. */
  end(): void {
    if (this.held > 0 || this.skipping) this.finishLine();
  }

  /** Starts over (a new or truncated file): line numbers restart at 1. */
  reset(): void {
    this.parts = [];
    this.held = 0;
    this.skipping = false;
    this.lineNo = 0;
  }

  private finishLine(): void {
    this.lineNo++;
    if (this.skipping) {
      this.skipping = false;
      this.sink.oversize(this.lineNo);
      return;
    }
    const buf = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.held);
    this.parts = [];
    this.held = 0;
    let text = this.decoder.decode(buf);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    this.sink.line(text, this.lineNo);
  }
}

/** Reads a whole file once, line by line, with constant memory. Rejects if it cannot be read. */
export async function readLines(path: string, sink: LineSink, maxLineBytes = DEFAULT_MAX_LINE_BYTES): Promise<number> {
  const splitter = new LineSplitter(sink, maxLineBytes);
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) {
    const b = chunk as Buffer;
    bytes += b.length;
    splitter.push(b);
  }
  splitter.end();
  return bytes;
}

export interface FollowCounters {
  bytes: number;
  rotations: number;
  truncations: number;
  /** Polls that found no file at the path (between a rotation's rename and create). */
  missing_polls: number;
}

export interface FollowOptions {
  pollMs?: number;
  maxLineBytes?: number;
  /** Start at the end of the file (only new lines) instead of its beginning. */
  fromEnd?: boolean;
  /** Called after each rotation or truncation (line numbers restart). */
  onRestart?(reason: 'rotation' | 'truncation'): void;
}

export class FileFollower {
  readonly counters: FollowCounters = { bytes: 0, rotations: 0, truncations: 0, missing_polls: 0 };
  private stopped = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private readonly splitter: LineSplitter;
  private readonly buf = Buffer.alloc(READ_CHUNK_BYTES);

  constructor(
    private readonly path: string,
    sink: LineSink,
    private readonly opts: FollowOptions = {},
  ) {
    this.splitter = new LineSplitter(sink, opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }

  /** Starts following; rejects at once if the file cannot be opened. */
  async start(): Promise<void> {
    const fh = await open(this.path, 'r');
    const st = await fh.stat();
    const pos = this.opts.fromEnd ? st.size : 0;
    this.running = this.loop(fh, st.ino, pos);
  }

  /** Stops after the current read; resolves when the file is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async loop(first: FileHandle, firstIno: number, firstPos: number): Promise<void> {
    let fh = first;
    let ino = firstIno;
    let pos = firstPos;
    try {
      while (!this.stopped) {
        const { bytesRead } = await fh.read(this.buf, 0, this.buf.length, pos);
        if (bytesRead > 0) {
          pos += bytesRead;
          this.counters.bytes += bytesRead;
          // The splitter copies what it keeps, so the read buffer can be reused.
          this.splitter.push(this.buf.subarray(0, bytesRead));
          continue;
        }
        // At the end of what is there: has the file at the path changed?
        let st;
        try {
          st = await stat(this.path);
        } catch {
          this.counters.missing_polls++;
          await this.sleep();
          continue;
        }
        if (st.ino !== ino) {
          // Rotated: the old file is read to its end; its last unterminated line counts.
          this.splitter.end();
          this.splitter.reset();
          await fh.close();
          try {
            fh = await open(this.path, 'r');
          } catch {
            this.counters.missing_polls++;
            fh = await open('/dev/null', 'r');
            ino = -1;
            pos = 0;
            await this.sleep();
            continue;
          }
          ino = (await fh.stat()).ino;
          pos = 0;
          this.counters.rotations++;
          this.opts.onRestart?.('rotation');
          continue;
        }
        if (st.size < pos) {
          this.splitter.reset();
          pos = 0;
          this.counters.truncations++;
          this.opts.onRestart?.('truncation');
          continue;
        }
        await this.sleep();
      }
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, this.opts.pollMs ?? DEFAULT_FOLLOW_POLL_MS);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
