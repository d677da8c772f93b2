// The application layer of one flow: probes the first bytes of each direction with every analyser
// of the flow's transport, opens sessions for those that accept, feeds them reassembled data and
// gaps, and keeps the engine boundary: an analyser that throws is counted
// (`analyser.<name>.exception`) and switched off for this flow only.
//
// Bytes seen while some analyser still answers 'maybe' are kept (up to `maxProbeBytes` per
// direction) with their arrival order, so a session opened late replays the stream from its start.

import type { Analyser, AnalyserSession, Direction, FactEvent, ProbeResult, SessionContext, SessionStatus } from '../protocols/analyser.js';
import type { Flow } from '../flows/flow.js';
import type { StreamSink, TcpReassembler } from '../flows/tcp-reassembly.js';
import type { FlowPackets } from './packet-keeper.js';
import type { FlowView } from './types.js';

/** Analyser states, two bits each in `FlowAnalysis.stateBits`. */
const PENDING = 0;
const OPEN = 1;
const DONE = 2;
const OFF = 3;

/** Analysers per transport a flow can track (two bits of state each in one 32-bit number). */
export const MAX_ANALYSERS_PER_FLOW = 15;

/** A probe-window entry: bytes [start, start+len) of direction `dir`'s buffer, or a gap. */
interface LogEntry {
  dir: Direction;
  start: number;
  len: number;
  /** 'gap' when the bytes are missing from the stream; 'unkept' when past the probe buffer. */
  kind: 'data' | 'gap' | 'unkept';
  tsUs: number;
}

interface ProbeState {
  bufs: [Uint8Array | undefined, Uint8Array | undefined];
  lens: [number, number];
  log: LogEntry[];
}

/** What FlowAnalysis needs from the engine. */
export interface AnalysisHost {
  readonly maxProbeBytes: number;
  readonly maxUdpProbeDatagrams: number;
  count(name: string, n?: number): void;
  anomaly(name: string): void;
  onFact(analysis: FlowAnalysis, event: FactEvent): void;
}

/** Also each session's context (one object per flow, no closures per session). */
export class FlowAnalysis implements StreamSink, FlowView, SessionContext {
  reassembler: TcpReassembler | undefined = undefined;
  /** The flow's buffered packets when alert captures are enabled. */
  packets: FlowPackets | undefined = undefined;
  /** False once no analyser can still want bytes: the packet path skips this flow's payload. */
  get isInspecting(): boolean {
    return this.flow.isInspected;
  }
  /** True once `end` ran. */
  isEnded = false;
  /** The analysers of the flow's transport, in priority order (shared, not copied per flow). */
  private readonly analysers: readonly Analyser[];
  /**
   * Per analyser i, bits 2i..2i+1: PENDING, OPEN, DONE or OFF. The per-analyser state lives in
   * numbers, and sessions and records in arrays made only when needed, so a flow costs a few
   * fields rather than an object per analyser.
   */
  private stateBits = 0;
  /** Per analyser i, bits 2i..2i+1: the directions that answered 'no' (or ran past the probe limit). */
  private noBits = 0;
  /** Per analyser i, bit i: its session ended by violation or exception; its record is not reported. */
  private rejectedBits = 0;
  private sessions: Array<AnalyserSession | undefined> | undefined = undefined;
  /** The record taken when a session was let go (null: it had none). */
  private records: Array<Record<string, unknown> | null | undefined> | undefined = undefined;
  private pendingCount: number;
  /** Bytes kept while some analyser answers 'maybe'; absent otherwise (most flows, most of the time). */
  private probe: ProbeState | undefined = undefined;
  private datagrams = 0;

  constructor(
    readonly flow: Flow<FlowAnalysis>,
    analysers: readonly Analyser[],
    private readonly host: AnalysisHost,
  ) {
    const t = flow.transport;
    this.analysers = analysers.every((a) => a.transports.includes(t)) ? analysers : analysers.filter((a) => a.transports.includes(t));
    if (this.analysers.length > MAX_ANALYSERS_PER_FLOW) throw new Error(`at most ${MAX_ANALYSERS_PER_FLOW} analysers per transport`);
    this.pendingCount = this.analysers.length;
    this.flow.isInspected = this.analysers.length > 0;
  }

  // FlowView: the live flow's figures.
  get flowId(): string {
    return this.flow.flowId;
  }
  get communityId(): string {
    return this.flow.communityId;
  }
  get transport(): 'tcp' | 'udp' {
    return this.flow.transport;
  }
  get clientIp(): string {
    return this.flow.clientIp;
  }
  get clientPort(): number {
    return this.flow.clientPort;
  }
  get serverIp(): string {
    return this.flow.serverIp;
  }
  get serverPort(): number {
    return this.flow.serverPort;
  }
  get isOrientationFromSyn(): boolean {
    return this.flow.isOrientationFromSyn;
  }
  get protocol(): number {
    return this.flow.protocol;
  }
  get vlan(): number {
    return this.flow.vlan;
  }
  get startUs(): number {
    return this.flow.startUs;
  }
  get lastUs(): number {
    return this.flow.lastUs;
  }
  get pktsToServer(): number {
    return this.flow.pktsToServer;
  }
  get pktsToClient(): number {
    return this.flow.pktsToClient;
  }
  get bytesToServer(): number {
    return this.flow.bytesToServer;
  }
  get bytesToClient(): number {
    return this.flow.bytesToClient;
  }
  markAlerted(): void {
    this.flow.isAlerted = true;
  }

  // SessionContext
  emit(event: FactEvent): void {
    this.host.onFact(this, event);
  }
  anomaly(name: string): void {
    this.host.anomaly(name);
  }

  private state(i: number): number {
    return (this.stateBits >>> (2 * i)) & 3;
  }
  private setState(i: number, v: number): void {
    this.stateBits = (this.stateBits & ~(3 << (2 * i))) | (v << (2 * i));
  }
  private isRejected(i: number): boolean {
    return ((this.rejectedBits >>> i) & 1) !== 0;
  }

  appProto(): string | undefined {
    const n = this.analysers.length;
    for (let i = 0; i < n; i++) {
      const st = this.state(i);
      if ((st === OPEN || st === DONE) && !this.isRejected(i)) return this.analysers[i]!.name;
    }
    return undefined;
  }

  protocolRecords(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    const n = this.analysers.length;
    for (let i = 0; i < n; i++) {
      if (this.isRejected(i)) continue;
      const kept = this.records?.[i];
      if (kept !== undefined) {
        if (kept !== null) out[this.analysers[i]!.name] = kept;
        continue;
      }
      const session = this.sessions?.[i];
      if (session === undefined) continue;
      let rec: Record<string, unknown> | undefined;
      try {
        rec = session.record();
      } catch {
        this.fail(i);
        continue;
      }
      if (rec !== undefined) out[this.analysers[i]!.name] = rec;
    }
    return out;
  }

  /** One UDP datagram. */
  datagram(dir: Direction, data: Uint8Array, tsUs: number): void {
    if (this.pendingCount > 0) {
      this.datagrams++;
      this.probeAll(dir, data, tsUs, true);
      if (this.pendingCount > 0 && this.datagrams >= this.host.maxUdpProbeDatagrams) this.giveUpProbing();
    }
    this.feed(dir, data, tsUs, 0);
    this.updateInspecting();
  }

  // StreamSink: reassembled TCP bytes.
  onStreamData(dir: Direction, data: Uint8Array, tsUs: number): void {
    if (this.pendingCount > 0) this.probeAll(dir, data, tsUs, false);
    this.feed(dir, data, tsUs, 0);
    this.updateInspecting();
  }

  onStreamGap(dir: Direction, length: number, tsUs: number): void {
    if (this.pendingCount > 0) this.probeState().log.push({ dir, start: 0, len: length, kind: 'gap', tsUs });
    this.feed(dir, undefined, tsUs, length);
    this.updateInspecting();
  }

  /**
   * No more bytes will come (the flow ended, both directions closed, or both reached the
   * reassembly depth): flush reassembly, end the sessions, keep their records, let them go.
   * Idempotent.
   */
  end(tsUs: number): void {
    this.endSessions(tsUs);
    this.settle();
  }

  /**
   * The flow itself ended: like `end`, but the finished sessions are kept rather than asked for
   * their records, so a record is built only if someone reads `protocolRecords()` (the flow and
   * its analysis are dropped right after; most ended flows are never read again).
   */
  finish(tsUs: number): void {
    this.endSessions(tsUs);
  }

  private endSessions(tsUs: number): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.reassembler?.flush(tsUs);
    const n = this.analysers.length;
    for (let i = 0; i < n; i++) {
      if (this.state(i) !== OPEN) continue;
      try {
        this.sessions![i]!.onEnd(tsUs);
        this.setState(i, DONE);
      } catch {
        this.fail(i);
      }
    }
    this.release();
  }

  private probeAll(dir: Direction, data: Uint8Array, tsUs: number, isDatagram: boolean): void {
    const bit = dir === 0 ? 1 : 2;
    const max = this.host.maxProbeBytes;
    const have = this.probe?.lens[dir] ?? 0;
    // The bytes probed: the datagram itself, or the direction's stream so far (no copy for the
    // first chunk of a direction, which is where most probes decide).
    let prefix: Uint8Array;
    let isKept = false;
    if (isDatagram) prefix = data;
    else if (have === 0) prefix = data.length > max ? data.subarray(0, max) : data;
    else {
      this.keep(dir, data);
      isKept = true;
      const ps = this.probeState();
      prefix = ps.bufs[dir]!.subarray(0, ps.lens[dir]);
    }
    // A stream direction that filled the probe window without a 'yes' is not this protocol;
    // datagrams are bounded by count instead (maxUdpProbeDatagrams).
    const isFull = !isDatagram && have + data.length >= max;
    const n = this.analysers.length;
    for (let i = 0; i < n; i++) {
      if (this.state(i) !== PENDING || (this.noBits >>> (2 * i)) & bit) continue;
      let r: ProbeResult;
      try {
        r = this.analysers[i]!.probe(prefix, dir, this);
      } catch {
        this.fail(i);
        continue;
      }
      if (r === 'yes') this.open(i);
      else if (r === 'no' || isFull) {
        if (r !== 'no') this.host.count('analyser.probe_limit');
        this.noBits |= bit << (2 * i);
        if (((this.noBits >>> (2 * i)) & 3) === 3) this.close(i, OFF);
      }
    }
    if (this.pendingCount === 0) {
      this.dropProbeState();
      return;
    }
    // Someone still waits: keep this chunk for their next probe and for replay (the sessions
    // opened above were fed everything before it; the caller feeds it to them next).
    const ps = this.probeState();
    const before = isKept ? have : ps.lens[dir];
    if (!isKept) this.keep(dir, data);
    const kept = ps.lens[dir] - before;
    if (kept > 0) ps.log.push({ dir, start: before, len: kept, kind: 'data', tsUs });
    if (kept < data.length) {
      // Bytes past the probe window: one run per stretch, so the log stays bounded however long
      // the other direction keeps an analyser waiting.
      const last = ps.log[ps.log.length - 1];
      if (last !== undefined && last.kind === 'unkept' && last.dir === dir) last.len += data.length - kept;
      else ps.log.push({ dir, start: 0, len: data.length - kept, kind: 'unkept', tsUs });
    }
  }

  private probeState(): ProbeState {
    this.probe ??= { bufs: [undefined, undefined], lens: [0, 0], log: [] };
    return this.probe;
  }

  /** Appends to the direction's probe buffer, up to maxProbeBytes. */
  private keep(dir: Direction, data: Uint8Array): void {
    const max = this.host.maxProbeBytes;
    const ps = this.probeState();
    const have = ps.lens[dir];
    const n = Math.min(data.length, max - have);
    if (n <= 0) return;
    let buf = ps.bufs[dir];
    if (buf === undefined || buf.length < have + n) {
      const nb = new Uint8Array(Math.min(max, Math.max(256, (have + n) * 2)));
      if (buf !== undefined) nb.set(buf.subarray(0, have));
      buf = nb;
      ps.bufs[dir] = buf;
    }
    buf.set(n === data.length ? data : data.subarray(0, n), have);
    ps.lens[dir] = have + n;
  }

  /** Opens a session and replays what the flow carried before the current chunk. */
  private open(i: number): void {
    const analyser = this.analysers[i]!;
    let session: AnalyserSession;
    try {
      session = analyser.createSession(this);
    } catch {
      this.fail(i);
      return;
    }
    this.sessions ??= new Array<AnalyserSession | undefined>(this.analysers.length).fill(undefined);
    this.sessions[i] = session;
    this.pendingCount--;
    this.setState(i, OPEN);
    this.host.count(`analyser.${analyser.name}.sessions`);
    const ps = this.probe;
    if (ps === undefined) return;
    const entries = ps.log;
    for (let k = 0; k < entries.length && this.state(i) === OPEN; k++) {
      const e = entries[k]!;
      if (e.kind === 'data') this.deliver(i, e.dir, ps.bufs[e.dir]!.subarray(e.start, e.start + e.len), 0, e.tsUs);
      else this.deliver(i, e.dir, undefined, e.len, e.tsUs);
    }
  }

  private feed(dir: Direction, data: Uint8Array | undefined, tsUs: number, gap: number): void {
    // Nothing is open until a probe says yes; then only open analysers are fed.
    if (this.sessions === undefined) return;
    const n = this.analysers.length;
    for (let i = 0; i < n; i++) {
      if (this.state(i) === OPEN) this.deliver(i, dir, data, gap, tsUs);
    }
  }

  /** Data (or a gap of `gap` bytes when `data` is undefined) into one session, at the boundary. */
  private deliver(i: number, dir: Direction, data: Uint8Array | undefined, gap: number, tsUs: number): void {
    const session = this.sessions![i]!;
    let st: SessionStatus;
    try {
      st = data !== undefined ? session.onData(dir, data, tsUs) : session.onGap(dir, gap, tsUs);
    } catch {
      this.fail(i);
      return;
    }
    if (st.kind === 'violation') {
      const name = this.analysers[i]!.name;
      this.host.count(`analyser.${name}.violation`);
      this.host.anomaly(st.code.startsWith(`${name}.`) ? st.code : `${name}.${st.code}`);
      this.rejectedBits |= 1 << i;
      this.setState(i, OFF);
    } else if (st.kind === 'done') {
      this.setState(i, DONE);
    }
  }

  /** An analyser threw: count it and switch it off for this flow. */
  private fail(i: number): void {
    this.host.count(`analyser.${this.analysers[i]!.name}.exception`);
    this.rejectedBits |= 1 << i;
    this.close(i, OFF);
  }

  private close(i: number, state: number): void {
    if (this.state(i) === PENDING) this.pendingCount--;
    this.setState(i, state);
  }

  private giveUpProbing(): void {
    const n = this.analysers.length;
    for (let i = 0; i < n; i++) if (this.state(i) === PENDING) this.close(i, OFF);
    this.host.count('analyser.udp_probe_limit');
    this.dropProbeState();
  }

  private dropProbeState(): void {
    this.probe = undefined;
  }

  private updateInspecting(): void {
    if (this.pendingCount > 0 || !this.isInspecting) return;
    const n = this.analysers.length;
    for (let i = 0; i < n; i++) if (this.state(i) === OPEN) return;
    // No analyser wants more of this flow: keep only what its record needs, so a flow that lives
    // on in the table costs little memory.
    this.flow.isInspected = false;
    this.reassembler?.stop();
    this.reassembler = undefined;
    this.settle();
  }

  /** Takes the records of finished sessions and lets the sessions go. */
  private settle(): void {
    const sessions = this.sessions;
    if (sessions === undefined) return;
    const n = this.analysers.length;
    for (let i = 0; i < n; i++) {
      const session = sessions[i];
      if (session === undefined) continue;
      const st = this.state(i);
      if (st === DONE && !this.isRejected(i) && this.records?.[i] === undefined) {
        try {
          const rec = session.record() ?? null;
          this.records ??= new Array<Record<string, unknown> | null | undefined>(n).fill(undefined);
          this.records[i] = rec;
        } catch {
          this.fail(i);
        }
      }
      if (this.state(i) !== OPEN) sessions[i] = undefined;
    }
  }

  private release(): void {
    this.dropProbeState();
    this.reassembler?.stop();
    this.reassembler = undefined;
    this.flow.isInspected = false;
  }
}
