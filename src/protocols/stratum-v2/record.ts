// The schema of what the Stratum V2 analyser reports. Stratum V2 encrypts everything after a Noise
// NX handshake, so only the handshake's shape can be seen: a 64-byte client message (an EllSwift
// public key) answered by a fixed-size server message. This is a weak fact: any protocol could
// send those sizes by chance, and policy must weigh it so.

export interface StratumV2Record {
  /**
   * - `noise-nx-ellswift`: 64 then 234 bytes (sv2-spec 4.5: 64-byte ephemeral key; 64-byte
   *   ephemeral key + 80-byte encrypted static key + 90-byte encrypted signature message).
   * - `noise-nx-no-signature`: 64 then 170 bytes (the size the specification's table states).
   */
  handshake_shape: 'noise-nx-ellswift' | 'noise-nx-no-signature';
  client_first_bytes: number;
  server_first_bytes: number;
  /** Share of printable ASCII bytes in the two messages (random keys give about 0.37). */
  printable_ratio: number;
}

/** `stratum_v2.handshake_shape`: data is the StratumV2Record. */
export const STRATUM_V2_FACT_NAMES = ['stratum_v2.handshake_shape'] as const;
