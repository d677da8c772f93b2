// Writes an alert of the common model as one Suricata-compatible EVE JSON line (DESIGN.md, "Alert
// format"): the fixed EVE fields, the `alert` object and the protocol objects (`stratum`, `tls`,
// `dns`, `http`) carrying the evidence. Key order is fixed so the same alert gives the same bytes.
// Detection specifics Suricata has no field for (rule ids, confidence, explanation, alert id) go
// in `alert.metadata`, which EVE defines as a map of string arrays.

import { eveTimestamp } from '../util/clock.js';
import { MINING_CATEGORY, type Alert } from './types.js';

/** Evidence keys written as top-level EVE protocol objects, in this order. */
export const EVE_PROTOCOL_KEYS = ['stratum', 'tls', 'dns', 'http'] as const;

export interface EveAlert {
  timestamp: string;
  flow_id?: number | string;
  community_id?: string;
  event_type: 'alert';
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  proto: string;
  app_proto?: string;
  alert: {
    action: 'allowed' | 'blocked';
    gid: number;
    signature_id: number;
    rev: number;
    signature: string;
    category: string;
    severity: number;
    metadata: Record<string, string[]>;
  };
  stratum?: Record<string, unknown>;
  tls?: Record<string, unknown>;
  dns?: Record<string, unknown>;
  http?: Record<string, unknown>;
}

/**
 * EVE writes `flow_id` as a number. Ours are decimal strings (64-bit values do not fit a JSON
 * number exactly); a string that is a safe integer is written as a number, any other stays text.
 */
function eveFlowId(flowId: string): number | string {
  if (/^\d{1,16}$/.test(flowId)) {
    const n = Number(flowId);
    if (Number.isSafeInteger(n)) return n;
  }
  return flowId;
}

export function toEve(alert: Alert): EveAlert {
  const metadata: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(alert.alert.metadata ?? {})) metadata[k] = [...v];
  metadata.alert_id = [alert.id];
  metadata.source = [alert.source];
  metadata.confidence = [alert.confidence.toFixed(2)];
  metadata.rule_ids = [...alert.rules];
  metadata.explanation = [alert.explanation];
  const out: EveAlert = {
    timestamp: eveTimestamp(alert.ts_us),
    ...(alert.flow_id !== undefined ? { flow_id: eveFlowId(alert.flow_id) } : {}),
    ...(alert.community_id !== undefined ? { community_id: alert.community_id } : {}),
    event_type: 'alert',
    src_ip: alert.src_ip,
    src_port: alert.src_port,
    dest_ip: alert.dest_ip,
    dest_port: alert.dest_port,
    proto: alert.proto,
    ...(alert.app_proto !== undefined ? { app_proto: alert.app_proto } : {}),
    alert: {
      action: alert.alert.action,
      gid: alert.alert.gid,
      signature_id: alert.alert.signature_id,
      rev: alert.alert.rev,
      signature: alert.alert.signature,
      category: alert.alert.category || MINING_CATEGORY,
      severity: alert.alert.severity,
      metadata,
    },
  };
  for (const key of EVE_PROTOCOL_KEYS) {
    const v = alert.evidence[key];
    if (v && typeof v === 'object' && !Array.isArray(v)) out[key] = v as Record<string, unknown>;
  }
  return out;
}

/** One EVE JSON line (no trailing newline). */
export function toEveLine(alert: Alert): string {
  return JSON.stringify(toEve(alert));
}
