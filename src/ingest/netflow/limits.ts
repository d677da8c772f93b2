// Named limits of the NetFlow/IPFIX collector. Every one bounds memory or work that a remote
// exporter (or an attacker spoofing one) controls; each has a counter in counters.ts that says how
// often it was hit, and a test in test/netflow/ that exceeds it.

export interface CollectorLimits {
  /** Templates kept across all exporters (count). Default 65 536. */
  maxTemplates: number;
  /** Templates kept per exporter address+port (count). Default 1 024. */
  maxTemplatesPerExporter: number;
  /** Fields in one template (count). Default 512 (a real template has tens). */
  maxTemplateFields: number;
  /** A UDP template not refreshed for this long is forgotten (microseconds). Default 30 min. */
  templateIdleUs: number;
  /** Data sets held while their template has not arrived (count). Default 1 024. */
  maxPendingSets: number;
  /** Bytes of held data sets in total (bytes). Default 4 MiB. */
  maxPendingBytes: number;
  /** A held data set whose template never arrives is dropped after this (microseconds). Default 60 s. */
  pendingHoldUs: number;
  /** One-direction records wait this long for their reverse record (microseconds). Default 2 s. */
  pairingHoldUs: number;
  /** One-direction records waiting for their reverse at once (count). Default 100 000. */
  maxPairingEntries: number;
  /** Records written to the store in one call (count). Default 1 000. */
  storeBatchSize: number;
  /** Records accepted but not yet written before new ones are dropped (count). Default 200 000. */
  maxStoreBacklog: number;
  /** Concurrent IPFIX-over-TCP exporters (count). Default 64. */
  maxTcpConnections: number;
  /** Exporters (address+port, domain) with option state kept (count). Default 4 096. */
  maxExporterStates: number;
}

export const DEFAULT_COLLECTOR_LIMITS: Readonly<CollectorLimits> = Object.freeze({
  maxTemplates: 65_536,
  maxTemplatesPerExporter: 1_024,
  maxTemplateFields: 512,
  templateIdleUs: 30 * 60 * 1_000_000,
  maxPendingSets: 1_024,
  maxPendingBytes: 4 * 1024 * 1024,
  pendingHoldUs: 60 * 1_000_000,
  pairingHoldUs: 2 * 1_000_000,
  maxPairingEntries: 100_000,
  storeBatchSize: 1_000,
  maxStoreBacklog: 200_000,
  maxTcpConnections: 64,
  maxExporterStates: 4_096,
});

/** RFC 7011 section 3.1: the message length field is 16 bits, so no message exceeds this (bytes). */
export const MAX_IPFIX_MESSAGE_BYTES = 65_535;
/** NetFlow v5 export datagrams carry at most 30 records (Cisco v5 format). */
export const V5_MAX_RECORDS = 30;
