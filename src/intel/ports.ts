// Ports that mining pools publish for stratum, with the source that documents each. A port is
// weak evidence on its own (3333 and 4444 carry many other things): detection uses it only to
// support payload evidence or a TLS connection that behaves like a miner.

export interface PoolPort {
  port: number;
  note: string;
}

export const KNOWN_POOL_PORTS: readonly PoolPort[] = [
  { port: 2020, note: '2miners Ethash-family stratum (2miners connection pages)' },
  { port: 2142, note: 'suprnova Equihash stratum (suprnova connection pages; corpus zec-eu.suprnova.cc)' },
  { port: 2222, note: '2miners and HeroMiners CryptoNote stratum' },
  { port: 3333, note: 'stratum default of cgminer/bfgminer pool examples, supportxmr, f2pool, antpool, flypool' },
  { port: 3334, note: 'stratum variants on 3333+N (corpus cgminer.s2)' },
  { port: 3335, note: 'stratum variants on 3333+N (corpus cgminer.s2)' },
  { port: 3336, note: 'stratum variants on 3333+N (corpus cgminer.s2)' },
  { port: 3337, note: 'stratum variants on 3333+N (corpus cgminer.s2)' },
  { port: 3443, note: 'flypool stratum over TLS' },
  { port: 3838, note: 'ravenminer KawPow stratum' },
  { port: 4444, note: 'ethermine, minexmr and nanopool stratum' },
  { port: 4443, note: 'stratum over TLS on several CryptoNote pools' },
  { port: 5222, note: 'suprnova CryptoNote stratum (corpus xmr.suprnova.cc)' },
  { port: 5555, note: 'supportxmr, minexmr and ethermine stratum (TLS on ethermine)' },
  { port: 6666, note: 'nanopool Equihash stratum (corpus zec-eu1.nanopool.org)' },
  { port: 6688, note: 'f2pool Ethash stratum' },
  { port: 7777, note: 'supportxmr and minexmr high-difficulty stratum' },
  { port: 8008, note: 'DwarfPool EthProxy (corpus nicehash_dwarf_s)' },
  { port: 8888, note: 'stratum port offered by several multi-coin pools' },
  { port: 9000, note: 'supportxmr TLS stratum' },
  { port: 9050, note: 'CryptoNote stratum seen in the nDPI mining capture' },
  { port: 9999, note: 'nanopool EthProxy stratum (corpus mining.pcapng, eth-eu1.nanopool.org)' },
  { port: 10128, note: 'MoneroOcean stratum (port encodes the starting difficulty; lab xmrig-rx0-light)' },
  { port: 20128, note: 'MoneroOcean stratum over TLS (10000 above the plain port)' },
  { port: 12020, note: '2miners TLS stratum' },
  { port: 13333, note: 'C3Pool and many CryptoNote pools' },
  { port: 14433, note: 'nanopool Monero TLS stratum' },
  { port: 14444, note: 'nanopool Monero stratum (corpus xmr-eu1.nanopool.org), ethermine TLS' },
  { port: 15555, note: 'C3Pool stratum' },
  { port: 17777, note: 'C3Pool stratum' },
  { port: 19999, note: 'C3Pool stratum' },
  { port: 20580, note: 'CryptoNote stratum seen in corpus captures' },
  { port: 34254, note: 'Stratum V2: listen port of the Stratum V2 reference implementation pool configuration examples' },
  { port: 45560, note: 'stratum port seen across many pools in corpus cgminer.s1' },
];

const PORT_SET: ReadonlySet<number> = new Set(KNOWN_POOL_PORTS.map((p) => p.port));

export function isKnownPoolPort(port: number): boolean {
  return PORT_SET.has(port);
}
