// The triage report in three forms: JSON (canonical, for machines and the store), Markdown (for a
// ticket) and HTML (a standalone page). Every string that came off the wire (worker names, user
// agents, SNI, capture strings) is data: Markdown puts it in code spans, HTML escapes it.

import type { ActionResult, TriageReport } from './types.js';
import type { CaptureEvidence, FlowsEvidence } from './evidence.js';
import type { EndpointRoles } from './actions/endpoint-roles.js';
import type { Enrichment } from './actions/enrichment.js';
import type { NextSteps } from './actions/next-steps.js';
import { eveTimestamp } from '../util/clock.js';

export type ReportFormat = 'json' | 'markdown' | 'html';

const VERDICT_TEXT: Record<string, string> = {
  true_positive: 'True positive: mining',
  benign: 'Benign',
  needs_analyst: 'Needs an analyst',
};

export function renderReport(report: TriageReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return format === 'markdown' ? markdown(report) : html(report);
}

/** Inline code with a fence long enough for any backticks inside; newlines flattened. */
function code(text: unknown): string {
  const s = String(text).replace(/[\r\n]+/g, ' ');
  const run = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(run + 1);
  return `${fence}${run ? ' ' : ''}${s}${run ? ' ' : ''}${fence}`;
}

function get<E>(r: TriageReport, name: string): ActionResult<E> | undefined {
  return r.actions.find((a) => a.action === name) as ActionResult<E> | undefined;
}

function markdown(r: TriageReport): string {
  const a = r.alert;
  const out: string[] = [];
  out.push(`# Triage of alert ${code(a.id)}`, '');
  out.push(`**${VERDICT_TEXT[r.verdict] ?? r.verdict}** (confidence ${Math.round(r.confidence * 100)}%), decided in ${r.duration_ms.toFixed(0)} ms.`, '');
  out.push(`- Alert: ${code(a.alert.signature)} (sid ${a.alert.signature_id}, severity ${a.alert.severity}, source ${a.source})`);
  out.push(`- Time: ${eveTimestamp(a.ts_us)}`);
  out.push(`- Flow: ${code(`${a.src_ip}:${a.src_port} -> ${a.dest_ip}:${a.dest_port} ${a.proto}`)}`);
  out.push(`- Explanation: ${code(a.explanation)}`, '');
  out.push('## Reasons', '');
  for (const reason of r.reasons) out.push(`- ${reason.replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'))}`);
  out.push('', '## Actions', '', '| action | status | ms | note |', '|---|---|---|---|');
  for (const act of r.actions) out.push(`| ${act.title} | ${act.status} | ${act.duration_ms.toFixed(1)} | ${act.reason ? code(act.reason) : ''} |`);
  const roles = get<EndpointRoles>(r, 'endpoint_roles')?.evidence;
  if (roles) out.push('', '## Endpoint roles', '', roles.summary);
  const enr = get<Enrichment>(r, 'enrichment')?.evidence;
  if (enr) {
    out.push('', '## Destination', '');
    if (enr.asn) out.push(`- AS${enr.asn.number} ${code(enr.asn.organisation)} (${enr.asn.network})${enr.hosting ? `, ${enr.hosting.kind} provider ${enr.hosting.name}` : ''}`);
    if (enr.names.length) out.push(`- Names: ${enr.names.map(code).join(', ')}`);
    for (const m of enr.pool_matches) out.push(`- Listed pool: ${code(m.name)} (list entry ${code(m.listed_as)})`);
    for (const h of enr.host_intel) {
      if (h.status === 'found') out.push(`- ${h.provider}: ports ${h.ports.join(', ') || 'none'}; ${h.services.map((s) => `${s.port}/${s.transport} ${s.product ?? s.name ?? ''}`).join('; ')}`);
      else out.push(`- ${h.provider}: ${h.status === 'no_data' ? 'no data for this host' : `error: ${h.reason}`}`);
    }
  }
  const flows = get<FlowsEvidence>(r, 'flows')?.evidence;
  if (flows) {
    out.push('', '## Flows', '', `${flows.flows} flow records in the window.`, '');
    out.push('| client | server | connections | beacon | bytes up (median) | bytes down (median) | CV | interval (s) |', '|---|---|---|---|---|---|---|---|');
    for (const p of flows.pairs.slice(0, 20)) {
      out.push(`| ${p.client} | ${p.server}:${p.server_port} | ${p.connections} | ${p.beacon_score.toFixed(2)} | ${Math.round(p.bytes_toserver_median)} | ${Math.round(p.bytes_toclient_median)} | ${p.bytes_cv.toFixed(2)} | ${p.interval_median_s ?? '-'} |`);
    }
  }
  const cap = get<CaptureEvidence>(r, 'capture')?.evidence;
  if (cap) {
    out.push('', '## Capture', '', `${cap.flow_packets} packets of this flow in ${code(cap.file)} (${cap.source}); steps: ${cap.steps.join(' -> ') || 'none'}.`, '');
    for (const m of cap.messages.slice(0, 50)) out.push(`- ${eveTimestamp(m.ts_us)} ${m.side}${m.step ? ` [${m.step}]` : ''}: ${code(m.text)}`);
  }
  const next = get<NextSteps>(r, 'next_steps')?.evidence;
  if (next) {
    out.push('', '## Next steps', '');
    for (const s of next.on_the_host) out.push(`- On the host: ${s}`);
    for (const s of next.ways_in) out.push(`- Way in to rule out: ${s}`);
    for (const s of next.containment) out.push(`- Containment: ${s}`);
  }
  return `${out.join('\n')}\n`;
}

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function html(r: TriageReport): string {
  // The Markdown body, escaped, inside <pre>: nothing from the wire can become markup.
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>minerwatch triage ${escapeHtml(r.alert_id)}</title>`,
    '<style>body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{white-space:pre-wrap;word-break:break-word}</style>',
    '</head><body>',
    `<h1>${escapeHtml(VERDICT_TEXT[r.verdict] ?? r.verdict)} (${Math.round(r.confidence * 100)}%)</h1>`,
    `<pre>${escapeHtml(markdown(r))}</pre>`,
    '</body></html>',
    '',
  ].join('\n');
}
