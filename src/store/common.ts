// What both store adapters share: the column lists, the mapping between records and rows, the
// day buckets flows are kept in, and the alert filter builder. Only the SQL dialect differs between
// SQLite and PostgreSQL, so each adapter passes its own placeholder style.

import type { Alert } from '../alerts/types.js';
import type { FlowRecord, FlowSource } from '../flows/types.js';
import type { AlertQuery, AnalystVerdict, AlertStatus, AuditRow, StoredAlert, TriageResultRow } from './types.js';

/** Microseconds in one day: flows are bucketed (SQLite tables, PostgreSQL partitions) per UTC day of start_us. */
export const DAY_US = 86_400_000_000;
/** Rows a flow query returns when the caller gives no limit. */
export const DEFAULT_FLOW_QUERY_LIMIT = 10_000;
/** Upper bound on rows one flow query returns, whatever the caller asks. */
export const MAX_FLOW_QUERY_LIMIT = 100_000;
/** Upper bound on alerts one page returns. */
export const MAX_ALERT_PAGE = 10_000;
/** Audit rows listAudit returns when the caller gives no limit. */
export const DEFAULT_AUDIT_LIMIT = 100;

export const ALERT_COLUMNS = [
  'id',
  'ts_us',
  'source',
  'flow_id',
  'community_id',
  'src_ip',
  'src_port',
  'dest_ip',
  'dest_port',
  'proto',
  'app_proto',
  'signature_id',
  'signature',
  'severity',
  'confidence',
  'explanation',
  'received_us',
  'doc',
] as const;

export const FLOW_COLUMNS = [
  'flow_id',
  'source',
  'community_id',
  'observer',
  'src_ip',
  'src_port',
  'dest_ip',
  'dest_port',
  'proto',
  'vlan',
  'app_proto',
  'start_us',
  'end_us',
  'pkts_toserver',
  'pkts_toclient',
  'bytes_toserver',
  'bytes_toclient',
  'state',
  'reason',
  'tcp_flags',
  'extra',
] as const;

export type SqlValue = string | number | null;

/** The day bucket of a flow: whole UTC days since the epoch of its start time. */
export function flowDay(startUs: number): number {
  return Math.floor(startUs / DAY_US);
}

/** Table (or partition) name of a day bucket; negative days (bogus imported times) stay valid names. */
export function flowTableName(day: number): string {
  return day < 0 ? `flows_dm${-day}` : `flows_d${day}`;
}

export function alertValues(a: Alert, receivedUs: number): SqlValue[] {
  return [
    a.id,
    a.ts_us,
    a.source,
    a.flow_id ?? null,
    a.community_id ?? null,
    a.src_ip,
    a.src_port,
    a.dest_ip,
    a.dest_port,
    a.proto,
    a.app_proto ?? null,
    a.alert.signature_id,
    a.alert.signature,
    a.alert.severity,
    a.confidence,
    a.explanation,
    receivedUs,
    JSON.stringify(a),
  ];
}

export interface AlertRow {
  doc: string | Record<string, unknown>;
  status: string;
  assignee: string | null;
  verdict: string | null;
  verdict_note: string | null;
  received_us: number;
  first_look_us: number | null;
  verdict_us: number | null;
  triage_verdict: string | null;
  triage_confidence: number | null;
}

export const ALERT_SELECT =
  'doc, status, assignee, verdict, verdict_note, received_us, first_look_us, verdict_us, triage_verdict, triage_confidence';

export function rowToStoredAlert(r: AlertRow): StoredAlert {
  const doc = (typeof r.doc === 'string' ? JSON.parse(r.doc) : r.doc) as Alert;
  return {
    ...doc,
    status: r.status as AlertStatus,
    assignee: r.assignee,
    verdict: r.verdict as AnalystVerdict | null,
    verdict_note: r.verdict_note,
    received_us: Number(r.received_us),
    first_look_us: r.first_look_us === null ? null : Number(r.first_look_us),
    verdict_us: r.verdict_us === null ? null : Number(r.verdict_us),
    triage_verdict: r.triage_verdict,
    triage_confidence: r.triage_confidence === null ? null : Number(r.triage_confidence),
  };
}

export function flowValues(f: FlowRecord): SqlValue[] {
  return [
    f.flow_id,
    f.source,
    f.community_id ?? null,
    f.observer ?? null,
    f.src_ip,
    f.src_port,
    f.dest_ip,
    f.dest_port,
    f.proto,
    f.vlan ?? null,
    f.app_proto ?? null,
    f.start_us,
    f.end_us,
    f.pkts_toserver,
    f.pkts_toclient,
    f.bytes_toserver,
    f.bytes_toclient,
    f.state ?? null,
    f.reason ?? null,
    f.tcp_flags ?? null,
    f.extra === undefined ? null : JSON.stringify(f.extra),
  ];
}

export type FlowRow = Record<(typeof FLOW_COLUMNS)[number], unknown>;

/** Rebuilds a flow record; optional fields absent in the row stay absent, so records round-trip. */
export function rowToFlow(r: FlowRow): FlowRecord {
  const f: FlowRecord = {
    flow_id: String(r.flow_id),
    source: r.source as FlowSource,
    src_ip: String(r.src_ip),
    src_port: Number(r.src_port),
    dest_ip: String(r.dest_ip),
    dest_port: Number(r.dest_port),
    proto: String(r.proto),
    start_us: Number(r.start_us),
    end_us: Number(r.end_us),
    pkts_toserver: Number(r.pkts_toserver),
    pkts_toclient: Number(r.pkts_toclient),
    bytes_toserver: Number(r.bytes_toserver),
    bytes_toclient: Number(r.bytes_toclient),
  };
  if (r.community_id !== null) f.community_id = String(r.community_id);
  if (r.observer !== null) f.observer = String(r.observer);
  if (r.vlan !== null) f.vlan = Number(r.vlan);
  if (r.app_proto !== null) f.app_proto = String(r.app_proto);
  if (r.state !== null) f.state = String(r.state);
  if (r.reason !== null) f.reason = String(r.reason);
  if (r.tcp_flags !== null) f.tcp_flags = Number(r.tcp_flags);
  if (r.extra !== null) f.extra = (typeof r.extra === 'string' ? JSON.parse(r.extra) : r.extra) as Record<string, unknown>;
  return f;
}

export function triageFromRow(r: Record<string, unknown>): TriageResultRow {
  return {
    alert_id: String(r.alert_id),
    report: (typeof r.report === 'string' ? JSON.parse(r.report) : r.report) as Record<string, unknown>,
    verdict: String(r.verdict),
    confidence: Number(r.confidence),
    started_us: Number(r.started_us),
    finished_us: Number(r.finished_us),
  };
}

export function auditFromRow(r: Record<string, unknown>): AuditRow {
  return {
    ts_us: Number(r.ts_us),
    username: String(r.username),
    action: String(r.action),
    alert_id: r.alert_id === null ? null : String(r.alert_id),
    detail: (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Record<string, unknown>,
  };
}

/** Columns updateAlert may set, in a fixed order (never names taken from the caller). */
export const ALERT_PATCH_COLUMNS = ['status', 'assignee', 'verdict', 'verdict_note', 'first_look_us', 'verdict_us'] as const;

export interface Where {
  sql: string;
  params: SqlValue[];
}

/**
 * WHERE clause (without the keyword; "1=1" when empty) for an alert query. `ph(n)` renders the n-th
 * placeholder (1-based): "?" for SQLite, "$n" for PostgreSQL. `like` is the case-insensitive match
 * operator of the dialect.
 */
export function alertWhere(
  q: Omit<AlertQuery, 'limit'> & { limit?: number },
  ph: (n: number) => string,
  like: string,
): Where {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  const add = (v: SqlValue): string => {
    params.push(v);
    return ph(params.length);
  };
  if (q.status !== undefined) parts.push(`status = ${add(q.status)}`);
  if (q.untriaged) parts.push('triage_verdict IS NULL');
  if (q.source !== undefined) parts.push(`source = ${add(q.source)}`);
  if (q.signature_id !== undefined) parts.push(`signature_id = ${add(q.signature_id)}`);
  if (q.severity !== undefined) parts.push(`severity = ${add(q.severity)}`);
  if (q.ip !== undefined) parts.push(`(src_ip = ${add(q.ip)} OR dest_ip = ${add(q.ip)})`);
  if (q.text !== undefined && q.text !== '') {
    const pattern = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const cols = ['signature', 'explanation', 'src_ip', 'dest_ip'];
    parts.push(`(${cols.map((c) => `${c} ${like} ${add(pattern)} ESCAPE '\\'`).join(' OR ')})`);
  }
  if (q.from_us !== undefined) parts.push(`ts_us >= ${add(q.from_us)}`);
  if (q.to_us !== undefined) parts.push(`ts_us <= ${add(q.to_us)}`);
  if (q.after !== undefined) {
    const op = q.order === 'oldest' ? '>' : '<';
    parts.push(`(ts_us, id) ${op} (${add(q.after.ts_us)}, ${add(q.after.id)})`);
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : '1=1', params };
}

export function alertOrder(q: Pick<AlertQuery, 'order'>): string {
  return q.order === 'oldest' ? 'ts_us ASC, id ASC' : 'ts_us DESC, id DESC';
}

export function clampLimit(limit: number | undefined, dflt: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return dflt;
  return Math.max(0, Math.min(max, Math.floor(limit)));
}
