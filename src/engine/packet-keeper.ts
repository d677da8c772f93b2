// Keeps the packets of flows that detection marks (`--alert-pcaps DIR`). Detection decides late,
// often after the handshake went by, so the first packets of every flow are copied into a bounded
// per-flow buffer; when a flow is marked, the buffer and every later packet of the flow go to the
// writer named by the mark. Limits: `maxPacketsPerFlow` buffered per unmarked flow (default 32)
// and `maxBufferedBytesTotal` across all flows (default 64 MiB), each with a counter.

import type { CapturedPacket } from '../capture/types.js';

export interface PacketWriterLike {
  write(tsUs: number, data: Uint8Array, origLen?: number): void;
  /** Hands buffered packets to the file, so readers (triage) see them while the flow lasts. */
  flush?(): void;
  close(): void;
}

export interface AlertCaptureOptions {
  /** Opens the output for a capture name (one pcap per name; flows marked with it share it). */
  openWriter(name: string, linkType: number): PacketWriterLike;
  /** Packets buffered per flow before it is marked. */
  maxPacketsPerFlow?: number;
  /** Bytes buffered across all unmarked flows. */
  maxBufferedBytesTotal?: number;
}

export const DEFAULT_MAX_CAPTURE_PACKETS_PER_FLOW = 32;
export const DEFAULT_MAX_CAPTURE_BUFFERED_BYTES_TOTAL = 64 * 1024 * 1024;

interface KeptPacket {
  tsUs: number;
  linkType: number;
  origLen: number;
  data: Uint8Array;
}

/** Per-flow state, kept on the flow's analysis. */
export class FlowPackets {
  kept: KeptPacket[] = [];
  keptBytes = 0;
  linkType = -1;
  writer: PacketWriterLike | undefined = undefined;
  /** Link type of the file the writer writes. */
  writerLinkType = -1;
}

export class PacketKeeper {
  readonly counters = { buffered: 0, notBuffered: 0, memcapDrops: 0, written: 0, linkTypeMismatch: 0, flowsMarked: 0 };
  private bufferedBytes = 0;
  private readonly writers = new Map<string, { writer: PacketWriterLike; linkType: number }>();
  private readonly maxPackets: number;
  private readonly maxBytes: number;

  constructor(private readonly opts: AlertCaptureOptions) {
    this.maxPackets = opts.maxPacketsPerFlow ?? DEFAULT_MAX_CAPTURE_PACKETS_PER_FLOW;
    this.maxBytes = opts.maxBufferedBytesTotal ?? DEFAULT_MAX_CAPTURE_BUFFERED_BYTES_TOTAL;
  }

  /** One packet of a flow (called for every packet of every flow while capture is enabled). */
  packet(fp: FlowPackets, raw: CapturedPacket): void {
    if (fp.linkType < 0) fp.linkType = raw.linkType;
    if (fp.writer !== undefined) {
      this.write(fp, raw.tsUs, raw.data, raw.origLen, raw.linkType);
      return;
    }
    if (fp.kept.length >= this.maxPackets) {
      this.counters.notBuffered++;
      return;
    }
    if (this.bufferedBytes + raw.data.length > this.maxBytes) {
      this.counters.memcapDrops++;
      return;
    }
    // A copy: Buffer.slice() would be a view pinning the reader's whole chunk.
    fp.kept.push({ tsUs: raw.tsUs, linkType: raw.linkType, origLen: raw.origLen, data: new Uint8Array(raw.data) });
    fp.keptBytes += raw.data.length;
    this.bufferedBytes += raw.data.length;
    this.counters.buffered++;
  }

  /** Starts writing this flow's packets to the capture `name`. */
  mark(fp: FlowPackets, name: string): void {
    if (fp.writer !== undefined || fp.linkType < 0) return;
    let w = this.writers.get(name);
    if (w === undefined) {
      w = { writer: this.opts.openWriter(name, fp.linkType), linkType: fp.linkType };
      this.writers.set(name, w);
    }
    this.counters.flowsMarked++;
    fp.writer = w.writer;
    fp.writerLinkType = w.linkType;
    for (const k of fp.kept) this.write(fp, k.tsUs, k.data, k.origLen, k.linkType);
    this.release(fp);
  }

  /** The flow ended: drop its buffer. */
  release(fp: FlowPackets): void {
    this.bufferedBytes -= fp.keptBytes;
    fp.keptBytes = 0;
    fp.kept = [];
  }

  close(): void {
    for (const w of this.writers.values()) w.writer.close();
    this.writers.clear();
  }

  private write(fp: FlowPackets, tsUs: number, data: Uint8Array, origLen: number, linkType: number): void {
    if (linkType !== fp.writerLinkType) {
      // A pcap file holds one link type; packets of another one cannot go in it.
      this.counters.linkTypeMismatch++;
      return;
    }
    fp.writer!.write(tsUs, data, origLen);
    // Alerting flows are few and slow (a miner sends a share every few seconds): writing each
    // packet through at once keeps the alert's pcap complete for triage while the flow lasts.
    fp.writer!.flush?.();
    this.counters.written++;
  }
}
