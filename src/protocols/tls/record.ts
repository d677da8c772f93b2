// The schema of what the TLS analyser reports: the EVE `tls` object and the data of the `tls.*`
// fact events. Only the cleartext handshake is read: ClientHello, ServerHello and, up to TLS 1.2,
// the server's Certificate message. TLS 1.3 encrypts certificates: `certificate_state` says so.

export interface TlsClientHelloInfo {
  /** Legacy version field, e.g. "0x0303". */
  legacy_version: string;
  sni?: string;
  alpn: string[];
  /** supported_versions values, GREASE removed, as "0x0304". */
  supported_versions: string[];
  cipher_count: number;
  extension_count: number;
  /** JA3 string (Salesforce JA3) and its MD5. */
  ja3: string;
  ja3_hash: string;
  /** JA4 (FoxIO JA4, TLS over TCP: prefix "t"). */
  ja4: string;
}

export interface TlsServerHelloInfo {
  /** Negotiated version: supported_versions when present, else the legacy field ("TLS 1.2"...). */
  version: string;
  /** Cipher suite as "0x1301". */
  cipher: string;
  ja3s: string;
  ja3s_hash: string;
}

export interface TlsCertificateInfo {
  subject_cn?: string;
  issuer_cn?: string;
  /** subjectAltName dNSName entries (capped). */
  san_dns: string[];
  /** Validity as written in the certificate (UTCTime / GeneralizedTime text). */
  not_before?: string;
  not_after?: string;
  /** Certificates in the chain. */
  chain_length: number;
}

export interface TlsRecord {
  /** Shortcuts in EVE style. */
  sni?: string;
  version?: string;
  client_hello?: TlsClientHelloInfo;
  server_hello?: TlsServerHelloInfo;
  certificate?: TlsCertificateInfo;
  /**
   * - `seen`: parsed from a TLS 1.2-or-earlier Certificate message.
   * - `encrypted`: TLS 1.3 was negotiated; certificates travel encrypted.
   * - `not_seen`: the handshake ended (or the capture did) before one was read.
   */
  certificate_state: 'seen' | 'encrypted' | 'not_seen';
  anomalies?: Record<string, number>;
}

/** `tls.client_hello`: data is a TlsClientHelloInfo. */
/** `tls.server_hello`: data is a TlsServerHelloInfo. */
/** `tls.certificate`: data is a TlsCertificateInfo. */
/** `tls.certificate_encrypted`: `{ version }` when TLS 1.3 hides the certificate. */
export const TLS_FACT_NAMES = ['tls.client_hello', 'tls.server_hello', 'tls.certificate', 'tls.certificate_encrypted'] as const;
