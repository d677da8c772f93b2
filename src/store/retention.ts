// Flow retention: flows older than `retentionDays` are expired. Both stores keep flows in day
// buckets, and retention drops only whole buckets (a table or partition) whose every flow ended
// before the cut: flows crossing midnight would otherwise make the newest expired day a row-by-row
// delete every time. Retention is therefore "at least `retentionDays`", by at most one day.

import type { Clock } from '../util/clock.js';
import { DAY_US } from './common.js';
import type { Store } from './types.js';

/** Days of flow records kept when the deployment does not say. */
export const DEFAULT_RETENTION_DAYS = 30;
/** How often the retention timer runs, in milliseconds. */
export const DEFAULT_RETENTION_INTERVAL_MS = 3_600_000;

/** The cut for `retentionDays`: the start of the UTC day `retentionDays` days before now. */
export function retentionCutoffUs(nowUs: number, retentionDays: number): number {
  return (Math.floor(nowUs / DAY_US) - retentionDays) * DAY_US;
}

/** Expires flows older than the retention; returns how many went. */
export async function expireByRetention(store: Store, nowUs: number, retentionDays = DEFAULT_RETENTION_DAYS): Promise<number> {
  if (!Number.isFinite(retentionDays) || retentionDays < 1) throw new Error(`retentionDays must be >= 1, got ${retentionDays}`);
  return store.expireFlows(retentionCutoffUs(nowUs, retentionDays), { wholeDaysOnly: true });
}

export interface RetentionTimer {
  stop(): void;
}

/** Runs expiry now and every `intervalMs`; failures go to `onError` and the timer keeps going. */
export function startRetention(
  store: Store,
  clock: Clock,
  retentionDays = DEFAULT_RETENTION_DAYS,
  intervalMs = DEFAULT_RETENTION_INTERVAL_MS,
  onError: (err: unknown) => void = () => undefined,
): RetentionTimer {
  let running = false;
  const tick = (): void => {
    if (running) return;
    running = true;
    expireByRetention(store, clock.nowUs(), retentionDays)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
