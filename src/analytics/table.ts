// The terminal table of a flow analysis: one row per client/server/port, the figures an analyst
// compares at a glance, and the activity sparkline.

import type { FlowAnalysis } from './analyse.js';

function iso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().replace('.000Z', 'Z');
}

function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(digits)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(digits)}k`;
  if (Number.isInteger(n)) return String(n);
  // Sub-second intervals and small spreads need more than one decimal to say anything.
  return Math.abs(n) < 1 ? n.toFixed(Math.max(digits, 3)) : n.toFixed(digits);
}

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

export function formatAnalysisTable(a: FlowAnalysis): string {
  const lines: string[] = [];
  lines.push(
    `Flows with ${a.ip}${a.peer ? ` and ${a.peer}` : ''} from ${iso(a.from_us)} to ${iso(a.to_us)}: ${a.flows} records` +
      (a.truncated ? ' (truncated: narrow the window)' : ''),
  );
  if (a.pairs.length === 0) {
    lines.push('No flows.');
    return lines.join('\n') + '\n';
  }
  const head = ['client', 'server:port', 'conns', 'first seen', 'last seen', 'bytes up', 'bytes down', 'up/conn med (cv)', 'down/conn med (cv)', 'interval med/mad/skew', 'longest', 'beacon', 'activity'];
  const rows = a.pairs.map((p) => [
    p.client,
    `${p.server}:${p.server_port}/${p.proto.toLowerCase()}`,
    String(p.connections),
    iso(p.first_seen_us),
    iso(p.last_seen_us),
    fmt(p.bytes_toserver),
    fmt(p.bytes_toclient),
    `${fmt(p.per_connection_toserver.median)} (${fmt(p.per_connection_toserver.cv, 2)})`,
    `${fmt(p.per_connection_toclient.median)} (${fmt(p.per_connection_toclient.cv, 2)})`,
    p.interval ? `${fmt(p.interval.median_s)}s/${fmt(p.interval.mad_s)}s/${fmt(p.interval.bowley, 2)}` : '-',
    `${fmt(p.longest_connection_s)}s`,
    p.beacon.timestamp === null ? '-' : p.beacon.score.toFixed(2),
    p.sparkline,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  lines.push(head.map((h, i) => pad(h, widths[i] as number)).join('  ').trimEnd());
  for (const r of rows) lines.push(r.map((c, i) => pad(c, widths[i] as number)).join('  ').trimEnd());
  return lines.join('\n') + '\n';
}
