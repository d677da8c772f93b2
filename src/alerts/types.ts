// The common alert model. Every alert, whether the sensor raised it or it came in from PAN-OS,
// Suricata or flow scoring, has this shape; `toEve` in eve.ts writes it as a Suricata-compatible
// EVE line (DESIGN.md, "Alert format").

export const MINING_CATEGORY = 'Crypto Currency Mining Activity Detected';

export type AlertSource = 'sensor' | 'flows' | 'panos' | 'eve' | 'webhook';

export interface AlertSignature {
  action: 'allowed' | 'blocked';
  gid: number;
  signature_id: number;
  rev: number;
  signature: string;
  category: string;
  /** EVE severity: 1 high, 2 medium, 3 low. */
  severity: 1 | 2 | 3 | 4;
  metadata?: Record<string, string[]>;
}

export interface Alert {
  /** Content-derived id (same evidence, same id), so redelivery never duplicates. */
  id: string;
  source: AlertSource;
  /** Microseconds since the epoch. */
  ts_us: number;
  flow_id?: string;
  community_id?: string;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  proto: string;
  app_proto?: string;
  alert: AlertSignature;
  /** Detection confidence 0..1 (payload evidence high, flow-only lower). */
  confidence: number;
  /** One sentence an analyst would write. */
  explanation: string;
  /** Rule ids that fired, and the evidence fields they used. */
  rules: string[];
  /** Protocol objects with the evidence: stratum, tls, dns, http, jsonrpc, flow figures. */
  evidence: Record<string, unknown>;
  /** For ingested alerts: the original record, verbatim. */
  original?: Record<string, unknown>;
}
