// Writes classic microsecond pcap (tcpdump.org "libpcap file format", little-endian magic
// a1b2c3d4, version 2.4): one file per alert with the packets of the flows it concerns. Records
// are buffered and written with synchronous file writes so the packet path never waits on I/O.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { CapturedPacket } from './types.js';

const FLUSH_BYTES = 64 * 1024;

export class PcapWriter {
  private buf = new Uint8Array(FLUSH_BYTES + 16);
  private view = new DataView(this.buf.buffer);
  private len = 0;
  private closed = false;
  /** Packets written so far. */
  packets = 0;

  /**
   * @param sink receives the bytes in order (a file write, an array push...).
   * @param linkType LINKTYPE_* of every packet written (a pcap file has one).
   * @param snaplen written in the header; longer packets are cut to it.
   */
  constructor(
    private readonly sink: (bytes: Uint8Array) => void,
    readonly linkType: number,
    readonly snaplen = 262_144,
  ) {
    const v = this.view;
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true); // thiszone: timestamps are UTC
    v.setUint32(12, 0, true); // sigfigs
    v.setUint32(16, snaplen, true);
    v.setUint32(20, linkType, true);
    this.len = 24;
  }

  /** A writer to a new file at `path` (truncated when it exists). */
  static toFile(path: string, linkType: number, snaplen?: number): PcapWriter {
    const fd = openSync(path, 'w');
    const w = new PcapWriter(
      (bytes) => {
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      },
      linkType,
      snaplen,
    );
    w.onClose = () => closeSync(fd);
    return w;
  }

  private onClose: () => void = () => undefined;

  /** Appends one packet; `data` is copied, so a reader's view may be passed directly. */
  write(tsUs: number, data: Uint8Array, origLen = data.length): void {
    if (this.closed) throw new Error('PcapWriter: write after close');
    const caplen = Math.min(data.length, this.snaplen);
    if (this.len + 16 + caplen > this.buf.length) {
      this.flush();
      if (16 + caplen > this.buf.length) {
        this.buf = new Uint8Array(16 + caplen);
        this.view = new DataView(this.buf.buffer);
      }
    }
    const sec = Math.floor(tsUs / 1_000_000);
    const v = this.view;
    v.setUint32(this.len, sec >>> 0, true);
    v.setUint32(this.len + 4, tsUs - sec * 1_000_000, true);
    v.setUint32(this.len + 8, caplen, true);
    v.setUint32(this.len + 12, Math.max(origLen, caplen), true);
    this.buf.set(caplen === data.length ? data : data.subarray(0, caplen), this.len + 16);
    this.len += 16 + caplen;
    this.packets++;
  }

  /** Appends a packet as a reader delivered it. Its link type must be the writer's. */
  writePacket(p: CapturedPacket): void {
    if (p.linkType !== this.linkType) {
      throw new Error(`PcapWriter: packet link type ${p.linkType} differs from the file's ${this.linkType}`);
    }
    this.write(p.tsUs, p.data, p.origLen);
  }

  flush(): void {
    if (this.len === 0) return;
    this.sink(this.buf.slice(0, this.len));
    this.len = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.onClose();
  }
}
