// The analysers the golden runs use: the sensor's registry (src/engine/analysers.ts), so the cases
// run what `minerwatch scan` runs, completed with every committed analyser the registry does not
// list yet (DNS, TLS, Stratum V2 shape, cryptocurrency nodes), so names, SNI and node notices are
// covered by the golden cases from the start.

import { defaultAnalysers } from '../../engine/analysers.js';
import type { Analyser } from '../../protocols/analyser.js';
import { createCryptoNodeAnalyser } from '../../protocols/crypto-node/index.js';
import { createDnsAnalyser } from '../../protocols/dns/index.js';
import { createStratumV2Analyser } from '../../protocols/stratum-v2/index.js';
import { createTlsAnalyser } from '../../protocols/tls/index.js';

export function goldenAnalysers(): Analyser[] {
  const list = defaultAnalysers();
  for (const make of [createTlsAnalyser, createDnsAnalyser, createStratumV2Analyser, createCryptoNodeAnalyser]) {
    const a = make();
    if (!list.some((x) => x.name === a.name)) list.push(a);
  }
  return list;
}
