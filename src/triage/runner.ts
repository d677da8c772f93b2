// Runs the triage actions over one alert in order, each with its own time limit; a failure or a
// throw in one is recorded as that action's failure and the next still runs. The verdict and the
// next steps read what the earlier actions found.

import type { Alert } from '../alerts/types.js';
import type { ActionResult, TriageAction, TriageContext, TriageReport } from './types.js';
import type { Verdict } from './actions/verdict.js';

/** Longest one action may take before it is marked failed and the next one starts. */
export const ACTION_TIMEOUT_MS = 30_000;

export async function runTriage(alert: Alert, actions: readonly TriageAction[], ctx: TriageContext): Promise<TriageReport> {
  const started = ctx.clock.nowUs();
  const results = new Map<string, ActionResult>();
  for (const action of actions) {
    const t0 = ctx.clock.nowUs();
    const controller = new AbortController();
    const signal = AbortSignal.any([ctx.signal, controller.signal]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`did not finish within ${ACTION_TIMEOUT_MS} ms`));
      }, ACTION_TIMEOUT_MS);
    });
    let result: ActionResult;
    try {
      const r = await Promise.race([action.run(alert, { ...ctx, signal }, results), timeout]);
      result = { action: action.name, title: action.title, ...r, duration_ms: (ctx.clock.nowUs() - t0) / 1000 };
    } catch (err) {
      result = {
        action: action.name,
        title: action.title,
        status: 'failed',
        reason: (err as Error).message,
        duration_ms: (ctx.clock.nowUs() - t0) / 1000,
      };
    } finally {
      clearTimeout(timer);
    }
    results.set(action.name, result);
  }
  const v = results.get('verdict') as ActionResult<Verdict> | undefined;
  const finished = ctx.clock.nowUs();
  return {
    alert_id: alert.id,
    alert,
    verdict: v?.evidence?.verdict ?? 'needs_analyst',
    confidence: v?.evidence?.confidence ?? 0,
    reasons: v?.evidence?.reasons ?? ['The verdict action did not complete.'],
    actions: [...results.values()],
    started_us: started,
    finished_us: finished,
    duration_ms: (finished - started) / 1000,
  };
}
