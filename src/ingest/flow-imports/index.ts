// Flow-file imports: Zeek conn.log (TSV and JSON), Suricata EVE flow events, nfdump CSV, and
// PAN-OS TRAFFIC CSV (parsed by the PAN-OS parser).

export { importFlowFiles, parserFor, readLines, MAX_IMPORT_LINE_BYTES, MAX_BAD_LINE_EXAMPLES, type ImportResult } from './import.js';
export { ZeekConnParser } from './zeek-conn.js';
export { EveFlowParser, eveTime } from './eve-flow.js';
export { NfdumpCsvParser } from './nfdump-csv.js';
export { IMPORT_FORMATS, type ImportFormat, type ImportOptions, type LineParser, type LineResult } from './types.js';
