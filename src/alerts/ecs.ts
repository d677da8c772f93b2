// Maps an alert of the common model to Elastic Common Schema (ECS 8.x) fields, the second output
// format next to EVE: `event.*` for the alert itself, `rule.*` for the signature, `source.*` /
// `destination.*` / `network.*` for the flow, `threat.*` with MITRE ATT&CK T1496 (Resource
// Hijacking), and the protocol evidence under the ECS field sets that exist (`tls`, `dns`,
// `http`, `user_agent`); what ECS has no field for stays under `minerwatch.*`.

import { eveTimestamp } from '../util/clock.js';
import type { Alert } from './types.js';

export const ECS_VERSION = '8.11.0';

/** EVE severity 1 (high) .. 4 to ECS `event.severity` and a 0-100 risk score. */
function ecsSeverity(sev: number): { severity: number; label: string } {
  if (sev <= 1) return { severity: 73, label: 'high' };
  if (sev === 2) return { severity: 47, label: 'medium' };
  return { severity: 21, label: 'low' };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** ISO 8601 UTC with microseconds and a `Z`, as Elasticsearch `date_nanos` accepts. */
function ecsTimestamp(tsUs: number): string {
  return eveTimestamp(tsUs).replace(/\+0000$/, 'Z');
}

export function toEcs(alert: Alert): Record<string, unknown> {
  const sev = ecsSeverity(alert.alert.severity);
  const stratum = obj(alert.evidence.stratum);
  const tls = obj(alert.evidence.tls);
  const dns = obj(alert.evidence.dns);
  const http = obj(alert.evidence.http);
  const intel = obj(alert.evidence.intel);
  const poolName = str(intel?.pool_name);
  const agent = str(stratum?.agent) ?? str(http?.http_user_agent);
  const out: Record<string, unknown> = {
    '@timestamp': ecsTimestamp(alert.ts_us),
    ecs: { version: ECS_VERSION },
    event: {
      kind: 'alert',
      category: ['network', 'intrusion_detection'],
      type: [alert.alert.action === 'blocked' ? 'denied' : 'allowed', 'info'],
      id: alert.id,
      module: 'minerwatch',
      dataset: 'minerwatch.alert',
      provider: alert.source,
      severity: sev.severity,
      risk_score: Math.round(alert.confidence * 100),
      reason: alert.explanation,
    },
    rule: {
      id: String(alert.alert.signature_id),
      name: alert.alert.signature,
      category: alert.alert.category,
      ruleset: `gid ${alert.alert.gid}`,
      version: String(alert.alert.rev),
    },
    source: { ip: alert.src_ip, port: alert.src_port },
    destination: { ip: alert.dest_ip, port: alert.dest_port, ...(poolName ? { domain: poolName } : {}) },
    network: {
      transport: alert.proto.toLowerCase(),
      ...(alert.app_proto ? { protocol: alert.app_proto } : {}),
      ...(alert.community_id ? { community_id: alert.community_id } : {}),
    },
    threat: {
      framework: 'MITRE ATT&CK',
      tactic: { id: ['TA0040'], name: ['Impact'], reference: ['https://attack.mitre.org/tactics/TA0040/'] },
      technique: { id: ['T1496'], name: ['Resource Hijacking'], reference: ['https://attack.mitre.org/techniques/T1496/'] },
    },
    observer: { vendor: 'minerwatch', product: 'minerwatch', type: 'ids' },
    minerwatch: {
      alert_id: alert.id,
      ...(alert.flow_id ? { flow_id: alert.flow_id } : {}),
      confidence: alert.confidence,
      severity_label: sev.label,
      rules: alert.rules,
      evidence: alert.evidence,
    },
  };
  if (agent) out.user_agent = { original: agent };
  const sni = str(tls?.sni);
  if (tls) out.tls = { ...(sni ? { client: { server_name: sni } } : {}), ...(str(tls.version) ? { version: str(tls.version) } : {}) };
  const rrname = str(dns?.rrname) ?? str(dns?.query);
  if (dns && rrname) out.dns = { question: { name: rrname } };
  const host = str(http?.hostname);
  if (http) {
    out.http = { request: { ...(str(http.http_method) ? { method: str(http.http_method) } : {}) } };
    if (host) out.url = { domain: host, ...(str(http.url) ? { path: str(http.url) } : {}) };
  }
  return out;
}

/** One ECS JSON line (no trailing newline). */
export function toEcsLine(alert: Alert): string {
  return JSON.stringify(toEcs(alert));
}
