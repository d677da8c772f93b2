// Proof-of-work algorithm names as pools and miners spell them (XMRig's `algo` names, NiceHash's
// algorithm names, pool `mining.set_algo` values), mapped to one canonical spelling. A known
// algorithm in a job is strong evidence of mining: plain JSON-RPC never carries one.

const CANONICAL: ReadonlyMap<string, string> = new Map(
  (
    [
      ['rx/0', ['rx/0', 'randomx', 'rx', 'randomxmonero', 'random-x']],
      ['rx/wow', ['rx/wow', 'randomwow']],
      ['rx/arq', ['rx/arq', 'randomarq']],
      ['rx/sfx', ['rx/sfx']],
      ['rx/graft', ['rx/graft']],
      ['rx/keva', ['rx/keva', 'randomkeva']],
      ['rx/xeq', ['rx/xeq']],
      ['rx/yada', ['rx/yada']],
      ['cn/0', ['cn/0', 'cryptonight', 'cn', 'cryptonight/0']],
      ['cn/1', ['cn/1', 'cryptonight/1', 'cryptonightv7', 'cn/v7']],
      ['cn/2', ['cn/2', 'cryptonight/2', 'cryptonightv8', 'cn/v8']],
      ['cn/r', ['cn/r', 'cryptonight/r', 'cryptonightr']],
      ['cn/fast', ['cn/fast', 'cn/msr', 'cryptonight/msr']],
      ['cn/half', ['cn/half', 'cryptonight/half']],
      ['cn/xao', ['cn/xao']],
      ['cn/rto', ['cn/rto']],
      ['cn/rwz', ['cn/rwz']],
      ['cn/zls', ['cn/zls']],
      ['cn/double', ['cn/double']],
      ['cn/ccx', ['cn/ccx', 'cn/conceal']],
      ['cn/gpu', ['cn/gpu']],
      ['cn/upx2', ['cn/upx2']],
      ['cn-lite/1', ['cn-lite/1', 'cn-lite', 'cryptonight-lite', 'cryptonight-lite/1']],
      ['cn-heavy/0', ['cn-heavy/0', 'cn-heavy', 'cryptonight-heavy']],
      ['cn-heavy/tube', ['cn-heavy/tube']],
      ['cn-heavy/xhv', ['cn-heavy/xhv']],
      ['cn-pico', ['cn-pico', 'cn-pico/0', 'cryptonight-turtle', 'cn-pico/trtl']],
      ['cn-pico/tlo', ['cn-pico/tlo']],
      ['argon2/chukwa', ['argon2/chukwa', 'chukwa']],
      ['argon2/chukwav2', ['argon2/chukwav2', 'chukwav2']],
      ['argon2/ninja', ['argon2/ninja']],
      ['astrobwt', ['astrobwt', 'astrobwt/v2']],
      ['ghostrider', ['ghostrider', 'gr']],
      ['kawpow', ['kawpow', 'kawpow/rvn']],
      ['firopow', ['firopow']],
      ['progpow', ['progpow', 'progpowz']],
      ['ethash', ['ethash', 'daggerhashimoto']],
      ['etchash', ['etchash']],
      ['equihash', ['equihash', 'equihash144_5', 'equihash192_7', 'equihash125_4', 'equihash210_9', 'zhash', 'beamhash', 'beamhashiii']],
      ['sha256d', ['sha256d', 'sha256', 'sha256asicboost', 'sha-256']],
      ['scrypt', ['scrypt', 'scryptn', 'scrypt-n']],
      ['autolykos', ['autolykos', 'autolykos2']],
      ['kheavyhash', ['kheavyhash', 'heavyhash']],
      ['x11', ['x11']],
      ['x13', ['x13']],
      ['x15', ['x15']],
      ['x16r', ['x16r']],
      ['x16rv2', ['x16rv2']],
      ['x17', ['x17']],
      ['lyra2rev2', ['lyra2rev2', 'lyra2v2']],
      ['lyra2rev3', ['lyra2rev3', 'lyra2v3']],
      ['lyra2z', ['lyra2z']],
      ['neoscrypt', ['neoscrypt']],
      ['blake2s', ['blake2s']],
      ['blake2b', ['blake2b']],
      ['blake3', ['blake3']],
      ['keccak', ['keccak', 'keccakc']],
      ['groestl', ['groestl', 'myr-gr']],
      ['qubit', ['qubit']],
      ['quark', ['quark']],
      ['skein', ['skein']],
      ['yescrypt', ['yescrypt', 'yescryptr16', 'yescryptr32']],
      ['yespower', ['yespower', 'yespowerr16']],
      ['verushash', ['verushash', 'verus']],
      ['octopus', ['octopus']],
      ['cuckatoo32', ['cuckatoo32', 'cuckatoo31', 'cuckaroo29', 'cuckoocycle']],
      ['eaglesong', ['eaglesong']],
      ['blake2bsha3', ['blake2bsha3', 'handshake']],
      ['karlsenhash', ['karlsenhash']],
      ['pyrinhash', ['pyrinhash']],
      ['nexapow', ['nexapow']],
      ['dynexsolve', ['dynexsolve']],
      ['zelhash', ['zelhash']],
      ['xelishash', ['xelishash', 'xelishashv2']],
    ] as const
  ).flatMap(([canon, aliases]) => aliases.map((a) => [a, canon] as const)),
);

/** The canonical algorithm name, or undefined when `name` is not a known proof-of-work. */
export function canonicalAlgorithm(name: string): string | undefined {
  if (name.length === 0 || name.length > 40) return undefined;
  return CANONICAL.get(name.trim().toLowerCase());
}

export function knownAlgorithmCount(): number {
  return new Set(CANONICAL.values()).size;
}
