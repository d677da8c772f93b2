// Which PAN-OS THREAT logs are mining alerts, and how one becomes an Alert. This is the policy of
// the PAN-OS input: the parsers report every THREAT log; only those whose threat name, threat
// category or application point at cryptocurrency mining enter triage. Content releases renumber
// signatures, so names and categories are matched and the numeric id is kept (reference notes,
// "Coin-miner signatures").

import { MINING_CATEGORY, type Alert } from '../../alerts/types.js';
import { eveTimestamp } from '../../util/clock.js';
import { communityId, contentId } from './parser.js';
import type { PanosThreatRecord } from './record.js';

/** Signature names: "CoinMiner Command and Control", "XMRig Miner ...", "Cryptocurrency Mining". */
const MINING_NAME =
  /coin[\s_-]?miner|xmrig|\bminers?\b|crypto[\s_-]?(?:currency|coin)?[\s_-]?min(?:er|ing)|(?:bitcoin|monero|ethereum)\s+mining|mining\s+pool|cryptojack|coinhive|stratum/i;
/** Threat categories of newer content: `cryptominer`, `coin-miner`. */
const MINING_THREAT_CATEGORY = /crypto[\s_-]?miner|coin[\s_-]?miner|crypto[\s_-]?mining/i;
/**
 * App-IDs that name mining itself. `json-rpc` is deliberately absent: it is generic JSON-RPC, and
 * calling all of it mining is the false positive of nDPI issue 2216; it still counts as evidence
 * when the signature name matched.
 */
const MINING_APPS: ReadonlySet<string> = new Set(['stratum', 'stratum-mining', 'bitcoin-mining', 'coinhive']);

export interface MiningMatch {
  isMining: boolean;
  /** Rule ids that matched, e.g. `panos.threat_name`. */
  rules: string[];
}

export function classifyPanosThreat(r: PanosThreatRecord): MiningMatch {
  return classifyThreatText(r.threat_name, r.threat_category, r.app);
}

/** The same decision on the raw column texts, before a record is built (cheap for URL logs). */
export function classifyThreatText(threatName: string, threatCategory: string, app: string): MiningMatch {
  const rules: string[] = [];
  if (MINING_NAME.test(threatName)) rules.push('panos.threat_name');
  if (MINING_THREAT_CATEGORY.test(threatCategory)) rules.push('panos.threat_category');
  if (MINING_APPS.has(app.toLowerCase())) rules.push('panos.application');
  return { isMining: rules.length > 0, rules };
}

const ALLOWED_ACTIONS: ReadonlySet<string> = new Set(['alert', 'allow', 'continue', 'override']);

/** The Alert for a THREAT log (call when classifyPanosThreat says mining). */
export function panosThreatToAlert(r: PanosThreatRecord, match: MiningMatch, raw?: string): Alert {
  // Serial + sequence number identify a log on one firewall; the same log received by syslog,
  // exported as CSV or fetched by the API gives the same id.
  const id = r.serial && r.sequence_number
    ? contentId('panos-threat', r.serial, r.sequence_number)
    : contentId('panos-threat', raw ?? JSON.stringify(r.fields));
  const device = r.device_name || r.serial || 'firewall';
  const idText = r.threat_id === undefined ? '' : ` (id ${r.threat_id})`;
  const original: Record<string, unknown> = { ...r.fields };
  if (raw !== undefined) original.raw = raw;
  const metadata: Record<string, string[]> = { panos_severity: [r.severity], panos_subtype: [r.subtype] };
  if (r.threat_category) metadata.panos_threat_category = [r.threat_category];
  const alert: Alert = {
    id,
    source: 'panos',
    ts_us: r.ts_us,
    src_ip: r.src_ip,
    src_port: r.src_port,
    dest_ip: r.dest_ip,
    dest_port: r.dest_port,
    proto: r.proto,
    alert: {
      action: ALLOWED_ACTIONS.has(r.action.toLowerCase()) ? 'allowed' : 'blocked',
      gid: 1,
      signature_id: r.threat_id ?? 0,
      rev: 1,
      signature: r.threat_name,
      category: MINING_CATEGORY,
      severity: r.eve_severity,
      metadata,
    },
    // About 40% of firewall coin-miner alerts are true positives (DESIGN.md); triage decides.
    confidence: 0.5,
    explanation:
      `PAN-OS ${device} reported ${r.subtype} threat "${r.threat_name}"${idText}, severity ${r.severity || 'unknown'}, ` +
      `action ${r.action || 'unknown'}, from ${r.src_ip}:${r.src_port} to ${r.dest_ip}:${r.dest_port}` +
      `${r.app ? ` (application ${r.app})` : ''} at ${eveTimestamp(r.ts_us)}.`,
    rules: match.rules,
    evidence: {
      panos: {
        threat_name: r.threat_name,
        threat_id: r.threat_id,
        threat_category: r.threat_category,
        category: r.category,
        severity: r.severity,
        subtype: r.subtype,
        direction: r.direction,
        session_id: r.session_id,
        pcap_id: r.pcap_id,
        device_name: r.device_name,
        serial: r.serial,
        rule: r.rule,
        action: r.action,
        repeat_count: r.repeat_count,
        sequence_number: r.sequence_number,
      },
    },
    original,
  };
  if (r.app) alert.app_proto = r.app;
  const cid = communityId(r);
  if (cid) alert.community_id = cid;
  return alert;
}
