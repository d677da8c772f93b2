// The TLS analyser: ClientHello (SNI, ALPN, versions, JA3, JA4), ServerHello (version, cipher,
// JA3S) and the server certificate's names when TLS 1.2 or earlier sends it in clear.

import type { Analyser, Direction, FlowInfo, ProbeResult, SessionContext } from '../analyser.js';
import { probeTls } from './parser.js';
import { DEFAULT_TLS_LIMITS, TlsSession } from './session.js';
import type { TlsLimits } from './session.js';

export type { TlsRecord, TlsClientHelloInfo, TlsServerHelloInfo, TlsCertificateInfo } from './record.js';
export { TLS_FACT_NAMES } from './record.js';
export { DEFAULT_TLS_LIMITS } from './session.js';
export type { TlsLimits } from './session.js';

export function createTlsAnalyser(limits: Partial<TlsLimits> = {}): Analyser {
  const effective: Readonly<TlsLimits> = Object.freeze({ ...DEFAULT_TLS_LIMITS, ...limits });
  return {
    name: 'tls',
    transports: ['tcp'],
    probe(data: Uint8Array, direction: Direction, _flow: FlowInfo): ProbeResult {
      return probeTls(data, direction);
    },
    createSession(ctx: SessionContext) {
      return new TlsSession(ctx, effective);
    },
  };
}
