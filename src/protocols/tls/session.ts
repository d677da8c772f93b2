// Per-flow TLS state: reassembles records split across segments and handshake messages split
// across records (RFC 8446 section 5.1), within a byte cap per direction, and stops reading a
// direction once it turns encrypted (ChangeCipherSpec or application data) or has told all it can.

import { DONE, NEED_MORE, OK, violation } from '../analyser.js';
import type { AnalyserSession, Direction, SessionContext, SessionStatus } from '../analyser.js';
import {
  ja3sString,
  ja3String,
  ja4,
  md5,
  parseCertificate,
  parseCertificateMessage,
  parseClientHello,
  parseServerHello,
  versionName,
} from './parser.js';
import type { TlsCertificateInfo, TlsClientHelloInfo, TlsRecord, TlsServerHelloInfo } from './record.js';

export interface TlsLimits {
  /** Handshake bytes buffered per direction. Default 64 KiB. Counter: anomaly `tls.handshake_too_long`. */
  maxHandshakeBytes: number;
  /** Records read per direction before giving up on the handshake. Default 32. Counter: anomaly `tls.too_many_records`. */
  maxRecords: number;
}

export const DEFAULT_TLS_LIMITS: Readonly<TlsLimits> = Object.freeze({ maxHandshakeBytes: 64 * 1024, maxRecords: 32 });

/** Largest TLSCiphertext fragment (RFC 8446 section 5.2: 2^14 + 256; TLS 1.2 allows + 2048). */
const MAX_RECORD_LENGTH = 16384 + 2048;

class Side {
  readonly header = new Uint8Array(5);
  headerUsed = 0;
  recordType = 0;
  recordLeft = 0;
  records = 0;
  /** Handshake bytes; allocated at the first handshake record. */
  hs: Uint8Array = EMPTY;
  hsUsed = 0;
  isDone = false;
}

const EMPTY = new Uint8Array(0);
const INITIAL_HANDSHAKE_BYTES = 1024;

const hex4 = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;

export class TlsSession implements AnalyserSession {
  private readonly sides: [Side, Side] = [new Side(), new Side()];
  private clientHello: TlsClientHelloInfo | undefined;
  private serverHello: TlsServerHelloInfo | undefined;
  private certificate: TlsCertificateInfo | undefined;
  private isTls13 = false;
  private isViolated = false;
  /** Created at the first anomaly (most flows have none). */
  private anomalies: Map<string, number> | undefined;

  constructor(
    private readonly ctx: SessionContext,
    private readonly limits: Readonly<TlsLimits> = DEFAULT_TLS_LIMITS,
  ) {}

  private anomaly(name: string): void {
    this.anomalies ??= new Map();
    this.anomalies.set(name, (this.anomalies.get(name) ?? 0) + 1);
    this.ctx.anomaly(name);
  }

  onData(direction: Direction, data: Uint8Array, tsUs: number): SessionStatus {
    if (this.isViolated) return violation('tls.not_tls');
    const s = this.sides[direction];
    let pos = 0;
    while (pos < data.length && !s.isDone) {
      if (s.headerUsed < 5) {
        const take = Math.min(5 - s.headerUsed, data.length - pos);
        s.header.set(data.subarray(pos, pos + take), s.headerUsed);
        s.headerUsed += take;
        pos += take;
        if (s.headerUsed < 5) break;
        s.recordType = s.header[0]!;
        s.recordLeft = (s.header[3]! << 8) | s.header[4]!;
        if (s.recordType < 20 || s.recordType > 24 || s.header[1] !== 3 || s.recordLeft > MAX_RECORD_LENGTH) {
          if (this.clientHello === undefined && this.serverHello === undefined) {
            this.isViolated = true;
            return violation('tls.not_tls');
          }
          this.anomaly('tls.bad_record');
          s.isDone = true;
          break;
        }
        if (++s.records > this.limits.maxRecords) {
          this.anomaly('tls.too_many_records');
          s.isDone = true;
          break;
        }
        // ChangeCipherSpec or application data: what follows this side is encrypted.
        if (s.recordType === 20 || s.recordType === 23) {
          s.isDone = true;
          break;
        }
        if (s.recordType === 21) this.anomaly('tls.alert');
        if (s.recordLeft === 0) s.headerUsed = 0;
        continue;
      }
      const take = Math.min(s.recordLeft, data.length - pos);
      if (s.recordType === 22) this.appendHandshake(direction, s, data.subarray(pos, pos + take), tsUs);
      pos += take;
      s.recordLeft -= take;
      if (s.recordLeft === 0) s.headerUsed = 0;
    }
    if (this.sides[0].isDone && this.sides[1].isDone) return DONE;
    return s.headerUsed > 0 || s.hsUsed > 0 ? NEED_MORE : OK;
  }

  private appendHandshake(direction: Direction, s: Side, bytes: Uint8Array, tsUs: number): void {
    if (s.isDone) return;
    const need = s.hsUsed + bytes.length;
    if (need > this.limits.maxHandshakeBytes) {
      this.anomaly('tls.handshake_too_long');
      s.isDone = true;
      return;
    }
    if (need > s.hs.length) {
      let cap = Math.max(INITIAL_HANDSHAKE_BYTES, s.hs.length * 2);
      while (cap < need) cap *= 2;
      const next = new Uint8Array(Math.min(cap, this.limits.maxHandshakeBytes));
      next.set(s.hs.subarray(0, s.hsUsed));
      s.hs = next;
    }
    s.hs.set(bytes, s.hsUsed);
    s.hsUsed = need;
    let off = 0;
    while (!s.isDone && s.hsUsed - off >= 4) {
      const type = s.hs[off]!;
      const len = (s.hs[off + 1]! << 16) | (s.hs[off + 2]! << 8) | s.hs[off + 3]!;
      if (len + 4 > this.limits.maxHandshakeBytes) {
        this.anomaly('tls.handshake_too_long');
        s.isDone = true;
        return;
      }
      if (s.hsUsed - off < 4 + len) break;
      this.onHandshake(direction, s, type, s.hs.subarray(off + 4, off + 4 + len), tsUs);
      off += 4 + len;
    }
    if (off > 0) {
      s.hs.copyWithin(0, off, s.hsUsed);
      s.hsUsed -= off;
    }
  }

  private onHandshake(direction: Direction, s: Side, type: number, body: Uint8Array, tsUs: number): void {
    if (direction === 0) {
      if (type !== 1) return;
      s.isDone = true; // nothing else readable from the client
      const r = parseClientHello(body);
      if (r.kind === 'error') {
        this.anomaly(`tls.client_hello_${r.code}`);
        return;
      }
      const h = r.hello;
      const ja3 = ja3String(h);
      const info: TlsClientHelloInfo = {
        legacy_version: hex4(h.legacyVersion),
        alpn: [...h.alpn],
        supported_versions: h.supportedVersions.filter((v) => (v & 0x0f0f) !== 0x0a0a).map(hex4),
        cipher_count: h.ciphers.length,
        extension_count: h.extensions.length,
        ja3,
        ja3_hash: md5(ja3),
        ja4: ja4(h),
      };
      if (h.sni !== undefined) info.sni = h.sni;
      this.clientHello = info;
      this.ctx.emit({ name: 'tls.client_hello', tsUs, direction, data: { ...info, alpn: [...info.alpn], supported_versions: [...info.supported_versions] } });
      return;
    }
    if (type === 2) {
      const r = parseServerHello(body);
      if (r.kind === 'error') {
        this.anomaly(`tls.server_hello_${r.code}`);
        s.isDone = true;
        return;
      }
      const h = r.hello;
      const version = h.selectedVersion ?? h.legacyVersion;
      const ja3s = ja3sString(h);
      this.serverHello = { version: versionName(version), cipher: hex4(h.cipher), ja3s, ja3s_hash: md5(ja3s) };
      this.ctx.emit({ name: 'tls.server_hello', tsUs, direction, data: { ...this.serverHello } });
      if (version === 0x0304) {
        // TLS 1.3: EncryptedExtensions, Certificate... are encrypted (RFC 8446 section 2).
        this.isTls13 = true;
        s.isDone = true;
        this.ctx.emit({ name: 'tls.certificate_encrypted', tsUs, direction, data: { version: 'TLS 1.3' } });
      }
      return;
    }
    if (type === 11) {
      s.isDone = true;
      const r = parseCertificateMessage(body);
      if (r.kind === 'error') {
        this.anomaly('tls.certificate_bad_length');
        return;
      }
      const names = r.first !== undefined ? parseCertificate(r.first) : undefined;
      if (names === undefined) {
        this.anomaly('tls.bad_certificate');
        return;
      }
      this.certificate = { ...names, san_dns: [...names.san_dns], chain_length: r.chainLength };
      this.ctx.emit({ name: 'tls.certificate', tsUs, direction, data: { ...this.certificate, san_dns: [...this.certificate.san_dns] } });
      return;
    }
    // ServerHelloDone without a certificate (anonymous or PSK suites): nothing more to learn.
    if (type === 14) s.isDone = true;
  }

  onGap(direction: Direction, _length: number, _tsUs: number): SessionStatus {
    this.anomaly('tls.gap');
    this.sides[direction].isDone = true;
    return this.sides[0].isDone && this.sides[1].isDone ? DONE : OK;
  }

  onEnd(_tsUs: number): void {
    for (const s of this.sides) if (!s.isDone && (s.hsUsed > 0 || s.headerUsed > 0)) this.anomaly('tls.truncated_handshake');
  }

  record(): Record<string, unknown> | undefined {
    if (this.clientHello === undefined && this.serverHello === undefined) return undefined;
    const rec: TlsRecord = {
      certificate_state: this.certificate !== undefined ? 'seen' : this.isTls13 ? 'encrypted' : 'not_seen',
    };
    if (this.clientHello?.sni !== undefined) rec.sni = this.clientHello.sni;
    if (this.serverHello !== undefined) rec.version = this.serverHello.version;
    if (this.clientHello !== undefined) rec.client_hello = { ...this.clientHello, alpn: [...this.clientHello.alpn], supported_versions: [...this.clientHello.supported_versions] };
    if (this.serverHello !== undefined) rec.server_hello = { ...this.serverHello };
    if (this.certificate !== undefined) rec.certificate = { ...this.certificate, san_dns: [...this.certificate.san_dns] };
    if (this.anomalies !== undefined && this.anomalies.size > 0) rec.anomalies = Object.fromEntries(this.anomalies);
    return rec as unknown as Record<string, unknown>;
  }
}
