// Generic webhook JSON alerts (pure): what a SIEM, an EDR or a script posts when it suspects a
// miner. Accepted shapes (docs/integrations.md, "Webhook JSON"): one alert object, an array of
// them, or `{"alerts": [...]}`; an object that already is an EVE alert (`event_type: "alert"`) is
// read as EVE. Minimal alert object:
//   {"timestamp": "2026-11-27T10:15:02Z", "src_ip": "10.1.20.34", "dest_ip": "203.0.113.21",
//    "signature": "Miner process talking to pool"}
// optional: src_port, dest_port, proto, app_proto, signature_id, severity (1-4 or critical/high/
// medium/low/informational), category, action (allowed/blocked), sender, id, confidence, evidence.
// Every document becomes an Alert (source 'webhook') with the original kept; wire data never throws.

import { MINING_CATEGORY, type Alert } from '../../alerts/types.js';
import { parseIp } from '../../util/ip.js';
import { eveAlertFromObject } from '../eve-alerts/parser.js';
import { contentId, parseIsoTime } from '../panos/parser.js';

/** Most alerts one document may carry. */
export const MAX_WEBHOOK_ALERTS_PER_DOCUMENT = 10_000;

export type WebhookError =
  | 'bad_json'
  | 'not_an_object'
  | 'too_many_alerts'
  | 'missing_field'
  | 'bad_timestamp'
  | 'bad_address'
  | 'bad_port'
  | 'bad_severity';

export interface WebhookItem {
  alert?: Alert;
  error?: WebhookError;
  detail?: string;
  /** Index of the alert inside the document (arrays). */
  index: number;
}

type Obj = Record<string, unknown>;

export function parseWebhookDocument(text: string): WebhookItem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return [{ error: 'bad_json', detail: (err as Error).message, index: 0 }];
  }
  let items: unknown[];
  if (Array.isArray(doc)) items = doc;
  else if (isObj(doc) && Array.isArray(doc.alerts)) items = doc.alerts;
  else items = [doc];
  if (items.length > MAX_WEBHOOK_ALERTS_PER_DOCUMENT) return [{ error: 'too_many_alerts', detail: String(items.length), index: 0 }];
  return items.map((it, index) => ({ ...webhookAlert(it), index }));
}

const SEVERITY_NAMES: Readonly<Record<string, 1 | 2 | 3 | 4>> = {
  critical: 1, high: 1, medium: 2, low: 3, informational: 4, info: 4,
};

function webhookAlert(v: unknown): Omit<WebhookItem, 'index'> {
  if (!isObj(v)) return { error: 'not_an_object' };
  if (v.event_type === 'alert' && isObj(v.alert)) {
    const e = eveAlertFromObject(v);
    if (e.alert) return { alert: { ...e.alert, source: 'webhook' } };
    if (e.error) return { error: e.error === 'bad_timestamp' ? 'bad_timestamp' : 'missing_field', detail: e.detail };
    // An EVE alert that is not about mining, posted on purpose: taken as sent.
  }
  const tsText = v.timestamp;
  let ts: number | undefined;
  if (typeof tsText === 'string') ts = parseIsoTime(tsText);
  else if (typeof tsText === 'number' && Number.isFinite(tsText) && tsText > 0) ts = Math.round(tsText * 1_000_000); // epoch seconds
  else return { error: 'missing_field', detail: 'timestamp' };
  if (ts === undefined) return { error: 'bad_timestamp', detail: String(tsText) };
  const src = v.src_ip;
  const dst = v.dest_ip;
  if (typeof src !== 'string' || typeof dst !== 'string') return { error: 'missing_field', detail: typeof src !== 'string' ? 'src_ip' : 'dest_ip' };
  if (!parseIp(src) || !parseIp(dst)) return { error: 'bad_address', detail: `${src} ${dst}` };
  const signature = typeof v.signature === 'string' ? v.signature : isObj(v.alert) && typeof v.alert.signature === 'string' ? v.alert.signature : undefined;
  if (signature === undefined) return { error: 'missing_field', detail: 'signature' };
  const sport = portOf(v.src_port);
  const dport = portOf(v.dest_port);
  if (sport === undefined || dport === undefined) return { error: 'bad_port' };
  let severity: 1 | 2 | 3 | 4 = 2;
  if (v.severity !== undefined) {
    const s = typeof v.severity === 'number' ? v.severity : SEVERITY_NAMES[String(v.severity).toLowerCase()];
    if (s !== 1 && s !== 2 && s !== 3 && s !== 4) return { error: 'bad_severity', detail: String(v.severity) };
    severity = s;
  }
  const sid = typeof v.signature_id === 'number' && Number.isInteger(v.signature_id) ? v.signature_id : 0;
  const sender = typeof v.sender === 'string' ? v.sender : undefined;
  const confidence = typeof v.confidence === 'number' && v.confidence >= 0 && v.confidence <= 1 ? v.confidence : 0.5;
  const alert: Alert = {
    id: typeof v.id === 'string' && v.id !== '' ? contentId('webhook-id', sender ?? '', v.id) : contentId('webhook', JSON.stringify(v)),
    source: 'webhook',
    ts_us: ts,
    src_ip: src,
    src_port: sport,
    dest_ip: dst,
    dest_port: dport,
    proto: typeof v.proto === 'string' ? v.proto.toUpperCase() : 'TCP',
    alert: {
      action: v.action === 'blocked' ? 'blocked' : 'allowed',
      gid: 1,
      signature_id: sid,
      rev: 1,
      signature,
      category: typeof v.category === 'string' ? v.category : MINING_CATEGORY,
      severity,
    },
    confidence,
    explanation: `${sender ?? 'A webhook sender'} reported "${signature}" for ${src}:${sport} -> ${dst}:${dport}.`,
    rules: ['webhook'],
    evidence: isObj(v.evidence) ? v.evidence : {},
    original: v,
  };
  if (typeof v.app_proto === 'string') alert.app_proto = v.app_proto;
  return { alert };
}

function portOf(v: unknown): number | undefined {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : undefined;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
