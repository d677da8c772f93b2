// Pure checks of the Stratum V2 Noise handshake shape (stratum-mining/sv2-spec, section 4.5).
// Act 1 (initiator -> responder) is a 64-byte EllSwift-encoded ephemeral key with no framing.
// Act 2 (responder -> initiator) is 64 + (64 + 16) + (74 + 16) = 234 bytes; the specification's
// summary table says 170 (without the signature message), so both sizes are recognised.

export const CLIENT_FIRST_BYTES = 64;
export const SERVER_FIRST_BYTES = 234;
export const SERVER_FIRST_BYTES_NO_SIGNATURE = 170;
/** Above this share of printable bytes a message is text, not a key. */
export const MAX_PRINTABLE_RATIO = 0.75;

export function printableCount(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09) n++;
  }
  return n;
}

/** Looks like key material: not mostly text, and not a known protocol's first bytes. */
export function looksRandom(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  if (printableCount(b) / b.length > MAX_PRINTABLE_RATIO) return false;
  // TLS handshake record, SSH banner, HTTP/JSON are recognised elsewhere; refuse the TLS header here.
  if (b[0] === 0x16 && b[1] === 0x03) return false;
  return true;
}

/** Probe of the first bytes: the client's act 1 is exactly 64 random-looking bytes. */
export function probeStratumV2(data: Uint8Array, direction: 0 | 1): 'yes' | 'no' | 'maybe' {
  if (direction === 1) {
    // Text, TLS and other recognisable first bytes end the probe at once, so ordinary flows do not
    // keep a probe buffer waiting for 234 bytes that will never be key material.
    if (data.length > 0 && !looksRandom(data)) return 'no';
    if (data.length === SERVER_FIRST_BYTES || data.length === SERVER_FIRST_BYTES_NO_SIGNATURE) return looksRandom(data) ? 'yes' : 'no';
    return data.length < SERVER_FIRST_BYTES ? 'maybe' : 'no';
  }
  if (data.length < CLIENT_FIRST_BYTES) return data.length > 0 && !looksRandom(data) ? 'no' : 'maybe';
  if (data.length > CLIENT_FIRST_BYTES) return 'no';
  return looksRandom(data) ? 'yes' : 'no';
}
