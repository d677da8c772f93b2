// The decoder front: owns the template cache and exporter state for every exporter it hears
// from, and dispatches each datagram (or IPFIX-over-TCP message) to the decoder for its version.
// Pure over its inputs: the caller passes the bytes, who sent them, and the collector time.

import { newCounters, type Counters } from './counters.js';
import { decodeIpfix } from './ipfix.js';
import { DEFAULT_COLLECTOR_LIMITS, type CollectorLimits } from './limits.js';
import { newRawFlow, type RawFlowSink } from './record.js';
import { expireState, forgetExporter, type DecoderState } from './templates.js';
import { decodeV5 } from './v5.js';
import { decodeV9 } from './v9.js';

/** State is swept for expired templates and held sets at most this often (microseconds). */
const EXPIRY_SWEEP_US = 1_000_000;

export class FlowDecoder {
  readonly state: DecoderState;
  private lastSweepUs = 0;
  /** Exporters on a reliable transport: their templates never expire by time. */
  readonly tcpExporters = new Set<string>();

  constructor(limits: Partial<CollectorLimits> = {}, counters: Counters = newCounters()) {
    this.state = {
      limits: { ...DEFAULT_COLLECTOR_LIMITS, ...limits },
      counters,
      templates: new Map(),
      templateKeysByExporter: new Map(),
      exporters: new Map(),
      pending: [],
      sequences: new Map(),
      pendingBytes: 0,
      nowUs: 0,
      raw: newRawFlow(),
    };
  }

  get counters(): Counters {
    return this.state.counters;
  }

  /**
   * Decodes one datagram from `exporter` ("address:port") received at `nowUs`; every flow record
   * goes to `sink` (the record object is reused: copy what you keep). Returns records decoded.
   */
  decode(b: Uint8Array, exporter: string, nowUs: number, sink: RawFlowSink): number {
    const st = this.state;
    st.nowUs = nowUs;
    st.counters.datagrams++;
    st.counters.bytes += b.length;
    if (nowUs - this.lastSweepUs >= EXPIRY_SWEEP_US) {
      this.lastSweepUs = nowUs;
      expireState(st, this.tcpExporters);
    }
    if (b.length < 2) {
      st.counters.datagram_too_short++;
      return 0;
    }
    const version = ((b[0] as number) << 8) | (b[1] as number);
    if (version === 5) return decodeV5(st, b, sink);
    if (version === 9) return decodeV9(st, b, exporter, sink);
    if (version === 10) return decodeIpfix(st, b, exporter, sink);
    st.counters.unknown_version++;
    return 0;
  }

  /** Sweeps expired templates and held sets now (the collector also calls it on a timer). */
  expire(nowUs: number): void {
    this.state.nowUs = nowUs;
    this.lastSweepUs = nowUs;
    expireState(this.state, this.tcpExporters);
  }

  /** An IPFIX-over-TCP session ended: its templates die with it (RFC 7011 section 8.1). */
  closeExporter(exporter: string): void {
    this.tcpExporters.delete(exporter);
    forgetExporter(this.state, exporter);
  }

  /** Held data-set bytes and counts, for memory checks. */
  get pendingSets(): number {
    return this.state.pending.length;
  }
  get pendingBytes(): number {
    return this.state.pendingBytes;
  }
  get templateCount(): number {
    return this.state.templates.size;
  }
}
