// The analysers the golden runs use, in priority order: stratum before generic JSON-RPC (which
// steps aside for mining dialects). Kept beside the golden runner so the cases run the same set
// the sensor runs; a protocol joins here when its analyser lands.

import type { Analyser } from '../../protocols/analyser.js';
import { createCryptoNodeAnalyser } from '../../protocols/crypto-node/index.js';
import { createJsonRpcAnalyser } from '../../protocols/jsonrpc/index.js';
import { createStratumAnalyser } from '../../protocols/stratum/index.js';

export function goldenAnalysers(): Analyser[] {
  return [createStratumAnalyser(), createJsonRpcAnalyser(), createCryptoNodeAnalyser()];
}
