// Action 3, flows: every flow record involving the destination in a window around the alert, the
// regularity figures and beacon score of each (client, server, port) pair from the flow analytics,
// who else inside talks to the destination, and the alert pair's connections over time (the chart
// in the workbench).

import { analyseFlowRecords, type PairAnalysis } from '../../analytics/index.js';
import { MIN_BEACON_CONNECTIONS } from '../../analytics/beacon.js';
import type { FlowRecord } from '../../flows/types.js';
import { isInternalIp } from '../../util/ip.js';
import type { FlowsEvidence, PairFigures } from '../evidence.js';
import type { ActionResult, TriageAction } from '../types.js';
import type { EndpointRoles } from './endpoint-roles.js';
import { REGULAR_BEACON_SCORE } from './verdict.js';

/** Flow records read for one alert at most. */
export const MAX_TRIAGE_FLOWS = 50_000;
/** Connections drawn in the pair's timeline at most. */
export const MAX_TIMELINE_POINTS = 2000;
/**
 * Pairs kept in the report at most. A popular destination (a CDN, a proxy) has one pair per
 * client and port, tens of thousands in a day; kept whole they made a report of tens of megabytes
 * that took seconds to store and read. The alert's pair, the regular pairs and the long-lived ones
 * (what the verdict reads) are kept first, the rest by rank; `pairs_total` counts them all.
 */
export const MAX_REPORTED_PAIRS = 200;
/** A connection at least this long counts as long-lived (the verdict reads these pairs). */
const LONG_LIVED_S = 600;

export interface FlowsActionEvidence extends FlowsEvidence {
  timeline: { start_us: number; end_us: number; bytes_toserver: number; bytes_toclient: number }[];
  /** Pairs seen in the window; `pairs` lists at most MAX_REPORTED_PAIRS of them. */
  pairs_total: number;
}

export const flowsAction: TriageAction<FlowsActionEvidence> = {
  name: 'flows',
  title: 'Flows',
  async run(alert, ctx, prior) {
    if (!ctx.store) return { status: 'not_available', reason: 'no flow store is configured' };
    const roles = (prior.get('endpoint_roles') as ActionResult<EndpointRoles> | undefined)?.evidence;
    const server = roles?.server.ip ?? alert.dest_ip;
    const client = roles?.client.ip ?? alert.src_ip;
    const from = alert.ts_us - ctx.flowWindowUs;
    const to = alert.ts_us + ctx.flowWindowUs;
    const flows = await ctx.store.queryFlows({ ip: server, from_us: from, to_us: to, limit: MAX_TRIAGE_FLOWS });
    const internal = new Set<string>();
    const timeline: FlowsActionEvidence['timeline'] = [];
    for (const f of flows) {
      const other = f.src_ip === server ? f.dest_ip : f.src_ip;
      if (isInternalIp(other, ctx.internalNetworks)) internal.add(other);
      const isPair = (f.src_ip === client && f.dest_ip === server) || (f.src_ip === server && f.dest_ip === client);
      if (isPair && timeline.length < MAX_TIMELINE_POINTS) {
        timeline.push({ start_us: f.start_us, end_us: f.end_us, bytes_toserver: f.bytes_toserver, bytes_toclient: f.bytes_toclient });
      }
    }
    timeline.sort((a, b) => a.start_us - b.start_us);
    const { selected, pairsTotal } = selectFlows(flows, server, client);
    const analysis = analyseFlowRecords(selected, { ip: server, fromUs: from, toUs: to }, flows.length === MAX_TRIAGE_FLOWS);
    const ranked = analysis.pairs.map(figures).sort((a, b) => b.beacon_score - a.beacon_score || b.connections - a.connections);
    const pairs = keepPairs(ranked, client, server);
    const notes: string[] = [];
    if (flows.length === MAX_TRIAGE_FLOWS) notes.push(`only the first ${MAX_TRIAGE_FLOWS} flows were read`);
    if (pairs.length < pairsTotal) notes.push(`${pairs.length} of ${pairsTotal} pairs are listed`);
    return {
      status: 'done',
      evidence: {
        window: { from_us: from, to_us: to },
        flows: flows.length,
        pairs,
        pairs_total: pairsTotal,
        internal_clients: [...internal].sort(),
        timeline,
      },
      ...(notes.length > 0 ? { reason: notes.join('; ') } : {}),
    };
  },
};

/**
 * The flows worth analysing pair by pair. Records are grouped by the destination's peer and port
 * (its pair); a group can hold a regular pair only with at least MIN_BEACON_CONNECTIONS records,
 * and a long-lived connection only if it spans LONG_LIVED_S. Those groups and the alert's own pair
 * are analysed, and further groups (most records first) until MAX_REPORTED_PAIRS are; the rest
 * (thousands of one-off connections to a popular destination) are only counted.
 */
function selectFlows(flows: readonly FlowRecord[], server: string, client: string): { selected: FlowRecord[]; pairsTotal: number } {
  const groups = new Map<string, { flows: FlowRecord[]; first: number; last: number; wanted: boolean }>();
  for (const f of flows) {
    const serverIsSrc = f.src_ip === server;
    const other = serverIsSrc ? f.dest_ip : f.src_ip;
    const key = `${f.proto}|${other}|${serverIsSrc ? f.src_port : f.dest_port}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { flows: [], first: f.start_us, last: f.end_us, wanted: other === client };
      groups.set(key, g);
    }
    g.flows.push(f);
    if (f.start_us < g.first) g.first = f.start_us;
    if (f.end_us > g.last) g.last = f.end_us;
  }
  if (groups.size <= MAX_REPORTED_PAIRS) return { selected: [...flows], pairsTotal: groups.size };
  const chosen: (typeof groups extends Map<string, infer G> ? G : never)[] = [];
  const rest: typeof chosen = [];
  for (const g of groups.values()) {
    if (g.wanted || g.flows.length >= MIN_BEACON_CONNECTIONS || g.last - g.first >= LONG_LIVED_S * 1_000_000) chosen.push(g);
    else rest.push(g);
  }
  rest.sort((a, b) => b.flows.length - a.flows.length || a.first - b.first);
  for (const g of rest) {
    if (chosen.length >= MAX_REPORTED_PAIRS) break;
    chosen.push(g);
  }
  return { selected: chosen.flatMap((g) => g.flows), pairsTotal: groups.size };
}

/**
 * At most MAX_REPORTED_PAIRS of the ranked pairs, still in rank order: the alert's own pair, the
 * regular and the long-lived pairs first, then the others by rank.
 */
function keepPairs(ranked: PairFigures[], client: string, server: string): PairFigures[] {
  if (ranked.length <= MAX_REPORTED_PAIRS) return ranked;
  const keep = new Set<PairFigures>();
  const passes: ((p: PairFigures) => boolean)[] = [
    (p) => p.client === client && p.server === server,
    (p) => p.beacon_score >= REGULAR_BEACON_SCORE || p.longest_connection_s >= LONG_LIVED_S,
    () => true,
  ];
  for (const pass of passes) for (const p of ranked) if (keep.size < MAX_REPORTED_PAIRS && pass(p)) keep.add(p);
  return ranked.filter((p) => keep.has(p));
}

function figures(p: PairAnalysis): PairFigures {
  return {
    client: p.client,
    server: p.server,
    server_port: p.server_port,
    connections: p.connections,
    first_us: p.first_seen_us,
    last_us: p.last_seen_us,
    beacon_score: p.beacon.score,
    bytes_toserver_median: p.per_connection_toserver.median,
    bytes_toclient_median: p.per_connection_toclient.median,
    bytes_cv: p.per_connection_total.cv,
    interval_median_s: p.interval ? p.interval.median_s : null,
    longest_connection_s: p.longest_connection_s,
    ...(p.beacon.reason ? { beacon_reason: p.beacon.reason } : {}),
    sparkline: p.sparkline,
  };
}
