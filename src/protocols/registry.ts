// The analysers the sensor runs, in probe order. Order matters only for reporting: the engine may
// run several on one flow. Stratum is listed before JSON-RPC because it is the more specific of
// the two; the JSON-RPC session steps aside by itself when mining appears, so a flow is reported
// as stratum or as jsonrpc, never as both. The Stratum V2 shape is last: it is a weak guess.

import type { Analyser } from './analyser.js';
import { createDnsAnalyser } from './dns/index.js';
import { createHttpAnalyser } from './http/index.js';
import { createJsonRpcAnalyser } from './jsonrpc/index.js';
import { createStratumV2Analyser } from './stratum-v2/index.js';
import { createStratumAnalyser } from './stratum/index.js';
import { createTlsAnalyser } from './tls/index.js';
import { createCryptoNodeAnalyser } from './crypto-node/index.js';

export function defaultAnalysers(): Analyser[] {
  return [
    createStratumAnalyser(),
    createJsonRpcAnalyser(),
    createHttpAnalyser(),
    createTlsAnalyser(),
    createDnsAnalyser(),
    createStratumV2Analyser(),
    createCryptoNodeAnalyser(),
  ];
}
