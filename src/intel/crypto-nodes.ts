// Cryptocurrency node protocols: peer-to-peer networks and node RPC. A node is not a miner, so
// detection reports these as an informational `cryptocurrency_node` event and never as a mining
// alert. Magic values come from each project's source: Bitcoin `chainparams.cpp` message start
// bytes, Monero's Levin header signature (`levin_base.h`, 0x0101010101012101 little-endian),
// Electrum's `server.version` JSON-RPC greeting (Electrum protocol docs).

export interface NodeProtocol {
  network: string;
  protocol: string;
}

/** Well-known node ports (P2P and RPC) by network; ports alone never decide. */
export const NODE_PORTS: ReadonlyMap<number, NodeProtocol> = new Map([
  [8333, { network: 'bitcoin', protocol: 'p2p' }],
  [18333, { network: 'bitcoin-testnet', protocol: 'p2p' }],
  [8332, { network: 'bitcoin', protocol: 'rpc' }],
  [9333, { network: 'litecoin', protocol: 'p2p' }],
  [22556, { network: 'dogecoin', protocol: 'p2p' }],
  [30303, { network: 'ethereum', protocol: 'devp2p' }],
  [8545, { network: 'ethereum', protocol: 'rpc' }],
  [18080, { network: 'monero', protocol: 'p2p' }],
  [18081, { network: 'monero', protocol: 'rpc' }],
  [18089, { network: 'monero', protocol: 'rpc' }],
  [50001, { network: 'electrum', protocol: 'rpc' }],
  [50002, { network: 'electrum', protocol: 'rpc-tls' }],
  [7075, { network: 'nano', protocol: 'p2p' }],
]);

const BITCOIN_MAGICS: ReadonlyArray<[number, string]> = [
  [0xf9beb4d9, 'bitcoin'],
  [0x0b110907, 'bitcoin-testnet'],
  [0x0a03cf40, 'bitcoin-signet'],
  [0xfabfb5da, 'bitcoin-regtest'],
  [0xfbc0b6db, 'litecoin'],
  [0xc0c0c0c0, 'dogecoin'],
  [0xe3e1f3e8, 'bitcoin-cash'],
];

/** Monero Levin signature as it appears on the wire (little-endian 0x0101010101012101). */
const LEVIN_SIGNATURE = [0x01, 0x21, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01];

/**
 * Recognises the first bytes of a node protocol: a Bitcoin-family message header (magic and an
 * ASCII command such as `version`), a Monero Levin header, or Electrum's `server.version`.
 */
export function classifyNodeBytes(data: Uint8Array): NodeProtocol | undefined {
  if (data.length >= 16) {
    const magic = (((data[0] ?? 0) << 24) | ((data[1] ?? 0) << 16) | ((data[2] ?? 0) << 8) | (data[3] ?? 0)) >>> 0;
    for (const [m, network] of BITCOIN_MAGICS) {
      if (m === magic && isCommandName(data, 4, 12)) return { network, protocol: 'p2p' };
    }
  }
  if (data.length >= 8 && LEVIN_SIGNATURE.every((b, i) => data[i] === b)) return { network: 'monero', protocol: 'levin' };
  if (data.length >= 20 && data[0] === 0x7b && includesAscii(data, '"server.version"', 256)) {
    return { network: 'electrum', protocol: 'rpc' };
  }
  return undefined;
}

/** A Bitcoin command: 1-12 ASCII lower-case letters, then NUL padding. */
function isCommandName(data: Uint8Array, start: number, len: number): boolean {
  let i = start;
  const end = start + len;
  if (!((data[i] ?? 0) >= 0x61 && (data[i] ?? 0) <= 0x7a)) return false;
  while (i < end && (data[i] ?? 0) !== 0) {
    const c = data[i] ?? 0;
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) return false;
    i++;
  }
  while (i < end) if ((data[i++] ?? 1) !== 0) return false;
  return true;
}

function includesAscii(data: Uint8Array, needle: string, limit: number): boolean {
  const n = Math.min(data.length, limit) - needle.length;
  outer: for (let i = 0; i <= n; i++) {
    for (let j = 0; j < needle.length; j++) if (data[i + j] !== needle.charCodeAt(j)) continue outer;
    return true;
  }
  return false;
}
