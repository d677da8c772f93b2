// Ingestion through the HTTP API: Suricata EVE alert lines and generic webhook JSON become alerts
// in the common model and enter the same store and triage as the sensor's own. Lines that are not
// mining alerts are skipped; bad lines are reported by line number and reason.

import { parseEveAlertLine } from '../ingest/eve-alerts/parser.js';
import { parseWebhookDocument } from '../ingest/webhook/parser.js';
import type { Alert } from '../alerts/types.js';
import type { Runtime } from './runtime.js';

/** Errors listed in one response at most (the counts cover all). */
export const MAX_REPORTED_ERRORS = 20;

export async function ingestBody(runtime: Pick<Runtime, 'acceptAlerts'>, kind: 'eve' | 'webhook', body: string): Promise<{ accepted: number; rejected: number; skipped: number; errors: string[] }> {
  const alerts: Alert[] = [];
  const errors: string[] = [];
  let rejected = 0;
  let skipped = 0;
  if (kind === 'eve') {
    body.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const r = parseEveAlertLine(line);
      if (r.alert) alerts.push(r.alert);
      else if (r.skipped) skipped++;
      else {
        rejected++;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push(`line ${i + 1}: ${r.error}${r.detail ? ` (${r.detail})` : ''}`);
      }
    });
  } else {
    for (const item of parseWebhookDocument(body)) {
      if (item.alert) alerts.push(item.alert);
      else {
        rejected++;
        if (errors.length < MAX_REPORTED_ERRORS) errors.push(`alert ${item.index}: ${item.error}${item.detail ? ` (${item.detail})` : ''}`);
      }
    }
  }
  const accepted = alerts.length ? await runtime.acceptAlerts(alerts) : 0;
  return { accepted: alerts.length, rejected, skipped, errors, ...(accepted !== alerts.length ? { duplicates: alerts.length - accepted } : {}) };
}
