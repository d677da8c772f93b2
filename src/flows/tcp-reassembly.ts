// TCP stream reassembly of the first bytes of each direction, enough to classify a flow and read
// its first messages (DESIGN.md, "flows"). Sequence numbers are compared with 32-bit modular
// arithmetic relative to the stream's base (ISN + 1 from the SYN, or the first sequence seen when
// the capture starts mid-stream; RFC 9293 section 3.4). Policy follows Suricata's stream engine
// where it matters: the first copy of a byte wins (later overlapping data is dropped and counted,
// `tcp.overlap`, and `tcp.overlap_conflict` when it differed from buffered bytes), out-of-order
// data waits in a bounded buffer, and holes are reported to the consumer as gaps, never papered
// over. Nothing is delivered past `maxReassemblyBytesPerFlow` in a direction.
//
// Conflicting overlaps are detected against bytes still held (out-of-order buffer or the segment
// being processed); bytes already delivered are not kept, so an overlap with them is counted as
// `tcp.overlap` only.

import { TcpFlag } from '../decode/types.js';
import type { Direction } from '../protocols/analyser.js';

export interface ReassemblyOptions {
  /** Bytes delivered per direction, from the start of the stream. Default 64 KiB. */
  maxReassemblyBytesPerFlow: number;
  /** Out-of-order bytes held per flow (both directions) before the hole is declared a gap. Default 32 KiB. */
  maxOutOfOrderBytesPerFlow: number;
  /** Out-of-order bytes held by all flows together; beyond it segments are dropped. Default 64 MiB. */
  maxReassemblyBytesTotal: number;
}

export const DEFAULT_REASSEMBLY_OPTIONS: Readonly<ReassemblyOptions> = Object.freeze({
  maxReassemblyBytesPerFlow: 64 * 1024,
  maxOutOfOrderBytesPerFlow: 32 * 1024,
  maxReassemblyBytesTotal: 64 * 1024 * 1024,
});

/** Counters shared by every stream of one engine. `bufferedBytes` is a gauge. */
export class ReassemblyStats {
  segments = 0;
  outOfOrder = 0;
  retransmissions = 0;
  overlaps = 0;
  overlapConflicts = 0;
  gaps = 0;
  gapBytes = 0;
  depthReached = 0;
  flowCapGaps = 0;
  memcapDrops = 0;
  bufferedBytes = 0;
  bufferedBytesPeak = 0;
  deliveredBytes = 0;

  toCounters(): Record<string, number> {
    return {
      'tcp.gap': this.gaps,
      'tcp.gap_bytes': this.gapBytes,
      'tcp.out_of_order': this.outOfOrder,
      'tcp.overlap': this.overlaps,
      'tcp.overlap_conflict': this.overlapConflicts,
      'tcp.reassembly_buffered_peak_bytes': this.bufferedBytesPeak,
      'tcp.reassembly_delivered_bytes': this.deliveredBytes,
      'tcp.reassembly_depth_reached': this.depthReached,
      'tcp.reassembly_flow_cap_gap': this.flowCapGaps,
      'tcp.reassembly_memcap_drop': this.memcapDrops,
      'tcp.retransmission': this.retransmissions,
      'tcp.segments': this.segments,
    };
  }
}

/** Receives the reassembled stream. `data` is only valid during the call. */
export interface StreamSink {
  onStreamData(dir: Direction, data: Uint8Array, tsUs: number): void;
  onStreamGap(dir: Direction, length: number, tsUs: number): void;
}

interface Segment {
  rel: number;
  end: number;
  data: Uint8Array;
}

class DirectionState {
  hasBase = false;
  base = 0;
  /** Relative offset of the next byte to deliver. */
  next = 0;
  isDone = false;
  segs: Segment[] = [];
  finRel = -1;
}

export class TcpReassembler {
  private readonly dirs: [DirectionState, DirectionState] = [new DirectionState(), new DirectionState()];
  private buffered = 0;
  private isStopped = false;

  constructor(
    private readonly opts: ReassemblyOptions,
    private readonly stats: ReassemblyStats,
    private readonly sink: StreamSink,
  ) {}

  /** True once neither direction can deliver anything more (FIN reached or depth exhausted). */
  get isFinished(): boolean {
    return this.isStopped || (this.dirs[0].isDone && this.dirs[1].isDone);
  }

  /** One TCP segment in direction `dir`. `missing` bytes of payload were cut by the snaplen. */
  segment(dir: Direction, seq: number, flags: number, payload: Uint8Array, missing: number, tsUs: number): void {
    if (this.isStopped) return;
    const d = this.dirs[dir];
    if (d.isDone) return;
    let start = seq;
    if (flags & TcpFlag.SYN) {
      start = (seq + 1) >>> 0;
      if (!d.hasBase) {
        d.hasBase = true;
        d.base = start;
      }
    }
    const len = payload.length;
    if (!d.hasBase) {
      if (len === 0 && missing === 0) return;
      // Mid-stream start: the first sequence seen is the stream's origin.
      d.hasBase = true;
      d.base = start >>> 0;
    }
    const rel = (start - d.base) | 0;
    if (flags & TcpFlag.FIN) {
      const fin = rel + len + missing;
      if (fin >= 0 && (d.finRel < 0 || fin < d.finRel)) d.finRel = fin;
    }
    if (len > 0) {
      this.stats.segments++;
      this.data(dir, d, rel, payload, missing, tsUs);
    }
    if (d.finRel >= 0 && !d.isDone) this.flushDirection(dir, d, tsUs, true);
  }

  /** End of flow: delivers what is buffered, reporting holes as gaps. */
  flush(tsUs: number): void {
    if (this.isStopped) return;
    this.flushDirection(0, this.dirs[0], tsUs, false);
    this.flushDirection(1, this.dirs[1], tsUs, false);
  }

  /** Nobody needs more bytes of this flow: free the buffers and ignore what follows. */
  stop(): void {
    if (this.isStopped) return;
    this.isStopped = true;
    for (const d of this.dirs) {
      this.release(d);
      d.isDone = true;
    }
  }

  /** Stop one direction only. */
  stopDirection(dir: Direction): void {
    const d = this.dirs[dir];
    this.release(d);
    d.isDone = true;
  }

  private data(dir: Direction, d: DirectionState, rel: number, payload: Uint8Array, missing: number, ts: number): void {
    const depth = this.opts.maxReassemblyBytesPerFlow;
    const fullEnd = rel + payload.length;
    let end = fullEnd;
    if (end <= d.next) {
      this.stats.retransmissions++;
      return;
    }
    if (rel >= depth) return;
    let data = payload;
    if (rel < d.next) {
      // Partial overlap with delivered bytes: the first copy was delivered and wins.
      this.stats.overlaps++;
      data = data.subarray(d.next - rel);
      rel = d.next;
    }
    if (end > depth) {
      data = data.subarray(0, depth - rel);
      end = depth;
    }
    if (rel === d.next && d.segs.length === 0) {
      // Fast path: in order, nothing buffered, no copy.
      this.deliver(dir, d, data, ts);
      // Bytes the snaplen cut off are a hole right behind this segment.
      if (missing > 0 && fullEnd < depth && !d.isDone) this.gap(dir, d, Math.min(missing, depth - d.next), ts);
      return;
    }
    if (rel > d.next) this.stats.outOfOrder++;
    this.insert(d, rel, end, data);
    this.drain(dir, d, ts);
    while (this.buffered > this.opts.maxOutOfOrderBytesPerFlow && d.segs.length > 0 && !d.isDone) {
      // Too much waiting behind a hole: declare the hole lost and move on.
      this.stats.flowCapGaps++;
      const first = d.segs[0]!;
      this.gap(dir, d, first.rel - d.next, ts);
      this.drain(dir, d, ts);
    }
  }

  /** Adds [rel, end) to the buffer, keeping only the parts not already held (first copy wins). */
  private insert(d: DirectionState, rel: number, end: number, data: Uint8Array): void {
    const segs = d.segs;
    let cursor = rel;
    let isOverlap = false;
    let isConflict = false;
    const pieces: Segment[] = [];
    for (let i = 0; i < segs.length && cursor < end; i++) {
      const s = segs[i]!;
      if (s.end <= cursor) continue;
      if (s.rel >= end) break;
      if (s.rel > cursor) pieces.push({ rel: cursor, end: s.rel, data: data.subarray(cursor - rel, s.rel - rel) });
      const oStart = Math.max(cursor, s.rel);
      const oEnd = Math.min(end, s.end);
      isOverlap = true;
      if (!isConflict) {
        for (let k = oStart; k < oEnd; k++) {
          if (data[k - rel] !== s.data[k - s.rel]) {
            isConflict = true;
            break;
          }
        }
      }
      cursor = oEnd;
    }
    if (cursor < end) pieces.push({ rel: cursor, end, data: data.subarray(cursor - rel) });
    if (isOverlap) this.stats.overlaps++;
    if (isConflict) this.stats.overlapConflicts++;
    for (const p of pieces) {
      const n = p.end - p.rel;
      if (this.stats.bufferedBytes + n > this.opts.maxReassemblyBytesTotal) {
        this.stats.memcapDrops++;
        continue;
      }
      // A copy: the input may be a Buffer, whose slice() is a view that would pin the reader's chunk.
      const seg: Segment = { rel: p.rel, end: p.end, data: new Uint8Array(p.data) };
      let i = segs.length;
      while (i > 0 && segs[i - 1]!.rel > seg.rel) i--;
      segs.splice(i, 0, seg);
      this.buffered += n;
      this.stats.bufferedBytes += n;
      if (this.stats.bufferedBytes > this.stats.bufferedBytesPeak) this.stats.bufferedBytesPeak = this.stats.bufferedBytes;
    }
  }

  /** Delivers buffered segments that are now in order. */
  private drain(dir: Direction, d: DirectionState, ts: number): void {
    const segs = d.segs;
    while (segs.length > 0 && !d.isDone) {
      const s = segs[0]!;
      if (s.rel > d.next) break;
      segs.shift();
      const n = s.end - s.rel;
      this.buffered -= n;
      this.stats.bufferedBytes -= n;
      if (s.end > d.next) this.deliver(dir, d, s.data.subarray(d.next - s.rel), ts);
    }
  }

  private flushDirection(dir: Direction, d: DirectionState, ts: number, isFin: boolean): void {
    if (d.isDone) return;
    this.drain(dir, d, ts);
    while (d.segs.length > 0 && !d.isDone) {
      const first = d.segs[0]!;
      this.gap(dir, d, first.rel - d.next, ts);
      this.drain(dir, d, ts);
    }
    if (isFin && d.finRel > d.next && !d.isDone) {
      this.gap(dir, d, Math.min(d.finRel, this.opts.maxReassemblyBytesPerFlow) - d.next, ts);
    }
    if (isFin && d.next >= d.finRel) {
      // Everything up to the FIN is through: nothing more can come in this direction.
      this.release(d);
      d.isDone = true;
    }
  }

  private deliver(dir: Direction, d: DirectionState, data: Uint8Array, ts: number): void {
    if (data.length === 0) return;
    d.next += data.length;
    this.stats.deliveredBytes += data.length;
    this.sink.onStreamData(dir, data, ts);
    this.checkDepth(d);
  }

  private gap(dir: Direction, d: DirectionState, length: number, ts: number): void {
    if (length <= 0) return;
    d.next += length;
    this.stats.gaps++;
    this.stats.gapBytes += length;
    this.sink.onStreamGap(dir, length, ts);
    this.checkDepth(d);
  }

  private checkDepth(d: DirectionState): void {
    if (d.next >= this.opts.maxReassemblyBytesPerFlow && !d.isDone) {
      this.stats.depthReached++;
      this.release(d);
      d.isDone = true;
    }
  }

  private release(d: DirectionState): void {
    for (const s of d.segs) {
      const n = s.end - s.rel;
      this.buffered -= n;
      this.stats.bufferedBytes -= n;
    }
    d.segs = [];
  }
}
