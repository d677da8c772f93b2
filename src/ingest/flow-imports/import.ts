// Imports flow files into the store: streams each file line by line (bounded line length), hands
// lines to the format's parser, pairs one-direction records, and writes FlowRecords in batches.
// A bad line is counted with its file:line and reason; the valid lines around it still go in.

import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { FlowRecord } from '../../flows/types.js';
import type { Store } from '../../store/types.js';
import { newCounters } from '../netflow/counters.js';
import { FlowPairer, hash64 } from '../netflow/pairing.js';
import { MAX_RECORD_TIME_US, type UniFlow } from '../netflow/record.js';
import { parsePanosTraffic } from '../panos/parser.js';
import { EveFlowParser } from './eve-flow.js';
import { NfdumpCsvParser } from './nfdump-csv.js';
import type { ImportFormat, ImportOptions, LineParser, LineResult } from './types.js';
import { ZeekConnParser } from './zeek-conn.js';

/** Longest line accepted (bytes); longer ones are dropped whole and counted. Default 1 MiB. */
export const MAX_IMPORT_LINE_BYTES = 1024 * 1024;
/** Bad lines reported by file:line (count); all of them are counted by reason. */
export const MAX_BAD_LINE_EXAMPLES = 100;
/**
 * Identical records in one import (same 5-tuple, times and counts: nfdump CSV has whole seconds,
 * so two one-packet DNS queries in a second look the same) get an occurrence number in their id;
 * ids are remembered for this many recent records (count).
 */
export const MAX_RECENT_IDS = 100_000;
/** Records per store write (count). */
export const IMPORT_BATCH_SIZE = 2_000;

export interface ImportResult {
  files: number;
  lines: number;
  /** FlowRecords written (after pairing). */
  records: number;
  /** Of those, how many the store did not have yet. */
  stored: number;
  skipped: Record<string, number>;
  bad: number;
  badByReason: Record<string, number>;
  /** "file:line reason", the first MAX_BAD_LINE_EXAMPLES. */
  badExamples: string[];
}

export function parserFor(format: ImportFormat, opts: ImportOptions = {}): LineParser {
  switch (format) {
    case 'zeek-conn':
      return new ZeekConnParser();
    case 'eve':
      return new EveFlowParser();
    case 'nfdump-csv':
      return new NfdumpCsvParser(opts);
    case 'panos-traffic':
      return new PanosTrafficLineParser(opts);
  }
}

/** PAN-OS TRAFFIC CSV lines, parsed by the PAN-OS parser; a web-export header line is skipped. */
class PanosTrafficLineParser implements LineParser {
  private first = true;
  constructor(private readonly opts: ImportOptions) {}
  line(text: string): LineResult {
    const isFirst = this.first;
    this.first = false;
    if (text.trim() === '') return { skip: 'empty' };
    const r = parsePanosTraffic(text, { tzOffsetMinutes: this.opts.tzOffsetMinutes ?? 0 });
    if (r.record) return { record: r.record };
    if (r.skipped) return { skip: r.skipped };
    if (isFirst && r.error === 'unknown_log_type') return { skip: 'header' };
    return { error: r.error ?? 'unparsed' };
  }
}

export async function importFlowFiles(
  files: readonly string[],
  format: ImportFormat,
  store: Pick<Store, 'putFlows'>,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const res: ImportResult = { files: 0, lines: 0, records: 0, stored: 0, skipped: {}, bad: 0, badByReason: {}, badExamples: [] };
  const batch: FlowRecord[] = [];
  const recent = new Map<string, number>();
  const push = (r: FlowRecord): void => {
    const n = recent.get(r.flow_id) ?? 0;
    recent.delete(r.flow_id);
    recent.set(r.flow_id, n + 1);
    if (recent.size > MAX_RECENT_IDS) recent.delete(recent.keys().next().value as string);
    // The first occurrence keeps its id, so a record imported alone or with its twin matches.
    batch.push(n === 0 ? r : { ...r, flow_id: hash64(`${r.flow_id}#${n}`) });
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const part = batch.splice(0, batch.length);
    res.records += part.length;
    res.stored += await store.putFlows(part);
  };
  // One-direction records (nfdump) may wait for their reverse for the whole import; memory is
  // bounded by the pairing table's entry cap (the oldest waiting record goes out unpaired).
  const pairer = new FlowPairer({ pairingHoldUs: Number.POSITIVE_INFINITY, maxPairingEntries: 100_000 }, newCounters(), push);
  for (const file of files) {
    res.files++;
    const parser = parserFor(format, opts);
    let lineNo = 0;
    try {
      for await (const line of readLines(file)) {
        lineNo++;
        res.lines++;
        let r: LineResult = line === undefined ? { error: 'line_too_long' } : parser.line(line);
        // A store keeps times and counters exactly only within range: out-of-range values are bad lines.
        if ('record' in r && !isStorable(r.record)) r = { error: 'value_out_of_range' };
        if ('uni' in r && !isStorableUni(r.uni)) r = { error: 'value_out_of_range' };
        if ('record' in r) push(r.record);
        else if ('uni' in r) pairer.add(r.uni, 0);
        else if ('skip' in r) res.skipped[r.skip] = (res.skipped[r.skip] ?? 0) + 1;
        else {
          res.bad++;
          res.badByReason[r.error] = (res.badByReason[r.error] ?? 0) + 1;
          if (res.badExamples.length < MAX_BAD_LINE_EXAMPLES) res.badExamples.push(`${file}:${lineNo} ${r.error}`);
        }
        if (batch.length >= IMPORT_BATCH_SIZE) await flush();
      }
    } catch (err) {
      // A corrupt compressed file ends there; what was read before it stays imported.
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!code.startsWith('Z_')) throw err;
      res.bad++;
      res.badByReason.gzip_error = (res.badByReason.gzip_error ?? 0) + 1;
      if (res.badExamples.length < MAX_BAD_LINE_EXAMPLES) res.badExamples.push(`${file}:${lineNo + 1} gzip_error`);
    }
  }
  pairer.flushAll();
  await flush();
  return res;
}

const okTime = (v: number): boolean => Number.isSafeInteger(v) && v >= 0 && v <= MAX_RECORD_TIME_US;
const okCount = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;

/** Times and counters a store keeps exactly: safe integers, times between 1970 and 2200. */
function isStorable(f: FlowRecord): boolean {
  return (
    okTime(f.start_us) &&
    okTime(f.end_us) &&
    okCount(f.pkts_toserver) &&
    okCount(f.pkts_toclient) &&
    okCount(f.bytes_toserver) &&
    okCount(f.bytes_toclient) &&
    Number.isInteger(f.src_port) &&
    Number.isInteger(f.dest_port)
  );
}

function isStorableUni(u: UniFlow): boolean {
  return okTime(u.startUs) && okTime(u.endUs) && okCount(u.octets) && okCount(u.packets);
}

/**
 * Lines of a file (gunzipped when the name ends in .gz) as strings; a line longer than
 * MAX_IMPORT_LINE_BYTES yields `undefined` and its bytes are discarded as they stream, so memory
 * stays bounded whatever the file holds.
 */
export async function* readLines(file: string, maxBytes = MAX_IMPORT_LINE_BYTES): AsyncGenerator<string | undefined> {
  let parts: Buffer[] = [];
  let size = 0;
  let isOverlong = false;
  // Zeek and nfdump archives are often gzip-compressed (conn.00:00:00-01:00:00.log.gz).
  const input = file.endsWith('.gz') ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!isOverlong) {
        if (size + (end - start) > maxBytes) {
          isOverlong = true;
          parts = [];
          size = 0;
        } else if (end > start) {
          parts.push(chunk.subarray(start, end));
          size += end - start;
        }
      }
      if (nl < 0) break;
      yield isOverlong ? undefined : Buffer.concat(parts, size).toString('utf8');
      parts = [];
      size = 0;
      isOverlong = false;
      start = nl + 1;
    }
  }
  if (isOverlong) yield undefined;
  else if (size > 0) yield Buffer.concat(parts, size).toString('utf8');
}
