// Analyst metrics over stored alerts: the true-positive rate per signature and per source from
// the verdicts analysts recorded (so a firewall rule's 40% becomes a number to watch), the time
// to first look and to verdict, and alerts per day. The same SQL runs on SQLite and PostgreSQL;
// each adapter supplies a runner and its placeholder style.

import type { AlertMetrics, AlertMetricsRange, DurationFigures, RateRow } from './types.js';

/** First-look target of DESIGN.md: an analyst looks within 15 minutes. */
export const FIRST_LOOK_TARGET_US = 15 * 60 * 1_000_000;

export type MetricsRunner = (sql: string, params: (number | string)[]) => Promise<Record<string, unknown>[]>;

const DAY_US = 86_400 * 1_000_000;

function rates(rows: Record<string, unknown>[]): RateRow[] {
  return rows.map((r) => {
    const decided = Number(r.decided ?? 0);
    const tp = Number(r.tp ?? 0);
    return { key: String(r.k), alerts: Number(r.n ?? 0), decided, true_positive: tp, tp_rate: decided ? tp / decided : 0 };
  });
}

async function durations(run: MetricsRunner, p: (i: number) => string, col: string, range: AlertMetricsRange, target?: number): Promise<DurationFigures> {
  const where = `ts_us >= ${p(1)} AND ts_us <= ${p(2)} AND ${col} IS NOT NULL`;
  const base = [range.from_us, range.to_us];
  const head = await run(
    `SELECT count(*) AS n, max(${col} - received_us) AS mx${target !== undefined ? `, sum(CASE WHEN ${col} - received_us <= ${p(3)} THEN 1 ELSE 0 END) AS ok` : ''} FROM alerts WHERE ${where}`,
    target !== undefined ? [...base, target] : base,
  );
  const n = Number(head[0]?.n ?? 0);
  if (n === 0) return { count: 0, p50_us: 0, p90_us: 0, max_us: 0 };
  const at = async (q: number) => {
    const k = Math.min(n - 1, Math.floor(q * (n - 1)));
    const r = await run(`SELECT ${col} - received_us AS d FROM alerts WHERE ${where} ORDER BY d LIMIT 1 OFFSET ${p(3)}`, [...base, k]);
    return Number(r[0]?.d ?? 0);
  };
  return {
    count: n,
    p50_us: await at(0.5),
    p90_us: await at(0.9),
    max_us: Number(head[0]?.mx ?? 0),
    ...(target !== undefined ? { within_target: Number(head[0]?.ok ?? 0) / n } : {}),
  };
}

export async function computeAlertMetrics(run: MetricsRunner, p: (i: number) => string, range: AlertMetricsRange): Promise<AlertMetrics> {
  const params = [range.from_us, range.to_us];
  const inRange = `ts_us >= ${p(1)} AND ts_us <= ${p(2)}`;
  const agg = `count(*) AS n, sum(CASE WHEN verdict IS NOT NULL THEN 1 ELSE 0 END) AS decided, sum(CASE WHEN verdict = 'true_positive' THEN 1 ELSE 0 END) AS tp`;
  const bySig = await run(`SELECT signature || ' (' || signature_id || ')' AS k, ${agg} FROM alerts WHERE ${inRange} GROUP BY signature, signature_id ORDER BY n DESC LIMIT 200`, params);
  const bySrc = await run(`SELECT source AS k, ${agg} FROM alerts WHERE ${inRange} GROUP BY source ORDER BY n DESC`, params);
  const days = await run(`SELECT (ts_us / ${DAY_US}) AS d, count(*) AS n FROM alerts WHERE ${inRange} GROUP BY (ts_us / ${DAY_US}) ORDER BY d`, params);
  return {
    from_us: range.from_us,
    to_us: range.to_us,
    by_signature: rates(bySig),
    by_source: rates(bySrc),
    time_to_first_look: await durations(run, p, 'first_look_us', range, FIRST_LOOK_TARGET_US),
    time_to_verdict: await durations(run, p, 'verdict_us', range),
    per_day: days.map((r) => ({ day: new Date(Math.floor(Number(r.d)) * (DAY_US / 1000)).toISOString().slice(0, 10), alerts: Number(r.n) })),
  };
}
