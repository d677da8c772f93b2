// The engine's plug points: what a detector sees of a flow, what it receives, and how it hands
// back alerts and asks for a flow's packets. Detection implements `Detector`; the engine never
// knows what a rule is (facts in protocols/, policy in detect/).

import type { Alert } from '../alerts/types.js';
import type { FlowRecord } from '../flows/types.js';
import type { FactEvent, FlowInfo } from '../protocols/analyser.js';

/** A live flow as detection sees it. Valid until `onFlowEnd` returns; read, do not keep. */
export interface FlowView extends FlowInfo {
  readonly communityId: string;
  /** IP protocol number (6 TCP, 17 UDP). */
  readonly protocol: number;
  readonly vlan: number;
  readonly startUs: number;
  readonly lastUs: number;
  readonly pktsToServer: number;
  readonly pktsToClient: number;
  readonly bytesToServer: number;
  readonly bytesToClient: number;
  /** EVE app_proto so far: the first analyser (registry order) whose session is still valid. */
  appProto(): string | undefined;
  /** Each valid session's protocol object so far, keyed by analyser name (EVE `stratum`, `tls`, ...). */
  protocolRecords(): Record<string, Record<string, unknown>>;
  /** Sets EVE `flow.alerted` on the flow's record. */
  markAlerted(): void;
}

/** What the engine hands on when a flow ends. */
export interface FlowEnd {
  record: FlowRecord;
  /** The analysers' protocol objects, by analyser name. */
  protocols: Record<string, Record<string, unknown>>;
  /** The EVE `event_type: "flow"` object of this flow (record + protocols), built on first read. */
  readonly eve: Record<string, unknown>;
}

/** Given to a detector when the engine starts. */
export interface DetectorContext {
  /** Report an alert; the engine passes it to its `onAlert` listener. */
  emitAlert(alert: Alert): void;
  /**
   * Keep the packets of this flow (the buffered start and everything after) in `<name>.pcap`
   * under the engine's alert capture directory. A no-op when capture is not enabled.
   */
  markFlowForCapture(flowId: string, name: string): void;
  /** Count a named detection event (appears in the engine counters as `detect.<name>`). */
  count(name: string, n?: number): void;
}

export interface Detector {
  /** A fact raised by an analyser session of `flow`. */
  onFact(flow: FlowView, event: FactEvent): void;
  /** `flow` ended; its record, EVE line and protocol objects are in `end`. */
  onFlowEnd(flow: FlowView, end: FlowEnd): void;
  /** End of input: emit whatever alerts are still held through `emitAlert`. */
  flush(): void;
  /** Packet time moved on to `nowUs` without a packet (live capture): emit what has come due. */
  advanceTime?(nowUs: number): void;
}

/** Builds a detector once the engine can give it its context. */
export type DetectorFactory = (ctx: DetectorContext) => Detector;
