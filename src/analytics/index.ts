// Flow analytics: connections from records, regularity figures, beacon score, sparkline, table.

export { analyseFlows, analyseFlowRecords, analysePair, activityBins, ANALYSIS_FLOW_LIMIT, SPARKLINE_BINS } from './analyse.js';
export type { AnalyseOptions, FlowAnalysis, PairAnalysis, Spread } from './analyse.js';
export { beaconScore, coverage, madmScore, skewScore, MIN_BEACON_CONNECTIONS, COVERAGE_BINS, type BeaconScore } from './beacon.js';
export { mergeConnections, CONNECTION_MERGE_GAP_US, type Connection } from './connections.js';
export { sparkline } from './sparkline.js';
export { formatAnalysisTable } from './table.js';
export * from './stats.js';
