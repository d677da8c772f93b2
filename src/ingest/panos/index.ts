// PAN-OS log input: THREAT and TRAFFIC body parsers, the mining classification of THREAT logs,
// and a dispatcher that routes bodies to Alert and FlowRecord sinks with named counters.

export * from './columns.js';
export * from './csv.js';
export * from './record.js';
export * from './parser.js';
export * from './mining.js';
export * from './ingest.js';
