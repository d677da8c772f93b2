// Pure recognisers for the first bytes of cryptocurrency node protocols. Each checks a structure,
// not a single byte: Bitcoin-family message headers (magic then a NUL-padded ASCII command, per
// `chainparams.cpp` and the P2P message header spec), Monero's Levin header (signature
// 0x0101010101012101 little-endian, `levin_base.h`), Ethereum RLPx auth messages (EIP-8: a 2-byte
// size prefix that equals the rest of the message, then an uncompressed secp256k1 key 0x04, or
// the 307-byte pre-EIP-8 form) on the devp2p port, Ethereum discovery datagrams on the devp2p
// port, and the Nano header ('R', network letter, versions) on the Nano port.

import type { CryptoNodeRecord } from './record.js';

const BITCOIN_MAGICS: ReadonlyArray<[number, string]> = [
  [0xf9beb4d9, 'bitcoin'],
  [0x0b110907, 'bitcoin-testnet'],
  [0x0a03cf40, 'bitcoin-signet'],
  [0xfabfb5da, 'bitcoin-regtest'],
  [0xfbc0b6db, 'litecoin'],
  [0xc0c0c0c0, 'dogecoin'],
  [0xe3e1f3e8, 'bitcoin-cash'],
];
const LEVIN_SIGNATURE = [0x01, 0x21, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01];
/** Bytes of a Bitcoin message header (magic 4, command 12, length 4, checksum 4). */
export const BITCOIN_HEADER_BYTES = 24;
/** Bytes of a Levin header. */
export const LEVIN_HEADER_BYTES = 33;
/** Pre-EIP-8 RLPx auth message size. */
export const RLPX_LEGACY_AUTH_BYTES = 307;
export const DEVP2P_PORTS: ReadonlySet<number> = new Set([30303, 30301]);
export const NANO_PORT = 7075;

export type NodeProbe = { kind: 'match'; record: CryptoNodeRecord } | { kind: 'need-more' } | { kind: 'no' };

const NO: NodeProbe = { kind: 'no' };
const NEED: NodeProbe = { kind: 'need-more' };

function u32be(d: Uint8Array, o: number): number {
  return (((d[o] ?? 0) << 24) | ((d[o + 1] ?? 0) << 16) | ((d[o + 2] ?? 0) << 8) | (d[o + 3] ?? 0)) >>> 0;
}

/** The NUL-padded lower-case ASCII command at 4..16, or undefined when it is not one. */
export function bitcoinCommand(d: Uint8Array): string | undefined {
  let i = 4;
  let cmd = '';
  while (i < 16 && d[i] !== 0) {
    const c = d[i] ?? 0;
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) return undefined;
    cmd += String.fromCharCode(c);
    i++;
  }
  if (cmd.length === 0) return undefined;
  while (i < 16) if (d[i++] !== 0) return undefined;
  return cmd;
}

/** Recognises a TCP stream's first bytes (either direction); `ports` are the flow's two ports. */
export function probeNodeStream(d: Uint8Array, serverPort: number, clientPort: number): NodeProbe {
  if (d.length === 0) return NEED;
  if (d.length < 4) {
    const partial = BITCOIN_MAGICS.some(([m]) => d.every((b, i) => b === ((m >>> (24 - 8 * i)) & 0xff)));
    const levin = d.every((b, i) => b === LEVIN_SIGNATURE[i]);
    return partial || levin ? NEED : rlpxOrNano(d, serverPort, clientPort);
  }
  const magic = u32be(d, 0);
  const net = BITCOIN_MAGICS.find(([m]) => m === magic);
  if (net) {
    if (d.length < 16) return NEED;
    const command = bitcoinCommand(d);
    return command ? { kind: 'match', record: { network: net[1], protocol: 'p2p', evidence: 'magic', command } } : NO;
  }
  if (d[0] === 0x01 && d[1] === 0x21) {
    if (d.length < 8) return NEED;
    if (LEVIN_SIGNATURE.every((b, i) => d[i] === b)) return { kind: 'match', record: { network: 'monero', protocol: 'levin', evidence: 'levin-signature' } };
    return NO;
  }
  return rlpxOrNano(d, serverPort, clientPort);
}

function rlpxOrNano(d: Uint8Array, serverPort: number, clientPort: number): NodeProbe {
  if (DEVP2P_PORTS.has(serverPort) || DEVP2P_PORTS.has(clientPort)) {
    if (d.length < 3) return NEED;
    // EIP-8: size prefix (big-endian) then ECIES with the ephemeral public key 0x04 || X || Y.
    const size = ((d[0] ?? 0) << 8) | (d[1] ?? 0);
    if (d[2] === 0x04 && size >= 65 + 16 + 32 && size <= 2048) {
      return { kind: 'match', record: { network: 'ethereum', protocol: 'devp2p', evidence: 'rlpx-auth-shape' } };
    }
    if (d[0] === 0x04 && d.length === RLPX_LEGACY_AUTH_BYTES) {
      return { kind: 'match', record: { network: 'ethereum', protocol: 'devp2p', evidence: 'rlpx-auth-shape' } };
    }
    return NO;
  }
  if (serverPort === NANO_PORT || clientPort === NANO_PORT) {
    if (d.length < 8) return NEED;
    // Nano message header: 'R', network ('A' dev, 'B' beta, 'C' live, 'X' test), version max,
    // version using, version min (max >= using >= min), message type 2..14.
    const [r, network, vmax = 0, vusing = 0, vmin = 0, type = 0] = d;
    if (r === 0x52 && (network === 0x41 || network === 0x42 || network === 0x43 || network === 0x58) && vmax >= vusing && vusing >= vmin && vmin > 0 && type >= 2 && type <= 0x14) {
      return { kind: 'match', record: { network: 'nano', protocol: 'p2p', evidence: 'nano-header' } };
    }
  }
  return NO;
}

/** Ethereum discovery (v4/v5) datagrams on the devp2p ports: 98..1280 bytes (discv4 minimum, MTU cap). */
export function probeNodeDatagram(d: Uint8Array, serverPort: number, clientPort: number): NodeProbe {
  if ((DEVP2P_PORTS.has(serverPort) || DEVP2P_PORTS.has(clientPort)) && d.length >= 98 && d.length <= 1280) {
    return { kind: 'match', record: { network: 'ethereum', protocol: 'discovery', evidence: 'discovery-shape' } };
  }
  return NO;
}
