// PAN-OS XML API errors: `<response status="error" code="N">` with a message found at msg/line,
// result/msg/line, result/msg or msg. Codes from the XML API guide, each with a plain meaning.

export const PANOS_ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'bad request (a required parameter is missing or invalid)',
  403: 'forbidden (the API key is invalid or the administrator lacks the rights)',
  1: 'unknown command',
  2: 'internal error',
  3: 'internal error',
  4: 'internal error',
  5: 'internal error',
  6: 'bad xpath',
  7: 'object not present',
  8: 'object not unique',
  10: 'reference count not zero (the object is in use)',
  11: 'internal error',
  12: 'invalid object',
  13: 'object not found',
  14: 'operation not possible',
  15: 'operation denied',
  16: 'unauthorized',
  17: 'invalid command',
  18: 'malformed command',
  21: 'internal error',
  22: 'session timed out',
};

/** Codes worth retrying: the firewall's internal errors, not the request's faults. */
export const RETRYABLE_PANOS_CODES: ReadonlySet<number> = new Set([2, 3, 4, 5, 11, 21]);

export type PanosApiErrorKind = 'api' | 'http' | 'network' | 'timeout' | 'tls' | 'protocol';

export class PanosApiError extends Error {
  constructor(
    readonly kind: PanosApiErrorKind,
    message: string,
    readonly code?: number,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'PanosApiError';
  }
}

export function describePanosError(code: number | undefined, firewallMessage: string): string {
  const meaning = code === undefined ? 'error' : (PANOS_ERROR_CODES[code] ?? `error code ${code}`);
  return firewallMessage ? `PAN-OS API: ${meaning}: ${firewallMessage}` : `PAN-OS API: ${meaning}`;
}
