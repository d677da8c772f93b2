// What the PAN-OS parsers report: a THREAT log as facts (before any decision on mining), and the
// outcome types of each parser. TRAFFIC logs become the common FlowRecord (src/flows/types.ts).

import type { FlowRecord } from '../../flows/types.js';

/** Named reasons a PAN-OS body is rejected; each is counted by the ingest paths. */
export type PanosError =
  | 'empty'
  | 'unterminated_quote'
  | 'bad_quote'
  | 'too_many_fields'
  | 'too_few_fields'
  | 'unknown_log_type'
  | 'wrong_log_type'
  | 'bad_time'
  | 'bad_address'
  | 'bad_port'
  | 'bad_number';

export type EveSeverity = 1 | 2 | 3;

export interface PanosThreatRecord {
  /** Generation time on the firewall, microseconds since the epoch. */
  ts_us: number;
  receive_time_us?: number;
  serial: string;
  device_name: string;
  /** Threat/content type: url, virus, spyware, vulnerability, file, scan, flood, ... */
  subtype: string;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  /** "TCP", "UDP", "ICMP" or as sent, upper case. */
  proto: string;
  app: string;
  action: string;
  rule: string;
  /** The threat name without its "(id)" suffix. */
  threat_name: string;
  /** Numeric threat id when present (content releases renumber; match names, keep the id). */
  threat_id?: number;
  /** Column 34: URL category, or WildFire verdict, depending on subtype. */
  category: string;
  /** Column 70 (PAN-OS 9.1+): threat category such as `spyware`, `coin-miner`, `cryptominer`. */
  threat_category: string;
  severity: string;
  eve_severity: EveSeverity;
  direction: string;
  session_id: string;
  /** Kept as text: a 64-bit number that exceeds JavaScript's exact integers. "0" means none. */
  pcap_id: string;
  sequence_number: string;
  repeat_count: number;
  /** Every non-empty named column, verbatim (FUTURE_USE skipped), plus `extra_N` for appended ones. */
  fields: Record<string, string>;
}

export type ThreatParse = { record: PanosThreatRecord; error?: undefined } | { record?: undefined; error: PanosError };

export interface TrafficParse {
  record?: FlowRecord;
  error?: PanosError;
  /** Valid but not a flow record (a `start` log: the `end` log of the same session follows). */
  skipped?: 'start_log';
}
