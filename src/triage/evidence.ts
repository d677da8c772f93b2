// The evidence shapes the capture and flows actions produce, shared with the verdict so that it
// reads typed fields rather than guessing at JSON.

export type StratumStep = 'subscribe' | 'login' | 'authorize' | 'job' | 'submit' | 'result' | 'keepalive' | 'other';

export interface RpcMessage {
  ts_us: number;
  side: 'client' | 'server';
  /** The stratum step this message is, when it is one. */
  step?: StratumStep;
  method?: string;
  id?: string | number | null;
  /** For results: accepted (true), rejected (false), or not a share result (absent). */
  accepted?: boolean;
  /** Job fields that prove a login succeeded (seed_hash, algo, blob, target). */
  job_fields?: string[];
  /** The message as sent, cut to a bounded length, secrets redacted. */
  text: string;
}

export interface PacketLayers {
  frame: number;
  ts_us: number;
  length: number;
  layers: string[];
  summary: string;
}

export interface CaptureEvidence {
  source: string;
  file: string;
  packets_in_file: number;
  flow_packets: number;
  is_flow_found: boolean;
  app_protocols: string[];
  is_tls: boolean;
  tls?: { sni?: string; alpn?: string[]; ja3?: string; ja4?: string };
  packets: PacketLayers[];
  strings: string[];
  messages: RpcMessage[];
  /** Distinct steps in the order first seen. */
  steps: StratumStep[];
  /** JSON-RPC methods seen that are not mining methods (for benign look-alikes). */
  other_methods: string[];
  /** A cryptocurrency node or wallet protocol recognised instead of mining. */
  node_protocol?: string;
}

export interface PairFigures {
  client: string;
  server: string;
  server_port: number;
  connections: number;
  first_us: number;
  last_us: number;
  beacon_score: number;
  bytes_toserver_median: number;
  bytes_toclient_median: number;
  bytes_cv: number;
  interval_median_s: number | null;
  longest_connection_s: number;
  /** Why there is no beacon score (too few connections), when there is none. */
  beacon_reason?: string;
  /** Connections over the window, as a terminal sparkline. */
  sparkline?: string;
}

export interface FlowsEvidence {
  window: { from_us: number; to_us: number };
  flows: number;
  pairs: PairFigures[];
  /** Internal hosts that talked to the destination in the window. */
  internal_clients: string[];
}
