// The analyser registry: every protocol analyser the sensor runs, in priority order (the first
// valid session names a flow's app_proto, so the specific protocols come before the generic
// ones: stratum before JSON-RPC). Adding a protocol adds one line here.

import { createHttpAnalyser } from '../protocols/http/index.js';
import { createJsonRpcAnalyser } from '../protocols/jsonrpc/index.js';
import { createStratumAnalyser } from '../protocols/stratum/index.js';
import type { Analyser } from '../protocols/analyser.js';

export function defaultAnalysers(): Analyser[] {
  return [createStratumAnalyser(), createHttpAnalyser(), createJsonRpcAnalyser()];
}
