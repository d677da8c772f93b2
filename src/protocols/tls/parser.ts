// Pure TLS handshake parsers (RFC 8446 section 4, RFC 5246 section 7.4): ClientHello,
// ServerHello, the Certificate message, a minimal DER walk of an X.509 certificate (RFC 5280
// section 4.1) for its names and validity, and the JA3/JA3S (Salesforce) and JA4 (FoxIO)
// fingerprints. Every read is bounds-checked; malformed input returns an error code.

import { createHash } from 'node:crypto';

export type TlsErrorCode = 'truncated' | 'bad_length' | 'bad_certificate';

/** GREASE values (RFC 8701): 0x?a?a with both bytes equal. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** A bounds-checked cursor over a byte view. Reads past the end set `isShort` and return 0. */
class Cursor {
  pos: number;
  isShort = false;
  constructor(
    readonly b: Uint8Array,
    start = 0,
    readonly end = b.length,
  ) {
    this.pos = start;
  }
  get left(): number {
    return this.end - this.pos;
  }
  u8(): number {
    if (this.pos + 1 > this.end) return this.fail();
    return this.b[this.pos++]!;
  }
  u16(): number {
    if (this.pos + 2 > this.end) return this.fail();
    const v = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u24(): number {
    if (this.pos + 3 > this.end) return this.fail();
    const v = (this.b[this.pos]! << 16) | (this.b[this.pos + 1]! << 8) | this.b[this.pos + 2]!;
    this.pos += 3;
    return v;
  }
  skip(n: number): void {
    if (this.pos + n > this.end) this.fail();
    else this.pos += n;
  }
  /** A sub-cursor over the next n bytes. */
  sub(n: number): Cursor {
    if (this.pos + n > this.end) {
      this.fail();
      return new Cursor(this.b, this.end, this.end);
    }
    const c = new Cursor(this.b, this.pos, this.pos + n);
    this.pos += n;
    return c;
  }
  private fail(): number {
    this.isShort = true;
    this.pos = this.end;
    return 0;
  }
}

export interface ClientHello {
  legacyVersion: number;
  /** Cipher suites as sent (GREASE included). */
  ciphers: number[];
  /** Extension types as sent (GREASE included). */
  extensions: number[];
  sni?: string;
  /** ALPN protocol names (as latin1 text), in order. */
  alpn: string[];
  /** First ALPN value as bytes (JA4 reads its first and last byte). */
  alpnFirst?: Uint8Array;
  supportedVersions: number[];
  groups: number[];
  pointFormats: number[];
  signatureAlgorithms: number[];
}

const latin1 = new TextDecoder('latin1');
/** Longest SNI kept (RFC 6066: a DNS host name, at most 255 octets). */
export const MAX_SNI_BYTES = 255;
/** ALPN values kept. */
export const MAX_ALPN_VALUES = 16;

/** Parse a ClientHello body (after the 4-byte handshake header). */
export function parseClientHello(body: Uint8Array): { kind: 'ok'; hello: ClientHello } | { kind: 'error'; code: TlsErrorCode } {
  const c = new Cursor(body);
  const hello: ClientHello = { legacyVersion: c.u16(), ciphers: [], extensions: [], alpn: [], supportedVersions: [], groups: [], pointFormats: [], signatureAlgorithms: [] };
  c.skip(32); // random
  c.skip(c.u8()); // legacy_session_id
  const cs = c.sub(c.u16());
  while (cs.left >= 2) hello.ciphers.push(cs.u16());
  c.skip(c.u8()); // compression methods
  if (c.isShort) return { kind: 'error', code: 'truncated' };
  if (c.left === 0) return { kind: 'ok', hello }; // no extensions (SSL 3.0 style)
  const exts = c.sub(c.u16());
  if (c.isShort) return { kind: 'error', code: 'bad_length' };
  while (exts.left >= 4) {
    const type = exts.u16();
    const data = exts.sub(exts.u16());
    if (exts.isShort) return { kind: 'error', code: 'bad_length' };
    hello.extensions.push(type);
    readClientExtension(hello, type, data);
  }
  return { kind: 'ok', hello };
}

function readClientExtension(h: ClientHello, type: number, d: Cursor): void {
  switch (type) {
    case 0: {
      // server_name (RFC 6066 section 3): list of {type, name}; host_name is type 0.
      const list = d.sub(d.u16());
      while (list.left >= 3) {
        const nameType = list.u8();
        const len = list.u16();
        const at = list.pos;
        list.skip(len);
        if (list.isShort) break;
        if (nameType === 0 && h.sni === undefined) h.sni = latin1.decode(d.b.subarray(at, at + Math.min(len, MAX_SNI_BYTES))).toLowerCase();
      }
      break;
    }
    case 10: {
      const list = d.sub(d.u16());
      while (list.left >= 2) h.groups.push(list.u16());
      break;
    }
    case 11: {
      const list = d.sub(d.u8());
      while (list.left >= 1) h.pointFormats.push(list.u8());
      break;
    }
    case 13: {
      const list = d.sub(d.u16());
      while (list.left >= 2) h.signatureAlgorithms.push(list.u16());
      break;
    }
    case 16: {
      // ALPN (RFC 7301): list of 1-byte-length protocol names.
      const list = d.sub(d.u16());
      while (list.left >= 1) {
        const len = list.u8();
        const at = list.pos;
        list.skip(len);
        if (list.isShort || len === 0) break;
        const bytes = d.b.subarray(at, at + len);
        if (h.alpnFirst === undefined) h.alpnFirst = bytes;
        if (h.alpn.length < MAX_ALPN_VALUES) h.alpn.push(latin1.decode(bytes.subarray(0, 64)));
      }
      break;
    }
    case 43: {
      const list = d.sub(d.u8());
      while (list.left >= 2) h.supportedVersions.push(list.u16());
      break;
    }
    default:
      break;
  }
}

export interface ServerHello {
  legacyVersion: number;
  cipher: number;
  extensions: number[];
  /** supported_versions selected_version (TLS 1.3), or undefined. */
  selectedVersion?: number;
}

export function parseServerHello(body: Uint8Array): { kind: 'ok'; hello: ServerHello } | { kind: 'error'; code: TlsErrorCode } {
  const c = new Cursor(body);
  const hello: ServerHello = { legacyVersion: c.u16(), cipher: 0, extensions: [] };
  c.skip(32);
  c.skip(c.u8());
  hello.cipher = c.u16();
  c.skip(1); // compression method
  if (c.isShort) return { kind: 'error', code: 'truncated' };
  if (c.left === 0) return { kind: 'ok', hello };
  const exts = c.sub(c.u16());
  while (exts.left >= 4) {
    const type = exts.u16();
    const data = exts.sub(exts.u16());
    if (exts.isShort) return { kind: 'error', code: 'bad_length' };
    hello.extensions.push(type);
    if (type === 43 && data.left >= 2) hello.selectedVersion = data.u16();
  }
  return { kind: 'ok', hello };
}

export function versionName(v: number): string {
  switch (v) {
    case 0x0304:
      return 'TLS 1.3';
    case 0x0303:
      return 'TLS 1.2';
    case 0x0302:
      return 'TLS 1.1';
    case 0x0301:
      return 'TLS 1.0';
    case 0x0300:
      return 'SSL 3.0';
    default:
      return `0x${hex4(v)}`;
  }
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

export function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
function sha256x12(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

const noGrease = (list: number[]): number[] => list.filter((v) => !isGrease(v));

/** JA3: SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats (decimal, '-' joined, GREASE removed). */
export function ja3String(h: ClientHello): string {
  return [String(h.legacyVersion), noGrease(h.ciphers).join('-'), noGrease(h.extensions).join('-'), noGrease(h.groups).join('-'), h.pointFormats.join('-')].join(',');
}

/** JA3S: SSLVersion,Cipher,Extensions. */
export function ja3sString(h: ServerHello): string {
  return [String(h.legacyVersion), String(h.cipher), h.extensions.join('-')].join(',');
}

function ja4Version(v: number): string {
  switch (v) {
    case 0x0304:
      return '13';
    case 0x0303:
      return '12';
    case 0x0302:
      return '11';
    case 0x0301:
      return '10';
    case 0x0300:
      return 's3';
    case 0x0002:
      return 's2';
    default:
      return '00';
  }
}

function isAlnum(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * JA4 for TLS over TCP (FoxIO JA4 technical details): t, version (highest supported_versions,
 * else legacy), d/i for SNI, 2-digit cipher and extension counts (GREASE removed, capped at 99),
 * first and last character of the first ALPN value (hex nibbles when not alphanumeric, "00" when
 * absent); then the sorted cipher list hash; then the sorted extension list without SNI and ALPN,
 * an underscore and the signature algorithms in sent order, hashed (SHA-256, 12 hex chars).
 */
export function ja4(h: ClientHello, transport: 't' | 'q' | 'd' = 't'): string {
  const versions = noGrease(h.supportedVersions);
  const version = versions.length > 0 ? Math.max(...versions) : h.legacyVersion;
  const ciphers = noGrease(h.ciphers);
  const exts = noGrease(h.extensions);
  let alpn = '00';
  const a = h.alpnFirst;
  if (a !== undefined && a.length > 0) {
    const first = a[0]!;
    const last = a[a.length - 1]!;
    alpn =
      isAlnum(first) && isAlnum(last)
        ? String.fromCharCode(first) + String.fromCharCode(last)
        : first.toString(16).padStart(2, '0')[0]! + last.toString(16).padStart(2, '0')[1]!;
  }
  const two = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');
  const partA = `${transport}${ja4Version(version)}${h.sni !== undefined ? 'd' : 'i'}${two(ciphers.length)}${two(exts.length)}${alpn}`;
  const cipherList = ciphers.map(hex4).sort().join(',');
  const partB = ciphers.length === 0 ? '000000000000' : sha256x12(cipherList);
  const extList = exts.filter((e) => e !== 0x0000 && e !== 0x0010).map(hex4).sort().join(',');
  const sigs = h.signatureAlgorithms.filter((s) => !isGrease(s)).map(hex4).join(',');
  const partC = exts.length === 0 ? '000000000000' : sha256x12(sigs.length > 0 ? `${extList}_${sigs}` : extList);
  return `${partA}_${partB}_${partC}`;
}

// X.509 (DER) -----------------------------------------------------------------------------

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** Read one DER TLV at `off` within `limit`. Lengths up to 4 bytes; anything else is refused. */
export function readTlv(b: Uint8Array, off: number, limit = b.length): Tlv | undefined {
  if (off + 2 > limit) return undefined;
  const tag = b[off]!;
  let len = b[off + 1]!;
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  if (start + len > limit) return undefined;
  return { tag, start, end: start + len };
}

function children(b: Uint8Array, t: Tlv, max = 64): Tlv[] {
  const out: Tlv[] = [];
  let off = t.start;
  while (off < t.end && out.length < max) {
    const c = readTlv(b, off, t.end);
    if (c === undefined) break;
    out.push(c);
    off = c.end;
  }
  return out;
}

const OID_CN = [0x55, 0x04, 0x03];
const OID_SAN = [0x55, 0x1d, 0x11];

function oidIs(b: Uint8Array, t: Tlv, oid: number[]): boolean {
  if (t.tag !== 0x06 || t.end - t.start !== oid.length) return false;
  for (let i = 0; i < oid.length; i++) if (b[t.start + i] !== oid[i]) return false;
  return true;
}

/** Longest name kept from a certificate, characters. */
export const MAX_CERT_NAME_CHARS = 256;
/** SAN dNSName entries kept. */
export const MAX_SAN_NAMES = 32;

const utf8 = new TextDecoder('utf-8');
function text(b: Uint8Array, t: Tlv): string {
  const bytes = b.subarray(t.start, Math.min(t.end, t.start + MAX_CERT_NAME_CHARS * 4));
  // BMPString (0x1e) is UTF-16BE; the others read as UTF-8 (a superset of IA5/Printable).
  if (t.tag === 0x1e) {
    let s = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
    return s.slice(0, MAX_CERT_NAME_CHARS);
  }
  return utf8.decode(bytes).slice(0, MAX_CERT_NAME_CHARS);
}

/** The CN of a Name (RDNSequence): the last CN attribute, as most tools show. */
function commonName(b: Uint8Array, name: Tlv): string | undefined {
  let cn: string | undefined;
  for (const rdn of children(b, name)) {
    for (const atv of children(b, rdn)) {
      const [oid, value] = children(b, atv, 2);
      if (oid !== undefined && value !== undefined && oidIs(b, oid, OID_CN)) cn = text(b, value);
    }
  }
  return cn;
}

export interface CertificateNames {
  subject_cn?: string;
  issuer_cn?: string;
  san_dns: string[];
  not_before?: string;
  not_after?: string;
}

/** Walk a DER certificate for subject/issuer CN, SAN dNSNames and validity. */
export function parseCertificate(der: Uint8Array): CertificateNames | undefined {
  const cert = readTlv(der, 0);
  if (cert === undefined || cert.tag !== 0x30) return undefined;
  const tbs = children(der, cert, 1)[0];
  if (tbs === undefined || tbs.tag !== 0x30) return undefined;
  const f = children(der, tbs, 16);
  // version [0] is optional (v1 certificates omit it).
  let i = f[0]?.tag === 0xa0 ? 1 : 0;
  i += 2; // serialNumber, signature AlgorithmIdentifier
  const issuer = f[i++];
  const validity = f[i++];
  const subject = f[i++];
  if (issuer === undefined || validity === undefined || subject === undefined) return undefined;
  const out: CertificateNames = { san_dns: [] };
  const icn = commonName(der, issuer);
  if (icn !== undefined) out.issuer_cn = icn;
  const scn = commonName(der, subject);
  if (scn !== undefined) out.subject_cn = scn;
  const [nb, na] = children(der, validity, 2);
  if (nb !== undefined) out.not_before = text(der, nb);
  if (na !== undefined) out.not_after = text(der, na);
  for (const field of f.slice(i)) {
    if (field.tag !== 0xa3) continue; // extensions [3]
    const seq = children(der, field, 1)[0];
    if (seq === undefined) continue;
    for (const ext of children(der, seq, 64)) {
      const parts = children(der, ext, 3);
      if (parts[0] === undefined || !oidIs(der, parts[0], OID_SAN)) continue;
      const octets = parts[parts.length - 1]!;
      if (octets.tag !== 0x04) continue;
      const names = readTlv(der, octets.start, octets.end);
      if (names === undefined) continue;
      for (const gn of children(der, names, 256)) {
        // dNSName is [2] IMPLICIT IA5String (RFC 5280 section 4.2.1.6).
        if (gn.tag === 0x82 && out.san_dns.length < MAX_SAN_NAMES) out.san_dns.push(text(der, gn).toLowerCase());
      }
    }
  }
  return out;
}

/** The Certificate handshake message (TLS 1.2): the first certificate and the chain length. */
export function parseCertificateMessage(body: Uint8Array): { kind: 'ok'; first: Uint8Array | undefined; chainLength: number } | { kind: 'error'; code: TlsErrorCode } {
  const c = new Cursor(body);
  const list = c.sub(c.u24());
  if (c.isShort) return { kind: 'error', code: 'bad_length' };
  let first: Uint8Array | undefined;
  let n = 0;
  while (list.left >= 3) {
    const len = list.u24();
    const at = list.pos;
    list.skip(len);
    if (list.isShort) return { kind: 'error', code: 'bad_length' };
    if (first === undefined) first = body.subarray(at, at + len);
    n++;
  }
  return { kind: 'ok', first, chainLength: n };
}

/** Probe: a TLS handshake record (0x16, version 3.x) carrying a ClientHello (to server) or ServerHello. */
export function probeTls(data: Uint8Array, direction: 0 | 1): 'yes' | 'no' | 'maybe' {
  if (data.length === 0) return 'maybe';
  if (data[0] !== 0x16) return 'no';
  if (data.length < 2) return 'maybe';
  if (data[1] !== 0x03) return 'no';
  if (data.length < 3) return 'maybe';
  if (data[2]! > 0x04) return 'no';
  if (data.length < 6) return 'maybe';
  const recLen = (data[3]! << 8) | data[4]!;
  if (recLen < 4 || recLen > 16384 + 2048) return 'no';
  return data[5] === (direction === 0 ? 1 : 2) ? 'yes' : 'no';
}
