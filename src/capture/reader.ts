// Reads a capture from a file, from stdin ('-') or from any readable stream, through the push
// parser, with gzip recognised by its magic bytes and inflated on the fly. One streaming pass:
// memory stays at the stream's chunk size plus the parser's carry buffer, whatever the input size.

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { CaptureLimits } from './limits.js';
import { CaptureParser, type CaptureSummary } from './parser.js';
import { CaptureFormatError, type CapturedPacket } from './types.js';

export interface ReadCaptureOptions {
  /** Name used in errors and the summary; defaults to the path, "-" or "stream". */
  name?: string;
  /** The stream '-' stands for; defaults to process.stdin (the CLI passes its injected stdin). */
  stdin?: Readable;
  limits?: Partial<CaptureLimits>;
  /** Read size for files, bytes. */
  chunkBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** Read size for uncompressed files (one buffer, reused). */
const DEFAULT_FILE_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads every packet of `source` (a path, '-' for stdin, or a stream) and calls `onPacket` for
 * each, in order. Resolves with the summary; rejects with CaptureFormatError (file name, byte
 * offset in the decompressed input, reason) once every packet before the damage was delivered.
 * The packet object is reused between calls (see CaptureParser).
 */
export async function readCapture(
  source: string | Readable,
  onPacket: (p: CapturedPacket) => void,
  opts: ReadCaptureOptions = {},
): Promise<CaptureSummary> {
  const name = opts.name ?? (typeof source === 'string' ? source : 'stream');
  let input: Readable;
  if (typeof source !== 'string') input = source;
  else if (source === '-') input = opts.stdin ?? process.stdin;
  else {
    const parser = new CaptureParser(name, onPacket, opts.limits);
    if (await readPlainFile(source, parser, opts.chunkBytes ?? DEFAULT_FILE_CHUNK_BYTES)) return parser.end();
    input = createReadStream(source, { highWaterMark: opts.chunkBytes ?? DEFAULT_CHUNK_BYTES });
    await feed(input, parser);
    return parser.end();
  }
  const parser = new CaptureParser(name, onPacket, opts.limits);
  await feed(input, parser);
  return parser.end();
}

/**
 * An uncompressed capture file is read into one buffer, reused for every chunk: the parser
 * consumes each chunk before the next read (packets are views valid only during `onPacket`, and
 * a record cut by the chunk's end goes to the parser's carry). Returns false, having read
 * nothing into the parser, when the file starts with the gzip magic (the stream path inflates it).
 */
async function readPlainFile(path: string, parser: CaptureParser, chunkBytes: number): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    // Pipes and devices go through the stream path (they cannot be read twice).
    if (!(await fh.stat()).isFile()) return false;
    const buf = new Uint8Array(Math.max(64 * 1024, chunkBytes));
    let first = true;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return true;
      if (first) {
        first = false;
        if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return false;
      }
      parser.push(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}

/** Feeds a stream into a parser, inflating it first when it starts with the gzip magic (1f 8b). */
export async function feed(input: Readable, parser: CaptureParser): Promise<void> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  let head: Uint8Array = new Uint8Array(0);
  let ended = false;
  while (head.length < 2) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head = head.length === 0 ? toBytes(r.value) : Buffer.concat([head, toBytes(r.value)]);
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield toBytes(r.value);
    }
  }
  try {
    if (head[0] === 0x1f && head[1] === 0x8b) {
      await pipeline(Readable.from(all()), createGunzip(), async (src: AsyncIterable<Buffer>) => {
        for await (const c of src) parser.push(c);
      });
    } else {
      for await (const c of all()) parser.push(c);
    }
  } catch (e) {
    if (!input.destroyed) input.destroy();
    if (e instanceof CaptureFormatError) throw e;
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new CaptureFormatError(parser.source, parser.bytesConsumed, `gzip: ${(e as Error).message}`);
    }
    throw e;
  }
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  throw new TypeError('capture stream yielded a non-byte chunk');
}
