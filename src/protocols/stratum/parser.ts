// Pure stratum parsers: a cheap byte probe for the first bytes of a direction, and the
// classification of one parsed JSON message into a mining message (which dialect, which step).
// Sources for the message shapes: the Bitcoin stratum v1 notes (slushpool docs, "Stratum mining
// protocol"), NiceHash's EthereumStratum/1.0.0 and Equihash specifications (nicehash/Specifications),
// the EthProxy protocol as used by ethminer and nanopool, and XMRig's CryptoNote stratum
// (xmrig/xmrig doc/STRATUM.md). Shapes were checked against the public corpus (docs/protocols.md).

import type { StratumDialect, StratumStepName } from './record.js';

/** Longest string copied out of a message (agent, login, worker, job id...). */
export const MAX_FACT_STRING_CHARS = 256;

/** What a mining method means, independent of who sent it. */
export type MiningRole =
  | 'subscribe'
  | 'authorize'
  | 'login'
  | 'job'
  | 'submit'
  | 'set_difficulty'
  | 'extranonce'
  | 'configure'
  | 'keepalive'
  | 'reconnect'
  | 'get_transactions'
  | 'hashrate'
  | 'getwork'
  | 'other';

interface MethodInfo {
  dialect: StratumDialect;
  role: MiningRole;
}

/**
 * Methods that name mining by themselves, whatever their parameters. Generic names used by the
 * CryptoNote dialect (`login`, `job`, `submit`, `getjob`, `keepalived`) are not here: they count
 * only with CryptoNote-shaped parameters (see classifyMining), so a plain JSON-RPC `login` or
 * `submit` is not taken for mining.
 */
const MINING_METHODS: ReadonlyMap<string, MethodInfo> = new Map<string, MethodInfo>([
  ['mining.subscribe', { dialect: 'stratum-v1', role: 'subscribe' }],
  ['mining.authorize', { dialect: 'stratum-v1', role: 'authorize' }],
  ['mining.notify', { dialect: 'stratum-v1', role: 'job' }],
  ['mining.set_difficulty', { dialect: 'stratum-v1', role: 'set_difficulty' }],
  ['mining.set_target', { dialect: 'stratum-v1', role: 'set_difficulty' }],
  ['mining.suggest_difficulty', { dialect: 'stratum-v1', role: 'other' }],
  ['mining.suggest_target', { dialect: 'stratum-v1', role: 'other' }],
  ['mining.submit', { dialect: 'stratum-v1', role: 'submit' }],
  ['mining.extranonce.subscribe', { dialect: 'stratum-v1', role: 'extranonce' }],
  ['mining.set_extranonce', { dialect: 'stratum-v1', role: 'extranonce' }],
  ['mining.configure', { dialect: 'stratum-v1', role: 'configure' }],
  ['mining.get_transactions', { dialect: 'stratum-v1', role: 'get_transactions' }],
  ['mining.multi_version', { dialect: 'stratum-v1', role: 'other' }],
  ['mining.set_version_mask', { dialect: 'stratum-v1', role: 'other' }],
  ['mining.ping', { dialect: 'stratum-v1', role: 'keepalive' }],
  ['mining.pong', { dialect: 'stratum-v1', role: 'keepalive' }],
  ['mining.hashrate', { dialect: 'stratum-v1', role: 'hashrate' }],
  ['client.reconnect', { dialect: 'stratum-v1', role: 'reconnect' }],
  ['client.get_version', { dialect: 'stratum-v1', role: 'other' }],
  ['client.show_message', { dialect: 'stratum-v1', role: 'other' }],
  ['eth_submitLogin', { dialect: 'ethproxy', role: 'login' }],
  ['eth_login', { dialect: 'ethproxy', role: 'login' }],
  ['eth_getWork', { dialect: 'ethproxy', role: 'getwork' }],
  ['eth_submitWork', { dialect: 'ethproxy', role: 'submit' }],
  ['eth_submitHashrate', { dialect: 'ethproxy', role: 'hashrate' }],
]);

/** CryptoNote methods; mining only with the parameter shapes checked in classifyMining. */
const CRYPTONOTE_METHODS: ReadonlyMap<string, MiningRole> = new Map<string, MiningRole>([
  ['login', 'login'],
  ['job', 'job'],
  ['submit', 'submit'],
  ['getjob', 'getwork'],
  ['keepalived', 'keepalive'],
]);

/** Bitcoin-family methods that are mining when sent over HTTP (getwork, GBT, submitblock). */
const HTTP_MINING_METHODS: ReadonlyMap<string, MethodInfo> = new Map<string, MethodInfo>([
  ['getwork', { dialect: 'getwork', role: 'getwork' }],
  ['getblocktemplate', { dialect: 'getblocktemplate', role: 'getwork' }],
  ['submitblock', { dialect: 'getblocktemplate', role: 'submit' }],
  // monerod's names (Monero daemon RPC: get_block_template with a wallet_address, submit_block).
  ['get_block_template', { dialect: 'monerod-rpc', role: 'getwork' }],
  ['submit_block', { dialect: 'monerod-rpc', role: 'submit' }],
]);

/** The step a role adds to the conversation, if any. */
export function stepOfRole(role: MiningRole): StratumStepName | undefined {
  switch (role) {
    case 'subscribe':
    case 'authorize':
    case 'login':
    case 'job':
    case 'submit':
    case 'set_difficulty':
    case 'hashrate':
      return role;
    default:
      return undefined;
  }
}

/** A JSON-RPC-shaped message, whatever the protocol (JSON-RPC 1.0/2.0 and stratum's variant). */
export interface RpcMessage {
  kind: 'request' | 'response' | 'other';
  /** undefined: absent; null: JSON null (stratum notifications carry `"id": null`). */
  id: string | number | null | undefined;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
  hasResult: boolean;
  /** "2.0" when `jsonrpc` says so. */
  jsonrpc?: string;
  /** Compact EthProxy top-level `worker`. */
  worker?: string;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Cap a wire string for keeping; returns undefined for non-strings. */
export function capString(v: unknown, max = MAX_FACT_STRING_CHARS): string | undefined {
  if (typeof v !== 'string') return undefined;
  return v.length > max ? v.slice(0, max) : v;
}

/** Read the JSON-RPC envelope of a parsed value. */
export function toRpcMessage(v: unknown): RpcMessage | undefined {
  if (!isRecord(v)) return undefined;
  const idRaw = v['id'];
  const id =
    typeof idRaw === 'string' || typeof idRaw === 'number' || idRaw === null
      ? (idRaw as string | number | null)
      : undefined;
  const method = typeof v['method'] === 'string' ? (v['method'] as string) : undefined;
  const hasResult = 'result' in v || 'error' in v;
  const msg: RpcMessage = {
    kind: method !== undefined ? 'request' : hasResult ? 'response' : 'other',
    id,
    hasResult,
  };
  if (method !== undefined) msg.method = capString(method, 128)!;
  if ('params' in v) msg.params = v['params'];
  if ('result' in v) msg.result = v['result'];
  if ('error' in v) msg.error = v['error'];
  if (typeof v['jsonrpc'] === 'string') msg.jsonrpc = capString(v['jsonrpc'], 16)!;
  const worker = capString(v['worker']);
  if (worker !== undefined) msg.worker = worker;
  return msg;
}

/** The mining meaning of a request, or undefined when it is not a mining request. */
export interface MiningRequest {
  dialect: StratumDialect;
  role: MiningRole;
  method: string;
}

/**
 * Is this request a mining method? `isHttp` admits the getwork/getblocktemplate family, which is
 * also plain node RPC when not sent by a miner (the HTTP analyser checks the context).
 */
export function classifyMining(msg: RpcMessage, isHttp = false): MiningRequest | undefined {
  const method = msg.method;
  if (method === undefined) return undefined;
  const known = MINING_METHODS.get(method) ?? (isHttp ? HTTP_MINING_METHODS.get(method) : undefined);
  if (known !== undefined) {
    // getwork with data in its params is the miner handing back a solved block header (a share).
    if (method === 'getwork' && Array.isArray(msg.params) && msg.params.length > 0) return { dialect: 'getwork', role: 'submit', method };
    // monerod takes a wallet_address for get_block_template / getblocktemplate.
    if (isRecord(msg.params) && typeof msg.params['wallet_address'] === 'string') return { dialect: 'monerod-rpc', role: known.role, method };
    return { dialect: known.dialect, role: known.role, method };
  }
  const cnRole = CRYPTONOTE_METHODS.get(method);
  if (cnRole !== undefined && isCryptoNoteParams(cnRole, msg.params)) {
    return { dialect: 'cryptonote', role: cnRole, method };
  }
  return undefined;
}

/** CryptoNote parameter shapes (XMRig doc/STRATUM.md): what makes a generic name mining. */
function isCryptoNoteParams(role: MiningRole, params: unknown): boolean {
  if (!isRecord(params)) return false;
  switch (role) {
    case 'login':
      return typeof params['login'] === 'string';
    case 'job':
      return typeof params['blob'] === 'string' && ('job_id' in params || 'target' in params);
    case 'submit':
      return 'job_id' in params && 'nonce' in params;
    case 'getwork':
    case 'keepalive':
      // {"id": "<session id>"}: the session id from the login result.
      return typeof params['id'] === 'string';
    default:
      return false;
  }
}

/** A CryptoNote job object (`params` of `job`, or `result.job` of `login`). */
export interface CryptoNoteJob {
  job_id?: string;
  algo?: string;
  has_seed_hash: boolean;
  height?: number;
  has_target: boolean;
}

export function readCryptoNoteJob(v: unknown): CryptoNoteJob | undefined {
  if (!isRecord(v) || typeof v['blob'] !== 'string') return undefined;
  const job: CryptoNoteJob = {
    has_seed_hash: typeof v['seed_hash'] === 'string',
    has_target: typeof v['target'] === 'string',
  };
  const jobId = capString(v['job_id']);
  if (jobId !== undefined) job.job_id = jobId;
  const algo = capString(v['algo'], 64);
  if (algo !== undefined) job.algo = algo;
  if (typeof v['height'] === 'number' && Number.isFinite(v['height'])) job.height = v['height'];
  return job;
}

/** EthProxy work package: `result` of eth_getWork (or a push with id 0): [header, seed, target]. */
export function isEthWorkPackage(v: unknown): boolean {
  if (!Array.isArray(v) || v.length < 3) return false;
  for (let i = 0; i < 3; i++) {
    const s: unknown = v[i];
    if (typeof s !== 'string' || !s.startsWith('0x')) return false;
  }
  return true;
}

/**
 * The worker part of a stratum user name `account.worker` (the convention of most pools; with
 * `wallet.payment_id.worker` the last part is the worker). Undefined when there is no usable
 * suffix, or when the suffix looks like part of an address or e-mail rather than a name.
 */
export function workerFromLogin(login: string): string | undefined {
  const dot = login.lastIndexOf('.');
  if (dot <= 0 || dot === login.length - 1) return undefined;
  const suffix = login.slice(dot + 1);
  if (suffix.includes('/') || suffix.includes('@') || login.slice(0, dot).includes('@')) return undefined;
  return suffix;
}

/** Accepted or rejected, from a response to a mining request (v1, EthProxy, CryptoNote). */
export function readResultVerdict(msg: RpcMessage): { accepted: boolean; status?: string; error?: string } {
  const err = msg.error;
  if (err !== undefined && err !== null) {
    return { accepted: false, error: errorText(err) };
  }
  const r = msg.result;
  if (r === false || r === null) return { accepted: false };
  if (isRecord(r)) {
    const status = capString(r['status'], 64);
    if (status !== undefined) {
      const upper = status.toUpperCase();
      return { accepted: upper === 'OK' || upper === 'KEEPALIVED', status };
    }
  }
  return { accepted: true };
}

/** Error text of a v1 `[code, message, data]` array, a `{code, message}` object or a string. */
function errorText(err: unknown): string {
  if (typeof err === 'string') return capString(err)!;
  if (Array.isArray(err) && typeof err[1] === 'string') return capString(err[1])!;
  if (isRecord(err) && typeof err['message'] === 'string') return capString(err['message'])!;
  return capString(JSON.stringify(err)) ?? 'error';
}

// Probe: cheap byte tests on the first bytes of a direction.

/** How many bytes the probe examines at most before deciding. */
export const PROBE_MAX_BYTES = 2048;

const enc = new TextEncoder();
/**
 * Byte patterns that show mining in a first line. Method names are matched with their closing
 * quote so `"login"` does not match `"login_hint"`. CryptoNote names need a shape marker too
 * (checked by `probeStratum`), so a JSON-RPC `"login"` alone does not count.
 */
const STRONG_PATTERNS: readonly Uint8Array[] = [
  '"mining.',
  '"eth_submitLogin"',
  '"eth_getWork"',
  '"eth_submitWork"',
  '"eth_submitHashrate"',
  '"eth_login"',
  'EthereumStratum/',
].map((s) => enc.encode(s));
const CRYPTONOTE_METHOD_PATTERNS: readonly Uint8Array[] = ['"login"', '"job"', '"submit"', '"keepalived"', '"getjob"'].map(
  (s) => enc.encode(s),
);
const CRYPTONOTE_SHAPE_PATTERNS: readonly Uint8Array[] = ['"blob"', '"job_id"', '"agent"', '"pass"', '"nonce"'].map((s) =>
  enc.encode(s),
);

function indexOfBytes(hay: Uint8Array, needle: Uint8Array, end: number): number {
  const first = needle[0]!;
  const last = end - needle.length;
  outer: for (let i = hay.indexOf(first); i >= 0 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function containsAny(hay: Uint8Array, needles: readonly Uint8Array[], end = hay.length): boolean {
  for (const n of needles) if (indexOfBytes(hay, n, end) >= 0) return true;
  return false;
}

/** Offset of the first non-whitespace byte if it is `{`; -2 when it is something else; -1 when only whitespace so far. */
export function jsonObjectStart(data: Uint8Array): number {
  for (let i = 0; i < data.length && i < 64; i++) {
    const b = data[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b ? i : -2;
  }
  return data.length >= 64 ? -2 : -1;
}

/**
 * 'yes' when the first line (or the first PROBE_MAX_BYTES) names a mining method or carries a
 * CryptoNote job; 'no' when it is not a JSON object or a complete first line shows no mining;
 * 'maybe' while the first line is incomplete.
 */
export function probeStratum(data: Uint8Array): 'yes' | 'no' | 'maybe' {
  const start = jsonObjectStart(data);
  if (start === -2) return 'no';
  if (start === -1) return 'maybe';
  if (start > 0) data = data.subarray(start);
  const nl = data.indexOf(0x0a);
  // A first message may come without its newline yet: a balanced first object is complete too.
  const objEnd = nl < 0 ? firstObjectEnd(data, PROBE_MAX_BYTES) : -1;
  const isComplete = nl >= 0 || objEnd >= 0;
  const end = Math.min(nl >= 0 ? nl : objEnd >= 0 ? objEnd : data.length, PROBE_MAX_BYTES);
  if (containsAny(data, STRONG_PATTERNS, end)) return 'yes';
  if (containsAny(data, CRYPTONOTE_METHOD_PATTERNS, end) && containsAny(data, CRYPTONOTE_SHAPE_PATTERNS, end)) return 'yes';
  // The job inside a CryptoNote login result: {"id":1,"result":{"id":..,"job":{"blob":..}}}
  if (containsAny(data, CRYPTONOTE_SHAPE_PATTERNS.slice(0, 2), end) && containsAny(data, [enc.encode('"target"')], end)) {
    return 'yes';
  }
  if (isComplete || data.length >= PROBE_MAX_BYTES) return 'no';
  return 'maybe';
}

/** Offset just past the first balanced JSON object or array, or -1 if it does not end within `max`. */
export function firstObjectEnd(data: Uint8Array, max: number): number {
  let depth = 0;
  let isInString = false;
  const n = Math.min(data.length, max);
  for (let i = 0; i < n; i++) {
    const b = data[i]!;
    if (isInString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) isInString = false;
    } else if (b === 0x22) isInString = true;
    else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth <= 0) return i + 1;
    }
  }
  return -1;
}
