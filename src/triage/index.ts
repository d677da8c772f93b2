// Triage as a service: runs the six actions over an alert with the sources configured, stores the
// report with the alert (verdict, confidence, time to verdict), and renders it on demand.

import type { Alert } from '../alerts/types.js';
import type { Store, TriageResultRow } from '../store/types.js';
import { capture } from './actions/capture.js';
import { endpointRoles } from './actions/endpoint-roles.js';
import { enrichment } from './actions/enrichment.js';
import { flowsAction } from './actions/flows.js';
import { nextSteps } from './actions/next-steps.js';
import { verdict } from './actions/verdict.js';
import { renderReport, type ReportFormat } from './report.js';
import { runTriage } from './runner.js';
import type { TriageAction, TriageContext, TriageReport } from './types.js';

export const DEFAULT_ACTIONS: readonly TriageAction[] = [endpointRoles, enrichment, flowsAction, capture, verdict, nextSteps] as TriageAction[];

export type { TriageReport, TriageContext, TriageAction } from './types.js';
export { renderReport, type ReportFormat } from './report.js';
export { runTriage } from './runner.js';

export class TriageService {
  constructor(
    private readonly ctx: Omit<TriageContext, 'signal'>,
    private readonly actions: readonly TriageAction[] = DEFAULT_ACTIONS,
  ) {}

  /** Triage an alert (not necessarily stored) and return the report. */
  async run(alert: Alert, signal: AbortSignal = new AbortController().signal): Promise<TriageReport> {
    return runTriage(alert, this.actions, { ...this.ctx, signal });
  }

  /** Triage a stored alert and store the report with it. */
  async triageStored(store: Store, alertId: string): Promise<TriageReport | undefined> {
    const alert = await store.getAlert(alertId);
    if (!alert) return undefined;
    const report = await this.run(alert);
    await store.putTriage(TriageService.row(report));
    return report;
  }

  /** The stored form of a report. */
  static row(report: TriageReport): TriageResultRow {
    return {
      alert_id: report.alert_id,
      report: report as unknown as Record<string, unknown>,
      verdict: report.verdict,
      confidence: report.confidence,
      started_us: report.started_us,
      finished_us: report.finished_us,
    };
  }

  static async renderStored(store: Store, alertId: string, format: ReportFormat): Promise<string | undefined> {
    const row = await store.getTriage(alertId);
    return row ? renderReport(row.report as unknown as TriageReport, format) : undefined;
  }
}
