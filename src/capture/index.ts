// Public face of the capture readers and writer.

export { CaptureFormatError, LinkType, type CapturedPacket } from './types.js';
export { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from './limits.js';
export { CaptureParser, type CaptureFormat, type CaptureInterface, type CaptureSummary, type NameRecord } from './parser.js';
export { readCapture, type ReadCaptureOptions } from './reader.js';
export { liveCapture, type LiveCapture, type LiveCaptureOptions } from './live.js';
export { PcapWriter } from './writer.js';
