// The analysers the golden runs use: the sensor's registry (src/engine/analysers.ts), so the cases
// run what `minerwatch scan` runs, plus the cryptocurrency-node analyser when the registry does
// not list it yet (node captures must give their informational notices).

import { defaultAnalysers } from '../../engine/analysers.js';
import type { Analyser } from '../../protocols/analyser.js';
import { createCryptoNodeAnalyser } from '../../protocols/crypto-node/index.js';

export function goldenAnalysers(): Analyser[] {
  const list = defaultAnalysers();
  if (!list.some((a) => a.name === 'crypto_node')) list.push(createCryptoNodeAnalyser());
  return list;
}
