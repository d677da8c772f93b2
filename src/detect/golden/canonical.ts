// Canonical JSON lines for golden files: keys sorted at every depth, and the fields that identify
// a run rather than what was detected removed (the engine's flow_id and the alert id derived from
// it), so the expected output changes only when detection does. The stratum record's per-step
// timestamps are dropped too: they are bulky, and the stratum analyser's own tests cover them.

import { toEve } from '../../alerts/eve.js';
import type { Alert } from '../../alerts/types.js';
import type { NodeNotice } from '../detector.js';

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) out[k] = sortKeys(o[k]);
    return out;
  }
  return v;
}

function withoutSteps(stratum: Record<string, unknown>): Record<string, unknown> {
  const { steps: _steps, ...rest } = stratum;
  return rest;
}

/** The EVE line of an alert in canonical form. */
export function canonicalAlertLine(alert: Alert): string {
  // toEve shares the evidence objects with the alert: copy what is changed.
  const eve = { ...toEve(alert) } as unknown as Record<string, unknown>;
  delete eve.flow_id;
  const alertObj = { ...(eve.alert as Record<string, unknown>) };
  const { alert_id: _alertId, ...meta } = (alertObj.metadata ?? {}) as Record<string, unknown>;
  alertObj.metadata = meta;
  eve.alert = alertObj;
  if (eve.stratum) eve.stratum = withoutSteps(eve.stratum as Record<string, unknown>);
  const http = eve.http as Record<string, unknown> | undefined;
  if (http?.stratum && typeof http.stratum === 'object') eve.http = { ...http, stratum: withoutSteps(http.stratum as Record<string, unknown>) };
  return JSON.stringify(sortKeys(eve));
}

export function canonicalNoticeLine(n: NodeNotice): string {
  const { flow_id: _flowId, ...rest } = n;
  return JSON.stringify(sortKeys(rest));
}

/** All golden lines of one run: alerts, then notices, each in emission order. */
export function canonicalLines(alerts: readonly Alert[], notices: readonly NodeNotice[]): string[] {
  return [...alerts.map(canonicalAlertLine), ...notices.map(canonicalNoticeLine)];
}
