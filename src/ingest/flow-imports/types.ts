// The shape every flow-file format parser shares: one call per line, returning a record, a
// one-direction record to pair, a skip (headers, other event types) or a named error. Parsers are
// per file (Zeek keeps its #fields header) and never throw on input.

import type { FlowRecord } from '../../flows/types.js';
import type { UniFlow } from '../netflow/record.js';

export type ImportFormat = 'zeek-conn' | 'eve' | 'panos-traffic' | 'nfdump-csv';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['zeek-conn', 'eve', 'panos-traffic', 'nfdump-csv'];

export type LineResult =
  | { record: FlowRecord }
  | { uni: UniFlow }
  | { skip: string }
  | { error: string };

export interface LineParser {
  line(text: string): LineResult;
}

export interface ImportOptions {
  /** Offset of local-time columns (nfdump CSV, PAN-OS) from UTC, minutes east. Default 0. */
  tzOffsetMinutes?: number;
}
