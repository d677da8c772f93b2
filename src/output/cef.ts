// ArcSight Common Event Format (CEF) for alerts: `CEF:0|Vendor|Product|Version|SignatureID|Name|
// Severity|Extension`. Escaping follows the CEF specification: in header fields a backslash and a
// pipe are escaped (`\\`, `\|`); in extension values a backslash and an equals sign are escaped
// (`\\`, `\=`) and line breaks are written as `\n` / `\r`. Header fields cannot carry line breaks,
// so those become spaces. Attacker-controlled text (signature names from a sender, user agents)
// passes through here, so nothing may break the record apart.

import type { Alert } from '../alerts/types.js';

export const CEF_VENDOR = 'minerwatch';
export const CEF_PRODUCT = 'minerwatch';
export const CEF_VERSION = '0.1.0';

/** Escapes a header field: `\` and `|`; line breaks become spaces. */
export function cefHeader(text: string): string {
  return text.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');
}

/** Escapes an extension value: `\`, `=`, and line breaks as `\n` / `\r`. */
export function cefValue(text: string): string {
  return text.replace(/[\\=\r\n]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
}

/** EVE severity (1 high .. 4) to CEF 0-10 (7-8 high, 4-6 medium, 1-3 low). */
export function cefSeverity(eve: number): number {
  return eve <= 1 ? 8 : eve === 2 ? 5 : eve === 3 ? 3 : 1;
}

/** One CEF record for an alert (no syslog header). Extension keys are CEF dictionary names. */
export function toCef(alert: Alert): string {
  const a = alert.alert;
  const ext: [string, string | number | undefined][] = [
    ['rt', Math.floor(alert.ts_us / 1000)],
    ['src', alert.src_ip],
    ['spt', alert.src_port],
    ['dst', alert.dest_ip],
    ['dpt', alert.dest_port],
    ['proto', alert.proto],
    ['app', alert.app_proto],
    ['act', a.action],
    ['cat', a.category],
    ['msg', alert.explanation],
    ['externalId', alert.id],
    ['cs1Label', 'source'],
    ['cs1', alert.source],
    ['cs2Label', 'community_id'],
    ['cs2', alert.community_id],
    ['cs3Label', 'rules'],
    ['cs3', alert.rules.join(',')],
    ['cfp1Label', 'confidence'],
    ['cfp1', alert.confidence.toFixed(2)],
    ['cn1Label', 'gid'],
    ['cn1', a.gid],
  ];
  const extension = ext
    .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}=${cefValue(String(v))}`)
    .join(' ');
  return [
    'CEF:0',
    cefHeader(CEF_VENDOR),
    cefHeader(CEF_PRODUCT),
    cefHeader(CEF_VERSION),
    cefHeader(String(a.signature_id)),
    cefHeader(a.signature),
    String(cefSeverity(a.severity)),
    extension,
  ].join('|');
}
