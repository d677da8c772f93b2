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

/** Slot states. */
const PENDING = 0;
const OPEN = 1;
const DONE = 2;
const OFF = 3;

interface Slot {
  analyser: Analyser;
  state: number;
  /** Bit per direction that answered 'no' (or ran past the probe limit). */
  noMask: number;
  session: AnalyserSession | undefined;
  /** True when the session ended by violation or exception: its record is not reported. */
  isRejected: boolean;
  /** The record taken when the session was let go (null: it had none). */
  record?: Record<string, unknown> | null;
}

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
  private slots: Slot[];
  private pendingCount: number;
  /** Bytes kept while some analyser answers 'maybe'; absent otherwise (most flows, most of the time). */
  private probe: ProbeState | undefined = undefined;
  private datagrams = 0;

  constructor(
    readonly flow: Flow<FlowAnalysis>,
    analysers: readonly Analyser[],
    private readonly host: AnalysisHost,
  ) {
    this.slots = [];
    for (const a of analysers) {
      if (a.transports.includes(flow.transport)) {
        this.slots.push({ analyser: a, state: PENDING, noMask: 0, session: undefined, isRejected: false });
      }
    }
    this.pendingCount = this.slots.length;
    this.flow.isInspected = this.slots.length > 0;
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

  appProto(): string | undefined {
    for (const s of this.slots) if ((s.state === OPEN || s.state === DONE) && !s.isRejected) return s.analyser.name;
    return undefined;
  }

  protocolRecords(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const s of this.slots) {
      if (s.isRejected) continue;
      if (s.record !== undefined) {
        if (s.record !== null) out[s.analyser.name] = s.record;
        continue;
      }
      if (s.session === undefined) continue;
      let rec: Record<string, unknown> | undefined;
      try {
        rec = s.session.record();
      } catch {
        this.fail(s);
        continue;
      }
      if (rec !== undefined) out[s.analyser.name] = rec;
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
    for (const s of this.slots) {
      if (s.state !== OPEN) continue;
      try {
        s.session!.onEnd(tsUs);
        s.state = DONE;
      } catch {
        this.fail(s);
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
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.state !== PENDING || s.noMask & bit) continue;
      let r: ProbeResult;
      try {
        r = s.analyser.probe(prefix, dir, this);
      } catch {
        this.fail(s);
        continue;
      }
      if (r === 'yes') this.open(s);
      else if (r === 'no' || isFull) {
        if (r !== 'no') this.host.count('analyser.probe_limit');
        s.noMask |= bit;
        if (s.noMask === 3) this.close(s, OFF);
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
  private open(s: Slot): void {
    let session: AnalyserSession;
    try {
      session = s.analyser.createSession(this);
    } catch {
      this.fail(s);
      return;
    }
    s.session = session;
    this.pendingCount--;
    s.state = OPEN;
    this.host.count(`analyser.${s.analyser.name}.sessions`);
    const ps = this.probe;
    if (ps === undefined) return;
    const entries = ps.log;
    for (let i = 0; i < entries.length && s.state === OPEN; i++) {
      const e = entries[i]!;
      if (e.kind === 'data') this.deliver(s, e.dir, ps.bufs[e.dir]!.subarray(e.start, e.start + e.len), 0, e.tsUs);
      else this.deliver(s, e.dir, undefined, e.len, e.tsUs);
    }
  }

  private feed(dir: Direction, data: Uint8Array | undefined, tsUs: number, gap: number): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.state === OPEN) this.deliver(s, dir, data, gap, tsUs);
    }
  }

  /** Data (or a gap of `gap` bytes when `data` is undefined) into one session, at the boundary. */
  private deliver(s: Slot, dir: Direction, data: Uint8Array | undefined, gap: number, tsUs: number): void {
    let st: SessionStatus;
    try {
      st = data !== undefined ? s.session!.onData(dir, data, tsUs) : s.session!.onGap(dir, gap, tsUs);
    } catch {
      this.fail(s);
      return;
    }
    if (st.kind === 'violation') {
      this.host.count(`analyser.${s.analyser.name}.violation`);
      const name = s.analyser.name;
      this.host.anomaly(st.code.startsWith(`${name}.`) ? st.code : `${name}.${st.code}`);
      s.isRejected = true;
      s.state = OFF;
    } else if (st.kind === 'done') {
      s.state = DONE;
    }
  }

  /** An analyser threw: count it and switch it off for this flow. */
  private fail(s: Slot): void {
    this.host.count(`analyser.${s.analyser.name}.exception`);
    s.isRejected = true;
    this.close(s, OFF);
  }

  private close(s: Slot, state: number): void {
    if (s.state === PENDING) this.pendingCount--;
    s.state = state;
  }

  private giveUpProbing(): void {
    for (const s of this.slots) if (s.state === PENDING) this.close(s, OFF);
    this.host.count('analyser.udp_probe_limit');
    this.dropProbeState();
  }

  private dropProbeState(): void {
    this.probe = undefined;
  }

  private updateInspecting(): void {
    if (this.pendingCount > 0 || !this.isInspecting) return;
    for (const s of this.slots) if (s.state === OPEN) return;
    // No analyser wants more of this flow: keep only what its record needs, so a flow that lives
    // on in the table costs little memory.
    this.flow.isInspected = false;
    this.reassembler?.stop();
    this.reassembler = undefined;
    this.settle();
  }

  /** Takes the records of finished sessions and lets the sessions go. */
  private settle(): void {
    for (const s of this.slots) {
      if (s.session === undefined) continue;
      if (s.state === DONE && !s.isRejected && s.record === undefined) {
        try {
          s.record = s.session.record() ?? null;
        } catch {
          this.fail(s);
        }
      }
      if (s.state !== OPEN) s.session = undefined;
    }
    // Only open sessions and kept records matter from now on (in priority order).
    this.slots = this.slots.filter((s) => s.state === OPEN || (s.state === DONE && !s.isRejected));
  }

  private release(): void {
    this.dropProbeState();
    this.reassembler?.stop();
    this.reassembler = undefined;
    this.flow.isInspected = false;
  }
}
