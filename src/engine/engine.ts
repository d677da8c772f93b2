// The sensor pipeline: capture -> decode -> flow table -> TCP reassembly -> analysers -> facts for
// detection, and a flow record for every flow. One Engine per run; everything it uses (analysers,
// detector, listeners, limits) is passed in. Time is packet time throughout.

import type { Alert } from '../alerts/types.js';
import type { CapturedPacket } from '../capture/types.js';
import { PacketDecoder, type DecodeLimits } from '../decode/decoder.js';
import { AnomalyCounter, type DecodedPacket } from '../decode/types.js';
import { newDecodedPacket } from '../decode/decoder.js';
import type { Flow, FlowEndReason } from '../flows/flow.js';
import { buildFlowRecord, flowRecordToEve } from '../flows/flow-record.js';
import { FlowTable, type FlowTableOptions } from '../flows/flow-table.js';
import { DEFAULT_REASSEMBLY_OPTIONS, ReassemblyStats, TcpReassembler, type ReassemblyOptions } from '../flows/tcp-reassembly.js';
import type { Analyser, FactEvent } from '../protocols/analyser.js';
import { FlowAnalysis, type AnalysisHost } from './flow-analysis.js';
import { FlowPackets, PacketKeeper, type AlertCaptureOptions } from './packet-keeper.js';
import type { Detector, DetectorContext, DetectorFactory, FlowEnd } from './types.js';

export interface EngineOptions {
  /** Analysers in priority order (the first valid session names the flow's app_proto). */
  analysers: readonly Analyser[];
  /** Detection: an object, or a factory given the engine's DetectorContext. */
  detector?: Detector | DetectorFactory;
  /** Alerts the detector emits. */
  onAlert?: (alert: Alert) => void;
  /** Every ended flow, in end order. */
  onFlowEnd?: (end: FlowEnd) => void;
  flowTable?: Partial<FlowTableOptions>;
  reassembly?: Partial<ReassemblyOptions>;
  decode?: Partial<DecodeLimits>;
  /** Bytes per direction kept for analysers that answer 'maybe'. Default 4096. */
  maxProbeBytes?: number;
  /** UDP datagrams probed per flow before giving up. Default 4. */
  maxUdpProbeDatagrams?: number;
  /** Keep the packets of flows detection marks (for `--alert-pcaps`). */
  alertCapture?: AlertCaptureOptions;
  /** Sensor name written in flow records. */
  observer?: string;
}

export const DEFAULT_MAX_PROBE_BYTES = 4096;
export const DEFAULT_MAX_UDP_PROBE_DATAGRAMS = 4;

export class Engine implements AnalysisHost {
  readonly maxProbeBytes: number;
  readonly maxUdpProbeDatagrams: number;
  /** Decode and protocol anomalies (`ipv4.bad_checksum`, `stratum.line_too_long`). */
  readonly anomalies = new AnomalyCounter();
  private readonly events = new AnomalyCounter();
  /** Facts raised, by fact name (reported as `fact.<name>`; no string building per fact). */
  private readonly facts = new Map<string, number>();
  private readonly decoder: PacketDecoder;
  private readonly decoded: DecodedPacket;
  private readonly table: FlowTable<FlowAnalysis>;
  private readonly reassemblyOpts: ReassemblyOptions;
  readonly reassemblyStats = new ReassemblyStats();
  private readonly tcpAnalysers: readonly Analyser[];
  private readonly udpAnalysers: readonly Analyser[];
  private readonly detector: Detector | undefined;
  private readonly keeper: PacketKeeper | undefined;
  private readonly liveById: Map<string, Flow<FlowAnalysis>> | undefined;
  private packets = 0;
  private bytes = 0;
  private alerts = 0;
  private isFinished = false;

  constructor(private readonly opts: EngineOptions) {
    this.maxProbeBytes = opts.maxProbeBytes ?? DEFAULT_MAX_PROBE_BYTES;
    this.maxUdpProbeDatagrams = opts.maxUdpProbeDatagrams ?? DEFAULT_MAX_UDP_PROBE_DATAGRAMS;
    this.decoder = new PacketDecoder(this.anomalies, opts.decode);
    this.decoded = newDecodedPacket();
    this.table = new FlowTable<FlowAnalysis>(opts.flowTable ?? {}, (flow, reason) => this.flowEnded(flow, reason));
    this.reassemblyOpts = { ...DEFAULT_REASSEMBLY_OPTIONS, ...opts.reassembly };
    this.tcpAnalysers = opts.analysers.filter((a) => a.transports.includes('tcp'));
    this.udpAnalysers = opts.analysers.filter((a) => a.transports.includes('udp'));
    if (opts.alertCapture !== undefined) {
      this.keeper = new PacketKeeper(opts.alertCapture);
      this.liveById = new Map();
    }
    const ctx: DetectorContext = {
      emitAlert: (alert) => {
        this.alerts++;
        this.opts.onAlert?.(alert);
      },
      markFlowForCapture: (flowId, name) => this.markFlowForCapture(flowId, name),
      count: (name, n = 1) => this.events.count(`detect.${name}`, n),
    };
    const d = opts.detector;
    this.detector = typeof d === 'function' ? d(ctx) : d;
  }

  /** One captured packet (the reader's reused object; nothing of it is kept past the call). */
  processPacket(raw: CapturedPacket): void {
    this.packets++;
    this.bytes += raw.origLen;
    const pkt = this.decoded;
    if (!this.decoder.decode(raw, pkt)) return;
    this.processDecoded(pkt, raw);
  }

  /** One decoded IP packet; `raw` is needed only for alert captures. */
  processDecoded(pkt: DecodedPacket, raw?: CapturedPacket): void {
    if (pkt.ipVersion === 0) return;
    const flow = this.table.packet(pkt);
    let a = flow.ext as FlowAnalysis | undefined;
    if (a === undefined) a = this.newFlowState(flow);
    if (flow.isInspected) {
      const dir = this.table.direction;
      if (pkt.protocol === 6) {
        const r = a.reassembler!;
        r.segment(dir, pkt.tcpSeq, pkt.tcpFlags, pkt.payload, pkt.payloadMissing, pkt.tsUs);
        // Both directions closed or exhausted, or reset: the analysis is over even though the
        // flow stays in the table (for its counters) until its closed timeout.
        if (r.isFinished || flow.hasRst) a.end(pkt.tsUs);
      } else if (pkt.protocol === 17 && pkt.payload.length > 0) {
        a.datagram(dir, pkt.payload, pkt.tsUs);
      }
    }
    // After analysis, so the packet that made detection mark its flow is written too.
    if (this.keeper !== undefined && raw !== undefined && !flow.isEnded) {
      if (a.packets === undefined) a.packets = new FlowPackets();
      this.keeper.packet(a.packets, raw);
    }
  }

  /**
   * Live capture: time passes while no packet comes. Ends the flows idle past their timeout at
   * `nowUs` (the capture clock, which for live capture is the host clock), so a connection that
   * went quiet is reported and detected without waiting for another packet, and lets detection
   * emit the alerts whose hold time has passed.
   */
  advanceTime(nowUs: number): void {
    if (this.isFinished) return;
    this.table.expire(nowUs);
    this.detector?.advanceTime?.(nowUs);
  }

  /** End of input: ends every flow, lets detection flush, closes alert captures. */
  finish(): void {
    if (this.isFinished) return;
    this.isFinished = true;
    this.table.shutdown();
    this.detector?.flush();
    this.keeper?.close();
  }

  /** Detection asks for a flow's packets to be written to `<name>.pcap`. */
  markFlowForCapture(flowId: string, name: string): void {
    if (this.keeper === undefined || this.liveById === undefined) return;
    const flow = this.liveById.get(flowId);
    const fp = (flow?.ext as FlowAnalysis | undefined)?.packets;
    if (fp === undefined) {
      this.events.count('alert_capture.unknown_flow');
      return;
    }
    this.keeper.mark(fp, name);
  }

  /** Every counter, sorted by name. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {
      packets: this.packets,
      bytes: this.bytes,
      alerts: this.alerts,
      'flow.active': this.table.size,
      'flow.created': this.table.counters.created,
      'flow.evicted': this.table.counters.evicted,
      'flow.timed_out': this.table.counters.timedOut,
      'flow.active_timeout': this.table.counters.activeTimedOut,
      'flow.tcp_reuse': this.table.counters.tcpReused,
      'flow.ended_at_shutdown': this.table.counters.endedAtShutdown,
      ...this.reassemblyStats.toCounters(),
    };
    for (const [k, v] of Object.entries(this.decoder.stats)) out[`decode.${snake(k)}`] = v;
    for (const [k, v] of this.anomalies.counts) out[`anomaly.${k}`] = v;
    for (const [k, v] of this.events.counts) out[k] = v;
    for (const [k, v] of this.facts) out[`fact.${k}`] = v;
    if (this.keeper !== undefined) {
      const c = this.keeper.counters;
      out['alert_capture.buffered'] = c.buffered;
      out['alert_capture.not_buffered'] = c.notBuffered;
      out['alert_capture.memcap_drop'] = c.memcapDrops;
      out['alert_capture.written'] = c.written;
      out['alert_capture.link_type_mismatch'] = c.linkTypeMismatch;
      out['alert_capture.flows_marked'] = c.flowsMarked;
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  // AnalysisHost
  count(name: string, n = 1): void {
    this.events.count(name, n);
  }
  anomaly(name: string): void {
    this.anomalies.count(name);
  }
  onFact(analysis: FlowAnalysis, event: FactEvent): void {
    this.facts.set(event.name, (this.facts.get(event.name) ?? 0) + 1);
    this.detector?.onFact(analysis, event);
  }

  private newFlowState(flow: Flow<FlowAnalysis>): FlowAnalysis {
    const list = flow.protocol === 6 ? this.tcpAnalysers : flow.protocol === 17 ? this.udpAnalysers : [];
    const a: FlowAnalysis = new FlowAnalysis(flow, list, this);
    if (flow.protocol === 6 && a.isInspecting) a.reassembler = new TcpReassembler(this.reassemblyOpts, this.reassemblyStats, a);
    flow.ext = a;
    this.liveById?.set(flow.flowId, flow);
    return a;
  }

  private flowEnded(flow: Flow<FlowAnalysis>, reason: FlowEndReason): void {
    const a = flow.ext as FlowAnalysis | undefined;
    if (a === undefined) return;
    a.finish(flow.lastUs);
    const record = buildFlowRecord(flow, reason, a.appProto(), this.opts.observer);
    // The protocol objects and the EVE form are built only when someone reads them (flow output,
    // detection of a flow it keeps evidence for).
    let protocols: Record<string, Record<string, unknown>> | undefined;
    let eve: Record<string, unknown> | undefined;
    const end: FlowEnd = {
      record,
      get protocols() {
        protocols ??= a.protocolRecords();
        return protocols;
      },
      get eve() {
        eve ??= flowRecordToEve(this.record, this.protocols);
        return eve;
      },
    };
    if (this.detector !== undefined) {
      const wasAlerted = flow.isAlerted;
      this.detector.onFlowEnd(a, end);
      if (flow.isAlerted !== wasAlerted) {
        // Detection marked the flow while it ended: the record says so.
        end.record = buildFlowRecord(flow, reason, a.appProto(), this.opts.observer);
        eve = undefined;
      }
    }
    this.opts.onFlowEnd?.(end);
    if (a.packets !== undefined) this.keeper?.release(a.packets);
    this.liveById?.delete(flow.flowId);
  }
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
