// Mining detection policy over the analysers' fact events and the flow records: the `Detector`
// the engine calls (src/engine/types.ts). It accumulates evidence per flow, fires rules from the
// catalogue (rules.ts), and raises at most one alert per flow and rule family, with the evidence
// merged. Timing: a family's alert is emitted once the named hold time of packet time has passed
// after its first match (so a conversation confirmed by the pool's job also carries the shares
// submitted and answered right after it), or at flow end if that comes first; on a live capture
// the host clock moves packet time on (`advanceTime`), so a quiet network does not hold it longer. Later evidence on an already
// alerted family is counted (`detect.evidence_after_alert`) and dropped: the flow's EVE record
// still carries the full protocol objects. Cryptocurrency nodes produce an informational notice,
// never a mining alert; JSON-RPC without a mining method produces nothing.

import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/types.js';
import { MINING_CATEGORY } from '../alerts/types.js';
import type { Detector, DetectorContext, DetectorFactory, FlowEnd, FlowView } from '../engine/types.js';
import type { Intel, PoolNameMatch } from '../intel/index.js';
import { matchMinerAgent } from '../intel/agents.js';
import { canonicalAlgorithm } from '../intel/algorithms.js';
import { normalizeDomain } from '../intel/domain-set.js';
import { isKnownPoolPort } from '../intel/ports.js';
import { parseLogin } from '../intel/wallet.js';
import type { FactEvent } from '../protocols/analyser.js';
import {
  MAX_ALGORITHMS_PER_FLOW,
  MAX_METHODS_PER_FLOW,
  MAX_NAMES_PER_FLOW,
  newConversation,
  pushCapped,
  type FamilyState,
  type FlowEvidence,
  type NameSource,
} from './evidence.js';
import { explain } from './explain.js';
import { DETECT_GID, RULES, type Rule, type RuleFamily, type RuleKey } from './rules.js';

/** Packet-time hold after a family's first match before its alert is emitted (live capture). */
export const DEFAULT_ALERT_HOLD_US = 5_000_000;
/** Flows whose evidence detection keeps at once; beyond it the oldest is emitted and dropped. */
export const MAX_TRACKED_FLOWS = 100_000;
/** Minimum duration of a TLS flow on a pool port before MW-TLS-MINING-PORT may fire. */
export const TLS_MINING_MIN_DURATION_US = 60_000_000;
/** Minimum packets each way for MW-TLS-MINING-PORT (a miner keeps exchanging jobs and shares). */
export const TLS_MINING_MIN_PACKETS = 10;
/** Mean payload per packet above which a TLS flow is not miner-like (bulk transfer). */
export const TLS_MINING_MAX_MEAN_PACKET_BYTES = 600;

/** Informational notice for a cryptocurrency node flow (never a mining alert). */
export interface NodeNotice {
  event_type: 'cryptocurrency_node';
  ts_us: number;
  flow_id: string;
  community_id: string;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  network: string;
  protocol: string;
}

export interface MiningDetectorOptions {
  intel: Intel;
  /** Sensor name, part of each alert's content-derived id. */
  sensor?: string;
  holdUs?: number;
  maxTrackedFlows?: number;
  onNotice?: (notice: NodeNotice) => void;
}

const HTTP_DIALECTS: ReadonlySet<string> = new Set(['getwork', 'getblocktemplate', 'ethproxy-http', 'monerod-rpc']);
const SUBMIT_METHODS: ReadonlySet<string> = new Set(['mining.submit', 'submit', 'eth_submitwork', 'getwork', 'submitblock']);
const BROWSER_ALPN: ReadonlySet<string> = new Set(['h2', 'http/1.1', 'h3', 'http/1.0', 'spdy/3.1']);
const FAMILY_ORDER: readonly RuleFamily[] = ['conversation', 'pool-name', 'browser', 'stratum-v2'];

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function strList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function alertId(source: string, sensor: string, flowId: string, communityId: string, sid: number, startUs: number): string {
  return createHash('sha256').update(`${source}|${sensor}|${flowId}|${communityId}|${sid}|${startUs}`).digest('hex').slice(0, 32);
}

export class MiningDetector implements Detector {
  private readonly flows = new Map<string, FlowEvidence>();
  /** Flows with a family waiting for its hold time. */
  private readonly pending = new Map<string, FlowEvidence>();
  /** Earliest hold deadline among `pending` (packet time); +Infinity when none. */
  private nextDeadlineUs = Number.POSITIVE_INFINITY;
  private readonly intel: Intel;
  private readonly sensor: string;
  private readonly holdUs: number;
  private readonly maxTracked: number;
  private readonly onNotice: ((n: NodeNotice) => void) | undefined;

  constructor(
    private readonly ctx: DetectorContext,
    opts: MiningDetectorOptions,
  ) {
    this.intel = opts.intel;
    this.sensor = opts.sensor ?? 'minerwatch';
    this.holdUs = opts.holdUs ?? DEFAULT_ALERT_HOLD_US;
    this.maxTracked = opts.maxTrackedFlows ?? MAX_TRACKED_FLOWS;
    this.onNotice = opts.onNotice;
  }

  onFact(flow: FlowView, event: FactEvent): void {
    this.releaseDue(event.tsUs, flow.flowId);
    // Most flows never matter to detection (DNS for ordinary names, TLS to ordinary sites, generic
    // JSON-RPC): no evidence is kept for them until a fact that can feed a rule arrives.
    let ev = this.flows.get(flow.flowId);
    if (ev === undefined) {
      if (!this.canMatter(flow, event)) {
        this.ctx.count('facts_without_evidence');
        return;
      }
      ev = this.evidenceFor(flow);
    }
    ev.flow.lastUs = Math.max(ev.flow.lastUs, event.tsUs);
    const name = event.name;
    const dot = name.indexOf('.');
    const prefix = dot < 0 ? name : name.slice(0, dot);
    switch (prefix) {
      case 'stratum':
        this.onStratum(ev, event);
        break;
      case 'dns':
        this.onDns(ev, event);
        break;
      case 'tls':
        this.onTls(ev, event);
        break;
      case 'http':
        this.onHttp(ev, event);
        break;
      case 'stratum_v2':
      case 'stratum-v2':
        this.onStratumV2(ev, event);
        break;
      case 'jsonrpc':
        // Generic JSON-RPC is never mining; node RPC methods only make an informational notice.
        if (name === 'jsonrpc.node_rpc') this.onNode(ev, str(event.data.coin) ?? 'unknown', 'rpc', event.tsUs);
        break;
      case 'crypto_node':
      case 'crypto-node':
        this.onNode(ev, str(event.data.network) ?? 'unknown', str(event.data.protocol) ?? 'p2p', event.tsUs);
        break;
      default:
        break;
    }
    if (!ev.hasLearnedCheck) this.checkLearned(ev, event.tsUs);
    this.settle(ev, flow, event.tsUs);
    // A held alert may be released later from another flow's fact, when this flow's view is not
    // at hand: keep its protocol objects current while anything is held.
    for (const st of ev.families.values()) {
      if (!st.isEmitted) {
        ev.flow.records = flow.protocolRecords();
        break;
      }
    }
  }

  onFlowEnd(flow: FlowView, end: FlowEnd): void {
    this.releaseDue(end.record.end_us, flow.flowId);
    let ev = this.flows.get(flow.flowId);
    const needsEvidence =
      !ev &&
      (this.intel.learned.isKnown(flow.clientIp, flow.serverIp, end.record.end_us) ||
        (end.record.proto === 'TCP' && isKnownPoolPort(end.record.dest_port) && end.protocols.tls !== undefined));
    if (!ev && !needsEvidence) return;
    ev ??= this.evidenceFor(flow);
    ev.flow.lastUs = Math.max(ev.flow.lastUs, end.record.end_us);
    ev.flow.records = end.protocols;
    ev.flow.appProto = end.record.app_proto ?? ev.flow.appProto;
    if (!ev.hasLearnedCheck) this.checkLearned(ev, end.record.end_us);
    this.checkTlsMiningPort(ev, end);
    for (const family of FAMILY_ORDER) {
      const st = ev.families.get(family);
      if (st && !st.isEmitted) this.emit(ev, family, flow);
    }
    this.flows.delete(flow.flowId);
    this.pending.delete(flow.flowId);
  }

  flush(): void {
    for (const ev of [...this.flows.values()]) {
      for (const family of FAMILY_ORDER) {
        const st = ev.families.get(family);
        if (st && !st.isEmitted) this.emit(ev, family, undefined);
      }
    }
    this.flows.clear();
    this.pending.clear();
  }

  // ---- evidence -------------------------------------------------------------------------------

  /**
   * Whether a fact on a flow without evidence can feed a rule: stratum and node facts always; a DNS
   * or TLS fact only when it names a listed pool (or TLS runs on a pool port, for
   * MW-TLS-MINING-PORT); HTTP when its host is a listed pool or its agent a miner's (the host and
   * agent of other HTTP flows are read back from the flow's record if evidence starts later);
   * generic JSON-RPC never; any fact on a flow to an address learned from a pool's DNS answer.
   */
  private canMatter(flow: FlowView, event: FactEvent): boolean {
    const name = event.name;
    const d = event.data;
    if (name.startsWith('dns')) {
      const q = str(d.rrname) ?? str(d.query) ?? str(d.qname) ?? str(d.name);
      if (q !== undefined && this.isPoolName(q)) return true;
      for (const c of strList(d.cnames)) if (this.isPoolName(c)) return true;
    } else if (name.startsWith('tls')) {
      if (flow.transport === 'tcp' && isKnownPoolPort(flow.serverPort)) return true;
      const sni = str(d.sni) ?? str(d.server_name);
      if (sni !== undefined && this.isPoolName(sni)) return true;
      for (const list of [d.san_dns, d.subject_alt_names, d.subject_cn]) {
        for (const n of strList(list)) if (this.isPoolName(n.replace(/^\*\./, ''))) return true;
      }
    } else if (name.startsWith('jsonrpc')) {
      if (name === 'jsonrpc.node_rpc') return true;
    } else if (name.startsWith('http')) {
      const host = str(d.hostname) ?? str(d.host);
      if (host !== undefined && this.isPoolName(host.replace(/:\d+$/, ''))) return true;
      const ua = str(d.http_user_agent) ?? str(d.user_agent);
      if (ua !== undefined && matchMinerAgent(ua) !== undefined) return true;
    } else {
      return true;
    }
    return this.intel.learned.isKnown(flow.clientIp, flow.serverIp, event.tsUs);
  }

  /** A quick test for canMatter: the suffix match takes any case and a trailing dot itself. */
  private isPoolName(name: string): boolean {
    return this.intel.matchPoolName(name) !== undefined;
  }

  private evidenceFor(flow: FlowView): FlowEvidence {
    let ev = this.flows.get(flow.flowId);
    if (ev) return ev;
    if (this.flows.size >= this.maxTracked) this.evictOldest();
    ev = {
      flow: {
        flowId: flow.flowId,
        communityId: flow.communityId,
        transport: flow.transport,
        clientIp: flow.clientIp,
        clientPort: flow.clientPort,
        serverIp: flow.serverIp,
        serverPort: flow.serverPort,
        startUs: flow.startUs,
        lastUs: flow.lastUs,
        records: {},
      },
      families: new Map(),
      conversation: newConversation(),
      pools: [],
      dnsNames: [],
      dnsAnswers: [],
      dnsAnswersByName: new Map(),
      certNames: [],
      alpn: [],
      hasTls: false,
      hasLearnedCheck: false,
      nodeNoticed: false,
      view: flow,
    };
    const app = flow.appProto();
    if (app) ev.flow.appProto = app;
    this.backfillHttp(ev, flow);
    this.flows.set(flow.flowId, ev);
    return ev;
  }

  /**
   * HTTP facts of a flow without evidence were passed over (canMatter): the first request's host,
   * agent, method and URL, as onHttp would have kept them, come from the HTTP record so far.
   */
  private backfillHttp(ev: FlowEvidence, flow: FlowView): void {
    const http = flow.protocolRecords().http;
    if (http === undefined) return;
    const tx = Array.isArray(http.transactions) ? (http.transactions[0] as Record<string, unknown> | undefined) : undefined;
    const host = str(tx?.hostname) ?? str(http.hostname);
    if (host) ev.httpHost = host.replace(/:\d+$/, '');
    const ua = str(tx?.http_user_agent) ?? str(http.http_user_agent);
    if (ua) ev.httpUserAgent = ua.slice(0, 256);
    const method = str(tx?.http_method);
    if (method) ev.httpMethod = method;
    const url = str(tx?.url);
    if (url) ev.httpUrl = url;
  }

  private evictOldest(): void {
    const oldest = this.flows.values().next();
    if (oldest.done) return;
    const ev = oldest.value;
    this.ctx.count('state_evicted');
    for (const family of FAMILY_ORDER) {
      const st = ev.families.get(family);
      if (st && !st.isEmitted) this.emit(ev, family, undefined);
    }
    this.flows.delete(ev.flow.flowId);
    this.pending.delete(ev.flow.flowId);
  }

  /** Adds to a capped per-flow list; a value the cap turns away is counted (`detect.evidence_list_capped`). */
  private keep<T>(list: T[], value: T, cap: number): boolean {
    if (pushCapped(list, value, cap)) return true;
    this.ctx.count('evidence_list_capped');
    return false;
  }

  private fire(ev: FlowEvidence, key: RuleKey, tsUs: number): void {
    const rule: Rule = RULES[key];
    let st = ev.families.get(rule.family);
    if (!st) {
      st = { fired: new Set(), firstUs: tsUs, deadlineUs: tsUs + this.holdUs, isEmitted: false };
      ev.families.set(rule.family, st);
      this.pending.set(ev.flow.flowId, ev);
      if (st.deadlineUs < this.nextDeadlineUs) this.nextDeadlineUs = st.deadlineUs;
    }
    if (st.isEmitted) {
      if (!st.fired.has(key)) this.ctx.count('evidence_after_alert');
      return;
    }
    st.fired.add(key);
  }

  private addPool(ev: FlowEvidence, name: string, source: NameSource, tsUs: number): PoolNameMatch | undefined {
    const norm = normalizeDomain(name);
    if (!norm) return undefined;
    const match = this.intel.matchPoolName(norm);
    if (!match) return undefined;
    if (!ev.pools.some((p) => p.name === norm) && ev.pools.length < MAX_NAMES_PER_FLOW) ev.pools.push({ name: norm, source, match });
    if (match.kind === 'browser') this.fire(ev, 'BROWSER', tsUs);
    else if (source === 'dns') this.fire(ev, 'POOL_DNS', tsUs);
    else if (source === 'sni' || source === 'certificate') this.fire(ev, 'POOL_SNI', tsUs);
    else if (source === 'http-host') this.fire(ev, 'POOL_HTTP_HOST', tsUs);
    return match;
  }

  private onStratum(ev: FlowEvidence, event: FactEvent): void {
    const c = ev.conversation;
    const d = event.data;
    const method = str(d.method) ?? str(d.request_method);
    if (method) this.keep(c.methods, method, MAX_METHODS_PER_FLOW);
    const dialect = str(d.dialect);
    if (dialect) c.dialect ??= dialect;
    const agent = str(d.agent);
    if (agent) this.noteAgent(ev, agent, event.tsUs);
    const ts = event.tsUs;
    switch (event.name) {
      case 'stratum.dialect':
        c.dialect = dialect ?? c.dialect;
        c.minerSide = str(d.miner_side) ?? c.minerSide;
        c.isMidSession = d.is_mid_session === true;
        if (dialect && HTTP_DIALECTS.has(dialect)) this.fire(ev, 'HTTP_MINING', ts);
        break;
      case 'stratum.subscribe': {
        c.hasSubscribe = true;
        const host = str(d.pool_host);
        if (host) {
          c.protocolPoolHost ??= host;
          this.addPool(ev, host, 'protocol', ts);
        }
        this.fire(ev, 'LOGIN', ts);
        break;
      }
      case 'stratum.authorize':
      case 'stratum.login': {
        c.hasLogin = true;
        const login = str(d.login);
        if (login && !c.login) c.login = parseLogin(login);
        for (const a of strList(d.algorithms)) this.noteAlgorithm(ev, a);
        this.fire(ev, 'LOGIN', ts);
        break;
      }
      case 'stratum.agent':
        break;
      case 'stratum.job': {
        c.jobs++;
        const algo = str(d.algo);
        if (algo) this.noteAlgorithm(ev, algo);
        this.fire(ev, 'JOB', ts);
        break;
      }
      case 'stratum.submit':
        c.submits++;
        this.fire(ev, 'SHARES', ts);
        break;
      case 'stratum.result': {
        const req = (str(d.request_method) ?? '').toLowerCase();
        if (SUBMIT_METHODS.has(req)) {
          if (d.accepted === true) c.accepted++;
          else c.rejected++;
        }
        break;
      }
      default:
        // set_difficulty, hashrate, extranonce, keepalive, get_transactions: mining-only methods,
        // kept as evidence; they support but never start an alert on their own.
        break;
    }
  }

  private noteAgent(ev: FlowEvidence, agent: string, tsUs: number): void {
    const c = ev.conversation;
    c.agent ??= agent.slice(0, 256);
    const m = matchMinerAgent(agent);
    if (m) {
      c.minerAgent ??= m;
      this.fire(ev, 'AGENT', tsUs);
    }
  }

  private noteAlgorithm(ev: FlowEvidence, name: string): void {
    const canon = canonicalAlgorithm(name) ?? name.slice(0, 40);
    this.keep(ev.conversation.algorithms, canon, MAX_ALGORITHMS_PER_FLOW);
  }

  private onDns(ev: FlowEvidence, event: FactEvent): void {
    const d = event.data;
    const name = str(d.rrname) ?? str(d.query) ?? str(d.qname) ?? str(d.name);
    if (!name) return;
    this.keep(ev.dnsNames, name.toLowerCase(), MAX_NAMES_PER_FLOW);
    let match = this.addPool(ev, name, 'dns', event.tsUs);
    // Answers: `answers: [{rrtype, rdata, ttl}]` or `addresses: [...]` with one `ttl`.
    const answers: Array<{ addr: string; ttl: number }> = [];
    if (Array.isArray(d.answers)) {
      for (const a of d.answers as unknown[]) {
        if (!a || typeof a !== 'object') continue;
        const r = a as Record<string, unknown>;
        const type = str(r.rrtype) ?? str(r.type);
        const addr = str(r.rdata) ?? str(r.address) ?? str(r.addr);
        if (addr && (type === undefined || type === 'A' || type === 'AAAA')) answers.push({ addr, ttl: num(r.ttl) ?? 0 });
      }
    }
    if (answers.length === 0) for (const a of strList(d.addresses)) answers.push({ addr: a, ttl: num(d.ttl_min) ?? num(d.ttl) ?? 0 });
    // A listed pool behind an innocent-looking name shows in the CNAME chain.
    for (const cname of strList(d.cnames)) if (!match) match = this.addPool(ev, cname, 'dns', event.tsUs);
    const qname = name.toLowerCase().replace(/\.$/, '');
    let own = ev.dnsAnswersByName.get(qname);
    if (!own && ev.dnsAnswersByName.size < MAX_NAMES_PER_FLOW) {
      own = [];
      ev.dnsAnswersByName.set(qname, own);
    }
    for (const a of answers) {
      this.keep(ev.dnsAnswers, a.addr, MAX_NAMES_PER_FLOW);
      if (own) this.keep(own, a.addr, MAX_NAMES_PER_FLOW);
      if (match) {
        this.intel.learned.learn(ev.flow.clientIp, a.addr, qname, a.ttl, event.tsUs);
        this.ctx.count('learned_from_dns');
      }
    }
  }

  private onTls(ev: FlowEvidence, event: FactEvent): void {
    ev.hasTls = true;
    const d = event.data;
    const sni = str(d.sni) ?? str(d.server_name);
    if (sni) {
      ev.sni ??= sni;
      this.addPool(ev, sni, 'sni', event.tsUs);
    }
    for (const a of strList(d.alpn)) this.keep(ev.alpn, a, MAX_NAMES_PER_FLOW);
    const certNames = [...strList(d.san_dns), ...strList(d.subject_alt_names), ...strList(d.subject_cn)];
    for (const n of certNames) {
      const clean = n.replace(/^\*\./, '');
      if (this.keep(ev.certNames, clean, MAX_NAMES_PER_FLOW)) this.addPool(ev, clean, 'certificate', event.tsUs);
    }
  }

  private onHttp(ev: FlowEvidence, event: FactEvent): void {
    const d = event.data;
    const host = str(d.hostname) ?? str(d.host);
    if (host) {
      const bare = host.replace(/:\d+$/, '');
      ev.httpHost ??= bare;
      this.addPool(ev, bare, 'http-host', event.tsUs);
    }
    const ua = str(d.http_user_agent) ?? str(d.user_agent);
    if (ua) {
      ev.httpUserAgent ??= ua.slice(0, 256);
      if (matchMinerAgent(ua)) this.noteAgent(ev, ua, event.tsUs);
    }
    ev.httpMethod ??= str(d.http_method) ?? str(d.method);
    ev.httpUrl ??= str(d.url) ?? str(d.uri);
  }

  private onStratumV2(ev: FlowEvidence, event: FactEvent): void {
    // Shape only (encrypted): trust it on a published pool port or a pool name, never alone.
    if (isKnownPoolPort(ev.flow.serverPort) || ev.pools.length > 0 || event.data.is_confident === true) {
      this.fire(ev, 'STRATUM_V2', event.tsUs);
    }
  }

  private onNode(ev: FlowEvidence, network: string, protocol: string, tsUs: number): void {
    if (ev.nodeNoticed) return;
    ev.nodeNoticed = true;
    this.ctx.count('cryptocurrency_node');
    this.onNotice?.({
      event_type: 'cryptocurrency_node',
      ts_us: tsUs,
      flow_id: ev.flow.flowId,
      community_id: ev.flow.communityId,
      src_ip: ev.flow.clientIp,
      src_port: ev.flow.clientPort,
      dest_ip: ev.flow.serverIp,
      dest_port: ev.flow.serverPort,
      network,
      protocol,
    });
  }

  private checkLearned(ev: FlowEvidence, tsUs: number): void {
    ev.hasLearnedCheck = true;
    const l = this.intel.learned.lookup(ev.flow.clientIp, ev.flow.serverIp, tsUs);
    if (!l) return;
    ev.learned = l;
    // An address learned for an in-browser mining service is browser evidence, not a pool's.
    const match = this.intel.matchPoolName(l.name);
    if (match?.kind === 'browser') {
      if (!ev.pools.some((p) => p.name === l.name) && ev.pools.length < MAX_NAMES_PER_FLOW) ev.pools.push({ name: l.name, source: 'learned', match });
      this.fire(ev, 'BROWSER', tsUs);
    } else {
      this.fire(ev, 'POOL_LEARNED_ADDRESS', tsUs);
    }
  }

  private checkTlsMiningPort(ev: FlowEvidence, end: FlowEnd): void {
    const r = end.record;
    if (!(ev.hasTls || end.protocols.tls) || r.proto !== 'TCP' || !isKnownPoolPort(r.dest_port)) return;
    if (ev.alpn.some((a) => BROWSER_ALPN.has(a.toLowerCase()))) return;
    if (r.end_us - r.start_us < TLS_MINING_MIN_DURATION_US) return;
    if (r.pkts_toserver < TLS_MINING_MIN_PACKETS || r.pkts_toclient < TLS_MINING_MIN_PACKETS) return;
    const mean = (r.bytes_toserver + r.bytes_toclient) / Math.max(1, r.pkts_toserver + r.pkts_toclient);
    if (mean > TLS_MINING_MAX_MEAN_PACKET_BYTES) return;
    this.fire(ev, 'TLS_MINING_PORT', r.end_us);
  }

  // ---- timing -----------------------------------------------------------------------------------

  /** After each fact: emit a confirmed conversation now; fold pool names into it. */
  private settle(ev: FlowEvidence, flow: FlowView, tsUs: number): void {
    let due = false;
    for (const st of ev.families.values()) {
      if (!st.isEmitted && st.deadlineUs <= tsUs) {
        due = true;
        break;
      }
    }
    if (due) {
      ev.flow.records = flow.protocolRecords();
      for (const family of FAMILY_ORDER) {
        const st = ev.families.get(family);
        if (st && !st.isEmitted && st.deadlineUs <= tsUs) this.emit(ev, family, flow);
      }
    }
  }

  /** Packet time moved on without a packet (live capture, the host clock): emit what is due. */
  advanceTime(nowUs: number): void {
    this.releaseDue(nowUs, undefined);
  }

  /** Emits every held family whose hold time has passed by packet time `nowUs` (other flows). */
  private releaseDue(nowUs: number, currentFlowId: string | undefined): void {
    // The earliest deadline of any held family: most facts arrive before it and cost one compare.
    if (nowUs < this.nextDeadlineUs) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [id, ev] of this.pending) {
      let hasHeld = false;
      for (const family of FAMILY_ORDER) {
        const st = ev.families.get(family);
        if (!st || st.isEmitted) continue;
        if (st.deadlineUs <= nowUs && id !== currentFlowId) this.emit(ev, family, undefined);
        else {
          hasHeld = true;
          next = Math.min(next, st.deadlineUs);
        }
      }
      if (!hasHeld) this.pending.delete(id);
    }
    this.nextDeadlineUs = next;
  }

  // ---- alerts -----------------------------------------------------------------------------------

  private emit(ev: FlowEvidence, family: RuleFamily, flow: FlowView | undefined): void {
    const st = ev.families.get(family) as FamilyState;
    st.isEmitted = true;
    // A pool name on a flow whose conversation alerts is evidence for that alert, not another one.
    if (family === 'pool-name') {
      const conv = ev.families.get('conversation');
      if (conv) {
        this.ctx.count('pool_name_merged');
        return;
      }
    }
    const allow = this.intel.allowList.match(
      [ev.flow.clientIp, ev.flow.serverIp],
      [...ev.pools.map((p) => p.name), ...(ev.sni ? [ev.sni] : []), ...(ev.httpHost ? [ev.httpHost] : []), ...ev.dnsNames, ...(ev.learned ? [ev.learned.name] : [])],
    );
    if (allow) {
      this.intel.allowList.countSuppressed(allow);
      this.ctx.count('suppressed_allow_list');
      return;
    }
    const fired = [...st.fired].map((k) => RULES[k] as Rule).sort((a, b) => b.rank - a.rank);
    const top = fired[0];
    if (!top) return;
    const alert = this.buildAlert(ev, family, top, fired, st);
    (flow ?? ev.view)?.markAlerted();
    this.ctx.markFlowForCapture(ev.flow.flowId, `alert-${alert.id}`);
    this.ctx.count('alerts');
    this.ctx.count(`alerts.${family}`);
    this.ctx.emitAlert(alert);
  }

  private confidence(ev: FlowEvidence, family: RuleFamily, top: Rule, fired: Rule[]): number {
    let conf: number = top.confidence;
    const c = ev.conversation;
    if (family === 'conversation') {
      if (c.login?.wallet) conf += c.login.wallet.isChecksumVerified ? 0.08 : 0.06;
      if (fired.some((r) => r.id === RULES.AGENT.id) && top.id !== RULES.AGENT.id) conf += 0.03;
      if (ev.pools.length > 0 || ev.learned) conf += 0.02;
      if (top.id === RULES.LOGIN.id && c.jobs === 0 && !c.login?.wallet && !c.minerAgent) conf = 0.6;
    } else if (family === 'pool-name' && top.id === RULES.POOL_LEARNED_ADDRESS.id && ev.learned?.scope === 'global') {
      conf -= 0.1;
    }
    return Math.round(Math.min(0.99, Math.max(0.05, conf)) * 100) / 100;
  }

  private buildAlert(ev: FlowEvidence, family: RuleFamily, top: Rule, fired: Rule[], st: FamilyState): Alert {
    const f = ev.flow;
    const evidence: Record<string, unknown> = {};
    const c = ev.conversation;
    const pool = family === 'browser' ? ev.pools.find((p) => p.match.kind === 'browser') : (ev.pools.find((p) => p.match.kind !== 'browser') ?? ev.pools[0]);
    const poolName = pool?.name ?? ev.learned?.name;
    // Mining over HTTP: the HTTP analyser nests the stratum object it built in its own record.
    const nested = f.records.http?.stratum;
    const stratumRecord = f.records.stratum ?? (nested && typeof nested === 'object' && !Array.isArray(nested) ? (nested as Record<string, unknown>) : undefined);
    if (stratumRecord || family === 'conversation') {
      const s: Record<string, unknown> = stratumRecord ? { ...stratumRecord } : {};
      if (!stratumRecord) {
        if (c.dialect) s.dialect = c.dialect;
        if (c.agent) s.agent = c.agent;
        if (c.login) s.login = c.login.login;
        s.algorithms = [...c.algorithms];
        s.counts = { jobs: c.jobs, submits: c.submits, accepted: c.accepted, rejected: c.rejected };
      }
      if (s.pool_host === undefined && poolName) {
        s.pool_host = poolName;
        s.pool_host_source = pool ? (pool.source === 'certificate' ? 'sni' : pool.source === 'learned' ? 'dns' : pool.source) : 'dns';
      }
      evidence.stratum = s;
    }
    if (f.records.tls || ev.sni || ev.hasTls) evidence.tls = f.records.tls ? { ...f.records.tls } : { ...(ev.sni ? { sni: ev.sni } : {}), ...(ev.alpn.length ? { alpn: [...ev.alpn] } : {}) };
    if (f.records.dns || ev.dnsNames.length > 0) {
      evidence.dns = f.records.dns ? { ...f.records.dns } : { rrname: ev.dnsNames[0], ...(ev.dnsAnswers.length ? { answers: [...ev.dnsAnswers] } : {}) };
    }
    if (f.records.http || ev.httpHost || ev.httpUserAgent) {
      evidence.http = f.records.http
        ? { ...f.records.http }
        : {
            ...(ev.httpHost ? { hostname: ev.httpHost } : {}),
            ...(ev.httpUserAgent ? { http_user_agent: ev.httpUserAgent } : {}),
            ...(ev.httpMethod ? { http_method: ev.httpMethod } : {}),
            ...(ev.httpUrl ? { url: ev.httpUrl } : {}),
          };
    }
    const intel: Record<string, unknown> = { list_version: this.intel.poolDomains.version };
    if (pool) {
      intel.pool_name = pool.name;
      intel.pool_domain = pool.match.domain;
      intel.pool_kind = pool.match.kind;
      intel.name_source = pool.source;
      intel.batch_date = pool.match.batch.date;
      intel.batch_source = pool.match.batch.source;
    }
    if (ev.learned) {
      intel.learned_name = ev.learned.name;
      intel.learned_scope = ev.learned.scope;
      intel.learned_from = ev.learned.learnedFrom;
      if (!pool) intel.pool_name = ev.learned.name;
    }
    evidence.intel = intel;
    if (c.login?.wallet) {
      evidence.wallet = { coin: c.login.wallet.coin, kind: c.login.wallet.kind, network: c.login.wallet.network, is_checksum_verified: c.login.wallet.isChecksumVerified, address: c.login.account };
    }
    if (c.minerAgent) evidence.miner = { family: c.minerAgent.family, ...(c.minerAgent.version ? { version: c.minerAgent.version } : {}) };
    if (family === 'conversation') evidence.counts = { jobs: c.jobs, submits: c.submits, accepted: c.accepted, rejected: c.rejected };
    if (family === 'pool-name' && top.id === RULES.TLS_MINING_PORT.id) {
      evidence.flow = { duration_us: f.lastUs - f.startUs };
    }
    // The analyst's first question is whether the source is an internal miner: when the stratum
    // analyser found the miner on the flow's server side (a capture that began mid-session with
    // the orientation guessed from ports), the alert names the miner as its source.
    const isReversed = family === 'conversation' && c.minerSide === 'server';
    const seen: FlowEvidence = isReversed
      ? { ...ev, flow: { ...f, clientIp: f.serverIp, clientPort: f.serverPort, serverIp: f.clientIp, serverPort: f.clientPort } }
      : ev;
    const id = alertId('sensor', this.sensor, f.flowId, f.communityId, top.sid, f.startUs);
    return {
      id,
      source: 'sensor',
      ts_us: st.firstUs,
      flow_id: f.flowId,
      community_id: f.communityId,
      src_ip: seen.flow.clientIp,
      src_port: seen.flow.clientPort,
      dest_ip: seen.flow.serverIp,
      dest_port: seen.flow.serverPort,
      proto: f.transport === 'tcp' ? 'TCP' : 'UDP',
      ...(f.appProto ? { app_proto: f.appProto } : {}),
      alert: {
        action: 'allowed',
        gid: DETECT_GID,
        signature_id: top.sid,
        rev: top.rev,
        signature: `MINERWATCH ${top.name}`,
        category: MINING_CATEGORY,
        severity: top.severity,
        metadata: { family: [family] },
      },
      confidence: this.confidence(ev, family, top, fired),
      explanation: explain(seen, family),
      rules: fired.map((r) => r.id),
      evidence,
    };
  }
}

export function createMiningDetector(opts: MiningDetectorOptions): DetectorFactory {
  return (ctx) => new MiningDetector(ctx, opts);
}
