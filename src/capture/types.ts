// What every capture reader hands on: one packet at a time, as a view into the reader's buffer.
// The view is valid only during the callback; copy it if it must outlive the call.

/** Link-layer header types (LINKTYPE_* from the tcpdump.org registry). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export interface CapturedPacket {
  /** Capture time in microseconds since the Unix epoch. */
  tsUs: number;
  linkType: number;
  /** Captured bytes (possibly shorter than origLen when the snaplen cut it). */
  data: Uint8Array;
  /** Length of the packet on the wire. */
  origLen: number;
  /** pcapng interface id (0 for pcap). */
  interfaceId: number;
  /** 1-based frame number, as tshark counts. */
  frameNumber: number;
  /** Byte offset of the record in the (decompressed) input. */
  fileOffset: number;
}

/** A capture that cannot be read further. Everything before `offset` was delivered. */
export class CaptureFormatError extends Error {
  constructor(
    readonly source: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${source}: byte offset ${offset}: ${reason}`);
    this.name = 'CaptureFormatError';
  }
}
