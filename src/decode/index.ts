// Public face of the packet decoders.

export { AnomalyCounter, IpProto, TcpFlag, type AnomalySink, type DecodedPacket, type TcpOptions } from './types.js';
export { Cursor } from './cursor.js';
export { DEFAULT_DECODE_LIMITS, PacketDecoder, newDecodedPacket, type DecodeLimits, type DecodeStats } from './decoder.js';
export { DEFAULT_FRAGMENT_LIMITS, IpReassembler, type FragmentLimits, type FragmentStats } from './reassembly.js';
export { FlowPacketFilter, type FiveTuple } from './flow-filter.js';
