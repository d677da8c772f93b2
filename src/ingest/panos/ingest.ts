// Routes PAN-OS log bodies to the sinks: mining THREAT logs become Alerts for `onAlert` (the
// composition root sends them to triage and the store, like the sensor's own alerts), TRAFFIC logs
// become FlowRecords for `onFlow`. Everything else is counted by a named reason, never thrown.

import type { Alert } from '../../alerts/types.js';
import type { FlowRecord } from '../../flows/types.js';
import { classifyPanosThreat, classifyThreatText, panosThreatToAlert } from './mining.js';
import { panosThreatFromFields, panosTrafficFromFields, splitPanosBody, splitThreatName, type PanosParseOptions } from './parser.js';
import type { PanosError } from './record.js';

export interface IngestSinks {
  onAlert(alert: Alert): void;
  onFlow(flow: FlowRecord): void;
}

export type PanosOutcome = 'alert' | 'flow' | 'threat_not_mining' | 'traffic_start_skipped' | PanosError;

export interface PanosCounters {
  threat_logs: number;
  traffic_logs: number;
  alerts: number;
  flows: number;
  threat_not_mining: number;
  traffic_start_skipped: number;
  /** Rejected bodies by reason (unknown_log_type, too_few_fields, bad_address, ...). */
  errors: Partial<Record<PanosError, number>>;
}

export function newPanosCounters(): PanosCounters {
  return { threat_logs: 0, traffic_logs: 0, alerts: 0, flows: 0, threat_not_mining: 0, traffic_start_skipped: 0, errors: {} };
}

export class PanosIngest {
  readonly counters: PanosCounters = newPanosCounters();

  constructor(
    private readonly sinks: IngestSinks,
    private readonly opts: PanosParseOptions & { keepRaw?: boolean } = {},
  ) {}

  /** Handles one body (CSV); `only` restricts to one log type (file import with --format). */
  handle(body: string, only?: 'THREAT' | 'TRAFFIC'): PanosOutcome {
    const s = splitPanosBody(body, only);
    if (s.error) return this.fail(s.error);
    if (s.type === 'THREAT') {
      this.counters.threat_logs++;
      // Decide on the raw columns first: most THREAT logs (URL filtering above all) are not about
      // mining, and building their record would be wasted.
      const pre = classifyThreatText(splitThreatName(s.get('threatid') ?? '').name, s.get('thr_category') ?? '', s.get('app') ?? '');
      if (!pre.isMining) {
        this.counters.threat_not_mining++;
        return 'threat_not_mining';
      }
      const t = panosThreatFromFields(s.toRecord(), this.opts);
      if (t.error) return this.fail(t.error);
      const match = classifyPanosThreat(t.record);
      this.counters.alerts++;
      this.sinks.onAlert(panosThreatToAlert(t.record, match, this.opts.keepRaw === false ? undefined : body.replace(/[\r\n]+$/, '')));
      return 'alert';
    }
    this.counters.traffic_logs++;
    const t = panosTrafficFromFields(s.get, this.opts);
    if (t.skipped) {
      this.counters.traffic_start_skipped++;
      return 'traffic_start_skipped';
    }
    if (t.error || !t.record) return this.fail(t.error ?? 'bad_number');
    this.counters.flows++;
    this.sinks.onFlow(t.record);
    return 'flow';
  }

  private fail(e: PanosError): PanosError {
    this.counters.errors[e] = (this.counters.errors[e] ?? 0) + 1;
    return e;
  }
}
