// Per-flow stratum state. `StratumConversation` turns parsed JSON messages (from stratum lines,
// HTTP bodies or WebSocket frames) into the stratum record and `stratum.*` fact events: it pairs
// responses with requests by id, follows the steps login -> job -> submit -> result, and decides
// which side is the miner. `StratumSession` feeds it line-delimited JSON from a TCP stream.

import { DONE, NEED_MORE, OK, violation } from '../analyser.js';
import type { AnalyserSession, Direction, SessionContext, SessionStatus } from '../analyser.js';
import { DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_LINE_BYTES, LineSplitter, parseJsonBytes } from '../json/line-json.js';
import type { LineEvent } from '../json/line-json.js';
import {
  capString,
  classifyMining,
  isEthWorkPackage,
  isRecord,
  readCryptoNoteJob,
  readResultVerdict,
  stepOfRole,
  toRpcMessage,
  workerFromLogin,
} from './parser.js';
import type { MiningRequest, MiningRole, RpcMessage } from './parser.js';
import type {
  MinerSide,
  MinerSideBasis,
  StratumDialect,
  StratumRecord,
  StratumStep,
  StratumStepName,
} from './record.js';

export interface StratumLimits {
  /** Longest line accepted, bytes. Default 16 KiB. Counter: anomaly `stratum.line_too_long`. */
  maxLineBytes: number;
  /** Deepest JSON nesting accepted. Default 32. Counter: anomaly `stratum.json_too_deep`. */
  maxJsonDepth: number;
  /** Entries in the step list. Default 32. Counter: record `steps_dropped`. */
  maxSteps: number;
  /** Fact events raised per event name per flow. Default 32. Counter: record `facts_suppressed`. */
  maxEventsPerName: number;
  /** Requests awaiting a response, per flow. Default 64. Counter: anomaly `stratum.pending_overflow`. */
  maxPendingRequests: number;
  /** Distinct method names counted per direction. Default 64. Counter: anomaly `stratum.too_many_methods`. */
  maxMethodNames: number;
  /** Distinct algorithms kept. Default 16. */
  maxAlgorithms: number;
  /** Bytes consumed per direction before the session says it is done. Default 256 KiB. */
  maxBytesPerDirection: number;
  /** Lines seen without any mining message before the session gives up. Default 16. */
  maxLinesWithoutMining: number;
}

export const DEFAULT_STRATUM_LIMITS: Readonly<StratumLimits> = Object.freeze({
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  maxSteps: 32,
  maxEventsPerName: 32,
  maxPendingRequests: 64,
  maxMethodNames: 64,
  maxAlgorithms: 16,
  maxBytesPerDirection: 256 * 1024,
  maxLinesWithoutMining: 16,
});

/** Roles a miner sends; the side sending them is the miner. */
const MINER_ROLES: ReadonlySet<MiningRole> = new Set<MiningRole>([
  'subscribe',
  'authorize',
  'login',
  'submit',
  'getwork',
  'hashrate',
  'get_transactions',
  'configure',
]);
/** Roles a pool pushes; the side receiving them is the miner. */
const POOL_ROLES: ReadonlySet<MiningRole> = new Set<MiningRole>(['job', 'set_difficulty', 'reconnect']);
/** First roles of a conversation seen from its start. */
const OPENING_ROLES: ReadonlySet<MiningRole> = new Set<MiningRole>([
  'subscribe',
  'authorize',
  'login',
  'configure',
  'getwork',
  'extranonce',
]);

const ROLE_EVENT: Partial<Record<MiningRole, string>> = {
  subscribe: 'stratum.subscribe',
  authorize: 'stratum.authorize',
  login: 'stratum.login',
  job: 'stratum.job',
  submit: 'stratum.submit',
  set_difficulty: 'stratum.set_difficulty',
  hashrate: 'stratum.hashrate',
  extranonce: 'stratum.extranonce',
  configure: 'stratum.configure',
  keepalive: 'stratum.keepalive',
  reconnect: 'stratum.reconnect',
  get_transactions: 'stratum.get_transactions',
  getwork: 'stratum.getwork',
};

interface Pending {
  method: string;
  role: MiningRole;
  dialect: StratumDialect;
}

export interface ConversationSink {
  emit(name: string, tsUs: number, direction: Direction, data: Record<string, unknown>): void;
  anomaly(name: string): void;
}

/** The mining conversation of one flow, fed with parsed JSON messages. */
export class StratumConversation {
  private dialect: StratumDialect | undefined;
  private minerSide: MinerSide = 'client';
  private minerSideBasis: MinerSideBasis = 'default';
  private isMidSession = false;
  private readonly methods: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  private agent: string | undefined;
  private readonly agentsSeen = new Set<string>();
  private readonly algorithms: string[] = [];
  private login: string | undefined;
  private worker: string | undefined;
  private workerSource: 'field' | 'login-suffix' | undefined;
  private rigId: string | undefined;
  private hasPassword = false;
  private poolHost: string | undefined;
  private poolHostSource: StratumRecord['pool_host_source'];
  private protocolVersion: string | undefined;
  private readonly steps: StratumStep[] = [];
  private stepsDropped = 0;
  private readonly counts = { jobs: 0, submits: 0, accepted: 0, rejected: 0, messages: 0 };
  private readonly pending = new Map<string, Pending>();
  private readonly eventCounts = new Map<string, number>();
  private factsSuppressed = 0;
  /** Created at the first anomaly (most flows have none). */
  private anomalies: Map<string, number> | undefined;

  constructor(
    private readonly sink: ConversationSink,
    private readonly limits: Readonly<StratumLimits> = DEFAULT_STRATUM_LIMITS,
  ) {}

  /** True once a mining message has been seen. */
  get isMining(): boolean {
    return this.dialect !== undefined;
  }

  get currentDialect(): StratumDialect | undefined {
    return this.dialect;
  }

  /** Count a named anomaly in the record and pass it on. */
  anomaly(name: string): void {
    this.anomalies ??= new Map();
    this.anomalies.set(name, (this.anomalies.get(name) ?? 0) + 1);
    this.sink.anomaly(name);
  }

  /** Agent known from outside the JSON (HTTP User-Agent of a getwork miner). */
  noteAgent(agent: string, source: 'subscribe' | 'login' | 'http-user-agent', tsUs: number, direction: Direction): void {
    const capped = capString(agent);
    if (capped === undefined || capped.length === 0) return;
    this.agent ??= capped;
    if (this.agentsSeen.has(capped) || this.agentsSeen.size >= 4) return;
    this.agentsSeen.add(capped);
    this.raise('stratum.agent', tsUs, direction, { agent: capped, source });
  }

  /** Pool host known from the protocol or from outside (HTTP Host). First one wins. */
  notePoolHost(host: string, source: NonNullable<StratumRecord['pool_host_source']>): void {
    if (this.poolHost !== undefined) return;
    const capped = capString(host);
    if (capped === undefined || capped.length === 0) return;
    this.poolHost = capped;
    this.poolHostSource = source;
  }

  /**
   * A login known from outside the JSON body (HTTP Basic user name, EthProxy-over-HTTP `miner=`
   * URI parameter, monerod wallet_address). Raises `stratum.login` the first time.
   */
  noteLogin(login: string, worker: string | undefined, method: string, tsUs: number, direction: Direction): void {
    if (this.login !== undefined) return;
    const capped = capString(login);
    if (capped === undefined || capped.length === 0) return;
    this.login = capped;
    if (worker !== undefined && worker.length > 0) this.setWorker(worker, 'field');
    const data: Record<string, unknown> = { dialect: this.dialect, method, login: capped, has_password: false };
    if (this.worker !== undefined) data['worker'] = this.worker;
    this.raise('stratum.login', tsUs, direction, data);
  }

  /**
   * Feed one parsed JSON value sent in `direction`. `isHttp` admits getwork/getblocktemplate, and
   * `dialectOverride` names the HTTP dialect. Returns true when the message was mining.
   */
  onMessage(
    direction: Direction,
    value: unknown,
    tsUs: number,
    opts: { isHttp?: boolean; dialectOverride?: (req: MiningRequest) => StratumDialect; pairedRequestId?: string | number } = {},
  ): boolean {
    const msg = toRpcMessage(value);
    if (msg === undefined) return false;
    this.counts.messages++;
    if (msg.method !== undefined) this.countMethod(direction, msg.method);
    if (msg.kind === 'request') {
      const req = classifyMining(msg, opts.isHttp === true);
      if (req === undefined) return false;
      if (opts.dialectOverride !== undefined) req.dialect = opts.dialectOverride(req);
      this.onMiningRequest(direction, msg, req, tsUs);
      return true;
    }
    if (msg.kind === 'response') {
      // Over HTTP the response answers the request of its transaction, whatever id it carries.
      if (opts.pairedRequestId !== undefined) msg.id = opts.pairedRequestId;
      return this.onResponse(direction, msg, tsUs);
    }
    return false;
  }

  private countMethod(direction: Direction, method: string): void {
    const m = this.methods[direction];
    const n = m.get(method);
    if (n !== undefined) m.set(method, n + 1);
    else if (m.size < this.limits.maxMethodNames) m.set(method, 1);
    else this.anomaly('stratum.too_many_methods');
  }

  private noteDialect(dialect: StratumDialect, role: MiningRole, direction: Direction, tsUs: number): void {
    if (MINER_ROLES.has(role)) {
      if (this.minerSideBasis !== 'requests') {
        this.minerSide = direction === 0 ? 'client' : 'server';
        this.minerSideBasis = 'requests';
      }
    } else if (POOL_ROLES.has(role) && this.minerSideBasis === 'default') {
      this.minerSide = direction === 0 ? 'server' : 'client';
      this.minerSideBasis = 'pushes';
    }
    if (this.dialect === undefined) {
      this.dialect = dialect;
      this.isMidSession = !OPENING_ROLES.has(role);
      this.raise('stratum.dialect', tsUs, direction, {
        dialect,
        miner_side: this.minerSide,
        miner_side_basis: this.minerSideBasis,
        is_mid_session: this.isMidSession,
      });
    }
  }

  private onMiningRequest(direction: Direction, msg: RpcMessage, req: MiningRequest, tsUs: number): void {
    const params = msg.params;
    const arr = Array.isArray(params) ? (params as unknown[]) : undefined;
    const obj = isRecord(params) ? params : undefined;
    // EthereumStratum/1.0.0 announces itself in subscribe params[1] (NiceHash specification).
    if (req.role === 'subscribe' && typeof arr?.[1] === 'string' && arr[1].startsWith('EthereumStratum/')) {
      req.dialect = 'ethereum-stratum';
      this.protocolVersion = capString(arr[1], 64);
    }
    if (this.dialect === 'stratum-v1' && req.dialect === 'ethereum-stratum') this.dialect = 'ethereum-stratum';
    this.noteDialect(req.dialect, req.role, direction, tsUs);
    const dialect = this.dialect ?? req.dialect;

    if (msg.id !== undefined && msg.id !== null && req.role !== 'job') {
      this.addPending(direction, msg.id, { method: req.method, role: req.role, dialect });
    }
    if (msg.worker !== undefined && msg.worker.length > 0) this.setWorker(msg.worker, 'field');

    const data: Record<string, unknown> = { dialect, method: req.method };
    switch (req.role) {
      case 'subscribe': {
        const agent = capString(arr?.[0]);
        if (agent !== undefined && agent.length > 0) {
          data['agent'] = agent;
          this.noteAgent(agent, 'subscribe', tsUs, direction);
        }
        if (this.protocolVersion !== undefined) data['protocol_version'] = this.protocolVersion;
        // NiceHash Equihash subscribe: [agent, session id, connect host, connect port].
        const host = capString(arr?.[2]);
        if (host !== undefined && host.length > 0) {
          data['pool_host'] = host;
          this.notePoolHost(host, 'protocol');
        }
        const port = arr?.[3];
        const portNum = typeof port === 'number' ? port : typeof port === 'string' ? Number(port) : NaN;
        if (Number.isInteger(portNum) && portNum > 0 && portNum < 65536) data['pool_port'] = portNum;
        break;
      }
      case 'authorize':
      case 'login': {
        let login: string | undefined;
        let hasPassword = false;
        if (obj !== undefined) {
          // CryptoNote login (XMRig doc/STRATUM.md): login, pass, agent, algo[], rigid.
          login = capString(obj['login']);
          hasPassword = typeof obj['pass'] === 'string' && obj['pass'].length > 0;
          const agent = capString(obj['agent']);
          if (agent !== undefined && agent.length > 0) {
            data['agent'] = agent;
            this.noteAgent(agent, 'login', tsUs, direction);
          }
          const rig = capString(obj['rigid']);
          if (rig !== undefined && rig.length > 0) {
            this.rigId ??= rig;
            data['rig_id'] = rig;
          }
          const algos = obj['algo'];
          if (Array.isArray(algos)) {
            const list = algos.filter((a): a is string => typeof a === 'string').slice(0, this.limits.maxAlgorithms);
            for (const a of list) this.addAlgorithm(a);
            data['algorithms'] = list.map((a) => capString(a, 64)!);
          }
        } else if (arr !== undefined) {
          login = capString(arr[0]);
          hasPassword = typeof arr[1] === 'string' && arr[1].length > 0;
        }
        if (login !== undefined && login.length > 0) {
          this.login ??= login;
          data['login'] = login;
          const suffix = workerFromLogin(login);
          if (suffix !== undefined) this.setWorker(suffix, 'login-suffix');
        }
        if (this.worker !== undefined) data['worker'] = this.worker;
        if (hasPassword) this.hasPassword = true;
        data['has_password'] = hasPassword;
        break;
      }
      case 'job':
        this.onJob(direction, req.method, params, dialect, tsUs, false);
        return;
      case 'getwork': {
        // monerod get_block_template names the wallet the block reward goes to.
        const wallet = capString(obj?.['wallet_address']);
        if (wallet !== undefined && wallet.length > 0) this.noteLogin(wallet, undefined, 'wallet_address', tsUs, direction);
        break;
      }
      case 'set_difficulty': {
        const v = arr?.[0];
        if (typeof v === 'number' && Number.isFinite(v)) data['difficulty'] = v;
        else if (typeof v === 'string') data['target'] = capString(v, 128);
        break;
      }
      case 'submit': {
        this.counts.submits++;
        if (obj !== undefined) {
          const jobId = capString(obj['job_id']);
          if (jobId !== undefined) data['job_id'] = jobId;
        } else if (arr !== undefined && dialect !== 'ethproxy' && dialect !== 'ethproxy-http') {
          // v1: [worker, job_id, extranonce2, ntime, nonce]
          const worker = capString(arr[0]);
          if (worker !== undefined && worker.length > 0) {
            data['worker'] = worker;
            if (this.worker === undefined) this.setWorker(workerFromLogin(worker) ?? worker, 'login-suffix');
          }
          const jobId = typeof arr[1] === 'number' ? String(arr[1]) : capString(arr[1]);
          if (jobId !== undefined) data['job_id'] = jobId;
        }
        if (data['worker'] === undefined && msg.worker !== undefined && msg.worker.length > 0) data['worker'] = msg.worker;
        break;
      }
      default:
        break;
    }
    this.addStep(req.role, direction, tsUs);
    const name = ROLE_EVENT[req.role];
    if (name !== undefined) this.raise(name, tsUs, direction, data);
  }

  private onJob(
    direction: Direction,
    method: string,
    params: unknown,
    dialect: StratumDialect,
    tsUs: number,
    isInLoginResult: boolean,
  ): void {
    this.counts.jobs++;
    const data: Record<string, unknown> = { dialect, method, is_in_login_result: isInLoginResult };
    const cn = readCryptoNoteJob(params);
    if (cn !== undefined) {
      if (cn.job_id !== undefined) data['job_id'] = cn.job_id;
      if (cn.algo !== undefined) {
        data['algo'] = cn.algo;
        this.addAlgorithm(cn.algo);
      }
      data['has_seed_hash'] = cn.has_seed_hash;
      if (cn.height !== undefined) data['height'] = cn.height;
      data['has_target'] = cn.has_target;
    } else if (isEthWorkPackage(params)) {
      // EthProxy work package [header hash, seed hash, boundary target].
      data['has_seed_hash'] = true;
      data['has_target'] = true;
    } else if (Array.isArray(params)) {
      const p = params as unknown[];
      const jobId = typeof p[0] === 'number' ? String(p[0]) : capString(p[0]);
      if (jobId !== undefined) data['job_id'] = jobId;
      // EthereumStratum notify: [job_id, seedhash, headerhash, clean_job].
      data['has_seed_hash'] = dialect === 'ethereum-stratum' && typeof p[1] === 'string';
      data['has_target'] = false;
      const last = p[p.length - 1];
      if (typeof last === 'boolean') data['is_clean'] = last;
    } else if (isRecord(params)) {
      // getwork work {data, target, midstate}; getblocktemplate {height, target, ...};
      // monerod {blocktemplate_blob, height, seed_hash, difficulty}.
      data['has_seed_hash'] = typeof params['seed_hash'] === 'string';
      data['has_target'] = 'target' in params || 'difficulty' in params;
      if (typeof params['height'] === 'number' && Number.isFinite(params['height'])) data['height'] = params['height'];
    } else {
      data['has_seed_hash'] = false;
      data['has_target'] = false;
    }
    this.addStep('job', direction, tsUs);
    this.raise('stratum.job', tsUs, direction, data);
  }

  private onResponse(direction: Direction, msg: RpcMessage, tsUs: number): boolean {
    const key = pendingKey(direction === 0 ? 1 : 0, msg.id);
    const req = key === undefined ? undefined : this.pending.get(key);
    if (req !== undefined && key !== undefined) this.pending.delete(key);
    // EthProxy pools push new work as a response with id 0 to no request (nanopool, NiceHash).
    if (req === undefined) {
      if ((this.dialect === 'ethproxy' || this.dialect === 'ethproxy-http') && isEthWorkPackage(msg.result)) {
        this.noteDialect(this.dialect, 'job', direction, tsUs);
        this.onJob(direction, 'eth_getWork', msg.result, this.dialect, tsUs, false);
        return true;
      }
      // A CryptoNote login result seen without its request (capture began after the login).
      if (isRecord(msg.result) && readCryptoNoteJob(msg.result['job']) !== undefined) {
        this.noteDialect('cryptonote', 'job', direction, tsUs);
        this.onJob(direction, 'login', msg.result['job'], 'cryptonote', tsUs, true);
        return true;
      }
      return false;
    }
    const dialect = this.dialect ?? req.dialect;
    if (req.role === 'getwork' && (isEthWorkPackage(msg.result) || isRecord(msg.result))) {
      // eth_getWork returns a work package; getwork / getblocktemplate return the work object.
      if (msg.error === undefined || msg.error === null) {
        this.onJob(direction, req.method, msg.result, dialect, tsUs, false);
        return true;
      }
    }
    const verdict = readResultVerdict(msg);
    const data: Record<string, unknown> = { dialect, request_method: req.method, accepted: verdict.accepted };
    if (verdict.status !== undefined) data['status'] = verdict.status;
    if (verdict.error !== undefined) data['error'] = verdict.error;
    if (req.role === 'submit') {
      if (verdict.accepted) this.counts.accepted++;
      else this.counts.rejected++;
      this.addStep(verdict.accepted ? 'accepted' : 'rejected', direction, tsUs);
    }
    this.raise('stratum.result', tsUs, direction, data);
    if (req.role === 'login' && isRecord(msg.result)) {
      const job = msg.result['job'];
      if (readCryptoNoteJob(job) !== undefined) this.onJob(direction, req.method, job, dialect, tsUs, true);
    }
    return true;
  }

  private addPending(direction: Direction, id: string | number, p: Pending): void {
    const key = pendingKey(direction, id);
    if (key === undefined) return;
    if (this.pending.size >= this.limits.maxPendingRequests && !this.pending.has(key)) {
      const oldest = this.pending.keys().next();
      if (oldest.done !== true) this.pending.delete(oldest.value);
      this.anomaly('stratum.pending_overflow');
    }
    this.pending.set(key, p);
  }

  private setWorker(worker: string, source: 'field' | 'login-suffix'): void {
    if (this.worker !== undefined && (this.workerSource === 'field' || source === 'login-suffix')) return;
    this.worker = capString(worker);
    this.workerSource = source;
  }

  private addAlgorithm(algo: string): void {
    const a = capString(algo, 64)!;
    if (this.algorithms.includes(a) || this.algorithms.length >= this.limits.maxAlgorithms) return;
    this.algorithms.push(a);
  }

  private addStep(role: MiningRole | StratumStepName, direction: Direction, tsUs: number): void {
    const step = stepOfRole(role as MiningRole) ?? (role === 'accepted' || role === 'rejected' ? role : undefined);
    if (step === undefined) return;
    const last = this.steps[this.steps.length - 1];
    if (last !== undefined && last.step === step && last.direction === direction) {
      last.count++;
      last.last_ts_us = tsUs;
      return;
    }
    if (this.steps.length >= this.limits.maxSteps) {
      this.stepsDropped++;
      return;
    }
    this.steps.push({ step, direction, first_ts_us: tsUs, last_ts_us: tsUs, count: 1 });
  }

  private raise(name: string, tsUs: number, direction: Direction, data: Record<string, unknown>): void {
    const n = this.eventCounts.get(name) ?? 0;
    if (n >= this.limits.maxEventsPerName) {
      this.factsSuppressed++;
      return;
    }
    this.eventCounts.set(name, n + 1);
    this.sink.emit(name, tsUs, direction, data);
  }

  record(): StratumRecord | undefined {
    if (this.dialect === undefined) return undefined;
    const rec: StratumRecord = {
      dialect: this.dialect,
      miner_side: this.minerSide,
      miner_side_basis: this.minerSideBasis,
      is_mid_session: this.isMidSession,
      methods: { toserver: Object.fromEntries(this.methods[0]), toclient: Object.fromEntries(this.methods[1]) },
      algorithms: [...this.algorithms],
      has_password: this.hasPassword,
      steps: this.steps.map((s) => ({ ...s })),
      steps_dropped: this.stepsDropped,
      counts: { ...this.counts },
    };
    if (this.agent !== undefined) rec.agent = this.agent;
    if (this.login !== undefined) rec.login = this.login;
    if (this.worker !== undefined) {
      rec.worker = this.worker;
      rec.worker_source = this.workerSource!;
    }
    if (this.rigId !== undefined) rec.rig_id = this.rigId;
    if (this.poolHost !== undefined) {
      rec.pool_host = this.poolHost;
      rec.pool_host_source = this.poolHostSource!;
    }
    if (this.protocolVersion !== undefined) rec.protocol_version = this.protocolVersion;
    if (this.factsSuppressed > 0) rec.facts_suppressed = this.factsSuppressed;
    if (this.anomalies !== undefined && this.anomalies.size > 0) rec.anomalies = Object.fromEntries(this.anomalies);
    return rec;
  }
}

function pendingKey(direction: Direction, id: string | number | null | undefined): string | undefined {
  if (id === undefined || id === null) return undefined;
  return `${direction}:${typeof id}:${String(id).slice(0, 64)}`;
}

/** Line-delimited JSON stratum over a TCP stream (both directions). */
export class StratumSession implements AnalyserSession {
  private readonly splitters: [LineSplitter, LineSplitter];
  private readonly conv: StratumConversation;
  private readonly bytesSeen: [number, number] = [0, 0];
  private linesSeen = 0;
  private isFinished = false;
  /** Direction and time of the chunk being split, read by the line callback (made once, not per packet). */
  private curDirection: Direction = 0;
  private curTsUs = 0;
  private readonly onLineEvent = (ev: LineEvent): void => this.onLine(this.curDirection, ev, this.curTsUs);

  constructor(
    private readonly ctx: SessionContext,
    private readonly limits: Readonly<StratumLimits> = DEFAULT_STRATUM_LIMITS,
  ) {
    this.splitters = [new LineSplitter(limits.maxLineBytes), new LineSplitter(limits.maxLineBytes)];
    this.conv = new StratumConversation(
      {
        emit: (name, tsUs, direction, data) => ctx.emit({ name, tsUs, direction, data }),
        anomaly: (name) => ctx.anomaly(name),
      },
      limits,
    );
  }

  onData(direction: Direction, data: Uint8Array, tsUs: number): SessionStatus {
    if (this.isFinished) return DONE;
    const room = this.limits.maxBytesPerDirection - this.bytesSeen[direction];
    if (room <= 0) return this.maybeDone();
    const chunk = data.length > room ? data.subarray(0, room) : data;
    this.bytesSeen[direction] += chunk.length;
    this.curDirection = direction;
    this.curTsUs = tsUs;
    this.splitters[direction].push(chunk, this.onLineEvent);
    if (!this.conv.isMining && this.linesSeen >= this.limits.maxLinesWithoutMining) {
      this.isFinished = true;
      return violation('stratum.no_mining_messages');
    }
    if (this.bytesSeen[direction] >= this.limits.maxBytesPerDirection) return this.maybeDone();
    return this.splitters[direction].pendingBytes > 0 ? NEED_MORE : OK;
  }

  private onLine(direction: Direction, ev: LineEvent, tsUs: number): void {
    if (ev.kind === 'too_long') {
      this.conv.anomaly('stratum.line_too_long');
      return;
    }
    this.linesSeen++;
    const parsed = parseJsonBytes(ev.line, this.limits.maxJsonDepth);
    if (parsed.kind === 'error') {
      if (parsed.code !== 'empty') this.conv.anomaly(`stratum.${parsed.code === 'too_deep' ? 'json_too_deep' : parsed.code}`);
      return;
    }
    this.conv.onMessage(direction, parsed.value, tsUs);
  }

  private maybeDone(): SessionStatus {
    if (
      this.bytesSeen[0] >= this.limits.maxBytesPerDirection &&
      this.bytesSeen[1] >= this.limits.maxBytesPerDirection
    ) {
      this.isFinished = true;
      return DONE;
    }
    return OK;
  }

  onGap(direction: Direction, _length: number, _tsUs: number): SessionStatus {
    // Bytes are missing: the partial line cannot be completed, the next full line can.
    this.splitters[direction].reset();
    this.conv.anomaly('stratum.gap');
    return OK;
  }

  onEnd(tsUs: number): void {
    // A last message without its newline is still a message (some peers close right after it);
    // a truncated one is only counted as unterminated.
    if (this.isFinished) return;
    for (const d of [0, 1] as const) {
      this.splitters[d].flush((ev) => {
        this.conv.anomaly('stratum.unterminated_line');
        if (ev.kind !== 'line') return;
        const parsed = parseJsonBytes(ev.line, this.limits.maxJsonDepth);
        if (parsed.kind === 'ok') this.conv.onMessage(d, parsed.value, tsUs);
      });
    }
  }

  record(): Record<string, unknown> | undefined {
    return this.conv.record() as Record<string, unknown> | undefined;
  }

  /** The conversation, for tests and for analysers that embed stratum (HTTP). */
  get conversation(): StratumConversation {
    return this.conv;
  }
}

/**
 * A copy of a stratum record with the pool host filled in from outside the protocol (a DNS answer
 * for the server address, or the TLS SNI), unless the protocol already named one.
 */
export function withPoolHost(rec: StratumRecord, host: string, source: 'dns' | 'sni'): StratumRecord {
  if (rec.pool_host !== undefined || host.length === 0) return rec;
  return { ...rec, pool_host: capString(host) ?? host, pool_host_source: source };
}
