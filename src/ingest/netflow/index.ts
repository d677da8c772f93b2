// NetFlow v5/v9 and IPFIX collection: decoders, template state, direction pairing, the collector.

export { FlowCollector, type CollectorOptions, type BoundAddresses, type Endpoint } from './collector.js';
export { FlowDecoder } from './decoder.js';
export { FlowPairer, mergeFlows, singleFlow, flowId, hash64, clientFirst } from './pairing.js';
export { COUNTER_NAMES, newCounters, type Counters, type CounterName } from './counters.js';
export { DEFAULT_COLLECTOR_LIMITS, type CollectorLimits } from './limits.js';
export { newRawFlow, toUniFlow, protoName, type RawFlow, type RawFlowSink, type UniFlow } from './record.js';
