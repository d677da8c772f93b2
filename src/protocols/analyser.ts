// The analyser plug-in interface (STYLE.md). An analyser turns one flow's reassembled bytes into
// facts; it never decides what is bad. The engine probes the first bytes of each direction, opens
// a session for analysers that accept, and feeds it data, gaps and the end of the flow. A session
// that throws is caught at the engine boundary, counted, and switched off for that flow.

export type Direction = 0 | 1; // 0: client to server (originator), 1: server to client

export type ProbeResult = 'yes' | 'no' | 'maybe';

export type SessionStatus =
  | { kind: 'ok' }
  | { kind: 'need-more' }
  /** The bytes are not this protocol; the engine stops feeding this session. */
  | { kind: 'violation'; code: string }
  /** The session has all it wants; the engine may stop feeding it. */
  | { kind: 'done' };

export const OK: SessionStatus = Object.freeze({ kind: 'ok' });
export const NEED_MORE: SessionStatus = Object.freeze({ kind: 'need-more' });
export const DONE: SessionStatus = Object.freeze({ kind: 'done' });
export function violation(code: string): SessionStatus {
  return { kind: 'violation', code };
}

/** What an analyser may know about the flow it serves. Addresses are display strings. */
export interface FlowInfo {
  flowId: string;
  transport: 'tcp' | 'udp';
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  /** True when the orientation came from a SYN, false when guessed from ports. */
  isOrientationFromSyn: boolean;
}

/**
 * Something an analyser saw that policy may care about, raised as it happens (Zeek's events).
 * `name` is dotted: `stratum.login`, `stratum.job`, `dns.answer`, `tls.client_hello`.
 */
export interface FactEvent {
  name: string;
  tsUs: number;
  direction: Direction;
  /** Plain JSON data, copied out of packet buffers. */
  data: Record<string, unknown>;
}

export interface SessionContext {
  flow: FlowInfo;
  /** Raise a fact event; detectors subscribe to these. */
  emit(event: FactEvent): void;
  /** Count a named protocol anomaly (`stratum.line_too_long`). */
  anomaly(name: string): void;
}

export interface AnalyserSession {
  onData(direction: Direction, data: Uint8Array, tsUs: number): SessionStatus;
  /** `length` bytes are missing from the stream in this direction. */
  onGap(direction: Direction, length: number, tsUs: number): SessionStatus;
  onEnd(tsUs: number): void;
  /** The protocol object reported with the flow and its alerts (EVE `stratum`, `tls`, ...). */
  record(): Record<string, unknown> | undefined;
}

export interface Analyser {
  /** Also the EVE key of its record and the flow's `app_proto` once it accepts. */
  name: string;
  transports: ReadonlyArray<'tcp' | 'udp'>;
  /**
   * Look at the first bytes seen in one direction. 'maybe' asks for more bytes (the engine stops
   * asking after a bounded amount). UDP analysers are probed with each datagram until decided.
   */
  probe(data: Uint8Array, direction: Direction, flow: FlowInfo): ProbeResult;
  createSession(ctx: SessionContext): AnalyserSession;
}
