// Named limits of the capture readers. Each one bounds memory or work on hostile input; each
// has a unit, a default and a test that exceeds it (see docs/capture-and-decode.md).

export interface CaptureLimits {
  /** Largest captured length of one packet, bytes. libpcap's MAXIMUM_SNAPLEN is 262144. */
  maxCaplenBytes: number;
  /** Largest pcapng block, bytes (wiretap's MAX_BLOCK_SIZE is 16 MiB). Bounds the carry buffer. */
  maxBlockBytes: number;
  /** Most name-resolution entries (address + name) kept from pcapng NRBs; more are counted, not kept. */
  maxNameRecords: number;
  /** Most interfaces (IDBs) in one pcapng section. */
  maxInterfaces: number;
}

export const DEFAULT_CAPTURE_LIMITS: Readonly<CaptureLimits> = {
  maxCaplenBytes: 262_144,
  maxBlockBytes: 16 * 1024 * 1024,
  maxNameRecords: 65_536,
  maxInterfaces: 4096,
};
