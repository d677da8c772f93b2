// Wallet address formats seen in mining logins, each with its checksum verified: Monero
// (CryptoNote block base58, standard, subaddress and integrated, network byte and Keccak-256
// checksum), Bitcoin (base58check P2PKH/P2SH with its double-SHA-256 checksum, and bech32/bech32m
// segwit addresses with their BCH checksum, BIP 173 and BIP 350) and Ethereum (0x + 40 hex
// digits, with the EIP-55 mixed-case checksum when the case is mixed). Logins usually carry more than the address: `WALLET.worker`,
// `WALLET+difficulty`, `WALLET/worker`; `parseLogin` splits them.

import { createHash } from 'node:crypto';
import { keccak256 } from './keccak.js';

export type WalletCoin = 'monero' | 'bitcoin' | 'ethereum';

export interface WalletInfo {
  coin: WalletCoin;
  /** monero: standard, subaddress, integrated; bitcoin: p2pkh, p2sh, segwit-v0, segwit-v1+ ; ethereum: account. */
  kind: string;
  /** True when a checksum was verified (Bitcoin); false when only the shape and alphabet were. */
  isChecksumVerified: boolean;
  network: 'mainnet' | 'testnet';
}

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE58_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE58_ALPHABET.length; i++) BASE58_INDEX[BASE58_ALPHABET.charCodeAt(i)] = i;

/** The longest login text worth examining (an integrated Monero address plus worker and difficulty). */
export const MAX_LOGIN_CHARS = 512;

export function isBase58(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || BASE58_INDEX[c] === -1) return false;
  }
  return text.length > 0;
}

/** Plain (Bitcoin) base58 decoding; undefined when a character is outside the alphabet. */
export function base58Decode(text: string): Uint8Array | undefined {
  if (!isBase58(text)) return undefined;
  let value = 0n;
  for (let i = 0; i < text.length; i++) value = value * 58n + BigInt(BASE58_INDEX[text.charCodeAt(i)] ?? 0);
  const bytes: number[] = [];
  while (value > 0n) {
    bytes.push(Number(value & 0xffn));
    value >>= 8n;
  }
  // Each leading '1' stands for one leading zero byte.
  for (let i = 0; i < text.length && text[i] === '1'; i++) bytes.push(0);
  return Uint8Array.from(bytes.reverse());
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

/** Base58check: the last 4 bytes are the first 4 of SHA-256(SHA-256(payload)). */
export function base58CheckDecode(text: string): { version: number; payload: Uint8Array } | undefined {
  const raw = base58Decode(text);
  if (!raw || raw.length < 5) return undefined;
  const body = raw.subarray(0, raw.length - 4);
  const check = sha256(sha256(body));
  for (let i = 0; i < 4; i++) if (check[i] !== raw[body.length + i]) return undefined;
  return { version: body[0] ?? 0, payload: body.subarray(1) };
}

// CryptoNote base58 (Monero `src/common/base58.cpp`): 8-byte blocks encoded as 11 characters,
// the last partial block with the length this table gives, so no leading-zero ambiguity.
const CN_ENCODED_BLOCK_SIZES = [0, 2, 3, 5, 6, 7, 9, 10, 11];
const CN_FULL_BLOCK_CHARS = 11;

/** Decodes CryptoNote block base58; undefined for bad characters, lengths or block overflow. */
export function cryptonoteBase58Decode(text: string): Uint8Array | undefined {
  if (!isBase58(text)) return undefined;
  const full = Math.floor(text.length / CN_FULL_BLOCK_CHARS);
  const lastChars = text.length % CN_FULL_BLOCK_CHARS;
  const lastBytes = CN_ENCODED_BLOCK_SIZES.indexOf(lastChars);
  if (lastBytes < 0) return undefined;
  const out = new Uint8Array(full * 8 + lastBytes);
  for (let blk = 0; blk <= full; blk++) {
    const chars = blk < full ? CN_FULL_BLOCK_CHARS : lastChars;
    const bytes = blk < full ? 8 : lastBytes;
    if (chars === 0) continue;
    let value = 0n;
    for (let i = 0; i < chars; i++) value = value * 58n + BigInt(BASE58_INDEX[text.charCodeAt(blk * CN_FULL_BLOCK_CHARS + i)] ?? 0);
    if (value >> BigInt(bytes * 8) !== 0n) return undefined;
    for (let i = bytes - 1; i >= 0; i--) {
      out[blk * 8 + i] = Number(value & 0xffn);
      value >>= 8n;
    }
  }
  return out;
}

/** Monero network prefixes (`cryptonote_config.h`), each a one-byte varint. */
const MONERO_PREFIXES: ReadonlyMap<number, { kind: string; network: 'mainnet' | 'testnet' }> = new Map([
  [18, { kind: 'standard', network: 'mainnet' }],
  [19, { kind: 'integrated', network: 'mainnet' }],
  [42, { kind: 'subaddress', network: 'mainnet' }],
  [53, { kind: 'standard', network: 'testnet' }],
  [54, { kind: 'integrated', network: 'testnet' }],
  [63, { kind: 'subaddress', network: 'testnet' }],
  [24, { kind: 'standard', network: 'testnet' }], // stagenet
  [25, { kind: 'integrated', network: 'testnet' }],
  [36, { kind: 'subaddress', network: 'testnet' }],
]);

/** A Monero address whose network byte, length and Keccak-256 checksum all hold. */
function classifyMonero(text: string): WalletInfo | undefined {
  const raw = cryptonoteBase58Decode(text);
  if (!raw || (raw.length !== 69 && raw.length !== 77)) return undefined;
  const prefix = MONERO_PREFIXES.get(raw[0] ?? 0);
  if (!prefix || (prefix.kind === 'integrated') !== (raw.length === 77)) return undefined;
  const body = raw.subarray(0, raw.length - 4);
  const check = keccak256(body);
  for (let i = 0; i < 4; i++) if (check[i] !== raw[body.length + i]) return undefined;
  return { coin: 'monero', kind: prefix.kind, isChecksumVerified: true, network: prefix.network };
}

/**
 * EIP-55 mixed-case checksum: a letter is upper case exactly when the matching nibble of
 * Keccak-256(lower-case hex) is 8 or more. All-lower or all-upper addresses carry no checksum.
 */
export function isEip55Checksummed(address: string): boolean | undefined {
  const hexPart = address.slice(2);
  if (hexPart === hexPart.toLowerCase() || hexPart === hexPart.toUpperCase()) return undefined;
  const hash = keccak256(new TextEncoder().encode(hexPart.toLowerCase()));
  for (let i = 0; i < 40; i++) {
    const ch = hexPart[i] ?? '';
    if (!/[a-fA-F]/.test(ch)) continue;
    const nibble = ((hash[i >> 1] ?? 0) >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    if ((nibble >= 8) !== (ch === ch.toUpperCase())) return false;
  }
  return true;
}

// BIP 173 / BIP 350 bech32 checksum.
const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_CONST = 1;
const BECH32M_CONST = 0x2bc830a3;

function bech32Polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ (gen[i] ?? 0)) >>> 0;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

function convertBits(data: number[], from: number, to: number): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (const value of data) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & maxv);
    }
  }
  if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) return undefined;
  return out;
}

/** Decodes a segwit address (BIP 173 for version 0, BIP 350 bech32m for versions 1-16). */
export function decodeSegwit(text: string): { hrp: string; version: number; program: Uint8Array } | undefined {
  if (text.length < 14 || text.length > 90) return undefined;
  const lower = text.toLowerCase();
  if (text !== lower && text !== text.toUpperCase()) return undefined; // mixed case is invalid
  const sep = lower.lastIndexOf('1');
  if (sep < 1 || sep + 7 > lower.length) return undefined;
  const hrp = lower.slice(0, sep);
  const data: number[] = [];
  for (let i = sep + 1; i < lower.length; i++) {
    const v = BECH32_CHARSET.indexOf(lower[i] ?? '');
    if (v < 0) return undefined;
    data.push(v);
  }
  const polymod = bech32Polymod([...hrpExpand(hrp), ...data]);
  const version = data[0] ?? -1;
  if (version < 0 || version > 16) return undefined;
  if (polymod !== (version === 0 ? BECH32_CONST : BECH32M_CONST)) return undefined;
  const program = convertBits(data.slice(1, data.length - 6), 5, 8);
  if (!program || program.length < 2 || program.length > 40) return undefined;
  if (version === 0 && program.length !== 20 && program.length !== 32) return undefined;
  return { hrp, version, program: Uint8Array.from(program) };
}

/** Classifies `text` as a wallet address, or undefined. The text must be the address alone. */
export function classifyWallet(text: string): WalletInfo | undefined {
  const t = text.trim();
  if (t.length === 0 || t.length > 120) return undefined;
  // Monero: CryptoNote block base58, 95 characters (standard `4...`, subaddress `8...`) or 106
  // (integrated `4...`), with the network byte and the Keccak-256 checksum verified.
  if ((t.length === 95 || t.length === 106) && isBase58(t)) return classifyMonero(t);
  if (/^0x[0-9a-fA-F]{40}$/.test(t)) {
    const eip55 = isEip55Checksummed(t);
    if (eip55 === false) return undefined;
    return { coin: 'ethereum', kind: 'account', isChecksumVerified: eip55 === true, network: 'mainnet' };
  }
  const lower = t.toLowerCase();
  if (lower.startsWith('bc1') || lower.startsWith('tb1')) {
    const sw = decodeSegwit(t);
    if (sw && (sw.hrp === 'bc' || sw.hrp === 'tb')) {
      return {
        coin: 'bitcoin',
        kind: sw.version === 0 ? 'segwit-v0' : `segwit-v${sw.version}`,
        isChecksumVerified: true,
        network: sw.hrp === 'bc' ? 'mainnet' : 'testnet',
      };
    }
    return undefined;
  }
  if (t.length >= 26 && t.length <= 35) {
    const d = base58CheckDecode(t);
    if (d && d.payload.length === 20) {
      if (d.version === 0x00) return { coin: 'bitcoin', kind: 'p2pkh', isChecksumVerified: true, network: 'mainnet' };
      if (d.version === 0x05) return { coin: 'bitcoin', kind: 'p2sh', isChecksumVerified: true, network: 'mainnet' };
      if (d.version === 0x6f) return { coin: 'bitcoin', kind: 'p2pkh', isChecksumVerified: true, network: 'testnet' };
      if (d.version === 0xc4) return { coin: 'bitcoin', kind: 'p2sh', isChecksumVerified: true, network: 'testnet' };
    }
  }
  return undefined;
}

export interface ParsedLogin {
  /** The login as given (cut to MAX_LOGIN_CHARS). */
  login: string;
  /** The account part: a wallet address or a pool user name. */
  account: string;
  worker?: string;
  /** Fixed difficulty asked with `+N` (XMRig, many CryptoNote pools). */
  difficulty?: number;
  wallet?: WalletInfo;
}

/**
 * Splits `WALLET.worker`, `WALLET+diff`, `WALLET.worker+diff` and `WALLET/worker` login forms
 * (pool documentation of supportxmr, nanopool, 2miners, ethermine) and classifies the account.
 */
export function parseLogin(login: string): ParsedLogin {
  const text = login.length > MAX_LOGIN_CHARS ? login.slice(0, MAX_LOGIN_CHARS) : login;
  let rest = text.trim();
  let difficulty: number | undefined;
  const plus = rest.lastIndexOf('+');
  if (plus > 0 && /^\d{1,15}$/.test(rest.slice(plus + 1))) {
    difficulty = Number(rest.slice(plus + 1));
    rest = rest.slice(0, plus);
  }
  let account = rest;
  let worker: string | undefined;
  const sep = rest.search(/[./]/);
  if (sep > 0) {
    account = rest.slice(0, sep);
    worker = rest.slice(sep + 1) || undefined;
  }
  const wallet = classifyWallet(account);
  const out: ParsedLogin = { login: text, account };
  if (worker !== undefined) out.worker = worker;
  if (difficulty !== undefined) out.difficulty = difficulty;
  if (wallet) out.wallet = wallet;
  return out;
}
