// The shared store: PostgreSQL through a connection pool. Flows go to a table partitioned by range of
// start_us, one partition per UTC day created on demand, and are inserted as arrays unnested in one
// statement with ON CONFLICT DO NOTHING (one round trip per batch, idempotent on redelivery).
// `flow_days` records per day the longest duration and latest end, so a flow query bounds start_us
// from below (and PostgreSQL prunes partitions) and retention drops whole partitions.

import pg from 'pg';
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
  MAX_ALERT_PAGE,
  MAX_FLOW_QUERY_LIMIT,
  alertOrder,
  alertValues,
  alertWhere,
  auditFromRow,
  clampLimit,
  flowDay,
  flowTableName,
  flowValues,
  rowToStoredAlert,
  triageFromRow,
  valuesToFlow,
  type AlertRow,
  type SqlValue,
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
import { POSTGRES_MIGRATIONS } from './migrations.js';

export interface PostgresStoreOptions {
  /** Schema to keep every table in (created by migrate); default `public`. */
  schema?: string;
  /** Pool size. Default 4. */
  poolSize?: number;
}

/** Alerts per INSERT statement (18 parameters each, well under PostgreSQL's 65535). */
const ALERT_INSERT_CHUNK = 1000;
/** Flows per unnest INSERT statement: bounds the size of one request. */
const FLOW_INSERT_CHUNK = 10_000;

const INT8_OID = 20;
const NUMERIC_OID = 1700;
/** bigint columns hold microsecond times and counters, all below 2^53: read them as numbers. */
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

const FLOW_ARRAY_TYPES: Record<(typeof FLOW_COLUMNS)[number], string> = {
  flow_id: 'text',
  source: 'text',
  community_id: 'text',
  observer: 'text',
  src_ip: 'text',
  src_port: 'int4',
  dest_ip: 'text',
  dest_port: 'int4',
  proto: 'text',
  vlan: 'int4',
  app_proto: 'text',
  start_us: 'int8',
  end_us: 'int8',
  pkts_toserver: 'int8',
  pkts_toclient: 'int8',
  bytes_toserver: 'int8',
  bytes_toclient: 'int8',
  state: 'text',
  reason: 'text',
  tcp_flags: 'int4',
  extra: 'jsonb',
};

const FLOW_INSERT_SQL = `INSERT INTO flows (${FLOW_COLUMNS.join(', ')})
  SELECT * FROM unnest(${FLOW_COLUMNS.map((c, i) => `$${i + 1}::${FLOW_ARRAY_TYPES[c]}[]`).join(', ')})
  ON CONFLICT (flow_id, source, start_us) DO NOTHING`;

/** SQLSTATE 23514: a row matched no partition (a day dropped by retention in another process). */
const NO_PARTITION = '23514';
/** SQLSTATE 40P01: two writers inserting the same keys in different orders; one is aborted and retries. */
const DEADLOCK = '40P01';
/** Attempts of one putFlows batch against the two transient failures above. */
const FLOW_WRITE_ATTEMPTS = 3;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly knownDays = new Set<number>();

  constructor(connectionString: string, opts: PostgresStoreOptions = {}) {
    this.schema = opts.schema ?? 'public';
    this.pool = new pg.Pool({
      connectionString,
      max: opts.poolSize ?? 4,
      types: pgTypes,
      options: `-c search_path=${quoteIdent(this.schema)}`,
    });
    // An idle client losing its connection must not take the process down; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async migrate(): Promise<void> {
    checkMigrations(POSTGRES_MIGRATIONS);
    await this.tx(async (c) => {
      // One migrator per schema at a time, across processes.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`minerwatch.migrate.${this.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_us bigint NOT NULL)',
      );
      const done = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of POSTGRES_MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const s of m.statements) await c.query(s);
        await c.query('INSERT INTO schema_migrations (version, name, applied_us) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Date.now() * 1000,
        ]);
      }
    });
  }

  /** The migrations recorded as applied, in order. */
  async appliedMigrations(): Promise<{ version: number; name: string }[]> {
    return (await this.pool.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')).rows;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Refreshes planner statistics now (autovacuum does it eventually); worth running after a bulk load. */
  async optimize(): Promise<void> {
    await this.pool.query('ANALYZE alerts');
    await this.pool.query('ANALYZE flows');
  }

  // ---- alerts ----

  async putAlerts(alerts: Alert[], receivedUs: number): Promise<number> {
    if (alerts.length === 0) return 0;
    const n = ALERT_COLUMNS.length;
    return this.tx(async (c) => {
      let added = 0;
      for (let i = 0; i < alerts.length; i += ALERT_INSERT_CHUNK) {
        const chunk = alerts.slice(i, i + ALERT_INSERT_CHUNK);
        const params: SqlValue[] = [];
        const rows = chunk.map((a, r) => {
          params.push(...alertValues(a, receivedUs));
          return `(${ALERT_COLUMNS.map((_, k) => `$${r * n + k + 1}`).join(', ')})`;
        });
        const res = await c.query(
          `INSERT INTO alerts (${ALERT_COLUMNS.join(', ')}) VALUES ${rows.join(', ')} ON CONFLICT (id) DO NOTHING`,
          params,
        );
        added += res.rowCount ?? 0;
      }
      return added;
    });
  }

  async getAlert(id: string): Promise<StoredAlert | undefined> {
    const r = await this.pool.query<AlertRow>(`SELECT ${ALERT_SELECT} FROM alerts WHERE id = $1`, [id]);
    const row = r.rows[0];
    return row === undefined ? undefined : rowToStoredAlert(row);
  }

  async listAlerts(q: AlertQuery): Promise<StoredAlert[]> {
    const w = alertWhere(q, 'postgres');
    const sql = `SELECT ${ALERT_SELECT} FROM alerts WHERE ${w.sql} ORDER BY ${alertOrder(q)} LIMIT $${w.params.length + 1}`;
    const r = await this.pool.query<AlertRow>(sql, [...w.params, clampLimit(q.limit, 50, MAX_ALERT_PAGE)]);
    return r.rows.map(rowToStoredAlert);
  }

  async countAlerts(q: Omit<AlertQuery, 'limit' | 'after'>): Promise<number> {
    const w = alertWhere(q, 'postgres');
    const r = await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM alerts WHERE ${w.sql}`, w.params);
    return Number(r.rows[0]?.n ?? 0);
  }

  async alertMetrics(range: AlertMetricsRange): Promise<AlertMetrics> {
    return computeAlertMetrics(async (sql, params) => (await this.pool.query(sql, params)).rows as Record<string, unknown>[], (i) => `$${i}::bigint`, range);
  }

  async updateAlert(
    id: string,
    patch: Partial<Pick<StoredAlert, 'status' | 'assignee' | 'verdict' | 'verdict_note' | 'first_look_us' | 'verdict_us'>>,
  ): Promise<boolean> {
    const cols = ALERT_PATCH_COLUMNS.filter((c) => patch[c] !== undefined);
    if (cols.length === 0) return (await this.pool.query('SELECT 1 FROM alerts WHERE id = $1', [id])).rowCount === 1;
    const sql = `UPDATE alerts SET ${cols.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${cols.length + 1}`;
    const r = await this.pool.query(sql, [...cols.map((c) => patch[c] as SqlValue), id]);
    return (r.rowCount ?? 0) > 0;
  }

  // ---- flows ----

  /** Creates the day partitions a batch needs, once per process per day (others may race: the lock orders them). */
  private async ensureDays(days: Iterable<number>): Promise<void> {
    const missing = [...days].filter((d) => !this.knownDays.has(d));
    if (missing.length === 0) return;
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`minerwatch.partitions.${this.schema}`]);
      for (const d of missing) {
        const t = flowTableName(d);
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${t} PARTITION OF flows FOR VALUES FROM (${d * DAY_US}) TO (${(d + 1) * DAY_US})`,
        );
        await c.query(
          `INSERT INTO flow_days (day, table_name, max_duration_us, max_end_us) VALUES ($1, $2, 0, $3) ON CONFLICT (day) DO NOTHING`,
          [d, t, d * DAY_US],
        );
      }
    });
    for (const d of missing) this.knownDays.add(d);
  }

  async putFlows(flows: FlowRecord[]): Promise<number> {
    if (flows.length === 0) return 0;
    const stats = new Map<number, { dur: number; end: number }>();
    for (const f of flows) {
      const day = flowDay(f.start_us);
      const dur = Math.max(0, f.end_us - f.start_us);
      const st = stats.get(day);
      if (st === undefined) stats.set(day, { dur, end: f.end_us });
      else {
        if (dur > st.dur) st.dur = dur;
        if (f.end_us > st.end) st.end = f.end_us;
      }
    }
    for (let attempt = 0; ; attempt++) {
      await this.ensureDays(stats.keys());
      try {
        return await this.tx(async (c) => {
          let added = 0;
          for (let i = 0; i < flows.length; i += FLOW_INSERT_CHUNK) {
            const chunk = flows.slice(i, i + FLOW_INSERT_CHUNK);
            const cols: SqlValue[][] = FLOW_COLUMNS.map(() => new Array<SqlValue>(chunk.length));
            chunk.forEach((f, r) => {
              flowValues(f).forEach((v, k) => {
                (cols[k] as SqlValue[])[r] = v;
              });
            });
            const res = await c.query({ name: `mw_flows_insert_${this.schema}`, text: FLOW_INSERT_SQL, values: cols });
            added += res.rowCount ?? 0;
          }
          // Sorted by day so concurrent writers take the row locks in the same order.
          for (const [day, st] of [...stats].sort((a, b) => a[0] - b[0])) {
            await c.query(
              `UPDATE flow_days SET max_duration_us = GREATEST(max_duration_us, $2), max_end_us = GREATEST(max_end_us, $3) WHERE day = $1`,
              [day, st.dur, st.end],
            );
          }
          return added;
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if ((code !== NO_PARTITION && code !== DEADLOCK) || attempt + 1 >= FLOW_WRITE_ATTEMPTS) throw err;
        if (code === NO_PARTITION) this.knownDays.clear();
      }
    }
  }

  async queryFlows(q: FlowQuery): Promise<FlowRecord[]> {
    const limit = clampLimit(q.limit, DEFAULT_FLOW_QUERY_LIMIT, MAX_FLOW_QUERY_LIMIT);
    if (limit === 0) return [];
    // The day partitions that can hold a flow overlapping [from, to], oldest first.
    const days = await this.pool.query<{ day: number; dur: number }>(
      'SELECT day, max_duration_us AS dur FROM flow_days WHERE day * $1::bigint <= $2 AND max_end_us >= $3 ORDER BY day',
      [DAY_US, q.to_us, q.from_us],
    );
    const cols = FLOW_COLUMNS.join(', ');
    const hasPeer = q.peer !== undefined;
    const bounds = 'start_us >= $2 AND start_us <= $3 AND end_us >= $4';
    const sql = `SELECT ${cols} FROM flows WHERE src_ip = $1 AND ${bounds}${hasPeer ? ' AND dest_ip = $6' : ''}
      UNION ALL
      SELECT ${cols} FROM flows WHERE dest_ip = $1 AND ${bounds} AND src_ip <> $1${hasPeer ? ' AND src_ip = $6' : ''}
      ORDER BY start_us, flow_id LIMIT $5`;
    // One statement per day: a partition holds the flows that start in its day, so the days'
    // answers in day order are the window's answer in start order, and the later days are never
    // read once the limit is met. Over the whole window at once the planner reads every matching
    // row before its top-N sort: a popular server's week is 100 000 rows for a 10 000-row answer.
    const out: FlowRecord[] = [];
    for (const d of days.rows) {
      const dayStart = d.day * DAY_US;
      // A flow of this day overlaps the window only if it started at most its day's longest duration before `from`.
      const lo = Math.max(q.from_us - Number(d.dur), dayStart);
      const hi = Math.min(q.to_us, dayStart + DAY_US - 1);
      if (lo > hi) continue;
      const params: SqlValue[] = [q.ip, lo, hi, q.from_us, limit - out.length];
      if (hasPeer) params.push(q.peer ?? null);
      // Rows as arrays: no per-row object of named columns before the record itself.
      const r = await this.pool.query<unknown[]>({ text: sql, values: params, rowMode: 'array' });
      for (const row of r.rows) out.push(valuesToFlow(row));
      if (out.length >= limit) break;
    }
    return out;
  }

  async expireFlows(beforeUs: number, opts: { wholeDaysOnly?: boolean } = {}): Promise<number> {
    const days = await this.pool.query<{ day: number; table_name: string; max_end_us: number }>(
      'SELECT day, table_name, max_end_us FROM flow_days WHERE day * $1::bigint < $2 ORDER BY day',
      [DAY_US, beforeUs],
    );
    let removed = 0;
    for (const d of days.rows) {
      if (d.max_end_us < beforeUs) {
        removed += await this.tx(async (c) => {
          await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`minerwatch.partitions.${this.schema}`]);
          const n = await c.query<{ n: number }>(`SELECT count(*) AS n FROM ${d.table_name}`);
          await c.query(`DROP TABLE IF EXISTS ${d.table_name}`);
          await c.query('DELETE FROM flow_days WHERE day = $1', [d.day]);
          return Number(n.rows[0]?.n ?? 0);
        });
        this.knownDays.delete(d.day);
      } else if (opts.wholeDaysOnly !== true) {
        const r = await this.pool.query(`DELETE FROM ${d.table_name} WHERE end_us < $1`, [beforeUs]);
        removed += r.rowCount ?? 0;
      }
    }
    return removed;
  }

  // ---- triage ----

  async putTriage(row: TriageResultRow): Promise<void> {
    await this.tx(async (c) => {
      await c.query(
        `INSERT INTO triage_results (alert_id, verdict, confidence, started_us, finished_us, report) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (alert_id) DO UPDATE SET verdict = EXCLUDED.verdict, confidence = EXCLUDED.confidence,
           started_us = EXCLUDED.started_us, finished_us = EXCLUDED.finished_us, report = EXCLUDED.report`,
        [row.alert_id, row.verdict, row.confidence, row.started_us, row.finished_us, JSON.stringify(row.report)],
      );
      await c.query('UPDATE alerts SET triage_verdict = $1, triage_confidence = $2 WHERE id = $3', [
        row.verdict,
        row.confidence,
        row.alert_id,
      ]);
    });
  }

  async getTriage(alertId: string): Promise<TriageResultRow | undefined> {
    const r = await this.pool.query('SELECT * FROM triage_results WHERE alert_id = $1', [alertId]);
    const row = r.rows[0] as Record<string, unknown> | undefined;
    return row === undefined ? undefined : triageFromRow(row);
  }

  // ---- users, sessions, tokens ----

  async putUser(u: UserRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO users (username, password_hash, role, created_us) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role`,
      [u.username, u.password_hash, u.role, u.created_us],
    );
  }

  async getUser(username: string): Promise<UserRow | undefined> {
    const r = await this.pool.query<UserRow>('SELECT username, password_hash, role, created_us FROM users WHERE username = $1', [
      username,
    ]);
    return r.rows[0];
  }

  async countUsers(): Promise<number> {
    const r = await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM users');
    return Number(r.rows[0]?.n ?? 0);
  }

  async putSession(s: SessionRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO sessions (id, username, csrf_token, created_us, expires_us) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, csrf_token = EXCLUDED.csrf_token,
         created_us = EXCLUDED.created_us, expires_us = EXCLUDED.expires_us`,
      [s.id, s.username, s.csrf_token, s.created_us, s.expires_us],
    );
  }

  async getSession(id: string): Promise<SessionRow | undefined> {
    const r = await this.pool.query<SessionRow>(
      'SELECT id, username, csrf_token, created_us, expires_us FROM sessions WHERE id = $1',
      [id],
    );
    return r.rows[0];
  }

  async deleteSession(id: string): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE id = $1', [id]);
  }

  async putApiToken(t: ApiTokenRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO api_tokens (token_hash, name, role, created_us) VALUES ($1, $2, $3, $4)
       ON CONFLICT (token_hash) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role`,
      [t.token_hash, t.name, t.role, t.created_us],
    );
  }

  async getApiToken(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const r = await this.pool.query<ApiTokenRow>(
      'SELECT token_hash, name, role, created_us FROM api_tokens WHERE token_hash = $1',
      [tokenHash],
    );
    return r.rows[0];
  }

  // ---- audit, meta ----

  async audit(row: AuditRow): Promise<void> {
    await this.pool.query('INSERT INTO audit_log (ts_us, username, action, alert_id, detail) VALUES ($1, $2, $3, $4, $5)', [
      row.ts_us,
      row.username,
      row.action,
      row.alert_id,
      JSON.stringify(row.detail),
    ]);
  }

  async listAudit(alertId?: string, limit?: number): Promise<AuditRow[]> {
    const n = clampLimit(limit, DEFAULT_AUDIT_LIMIT, MAX_ALERT_PAGE);
    const r =
      alertId === undefined
        ? await this.pool.query('SELECT * FROM audit_log ORDER BY id DESC LIMIT $1', [n])
        : await this.pool.query('SELECT * FROM audit_log WHERE alert_id = $1 ORDER BY id DESC LIMIT $2', [alertId, n]);
    return (r.rows as Record<string, unknown>[]).map(auditFromRow);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = await this.pool.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
    return r.rows[0]?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, value],
    );
  }

  /** Drops the whole schema (tests and benchmarks that made their own). Never `public`. */
  async dropSchema(): Promise<void> {
    if (this.schema === 'public') throw new Error('refusing to drop the public schema');
    await this.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.schema)} CASCADE`);
  }
}
