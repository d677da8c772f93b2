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

/** Position of each flow column in a row read as an array (FLOW_COLUMNS order). */
const FLOW_AT = Object.fromEntries(FLOW_COLUMNS.map((c, i) => [c, i])) as Record<(typeof FLOW_COLUMNS)[number], number>;

/**
 * A flow record from a row read as an array of values in FLOW_COLUMNS order; optional fields
 * absent in the row (NULL) stay absent, so records round-trip. A flow query may return
 * tens of thousands of rows; reading them as arrays skips building a 21-field object per row
 * before the record itself, about a third of the time of a large query on SQLite.
 */
export function valuesToFlow(v: readonly unknown[]): FlowRecord {
  const f: FlowRecord = {
    flow_id: String(v[FLOW_AT.flow_id]),
    source: v[FLOW_AT.source] as FlowSource,
    src_ip: String(v[FLOW_AT.src_ip]),
    src_port: Number(v[FLOW_AT.src_port]),
    dest_ip: String(v[FLOW_AT.dest_ip]),
    dest_port: Number(v[FLOW_AT.dest_port]),
    proto: String(v[FLOW_AT.proto]),
    start_us: Number(v[FLOW_AT.start_us]),
    end_us: Number(v[FLOW_AT.end_us]),
    pkts_toserver: Number(v[FLOW_AT.pkts_toserver]),
    pkts_toclient: Number(v[FLOW_AT.pkts_toclient]),
    bytes_toserver: Number(v[FLOW_AT.bytes_toserver]),
    bytes_toclient: Number(v[FLOW_AT.bytes_toclient]),
  };
  const communityId = v[FLOW_AT.community_id];
  if (communityId !== null) f.community_id = String(communityId);
  const observer = v[FLOW_AT.observer];
  if (observer !== null) f.observer = String(observer);
  const vlan = v[FLOW_AT.vlan];
  if (vlan !== null) f.vlan = Number(vlan);
  const appProto = v[FLOW_AT.app_proto];
  if (appProto !== null) f.app_proto = String(appProto);
  const state = v[FLOW_AT.state];
  if (state !== null) f.state = String(state);
  const reason = v[FLOW_AT.reason];
  if (reason !== null) f.reason = String(reason);
  const tcpFlags = v[FLOW_AT.tcp_flags];
  if (tcpFlags !== null) f.tcp_flags = Number(tcpFlags);
  const extra = v[FLOW_AT.extra];
  if (extra !== null) f.extra = (typeof extra === 'string' ? JSON.parse(extra) : extra) as Record<string, unknown>;
  return f;
}

/** Rebuilds a flow record; optional fields absent in the row stay absent, so records round-trip. */
export function rowToFlow(r: FlowRow): FlowRecord {
  return valuesToFlow(FLOW_COLUMNS.map((c) => r[c]));
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

/** SQL dialect of a store adapter: placeholders and the free-text search differ between them. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * How a free-text term of at least MIN_INDEXED_TEXT_CHARS is looked up. `index`: through the
 * substring index (SQLite's FTS5 trigram table, PostgreSQL's pg_trgm GIN indexes); right for a term
 * that few alerts hold. `{ hits }`: the SQLite index was already asked, and these are all the rowids
 * it holds the term in (so it is not asked twice). `scan`: a case-insensitive LIKE tested row by row
 * while walking the queue order; right for a term that most pages are full of, where the index would
 * hand over a large part of the table only for the first 100 rows to be kept. All give the same rows.
 */
export type TextPlan = 'index' | 'scan' | { hits: readonly number[] };

/**
 * Characters a free-text term needs before the trigram index can serve it: a trigram index finds
 * a substring by its three-character pieces, and a shorter term has none. Shorter terms take the
 * LIKE scan over signature, explanation and both addresses.
 */
export const MIN_INDEXED_TEXT_CHARS = 3;

/**
 * SQLite: a term whose index hits reach this count is common, and its page is found faster by the
 * `scan` plan (about one row in MAX/100 matches, so a page of 100 is met within a few thousand rows
 * of the queue walk) than by handing this many rowids or more from the index to a sort.
 */
export const TEXT_INDEX_MAX_HITS = 2000;

/** Placeholder n (1-based) of the dialect. */
function placeholder(dialect: SqlDialect, n: number): string {
  return dialect === 'sqlite' ? '?' : `$${n}`;
}

/** Whether a free-text term is long enough for the trigram index (counted in code points, as SQLite and PostgreSQL count). */
export function isIndexableText(text: string): boolean {
  return [...text].length >= MIN_INDEXED_TEXT_CHARS;
}

/**
 * The term as one FTS5 string (a phrase): inside double quotes every character is literal, the
 * quote itself doubled, so `*`, `-`, `^`, `:`, parentheses, OR, AND, NOT and NEAR are text to find,
 * never query syntax (https://sqlite.org/fts5.html, "FTS5 Strings"). With the trigram tokenizer a
 * phrase matches where its trigrams stand in a row: a substring of one column.
 */
export function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * PostgreSQL: the expression of the alerts_text_trgm index (migration 5): signature and
 * explanation with '.' and ':' as letters, so pg_trgm keeps addresses and host:port in one word.
 */
export const PG_TEXT_INDEX_EXPR = "translate(signature || ' ' || explanation, '.:', 'qz')";

/** A LIKE pattern mapped as PG_TEXT_INDEX_EXPR maps the text ('.' and ':' are not LIKE syntax, so escapes stay valid). */
export function pgTextIndexPattern(pattern: string): string {
  return pattern.replace(/[.:]/g, (c) => (c === '.' ? 'q' : 'z'));
}

/** The LIKE pattern for "contains text", with the LIKE wildcards and the escape character escaped. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * WHERE clause (without the keyword; "1=1" when empty) for an alert query in the dialect's syntax.
 *
 * Free text (`q.text`) matches an alert when its signature or explanation contains the term, case
 * insensitive, or when either address equals the term. A term shorter than
 * MIN_INDEXED_TEXT_CHARS keeps the plain substring scan over all four columns. `textPlan` picks how
 * a longer term is looked up (see TextPlan); PostgreSQL's planner picks for itself between its
 * trigram index and the queue-order walk, so there the plan only matters on SQLite.
 */
export function alertWhere(
  q: Omit<AlertQuery, 'limit'> & { limit?: number },
  dialect: SqlDialect,
  textPlan: TextPlan = 'index',
): Where {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  const add = (v: SqlValue): string => {
    params.push(v);
    return placeholder(dialect, params.length);
  };
  const like = dialect === 'sqlite' ? 'LIKE' : 'ILIKE';
  if (q.status !== undefined) parts.push(`status = ${add(q.status)}`);
  if (q.untriaged) parts.push('triage_verdict IS NULL');
  if (q.source !== undefined) parts.push(`source = ${add(q.source)}`);
  if (q.signature_id !== undefined) parts.push(`signature_id = ${add(q.signature_id)}`);
  if (q.severity !== undefined) parts.push(`severity = ${add(q.severity)}`);
  if (q.ip !== undefined) parts.push(`(src_ip = ${add(q.ip)} OR dest_ip = ${add(q.ip)})`);
  if (q.text !== undefined && q.text !== '') {
    const text = q.text;
    const likeIn = (cols: string[]): string[] => cols.map((c) => `${c} ${like} ${add(likeContains(text))} ESCAPE '\\'`);
    // Address equality is served by the (src_ip, ts_us, id) and (dest_ip, ts_us, id) indexes.
    const addressIs = (): string[] => [`src_ip = ${add(text)}`, `dest_ip = ${add(text)}`];
    let any: string[];
    if (!isIndexableText(text)) any = likeIn(['signature', 'explanation', 'src_ip', 'dest_ip']);
    else if (dialect === 'sqlite' && textPlan === 'index') {
      any = [`alerts.rowid IN (SELECT rowid FROM alerts_fts WHERE alerts_fts MATCH ${add(ftsPhrase(text))})`, ...addressIs()];
    } else if (dialect === 'sqlite' && typeof textPlan === 'object') {
      // The hits travel as one JSON array parameter, so the statement text (and its cache entry) is one.
      any = [`alerts.rowid IN (SELECT value FROM json_each(${add(JSON.stringify(textPlan.hits))}))`, ...addressIs()];
    } else if (dialect === 'postgres') {
      // The character-trigram index finds candidates, alert_text_lacks decides (PostgreSQL
      // migration 5); the index expression must be written exactly as the migration wrote it.
      const pattern = likeContains(text);
      any = [
        `(${PG_TEXT_INDEX_EXPR} ILIKE ${add(pgTextIndexPattern(pattern))} ESCAPE '\\' AND NOT alert_text_lacks(signature, explanation, ${add(pattern)}))`,
        ...addressIs(),
      ];
    } else any = [...likeIn(['signature', 'explanation']), ...addressIs()];
    parts.push(`(${any.join(' OR ')})`);
  }
  if (q.from_us !== undefined) parts.push(`ts_us >= ${add(q.from_us)}`);
  if (q.to_us !== undefined) parts.push(`ts_us <= ${add(q.to_us)}`);
  if (q.after !== undefined) {
    const op = q.order === 'oldest' ? '>' : '<';
    parts.push(`(ts_us, id) ${op} (${add(q.after.ts_us)}, ${add(q.after.id)})`);
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : '1=1', params };
}

/**
 * SQLite: the statement that asks the FTS5 index for a term's rowids, stopping at
 * TEXT_INDEX_MAX_HITS (so a common term costs no more than a rare one); its one parameter is
 * ftsPhrase(text). Fewer rows than the bound are all the term's hits.
 */
export const FTS_HITS_SQL = `SELECT rowid AS id FROM alerts_fts WHERE alerts_fts MATCH ? LIMIT ${TEXT_INDEX_MAX_HITS}`;

export function alertOrder(q: Pick<AlertQuery, 'order'>): string {
  return q.order === 'oldest' ? 'ts_us ASC, id ASC' : 'ts_us DESC, id DESC';
}

export function clampLimit(limit: number | undefined, dflt: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return dflt;
  return Math.max(0, Math.min(max, Math.floor(limit)));
}
