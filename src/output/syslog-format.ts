// Alerts as RFC 5424 syslog messages: `<PRI>1 TIMESTAMP HOST minerwatch - alert [SD] MSG`, where
// MSG is the alert as a JSON (EVE) line or a CEF record. JSON is kept pure ASCII (every non-ASCII
// character escaped) so it needs no BOM; CEF stays UTF-8 and gets the BOM when it is not ASCII
// (RFC 5424 6.4). The structured data element uses
// the documentation enterprise number 32473 (RFC 5612) until the project has its own.

import { toEve } from '../alerts/eve.js';
import type { Alert } from '../alerts/types.js';
import { toCef } from './cef.js';

export type SyslogOutFormat = 'json' | 'cef';

export interface SyslogFormatOptions {
  format: SyslogOutFormat;
  hostname: string;
  /** Syslog facility number; default 1 (user-level), as PAN-OS uses. */
  facility?: number;
  appName?: string;
}

/** EVE severity to syslog severity: 1 critical(2), 2 error(3), 3 warning(4), 4 notice(5). */
export function syslogSeverity(eve: number): number {
  return Math.min(5, Math.max(2, eve + 1));
}

/** RFC 5424 6.3.3: `"`, `\` and `]` are escaped inside PARAM-VALUE. */
export function sdValue(text: string): string {
  return text.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** Every character outside printable ASCII as \uXXXX, so the JSON is valid and pure ASCII. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function header(token: string, max: number): string {
  // HOSTNAME / APP-NAME are PRINTUSASCII without spaces (RFC 5424 6.2.4-6.2.5).
  const t = token.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return t === '' ? '-' : t;
}

/** RFC 3339 with microseconds in UTC. */
export function rfc3339(tsUs: number): string {
  const ms = Math.floor(tsUs / 1000);
  const micros = Math.floor(tsUs - ms * 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

export function formatSyslogAlert(alert: Alert, opts: SyslogFormatOptions): string {
  const pri = (opts.facility ?? 1) * 8 + syslogSeverity(alert.alert.severity);
  const sd =
    `[minerwatch@32473 id="${sdValue(alert.id)}" sid="${alert.alert.signature_id}" source="${sdValue(alert.source)}"` +
    ` src="${sdValue(alert.src_ip)}" dst="${sdValue(alert.dest_ip)}"]`;
  let msg: string;
  if (opts.format === 'cef') {
    // CEF is UTF-8; other control characters than the escaped line breaks become spaces.
    msg = Array.from(toCef(alert), (c) => (c.charCodeAt(0) < 0x20 || c === '\x7f' ? ' ' : c)).join('');
    // RFC 5424 6.4: a UTF-8 MSG starts with a BOM; a pure ASCII one needs none.
    if (/[^ -~]/.test(msg)) msg = `\uFEFF${msg}`;
  } else {
    msg = asciiJson(toEve(alert));
  }
  return `<${pri}>1 ${rfc3339(alert.ts_us)} ${header(opts.hostname, 255)} ${header(opts.appName ?? 'minerwatch', 48)} - alert ${sd} ${msg}`;
}
