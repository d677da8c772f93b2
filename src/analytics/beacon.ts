// The beacon score (0..1) of one client/server/port pair, from its connections. The formula and
// how it differs from RITA's are in docs/flows.md: a timestamp score and a data-size score (each
// the product of a Bowley-skewness score and a MAD-over-median score) and a coverage score, averaged.

import { bowley, clamp01, mad, median, quartiles } from './stats.js';
import type { Connection } from './connections.js';

/** Fewer connections than this give no beacon score (three intervals are the least to compare). */
export const MIN_BEACON_CONNECTIONS = 4;
/** Bins the observed span is cut into for the coverage score (count). */
export const COVERAGE_BINS = 24;

export interface BeaconScore {
  score: number;
  /** Regularity of the intervals between connection starts, 0..1; null below the minimum. */
  timestamp: number | null;
  /** Sameness of bytes per connection, 0..1; null below the minimum. */
  data_size: number | null;
  /** Share of the observed span's bins in which a connection was open, 0..1. */
  coverage: number;
  /** Why there is no score, when there is none. */
  reason?: string;
}

/** Spreads narrower than this (seconds for intervals, bytes for sizes) are not judged for skew. */
export const SKEW_MIN_IQR = 10;

/**
 * 1 - |Bowley skewness|: symmetric spread scores 1. As in RITA, skew is only judged when the
 * interquartile range is at least SKEW_MIN_IQR and the median differs from both quartiles: the
 * skew of a 2-second jitter around a 300-second period says nothing.
 */
export function skewScore(values: readonly number[], minIqr = SKEW_MIN_IQR): number {
  const { q1, q2, q3 } = quartiles(values);
  if (q3 - q1 < minIqr || q2 === q1 || q2 === q3) return 1;
  return clamp01(1 - Math.abs(bowley(values)));
}

/** (median - MAD) / median: dispersion small against the typical value scores near 1. */
export function madmScore(values: readonly number[]): number {
  const m = median(values);
  if (!(m > 0)) return 0;
  return clamp01((m - mad(values)) / m);
}

export function coverage(conns: readonly Connection[], bins = COVERAGE_BINS): number {
  if (conns.length === 0) return 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of conns) {
    if (c.start_us < lo) lo = c.start_us;
    if (c.end_us > hi) hi = c.end_us;
  }
  const span = hi - lo;
  if (span <= 0) return 1;
  const hit = new Uint8Array(bins);
  for (const c of conns) {
    const a = Math.min(bins - 1, Math.floor(((c.start_us - lo) / span) * bins));
    const b = Math.min(bins - 1, Math.floor(((c.end_us - lo) / span) * bins));
    for (let i = a; i <= b; i++) hit[i] = 1;
  }
  let n = 0;
  for (const h of hit) n += h;
  return n / bins;
}

export function beaconScore(conns: readonly Connection[]): BeaconScore {
  const cov = coverage(conns);
  if (conns.length < MIN_BEACON_CONNECTIONS) {
    return { score: 0, timestamp: null, data_size: null, coverage: cov, reason: `fewer than ${MIN_BEACON_CONNECTIONS} connections` };
  }
  const starts = conns.map((c) => c.start_us).sort((a, b) => a - b);
  const intervals: number[] = [];
  for (let i = 1; i < starts.length; i++) intervals.push(((starts[i] as number) - (starts[i - 1] as number)) / 1e6);
  const sizes = conns.map((c) => c.bytes_toserver + c.bytes_toclient);
  // Product, not RITA's mean: symmetry alone (uniformly random sizes are symmetric) earns nothing
  // unless the values are also tight around their median.
  const ts = skewScore(intervals) * madmScore(intervals);
  const ds = skewScore(sizes) * madmScore(sizes);
  return { score: (ts + ds + cov) / 3, timestamp: ts, data_size: ds, coverage: cov };
}
