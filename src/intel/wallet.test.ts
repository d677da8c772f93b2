import { describe, expect, it } from 'vitest';
import { keccak256 } from './keccak.js';
import { base58CheckDecode, base58Decode, classifyWallet, cryptonoteBase58Decode, decodeSegwit, isEip55Checksummed, MAX_LOGIN_CHARS, parseLogin } from './wallet.js';

// Public example addresses: the Bitcoin genesis coinbase address, the BIP 13/bitcoin wiki P2SH
// example, BIP 173 and BIP 350 test vectors, the Monero general fund donation address and the
// Ethereum Foundation's address.
const P2PKH = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa';
const P2SH = '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy';
const P2WPKH = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
const P2WSH = 'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3';
const P2TR = 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0';
const XMR = '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';
const ETH = '0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe';

describe('Bitcoin addresses', () => {
  it('verifies base58check checksums of P2PKH and P2SH', () => {
    expect(classifyWallet(P2PKH)).toEqual({ coin: 'bitcoin', kind: 'p2pkh', isChecksumVerified: true, network: 'mainnet' });
    expect(classifyWallet(P2SH)?.kind).toBe('p2sh');
    expect(base58CheckDecode(P2PKH)?.version).toBe(0);
    expect(base58Decode(P2PKH)?.length).toBe(25);
  });

  it('rejects a single changed character (checksum) and non-alphabet characters', () => {
    expect(classifyWallet('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb')).toBeUndefined();
    expect(classifyWallet('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0')).toBeUndefined(); // '0' is not base58
    expect(base58Decode('0OIl')).toBeUndefined();
  });

  it('verifies bech32 (v0) and bech32m (v1) checksums', () => {
    expect(classifyWallet(P2WPKH)?.kind).toBe('segwit-v0');
    expect(classifyWallet(P2WSH)?.kind).toBe('segwit-v0');
    expect(classifyWallet(P2TR)?.kind).toBe('segwit-v1');
    expect(classifyWallet(P2WPKH.toUpperCase())?.kind).toBe('segwit-v0');
    expect(decodeSegwit(P2WPKH)?.program.length).toBe(20);
    expect(classifyWallet('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5')).toBeUndefined();
    // BIP 350: a v1 program with a bech32 (not bech32m) checksum is invalid.
    expect(classifyWallet('bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx')).toBeUndefined();
    expect(classifyWallet('bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')).toBeUndefined(); // mixed case
  });
});

// CryptoNote base58 encoding (the inverse of the decoder), to build addresses for the other
// Monero address kinds from known bytes; the mainnet address above is the external check.
function cnEncode(bytes: Uint8Array): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  const sizes = [0, 2, 3, 5, 6, 7, 9, 10, 11];
  let out = '';
  for (let off = 0; off < bytes.length; off += 8) {
    const block = bytes.subarray(off, off + 8);
    let v = 0n;
    for (const b of block) v = (v << 8n) | BigInt(b);
    let s = '';
    for (let i = 0; i < (sizes[block.length] ?? 0); i++) {
      s = (alphabet[Number(v % 58n)] ?? '') + s;
      v /= 58n;
    }
    out += s;
  }
  return out;
}

function moneroAddress(prefix: number, payloadBytes: number): string {
  const body = new Uint8Array(1 + payloadBytes);
  body[0] = prefix;
  for (let i = 1; i < body.length; i++) body[i] = (i * 37 + 11) & 0xff;
  const check = keccak256(body).subarray(0, 4);
  const full = new Uint8Array(body.length + 4);
  full.set(body);
  full.set(check, body.length);
  return cnEncode(full);
}

describe('Monero and Ethereum addresses', () => {
  it('verifies the Monero network byte and Keccak-256 checksum of a real mainnet address', () => {
    expect(XMR.length).toBe(95);
    expect(classifyWallet(XMR)).toEqual({ coin: 'monero', kind: 'standard', isChecksumVerified: true, network: 'mainnet' });
    expect(cryptonoteBase58Decode(XMR)?.length).toBe(69);
    expect(cnEncode(cryptonoteBase58Decode(XMR) as Uint8Array)).toBe(XMR);
  });

  it('recognises subaddresses and integrated addresses by prefix and length', () => {
    const sub = moneroAddress(42, 64);
    const integrated = moneroAddress(19, 72);
    expect(sub.length).toBe(95);
    expect(sub[0]).toBe('8');
    expect(integrated.length).toBe(106);
    expect(integrated[0]).toBe('4');
    expect(classifyWallet(sub)?.kind).toBe('subaddress');
    expect(classifyWallet(integrated)?.kind).toBe('integrated');
    expect(classifyWallet(moneroAddress(53, 64))).toMatchObject({ kind: 'standard', network: 'testnet' });
    // An integrated prefix with a standard length (or the reverse) is not an address.
    expect(classifyWallet(moneroAddress(19, 64))).toBeUndefined();
  });

  it('rejects Monero look-alikes: one changed character, a bad alphabet, a wrong length', () => {
    const flipped = `${XMR.slice(0, 50)}${XMR[50] === 'a' ? 'b' : 'a'}${XMR.slice(51)}`;
    expect(classifyWallet(flipped)).toBeUndefined();
    expect(classifyWallet(`${XMR.slice(0, 94)}0`)).toBeUndefined(); // '0' outside the alphabet
    expect(classifyWallet(XMR.slice(0, 94))).toBeUndefined();
    expect(classifyWallet(`8${XMR.slice(1)}`)).toBeUndefined();
    expect(classifyWallet('4'.repeat(95))).toBeUndefined();
  });

  it('verifies the EIP-55 checksum of mixed-case Ethereum addresses', () => {
    // EIP-55 specification examples.
    for (const a of ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb']) {
      expect(isEip55Checksummed(a), a).toBe(true);
      expect(classifyWallet(a)).toEqual({ coin: 'ethereum', kind: 'account', isChecksumVerified: true, network: 'mainnet' });
    }
    expect(classifyWallet(ETH)?.isChecksumVerified).toBe(true);
    expect(classifyWallet('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')).toBeUndefined(); // one letter's case changed
    expect(classifyWallet(ETH.toLowerCase())).toMatchObject({ coin: 'ethereum', isChecksumVerified: false });
    expect(classifyWallet('0x' + 'g'.repeat(40))).toBeUndefined();
    expect(classifyWallet('0x1234')).toBeUndefined();
  });
});

describe('parseLogin', () => {
  it('splits wallet.worker, wallet+diff and wallet/worker forms', () => {
    expect(parseLogin(`${XMR}.rig01`)).toMatchObject({ account: XMR, worker: 'rig01', wallet: { coin: 'monero' } });
    expect(parseLogin(`${XMR}+50000`)).toMatchObject({ account: XMR, difficulty: 50000, wallet: { coin: 'monero' } });
    expect(parseLogin(`${XMR}.rig01+50000`)).toMatchObject({ account: XMR, worker: 'rig01', difficulty: 50000 });
    expect(parseLogin(`${ETH}.eth1.0`)).toMatchObject({ account: ETH, worker: 'eth1.0', wallet: { coin: 'ethereum' } });
    expect(parseLogin(`${P2PKH}/worker1`)).toMatchObject({ account: P2PKH, worker: 'worker1', wallet: { kind: 'p2pkh' } });
  });

  it('keeps pool user names without a wallet and cuts over-long logins', () => {
    const l = parseLogin('slush.worker1');
    expect(l.account).toBe('slush');
    expect(l.wallet).toBeUndefined();
    const long = parseLogin('x'.repeat(MAX_LOGIN_CHARS + 100));
    expect(long.login.length).toBe(MAX_LOGIN_CHARS);
    expect(long.wallet).toBeUndefined();
  });
});
