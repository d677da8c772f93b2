// A terminal sparkline: one character per time bin, height by value relative to the largest bin,
// a space for an empty bin so gaps stand out.

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

export function sparkline(bins: readonly number[]): string {
  let max = 0;
  for (const v of bins) if (v > max) max = v;
  if (max === 0) return ' '.repeat(bins.length);
  let out = '';
  for (const v of bins) {
    if (v <= 0) out += ' ';
    else out += BARS[Math.min(BARS.length - 1, Math.ceil((v / max) * BARS.length) - 1)];
  }
  return out;
}
