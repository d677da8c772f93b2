// Suricata EVE alert lines (pure). Alerts whose signature or category point at cryptocurrency
// mining (ET COINMINER, ET POLICY crypto-miner check-ins, classtype coin-mining whose description
// is "Crypto Currency Mining Activity Detected") become Alerts (source 'eve') with the original
// record kept; other EVE events and other alerts are skipped and counted. Wire data never throws.

import { MINING_CATEGORY, type Alert, type AlertSignature } from '../../alerts/types.js';
import { contentId, parseIsoTime } from '../panos/parser.js';

/** Longest EVE line read, bytes; EVE alerts with payload and packet fields run to tens of KiB. */
export const MAX_EVE_LINE_BYTES = 1024 * 1024;

export type EveError = 'empty' | 'line_too_long' | 'bad_json' | 'not_an_object' | 'bad_timestamp' | 'missing_field';
export type EveSkip = 'not_alert' | 'not_mining';

export interface EveParse {
  alert?: Alert;
  error?: EveError;
  /** For errors: which field or what went wrong, for the file:line report. */
  detail?: string;
  skipped?: EveSkip;
}

/** Signature texts of the ET Open coin-mining rules and their ET POLICY relatives. */
const MINING_SIGNATURE =
  /\bET COINMINER\b|coin[\s_-]?miner|crypto[\s_-]?currency[\s_-]?min(?:ing|er)|crypto[\s_-]?min(?:ing|er)|\bminer\b.*\b(?:check-?in|login|stratum)|stratum|xmrig|cryptonight|monero mining|coinhive/i;

export function isMiningEveAlert(signature: string, category: string): boolean {
  return category === MINING_CATEGORY || MINING_SIGNATURE.test(signature);
}

type Obj = Record<string, unknown>;

export function parseEveAlertLine(line: string, maxLineBytes = MAX_EVE_LINE_BYTES): EveParse {
  if (line.length > maxLineBytes) return { error: 'line_too_long' };
  const text = line.trim();
  if (text === '') return { error: 'empty' };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { error: 'bad_json', detail: (err as Error).message };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { error: 'not_an_object' };
  return eveAlertFromObject(doc as Obj);
}

export function eveAlertFromObject(o: Obj): EveParse {
  if (o.event_type !== 'alert') return { skipped: 'not_alert' };
  const a = o.alert;
  if (typeof a !== 'object' || a === null) return { error: 'missing_field', detail: 'alert' };
  const al = a as Obj;
  const signature = str(al.signature);
  const category = str(al.category);
  if (signature === undefined) return { error: 'missing_field', detail: 'alert.signature' };
  if (!isMiningEveAlert(signature, category ?? '')) return { skipped: 'not_mining' };
  const tsText = str(o.timestamp);
  if (tsText === undefined) return { error: 'missing_field', detail: 'timestamp' };
  const ts = parseIsoTime(tsText);
  if (ts === undefined) return { error: 'bad_timestamp', detail: tsText };
  const src = str(o.src_ip);
  const dst = str(o.dest_ip);
  if (src === undefined || dst === undefined) return { error: 'missing_field', detail: src === undefined ? 'src_ip' : 'dest_ip' };
  const sid = int(al.signature_id) ?? 0;
  const severity = int(al.severity);
  const sig: AlertSignature = {
    action: al.action === 'blocked' ? 'blocked' : 'allowed',
    gid: int(al.gid) ?? 1,
    signature_id: sid,
    rev: int(al.rev) ?? 0,
    signature,
    category: category ?? MINING_CATEGORY,
    severity: severity === 1 || severity === 2 || severity === 3 || severity === 4 ? severity : 3,
  };
  const md = metadata(al.metadata);
  if (md) sig.metadata = md;
  const flowId = o.flow_id === undefined ? undefined : String(o.flow_id);
  const srcPort = int(o.src_port) ?? 0;
  const dstPort = int(o.dest_port) ?? 0;
  const evidence: Record<string, unknown> = {};
  for (const k of ['stratum', 'tls', 'dns', 'http', 'flow', 'app_proto', 'in_iface', 'host']) {
    if (o[k] !== undefined) evidence[k] = o[k];
  }
  const alert: Alert = {
    // Sensor, time, flow and signature identify an EVE alert; re-importing the file adds nothing.
    id: contentId('eve', str(o.host) ?? '', tsText, flowId ?? '', String(sid), src, String(srcPort), dst, String(dstPort)),
    source: 'eve',
    ts_us: ts,
    src_ip: src,
    src_port: srcPort,
    dest_ip: dst,
    dest_port: dstPort,
    proto: str(o.proto) ?? '',
    alert: sig,
    // Signature alerts on payload are strong evidence but ET rules also fire on DNS lookups.
    confidence: 0.6,
    explanation: `Suricata${str(o.host) ? ` on ${str(o.host)}` : ''} raised "${signature}" (sid ${sid}) for ${src}:${srcPort} -> ${dst}:${dstPort} at ${tsText}.`,
    rules: [`eve.sid.${sid}`],
    evidence,
    original: o,
  };
  if (flowId !== undefined) alert.flow_id = flowId;
  const cid = str(o.community_id);
  if (cid) alert.community_id = cid;
  const app = str(o.app_proto);
  if (app) alert.app_proto = app;
  return { alert };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function metadata(v: unknown): Record<string, string[]> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, val] of Object.entries(v as Obj)) {
    if (Array.isArray(val)) out[k] = val.filter((x): x is string => typeof x === 'string');
  }
  return out;
}
