import { describe, expect, it } from 'vitest';
import { base58CheckDecode, base58Decode, classifyWallet, decodeSegwit, MAX_LOGIN_CHARS, parseLogin } from './wallet.js';

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

describe('Monero and Ethereum addresses', () => {
  it('recognises standard, subaddress and integrated Monero shapes with the base58 alphabet', () => {
    expect(XMR.length).toBe(95);
    expect(classifyWallet(XMR)).toEqual({ coin: 'monero', kind: 'standard', isChecksumVerified: false, network: 'mainnet' });
    expect(classifyWallet(`8${XMR.slice(1)}`)?.kind).toBe('subaddress');
    expect(classifyWallet(XMR + 'A'.repeat(11))?.kind).toBe('integrated');
    expect(classifyWallet(`${XMR.slice(0, 94)}0`)).toBeUndefined(); // '0' outside the alphabet
    expect(classifyWallet(XMR.slice(0, 94))).toBeUndefined();
    expect(classifyWallet(`5${XMR.slice(1)}`)).toBeUndefined();
  });

  it('recognises Ethereum accounts', () => {
    expect(classifyWallet(ETH)?.coin).toBe('ethereum');
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
