// Memory policy of a process that runs the sensor. The sensor's live data is small and steady (the
// flow table, its analysis state, bounded by the named limits), but each flow's state outlives the
// young generation and is collected in the old one. Left to itself V8 lets the old generation grow
// to several times the live data before it collects (its growing factor adapts up to 4x when
// collection is cheap), so peak RSS would be set by the collector's pace, not by what is live.
// A fixed growing factor keeps the old generation within SENSOR_HEAP_GROWING_PERCENT of the live
// data after each full collection: peak memory then follows the live data (flat in input size),
// for a few percent more collection work. `npm run bench` measures both.

import { setFlagsFromString } from 'node:v8';

/** Old-generation growth allowed over the live data after a full collection, percent. */
export const SENSOR_HEAP_GROWING_PERCENT = 125;
/** Environment variable that overrides it (0 leaves V8's adaptive factor). */
export const HEAP_GROWING_ENV = 'MINERWATCH_HEAP_GROWING_PERCENT';

/**
 * Applies the sensor's heap growing factor to this process (once, before the sensor allocates).
 * Returns the percent applied, or 0 when the environment asked for V8's own policy.
 */
export function tuneHeapForSensor(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[HEAP_GROWING_ENV];
  let percent = SENSOR_HEAP_GROWING_PERCENT;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 1000) throw new Error(`${HEAP_GROWING_ENV} must be an integer from 0 to 1000, not "${raw}"`);
    percent = n;
  }
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
