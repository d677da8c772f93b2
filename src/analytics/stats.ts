// Robust statistics for flow regularity: quartiles by linear interpolation (the same method for
// every figure so results are reproducible), median absolute deviation, Bowley (quartile) skewness
// and the coefficient of variation. Inputs are not modified.

export interface Quartiles {
  q1: number;
  q2: number;
  q3: number;
}

/** Quantile p (0..1) of sorted values, linear interpolation between closest ranks. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function quartiles(values: readonly number[]): Quartiles {
  const s = sortedCopy(values);
  return { q1: quantileSorted(s, 0.25), q2: quantileSorted(s, 0.5), q3: quantileSorted(s, 0.75) };
}

export function median(values: readonly number[]): number {
  return quantileSorted(sortedCopy(values), 0.5);
}

/** Median absolute deviation from the median (unscaled). */
export function mad(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** Bowley skewness (Q1 + Q3 - 2 Q2) / (Q3 - Q1); 0 when the quartiles coincide (no spread). */
export function bowley(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const { q1, q2, q3 } = quartiles(values);
  const iqr = q3 - q1;
  if (iqr === 0) return 0;
  return (q1 + q3 - 2 * q2) / iqr;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Population standard deviation over the mean; 0 for constant values, NaN for empty or zero mean. */
export function coefficientOfVariation(values: readonly number[]): number {
  const m = mean(values);
  if (!(m > 0)) return values.length > 0 && values.every((v) => v === 0) ? 0 : NaN;
  let s = 0;
  for (const v of values) s += (v - m) * (v - m);
  return Math.sqrt(s / values.length) / m;
}

export function clamp01(v: number): number {
  if (!Number.isFinite(v)) return 0;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
