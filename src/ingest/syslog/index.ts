// Syslog input: listeners on UDP, TCP and TLS whose messages carry PAN-OS THREAT and TRAFFIC logs.
// `startSyslogIngest` wires a receiver to the PAN-OS router: mining THREAT logs reach `onAlert`
// (the composition root sends them to triage and the store), TRAFFIC logs reach `onFlow`.

import type { Alert } from '../../alerts/types.js';
import type { FlowRecord } from '../../flows/types.js';
import type { Clock } from '../../util/clock.js';
import { PanosIngest } from '../panos/ingest.js';
import type { ListenSpec } from './listen.js';
import { SyslogReceiver, type BoundListener, type SyslogLimits, type SyslogTlsConfig } from './receiver.js';

export * from './framing.js';
export * from './listen.js';
export * from './parser.js';
export * from './receiver.js';
export * from './record.js';
export * from './store-writer.js';

export interface SyslogIngestOptions {
  listen: ListenSpec[];
  tls?: SyslogTlsConfig;
  limits?: Partial<SyslogLimits>;
  clock: Clock;
  /** Offset of the firewall's local time from UTC, minutes (PAN-OS times carry no zone). */
  tzOffsetMinutes?: number;
  onAlert(alert: Alert): void;
  onFlow(flow: FlowRecord): void;
}

export interface SyslogIngest {
  receiver: SyslogReceiver;
  panos: PanosIngest;
  bound: BoundListener[];
  close(): Promise<void>;
}

export async function startSyslogIngest(opts: SyslogIngestOptions): Promise<SyslogIngest> {
  const panos = new PanosIngest({ onAlert: opts.onAlert, onFlow: opts.onFlow }, { tzOffsetMinutes: opts.tzOffsetMinutes ?? 0 });
  const receiver = new SyslogReceiver({
    listen: opts.listen,
    tls: opts.tls,
    limits: opts.limits,
    clock: opts.clock,
    tzOffsetMinutes: opts.tzOffsetMinutes ?? 0,
    onMessage: (msg) => {
      panos.handle(msg.msg);
    },
  });
  const bound = await receiver.start();
  return { receiver, panos, bound, close: () => receiver.close() };
}
