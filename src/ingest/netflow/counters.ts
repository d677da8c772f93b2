// Collector counters: one per drop reason and per notable event, so that "where did my flows go"
// always has an answer. Names are snake_case because they are printed and stored as they are.

export const COUNTER_NAMES = [
  // Volume.
  'datagrams',
  'bytes',
  'records_decoded',
  'options_records',
  'flows_stored',
  // Drops: whole datagram or message.
  'datagram_too_short',
  'unknown_version',
  'v5_bad_count',
  'ipfix_length_mismatch',
  'tcp_bad_message',
  'tcp_connection_limit',
  // Drops: sets and templates.
  'set_length_invalid',
  'set_id_reserved',
  'template_malformed',
  'template_too_many_fields',
  'template_zero_length_record',
  'template_limit',
  'template_expired',
  // Drops: records.
  'record_truncated',
  'varlen_overflow',
  'record_without_address',
  'record_bad_value',
  'pending_expired',
  'pending_limit',
  'pairing_limit',
  'store_backlog',
  'store_error',
  'exporter_state_limit',
  // Events that are not drops.
  'templates_learned',
  'templates_replaced',
  'templates_withdrawn',
  'pending_held',
  'pending_decoded',
  'times_approximated',
  'sampling_applied',
  // Export-side loss seen in sequence numbers (RFC 7011 section 3.1, RFC 3954 section 5.1).
  'sequence_gaps',
  'sequence_records_missing',
  'sequence_packets_missing',
  'sequence_resets',
  'flows_paired',
  'flows_unpaired',
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

export function newCounters(): Counters {
  const c = {} as Counters;
  for (const n of COUNTER_NAMES) c[n] = 0;
  return c;
}
