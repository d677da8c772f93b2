// The flow record: what every flow ends as, whichever source saw it (the sensor, NetFlow/IPFIX,
// Zeek, Suricata, PAN-OS). Field names follow EVE where EVE has one.

export type FlowSource = 'sensor' | 'netflow5' | 'netflow9' | 'ipfix' | 'zeek' | 'eve' | 'panos' | 'nfdump';

export interface FlowRecord {
  /** Stable id: for the sensor the EVE flow_id; for imports derived from content. */
  flow_id: string;
  community_id?: string;
  source: FlowSource;
  /** Exporter / device / sensor name that reported it. */
  observer?: string;
  /** Client (originator) side first. */
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  /** "TCP", "UDP", "ICMP", or the protocol number as a string. */
  proto: string;
  vlan?: number;
  app_proto?: string;
  /** Microseconds since the epoch. */
  start_us: number;
  end_us: number;
  pkts_toserver: number;
  pkts_toclient: number;
  bytes_toserver: number;
  bytes_toclient: number;
  /** TCP state at the end (EVE: new, established, closed, ...), or the source's own value. */
  state?: string;
  /** Why the record ended: timeout, forced, shutdown, active-timeout, end. */
  reason?: string;
  tcp_flags?: number;
  /** Source-specific extras kept verbatim (Zeek history, PAN-OS session id, ...). */
  extra?: Record<string, unknown>;
}
