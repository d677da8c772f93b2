// Public face of the sensor engine.

export { Engine, DEFAULT_MAX_PROBE_BYTES, DEFAULT_MAX_UDP_PROBE_DATAGRAMS, type EngineOptions } from './engine.js';
export { DEFAULT_MAX_CAPTURE_BUFFERED_BYTES_TOTAL, DEFAULT_MAX_CAPTURE_PACKETS_PER_FLOW, type AlertCaptureOptions, type PacketWriterLike } from './packet-keeper.js';
export type { Detector, DetectorContext, DetectorFactory, FlowEnd, FlowView } from './types.js';
