// The embedded store: one SQLite file in WAL mode, written through prepared statements. A write is
// acknowledged (its promise resolves) only after its transaction committed; with synchronous=FULL
// (the default) the commit is fsynced, so acknowledged records survive kill -9 and power loss.
// Flows go to one table per UTC day of start_us, listed in `flow_days` with the longest duration and
// latest end seen in it: a flow query visits only the days that can overlap its window and bounds
// start_us by that longest duration, and retention drops whole days instead of deleting rows.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Alert } from '../../alerts/types.js';
import type { FlowRecord } from '../../flows/types.js';
import { computeAlertMetrics } from '../alert-metrics.js';
import type { AlertMetrics, AlertMetricsRange } from '../types.js';
import {
  ALERT_COLUMNS,
  ALERT_PATCH_COLUMNS,
  ALERT_SELECT,
  DAY_US,
  DEFAULT_AUDIT_LIMIT,
  DEFAULT_FLOW_QUERY_LIMIT,
  FLOW_COLUMNS,
  FTS_HITS_SQL,
  MAX_ALERT_PAGE,
  MAX_FLOW_QUERY_LIMIT,
  TEXT_INDEX_MAX_HITS,
  alertOrder,
  alertValues,
  alertWhere,
  auditFromRow,
  clampLimit,
  flowDay,
  flowTableName,
  flowValues,
  ftsPhrase,
  isIndexableText,
  rowToStoredAlert,
  triageFromRow,
  valuesToFlow,
  type AlertRow,
  type SqlValue,
  type TextPlan,
} from '../common.js';
import { checkMigrations } from '../migrations.js';
import type {
  AlertQuery,
  ApiTokenRow,
  AuditRow,
  FlowQuery,
  SessionRow,
  Store,
  StoredAlert,
  TriageResultRow,
  UserRow,
} from '../types.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

export interface SqliteStoreOptions {
  /**
   * `full` fsyncs every commit (acknowledged writes survive power loss); `normal` fsyncs only at
   * checkpoints (acknowledged writes survive a killed process, not a lost machine). Default `full`.
   */
  synchronous?: 'full' | 'normal';
  /** Page cache size in KiB. Default 65536 (64 MiB). */
  cacheKib?: number;
}

/** Prepared statements kept for dynamic SQL (alert filters, flow day sets); the cache is cleared past this. */
const MAX_CACHED_STATEMENTS = 256;

interface FlowDayRow {
  day: number;
  table_name: string;
  max_duration_us: number;
  max_end_us: number;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly cache = new Map<string, Database.Statement>();
  private readonly flowInserts = new Map<number, Database.Statement>();

  constructor(file: string, opts: SqliteStoreOptions = {}) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma(`cache_size = -${opts.cacheKib ?? 65536}`);
    this.db.pragma('temp_store = MEMORY');
  }

  async migrate(): Promise<void> {
    checkMigrations(SQLITE_MIGRATIONS);
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_us INTEGER NOT NULL)',
    );
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      // IMMEDIATE takes the write lock first, so two processes migrating at once serialise and the
      // second sees the first's row and skips.
      const run = this.db.transaction(() => {
        const again = this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
        if (again !== undefined) return;
        for (const s of m.statements) this.db.exec(s);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_us) VALUES (?, ?, ?)')
          .run(m.version, m.name, Date.now() * 1000);
      });
      run.immediate();
    }
  }

  /** The migrations recorded as applied, in order. */
  async appliedMigrations(): Promise<{ version: number; name: string }[]> {
    return this.db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
  }

  async close(): Promise<void> {
    this.cache.clear();
    this.flowInserts.clear();
    if (this.db.open) {
      // SQLite's advice for long-lived connections: refresh planner statistics that went stale.
      this.db.pragma('optimize');
      this.db.close();
    }
  }

  /**
   * Refreshes planner statistics on every table (bounded sampling, so it takes milliseconds even on
   * large tables). Worth running after a bulk load; `close` does the cheap incremental form.
   *
   * Not on FTS5's shadow tables (`alerts_fts_data`, ...), which FTS5 reads by key with its own
   * statements: a row count taken there while the index is small (ANALYZE on a new store,
   * before a bulk load) slows every later insert through the index trigger more as the index
   * grows (alerts in 1000-alert commits: 1 700/s at 100 000 against 9 000/s without it, about
   * 70/s at 190 000). Such statistics left by an earlier ANALYZE are removed; they stop counting
   * the next time the file is opened.
   */
  async optimize(): Promise<void> {
    this.db.pragma('analysis_limit = 1000');
    const tables = this.db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%'")
      .pluck()
      .all() as string[];
    const isFtsShadow = (name: string): boolean => name.startsWith('alerts_fts_');
    for (const t of tables) if (!isFtsShadow(t)) this.db.exec(`ANALYZE "${t.replace(/"/g, '""')}"`);
    this.db.prepare("DELETE FROM sqlite_stat1 WHERE tbl LIKE 'alerts\\_fts\\_%' ESCAPE '\\'").run();
  }

  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (s === undefined) {
      if (this.cache.size >= MAX_CACHED_STATEMENTS) this.cache.clear();
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  // ---- alerts ----

  async putAlerts(alerts: Alert[], receivedUs: number): Promise<number> {
    const ins = this.stmt(
      `INSERT INTO alerts (${ALERT_COLUMNS.join(', ')}) VALUES (${ALERT_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`,
    );
    const run = this.db.transaction((list: Alert[]) => {
      let added = 0;
      for (const a of list) added += ins.run(alertValues(a, receivedUs)).changes;
      return added;
    });
    return run(alerts);
  }

  async getAlert(id: string): Promise<StoredAlert | undefined> {
    const r = this.stmt(`SELECT ${ALERT_SELECT} FROM alerts WHERE id = ?`).get(id) as AlertRow | undefined;
    return r === undefined ? undefined : rowToStoredAlert(r);
  }

  async listAlerts(q: AlertQuery): Promise<StoredAlert[]> {
    const w = alertWhere(q, 'sqlite', this.textPlan(q.text));
    const sql = `SELECT ${ALERT_SELECT} FROM alerts WHERE ${w.sql} ORDER BY ${alertOrder(q)} LIMIT ?`;
    const rows = this.stmt(sql).all(...w.params, clampLimit(q.limit, 50, MAX_ALERT_PAGE)) as AlertRow[];
    return rows.map(rowToStoredAlert);
  }

  /**
   * A page of a free-text search comes from the trigram index when the term is rare, and from the
   * queue-order walk when it is common (TextPlan); a bounded read of the index hits tells which, and
   * for a rare term those hits are the answer's candidates.
   */
  private textPlan(text: string | undefined): TextPlan {
    if (text === undefined || !isIndexableText(text)) return 'scan';
    const hits = (this.stmt(FTS_HITS_SQL).all(ftsPhrase(text)) as { id: number }[]).map((r) => r.id);
    return hits.length < TEXT_INDEX_MAX_HITS ? { hits } : 'scan';
  }

  async countAlerts(q: Omit<AlertQuery, 'limit' | 'after'>): Promise<number> {
    const w = alertWhere(q, 'sqlite');
    const r = this.stmt(`SELECT count(*) AS n FROM alerts WHERE ${w.sql}`).get(...w.params) as { n: number };
    return r.n;
  }

  async alertMetrics(range: AlertMetricsRange): Promise<AlertMetrics> {
    // Named parameters: the same value may be referred to before and after others in one statement.
    const run = async (sql: string, params: (number | string)[]) =>
      this.db.prepare(sql).all(Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]))) as Record<string, unknown>[];
    return computeAlertMetrics(run, (i) => `@p${i}`, range);
  }

  async updateAlert(
    id: string,
    patch: Partial<Pick<StoredAlert, 'status' | 'assignee' | 'verdict' | 'verdict_note' | 'first_look_us' | 'verdict_us'>>,
  ): Promise<boolean> {
    const cols = ALERT_PATCH_COLUMNS.filter((c) => patch[c] !== undefined);
    if (cols.length === 0) return this.stmt('SELECT 1 FROM alerts WHERE id = ?').get(id) !== undefined;
    const sql = `UPDATE alerts SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`;
    const values = cols.map((c) => patch[c] as SqlValue);
    return this.stmt(sql).run(...values, id).changes > 0;
  }

  // ---- flows ----

  private flowInsert(day: number): Database.Statement {
    let s = this.flowInserts.get(day);
    if (s !== undefined) return s;
    const t = flowTableName(day);
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${t} (
      flow_id TEXT NOT NULL, source TEXT NOT NULL, community_id TEXT, observer TEXT,
      src_ip TEXT NOT NULL, src_port INTEGER NOT NULL, dest_ip TEXT NOT NULL, dest_port INTEGER NOT NULL,
      proto TEXT NOT NULL, vlan INTEGER, app_proto TEXT, start_us INTEGER NOT NULL, end_us INTEGER NOT NULL,
      pkts_toserver INTEGER NOT NULL, pkts_toclient INTEGER NOT NULL,
      bytes_toserver INTEGER NOT NULL, bytes_toclient INTEGER NOT NULL,
      state TEXT, reason TEXT, tcp_flags INTEGER, extra TEXT)`);
    this.db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${t}_key ON ${t} (flow_id, source, start_us)`);
    this.db.exec(`CREATE INDEX IF NOT EXISTS ${t}_src ON ${t} (src_ip, start_us)`);
    this.db.exec(`CREATE INDEX IF NOT EXISTS ${t}_dest ON ${t} (dest_ip, start_us)`);
    s = this.db.prepare(
      `INSERT INTO ${t} (${FLOW_COLUMNS.join(', ')}) VALUES (${FLOW_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (flow_id, source, start_us) DO NOTHING`,
    );
    this.flowInserts.set(day, s);
    return s;
  }

  async putFlows(flows: FlowRecord[]): Promise<number> {
    const upsertDay = this.stmt(
      `INSERT INTO flow_days (day, table_name, max_duration_us, max_end_us) VALUES (?, ?, ?, ?)
       ON CONFLICT (day) DO UPDATE SET
         max_duration_us = max(max_duration_us, excluded.max_duration_us),
         max_end_us = max(max_end_us, excluded.max_end_us)`,
    );
    const run = this.db.transaction((list: FlowRecord[]) => {
      let added = 0;
      const stats = new Map<number, { dur: number; end: number }>();
      for (const f of list) {
        const day = flowDay(f.start_us);
        added += this.flowInsert(day).run(flowValues(f)).changes;
        const dur = Math.max(0, f.end_us - f.start_us);
        const st = stats.get(day);
        if (st === undefined) stats.set(day, { dur, end: f.end_us });
        else {
          if (dur > st.dur) st.dur = dur;
          if (f.end_us > st.end) st.end = f.end_us;
        }
      }
      for (const [day, st] of stats) upsertDay.run(day, flowTableName(day), st.dur, st.end);
      return added;
    });
    return run(flows);
  }

  private flowDays(): FlowDayRow[] {
    return this.stmt('SELECT day, table_name, max_duration_us, max_end_us FROM flow_days ORDER BY day').all() as FlowDayRow[];
  }

  async queryFlows(q: FlowQuery): Promise<FlowRecord[]> {
    const limit = clampLimit(q.limit, DEFAULT_FLOW_QUERY_LIMIT, MAX_FLOW_QUERY_LIMIT);
    // A day can hold a flow overlapping [from, to] only if it starts no later than `to` and its
    // latest end is no earlier than `from`.
    const days = this.flowDays().filter((d) => d.day * DAY_US <= q.to_us && d.max_end_us >= q.from_us);
    if (days.length === 0 || limit === 0) return [];
    const hasPeer = q.peer !== undefined;
    const parts: string[] = [];
    const params: SqlValue[] = [];
    const cols = FLOW_COLUMNS.join(', ');
    for (const d of days) {
      const t = d.table_name;
      const lo = q.from_us - d.max_duration_us;
      parts.push(
        `SELECT ${cols} FROM ${t} WHERE src_ip = ? AND start_us >= ? AND start_us <= ? AND end_us >= ?${hasPeer ? ' AND dest_ip = ?' : ''}`,
      );
      params.push(q.ip, lo, q.to_us, q.from_us);
      if (hasPeer) params.push(q.peer ?? null);
      // The second side skips flows the first side already returned (src_ip = dest_ip = ip).
      parts.push(
        `SELECT ${cols} FROM ${t} WHERE dest_ip = ? AND start_us >= ? AND start_us <= ? AND end_us >= ? AND src_ip <> ?${hasPeer ? ' AND src_ip = ?' : ''}`,
      );
      params.push(q.ip, lo, q.to_us, q.from_us, q.ip);
      if (hasPeer) params.push(q.peer ?? null);
    }
    const sql = `SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY start_us, flow_id LIMIT ?`;
    // Rows as arrays (raw mode): no per-row object of named columns before the record itself.
    const rows = this.stmt(sql).raw(true).all(...params, limit) as unknown[][];
    return rows.map(valuesToFlow);
  }

  async expireFlows(beforeUs: number, opts: { wholeDaysOnly?: boolean } = {}): Promise<number> {
    let removed = 0;
    for (const d of this.flowDays()) {
      if (d.day * DAY_US >= beforeUs) continue;
      const t = d.table_name;
      if (d.max_end_us < beforeUs) {
        // Every flow of the day ended before the cut: drop the table, no per-row work.
        const run = this.db.transaction(() => {
          const n = (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
          this.db.exec(`DROP TABLE IF EXISTS ${t}`);
          this.db.prepare('DELETE FROM flow_days WHERE day = ?').run(d.day);
          return n;
        });
        removed += run.immediate();
        this.flowInserts.delete(d.day);
        this.cache.clear();
      } else if (opts.wholeDaysOnly !== true) {
        // The day straddles the cut: delete its finished flows only.
        removed += this.db.prepare(`DELETE FROM ${t} WHERE end_us < ?`).run(beforeUs).changes;
      }
    }
    return removed;
  }

  // ---- triage ----

  async putTriage(row: TriageResultRow): Promise<void> {
    const up = this.stmt(
      `INSERT INTO triage_results (alert_id, verdict, confidence, started_us, finished_us, report) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (alert_id) DO UPDATE SET verdict = excluded.verdict, confidence = excluded.confidence,
         started_us = excluded.started_us, finished_us = excluded.finished_us, report = excluded.report`,
    );
    const mark = this.stmt('UPDATE alerts SET triage_verdict = ?, triage_confidence = ? WHERE id = ?');
    this.db.transaction(() => {
      up.run(row.alert_id, row.verdict, row.confidence, row.started_us, row.finished_us, JSON.stringify(row.report));
      mark.run(row.verdict, row.confidence, row.alert_id);
    })();
  }

  async getTriage(alertId: string): Promise<TriageResultRow | undefined> {
    const r = this.stmt('SELECT * FROM triage_results WHERE alert_id = ?').get(alertId) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : triageFromRow(r);
  }

  // ---- users, sessions, tokens ----

  async putUser(u: UserRow): Promise<void> {
    this.stmt(
      `INSERT INTO users (username, password_hash, role, created_us) VALUES (?, ?, ?, ?)
       ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role`,
    ).run(u.username, u.password_hash, u.role, u.created_us);
  }

  async getUser(username: string): Promise<UserRow | undefined> {
    return this.stmt('SELECT username, password_hash, role, created_us FROM users WHERE username = ?').get(username) as
      | UserRow
      | undefined;
  }

  async countUsers(): Promise<number> {
    return (this.stmt('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  async putSession(s: SessionRow): Promise<void> {
    this.stmt(
      `INSERT INTO sessions (id, username, csrf_token, created_us, expires_us) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET username = excluded.username, csrf_token = excluded.csrf_token,
         created_us = excluded.created_us, expires_us = excluded.expires_us`,
    ).run(s.id, s.username, s.csrf_token, s.created_us, s.expires_us);
  }

  async getSession(id: string): Promise<SessionRow | undefined> {
    return this.stmt('SELECT id, username, csrf_token, created_us, expires_us FROM sessions WHERE id = ?').get(id) as
      | SessionRow
      | undefined;
  }

  async deleteSession(id: string): Promise<void> {
    this.stmt('DELETE FROM sessions WHERE id = ?').run(id);
  }

  async putApiToken(t: ApiTokenRow): Promise<void> {
    this.stmt(
      `INSERT INTO api_tokens (token_hash, name, role, created_us) VALUES (?, ?, ?, ?)
       ON CONFLICT (token_hash) DO UPDATE SET name = excluded.name, role = excluded.role`,
    ).run(t.token_hash, t.name, t.role, t.created_us);
  }

  async getApiToken(tokenHash: string): Promise<ApiTokenRow | undefined> {
    return this.stmt('SELECT token_hash, name, role, created_us FROM api_tokens WHERE token_hash = ?').get(tokenHash) as
      | ApiTokenRow
      | undefined;
  }

  // ---- audit, meta ----

  async audit(row: AuditRow): Promise<void> {
    this.stmt('INSERT INTO audit_log (ts_us, username, action, alert_id, detail) VALUES (?, ?, ?, ?, ?)').run(
      row.ts_us,
      row.username,
      row.action,
      row.alert_id,
      JSON.stringify(row.detail),
    );
  }

  async listAudit(alertId?: string, limit?: number): Promise<AuditRow[]> {
    const n = clampLimit(limit, DEFAULT_AUDIT_LIMIT, MAX_ALERT_PAGE);
    const rows =
      alertId === undefined
        ? this.stmt('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(n)
        : this.stmt('SELECT * FROM audit_log WHERE alert_id = ? ORDER BY id DESC LIMIT ?').all(alertId, n);
    return (rows as Record<string, unknown>[]).map(auditFromRow);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
