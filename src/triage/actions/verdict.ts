// Action 5, the verdict: true positive, benign, or needs an analyst, with a confidence and the
// reasons written as an analyst writes them. The strongest evidence is the pool's side of the
// conversation: a pool sends a job only after a successful login. Evidence seen only through TLS
// (names, shapes) is weaker and the reasons say so. What could not be checked is listed too.

import type { TriageVerdict } from '../types.js';
import type { ActionResult, TriageAction } from '../types.js';
import type { CaptureEvidence, FlowsEvidence, StratumStep } from '../evidence.js';
import type { EndpointRoles } from './endpoint-roles.js';
import type { Enrichment } from './enrichment.js';

export interface Verdict {
  verdict: TriageVerdict;
  confidence: number;
  reasons: string[];
  /** Sources that could not be consulted, so the analyst knows what the verdict rests on. */
  unchecked: string[];
}

/** Beacon score from which repeated contact counts as machine-regular. */
export const REGULAR_BEACON_SCORE = 0.8;

interface StratumRecordLike {
  steps?: { step?: string; name?: string }[];
  methods?: Record<string, unknown>;
  agent?: string;
  algorithms?: string[];
  dialect?: string;
  job_count?: number;
}

function stepsFromSensor(evidence: Record<string, unknown>): Set<string> {
  const s = evidence.stratum as StratumRecordLike | undefined;
  const out = new Set<string>();
  for (const st of s?.steps ?? []) {
    const name = st.step ?? st.name;
    if (name) out.add(name);
  }
  return out;
}

function evidenceOf<E>(prior: ReadonlyMap<string, ActionResult>, name: string): { r?: ActionResult<E>; e?: E } {
  const r = prior.get(name) as ActionResult<E> | undefined;
  return { r, e: r?.status === 'done' ? r.evidence : undefined };
}

export function decide(alertSource: string, alertEvidence: Record<string, unknown>, prior: ReadonlyMap<string, ActionResult>): Verdict {
  const reasons: string[] = [];
  const unchecked: string[] = [];
  const { e: roles } = evidenceOf<EndpointRoles>(prior, 'endpoint_roles');
  const { e: enr } = evidenceOf<Enrichment>(prior, 'enrichment');
  const { r: flowsR, e: flows } = evidenceOf<FlowsEvidence>(prior, 'flows');
  const { r: capR, e: cap } = evidenceOf<CaptureEvidence>(prior, 'capture');

  if (!cap) unchecked.push(`the packets (${capR?.reason ?? 'capture action did not run'})`);
  if (!flows) unchecked.push(`flow records (${flowsR?.reason ?? 'flows action did not run'})`);

  // What the packets show, from the capture action or, for the sensor's own alerts, its record.
  const steps = new Set<StratumStep | string>(cap?.steps ?? []);
  for (const s of stepsFromSensor(alertEvidence)) steps.add(s);
  const jobFields = new Set(cap?.messages.flatMap((m) => (m.side === 'server' && m.step === 'job' ? m.job_fields ?? [] : [])) ?? []);
  const accepted = cap?.messages.filter((m) => m.step === 'result' && m.accepted === true).length ?? 0;
  const submits = cap?.messages.filter((m) => m.step === 'submit').length ?? 0;
  const hasJob = steps.has('job') || steps.has('notify');
  // The sensor's own alert carries its stratum record: mining it saw in the packets.
  const sensorStratum = alertEvidence.stratum as StratumRecordLike | undefined;
  const sensorSawMining = alertSource === 'sensor' && sensorStratum !== undefined;
  const hasLogin = steps.has('login') || steps.has('subscribe') || steps.has('authorize');
  const poolNames = enr?.pool_matches.map((m) => m.name) ?? [];
  const regularPairs = flows?.pairs.filter((p) => p.beacon_score >= REGULAR_BEACON_SCORE) ?? [];
  const longLived = flows?.pairs.filter((p) => p.longest_connection_s >= 600) ?? [];

  if (roles) {
    if (roles.direction === 'outbound') reasons.push(`${roles.client.ip} is an internal client connecting out to ${roles.server.ip}:${roles.server.port}, the shape of a miner reaching a pool.`);
    else if (roles.direction === 'inbound') reasons.push(`The client ${roles.client.ip} is external and the server ${roles.server.ip} internal: this is traffic to a service here, not a miner inside calling out.`);
    else reasons.push(`Both sides are ${roles.direction}; the alert is not the usual internal-client-to-internet shape.`);
  }

  let verdict: TriageVerdict = 'needs_analyst';
  let confidence = 0.5;

  if (hasJob) {
    const fields = jobFields.size ? ` with ${[...jobFields].sort().join(' and ')}` : '';
    reasons.push(`The server sent a job${fields}; a pool only does that after a successful login.`);
    verdict = 'true_positive';
    confidence = 0.95;
    if (submits > 0) {
      reasons.push(`The client submitted ${submits} share${submits === 1 ? '' : 's'}${accepted ? ` and the pool accepted ${accepted}` : ''}: it is mining, not just connecting.`);
      confidence = accepted ? 0.99 : 0.97;
    }
  } else if (sensorSawMining && sensorStratum?.agent) {
    reasons.push(`The miner named itself ${JSON.stringify(sensorStratum.agent)} in its ${sensorStratum.dialect ?? 'mining'} requests, which the sensor decoded.`);
    verdict = 'true_positive';
    confidence = 0.9;
  } else if (hasLogin) {
    reasons.push('The client sent a stratum login or subscribe; no job from the pool was seen, so the login may have failed or the capture ends early.');
    verdict = 'true_positive';
    confidence = 0.85;
  } else if (cap?.is_tls && poolNames.length > 0) {
    const sni = cap.tls?.sni;
    reasons.push(
      sni && poolNames.includes(sni.toLowerCase())
        ? `The connection is TLS to ${sni}, a listed mining pool; the stratum messages themselves are encrypted, so this rests on the name alone and the confidence is lower.`
        : `The connection is TLS to an address the client had just resolved from ${poolNames.join(', ')}, a listed mining pool; the stratum messages themselves are encrypted, so this rests on the name alone and the confidence is lower.`,
    );
    verdict = 'true_positive';
    confidence = 0.75;
  } else if (cap?.is_flow_found && !sensorSawMining && poolNames.length === 0 && (cap.node_protocol || cap.other_methods.length > 0 || cap.app_protocols.length > 0)) {
    const methods = cap.other_methods.length ? `JSON-RPC methods ${cap.other_methods.slice(0, 6).join(', ')}` : '';
    const proto = cap.node_protocol ? `the ${cap.node_protocol} protocol` : '';
    const what = [methods, proto].filter(Boolean).join(' of ') || cap.app_protocols.join(', ');
    reasons.push(`The capture of this flow shows ${what} and no mining method, login, job or share.`);
    if (cap.node_protocol) reasons.push(`A cryptocurrency node or wallet server (${cap.node_protocol}) talks this way; it is not a miner.`);
    verdict = 'benign';
    confidence = cap.node_protocol ? 0.85 : 0.75;
  } else if (poolNames.length > 0 && cap?.app_protocols.includes('dns') && !cap.app_protocols.includes('tls')) {
    reasons.push(`The client looked up ${poolNames.join(', ')}, a listed mining pool. A name lookup alone also happens when someone visits the pool's web site; the connection that follows decides.`);
    verdict = 'needs_analyst';
    confidence = 0.65;
  } else if (poolNames.length > 0) {
    reasons.push(`The destination is known as ${poolNames.join(', ')}, a listed mining pool.`);
    verdict = regularPairs.length || longLived.length ? 'true_positive' : 'needs_analyst';
    confidence = verdict === 'true_positive' ? 0.75 : 0.6;
  }

  if (alertEvidence.tls && !hasJob && !hasLogin && verdict !== 'benign') {
    reasons.push('Evidence was seen only around TLS (names and timing), not in the stratum messages, which lowers the confidence.');
    confidence = Math.min(confidence, 0.75);
  }

  if (flows) {
    for (const p of regularPairs.slice(0, 3)) {
      reasons.push(
        `Flow records show ${p.client} connecting to ${p.server}:${p.server_port} ${p.connections} times with beacon score ${p.beacon_score.toFixed(2)} (median ${Math.round(p.bytes_toserver_median)} bytes up, coefficient of variation ${p.bytes_cv.toFixed(2)}): machine-regular contact.`,
      );
    }
    for (const p of longLived.slice(0, 2)) {
      if (!regularPairs.includes(p)) reasons.push(`${p.client} held a connection to ${p.server}:${p.server_port} for ${Math.round(p.longest_connection_s)} s, as miners do.`);
    }
    if (flows.flows === 0) reasons.push('No flow records involve the destination in the window around the alert.');
    if (flows.internal_clients.length > 1) reasons.push(`${flows.internal_clients.length} internal hosts talked to this destination: ${flows.internal_clients.slice(0, 5).join(', ')}${flows.internal_clients.length > 5 ? ', ...' : ''}.`);
    if (verdict === 'needs_analyst' && regularPairs.length && poolNames.length === 0 && !cap) confidence = 0.6;
  }

  if (enr?.hosting) reasons.push(`${enr.ip} is in AS${enr.asn?.number} (${enr.asn?.organisation}), a ${enr.hosting.kind} provider (${enr.hosting.name}): rented servers are where pools and proxies run.`);
  else if (enr?.asn) reasons.push(`${enr.ip} is in AS${enr.asn.number} (${enr.asn.organisation}).`);

  if (verdict === 'needs_analyst' && cap?.is_flow_found && !hasJob && !hasLogin && flows && regularPairs.length === 0 && alertSource !== 'sensor') {
    reasons.push('The firewall alert is not borne out: the capture and the flow records show no mining.');
    verdict = 'benign';
    confidence = 0.7;
  }
  if (verdict === 'needs_analyst') reasons.push('The evidence is not conclusive either way; an analyst should look.');
  if (unchecked.length) reasons.push(`Not checked: ${unchecked.join('; ')}.`);
  return { verdict, confidence, reasons, unchecked };
}

export const verdict: TriageAction<Verdict> = {
  name: 'verdict',
  title: 'Verdict',
  async run(alert, _ctx, prior) {
    return { status: 'done', evidence: decide(alert.source, alert.evidence, prior) };
  },
};
