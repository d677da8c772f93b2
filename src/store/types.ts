// The store interface: one contract, two adapters (SQLite embedded default, PostgreSQL shared).
// Every method is async so both adapters fit; the SQLite adapter answers synchronously inside.
// Writes are idempotent: alerts are keyed by their content-derived id, flows by flow_id + source +
// start_us (a re-sent record has the same start; a reused flow id at another time is another flow).

import type { Alert } from '../alerts/types.js';
import type { FlowRecord } from '../flows/types.js';

export type AlertStatus = 'new' | 'in_progress' | 'closed';
export type AnalystVerdict = 'true_positive' | 'false_positive' | 'benign' | 'indeterminate';
export type Role = 'admin' | 'analyst' | 'read_only';

export interface StoredAlert extends Alert {
  status: AlertStatus;
  assignee: string | null;
  verdict: AnalystVerdict | null;
  verdict_note: string | null;
  /** Microseconds since the epoch. */
  received_us: number;
  first_look_us: number | null;
  verdict_us: number | null;
  /** Automatic triage verdict, once triage ran. */
  triage_verdict: string | null;
  triage_confidence: number | null;
}

export interface AlertQuery {
  status?: AlertStatus;
  source?: string;
  signature_id?: number;
  severity?: number;
  ip?: string;
  /** Only alerts that have no triage result yet. */
  untriaged?: boolean;
  /** Free text over signature, explanation, addresses. */
  text?: string;
  from_us?: number;
  to_us?: number;
  /** Keyset paging: continue after this (ts_us, id). */
  after?: { ts_us: number; id: string };
  limit: number;
  order?: 'newest' | 'oldest';
}

export interface FlowQuery {
  ip: string;
  peer?: string;
  from_us: number;
  to_us: number;
  limit?: number;
}

export interface TriageResultRow {
  alert_id: string;
  /** JSON document of the triage report (actions, evidence, verdict). */
  report: Record<string, unknown>;
  verdict: string;
  confidence: number;
  started_us: number;
  finished_us: number;
}

export interface UserRow {
  username: string;
  password_hash: string;
  role: Role;
  created_us: number;
}

export interface SessionRow {
  id: string;
  username: string;
  csrf_token: string;
  created_us: number;
  expires_us: number;
}

export interface AuditRow {
  ts_us: number;
  username: string;
  action: string;
  alert_id: string | null;
  detail: Record<string, unknown>;
}

export interface ApiTokenRow {
  token_hash: string;
  name: string;
  role: Role;
  created_us: number;
}

export interface AlertMetricsRange {
  from_us: number;
  to_us: number;
}

/** Verdict counts for one signature or source. */
export interface RateRow {
  key: string;
  alerts: number;
  /** Alerts with an analyst verdict. */
  decided: number;
  true_positive: number;
  /** true_positive / decided (0 when nothing is decided). */
  tp_rate: number;
}

export interface DurationFigures {
  count: number;
  p50_us: number;
  p90_us: number;
  max_us: number;
  /** Share within the 15-minute first-look target (first look only). */
  within_target?: number;
}

export interface AlertMetrics {
  from_us: number;
  to_us: number;
  by_signature: RateRow[];
  by_source: RateRow[];
  time_to_first_look: DurationFigures;
  time_to_verdict: DurationFigures;
  per_day: { day: string; alerts: number }[];
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Inserts alerts not yet stored; returns how many were new. */
  putAlerts(alerts: Alert[], receivedUs: number): Promise<number>;
  getAlert(id: string): Promise<StoredAlert | undefined>;
  listAlerts(q: AlertQuery): Promise<StoredAlert[]>;
  countAlerts(q: Omit<AlertQuery, 'limit' | 'after'>): Promise<number>;
  updateAlert(
    id: string,
    patch: Partial<Pick<StoredAlert, 'status' | 'assignee' | 'verdict' | 'verdict_note' | 'first_look_us' | 'verdict_us'>>,
  ): Promise<boolean>;

  /** Inserts flows (idempotent on flow_id + source + start_us); returns how many were new. */
  putFlows(flows: FlowRecord[]): Promise<number>;
  /** Flows with `ip` on either side (and `peer` on the other), overlapping [from, to]. */
  queryFlows(q: FlowQuery): Promise<FlowRecord[]>;
  /**
   * Deletes flows that ended before `beforeUs`; returns how many went. With `wholeDaysOnly`, only
   * day buckets whose every flow ended before `beforeUs` go (a dropped table or partition, no
   * row-by-row delete); flows of a day that straddles the cut stay until the whole day can go.
   */
  expireFlows(beforeUs: number, opts?: { wholeDaysOnly?: boolean }): Promise<number>;

  putTriage(row: TriageResultRow): Promise<void>;
  getTriage(alertId: string): Promise<TriageResultRow | undefined>;

  putUser(user: UserRow): Promise<void>;
  getUser(username: string): Promise<UserRow | undefined>;
  countUsers(): Promise<number>;
  putSession(s: SessionRow): Promise<void>;
  getSession(id: string): Promise<SessionRow | undefined>;
  deleteSession(id: string): Promise<void>;
  putApiToken(t: ApiTokenRow): Promise<void>;
  getApiToken(tokenHash: string): Promise<ApiTokenRow | undefined>;

  audit(row: AuditRow): Promise<void>;
  listAudit(alertId?: string, limit?: number): Promise<AuditRow[]>;

  /** Analyst metrics over alerts whose time falls in the range. */
  alertMetrics(range: AlertMetricsRange): Promise<AlertMetrics>;

  /** Key-value facts that must survive restarts (learned pool addresses, ...). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}
