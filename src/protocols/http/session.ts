// Per-flow HTTP/1.x state: a small state machine per direction (head, body by Content-Length or
// chunked, until close, WebSocket frames after an accepted upgrade). Request and response JSON
// bodies, and JSON in WebSocket text frames, go to a JSON-RPC tally and to a stratum conversation,
// so getwork, getblocktemplate, EthProxy over HTTP, monerod RPC and in-browser miners raise the
// same `stratum.*` facts as line-delimited stratum. Everything is bounded by named limits.

import { DONE, OK, violation } from '../analyser.js';
import type { AnalyserSession, Direction, SessionContext, SessionStatus } from '../analyser.js';
import { DEFAULT_MAX_JSON_DEPTH, parseJsonBytes } from '../json/line-json.js';
import { JsonRpcTally } from '../jsonrpc/parser.js';
import { isRecord } from '../stratum/parser.js';
import type { MiningRequest } from '../stratum/parser.js';
import { StratumConversation } from '../stratum/session.js';
import type { StratumDialect } from '../stratum/record.js';
import {
  DEFAULT_MAX_HEADER_BYTES,
  basicAuthUser,
  headEnd,
  parseChunkSize,
  parseHead,
  parseWsFrameHeader,
  queryParam,
  unmask,
} from './parser.js';
import type { HttpHead, WsFrameHeader } from './parser.js';
import type { HttpRecord, HttpTransaction, HttpWebSocket } from './record.js';

export interface HttpLimits {
  /** Longest head (start line and fields), bytes. Default 16 KiB. Counter: anomaly `http.header_too_long`. */
  maxHeaderBytes: number;
  /** Body bytes kept for JSON parsing, per message. Default 64 KiB. Counter: anomaly `http.body_too_long`. */
  maxBodyBytes: number;
  /** Transactions listed in the record and raised as facts. Default 16. Counter: record `transactions_dropped`. */
  maxTransactions: number;
  /** WebSocket text message bytes kept, per message. Default 16 KiB. Counter: anomaly `http.websocket_message_too_long`. */
  maxWsMessageBytes: number;
  /** WebSocket text messages read per direction. Default 32; later frames are skipped unread. */
  maxWsMessages: number;
  /** Distinct WebSocket message names kept per direction. Default 32. */
  maxWsNames: number;
  /** Bytes consumed per direction before the session is done. Default 256 KiB. */
  maxBytesPerDirection: number;
  maxJsonDepth: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES,
  maxBodyBytes: 64 * 1024,
  maxTransactions: 16,
  maxWsMessageBytes: 16 * 1024,
  maxWsMessages: 32,
  maxWsNames: 32,
  maxBytesPerDirection: 256 * 1024,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
});

type Phase = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close' | 'websocket' | 'stopped';

const EMPTY = new Uint8Array(0);
/** First allocation of a CappedBuffer; nothing is allocated until the first append. */
const INITIAL_BUFFER_BYTES = 256;

/** A growable byte buffer with a hard cap. */
class CappedBuffer {
  private buf: Uint8Array = EMPTY;
  used = 0;
  isOverflow = false;
  constructor(private readonly cap: number) {}
  append(data: Uint8Array): void {
    if (this.isOverflow) return;
    const need = this.used + data.length;
    if (need > this.cap) {
      this.isOverflow = true;
      return;
    }
    if (need > this.buf.length) {
      let size = Math.max(INITIAL_BUFFER_BYTES, this.buf.length * 2);
      while (size < need) size *= 2;
      const next = new Uint8Array(Math.min(size, this.cap));
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.buf.set(data, this.used);
    this.used = need;
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.used);
  }
  reset(): void {
    this.used = 0;
    this.isOverflow = false;
  }
}

interface Pending {
  tx: HttpTransaction | undefined;
  method: string;
  jsonId: string | number | undefined;
  isWebSocketUpgrade: boolean;
}

class DirState {
  phase: Phase = 'head';
  readonly head: CappedBuffer;
  readonly body: CappedBuffer;
  isBodyKept = false;
  bodyBytes = 0;
  remaining = 0;
  readonly line: CappedBuffer = new CappedBuffer(1024);
  bytesSeen = 0;
  // WebSocket
  readonly wsHeader = new Uint8Array(14);
  wsHeaderUsed = 0;
  wsFrame: WsFrameHeader | undefined;
  wsPayloadDone = 0;
  readonly wsMessage: CappedBuffer;
  isWsText = false;
  wsMessages = 0;
  constructor(limits: Readonly<HttpLimits>) {
    this.head = new CappedBuffer(limits.maxHeaderBytes);
    this.body = new CappedBuffer(limits.maxBodyBytes);
    this.wsMessage = new CappedBuffer(limits.maxWsMessageBytes);
  }
}

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Requests awaiting their response (pipelining). Counter: anomaly `http.pending_overflow`. */
const MAX_PENDING_REQUESTS = 64;

/** Through a function so the compiler does not narrow `phase` across calls that change it. */
function isStopped(st: DirState): boolean {
  return st.phase === 'stopped';
}

const HTTP_DIALECT = (req: MiningRequest): StratumDialect => (req.dialect === 'ethproxy' ? 'ethproxy-http' : req.dialect);

export class HttpSession implements AnalyserSession {
  private readonly dirs: [DirState, DirState];
  private readonly transactions: HttpTransaction[] = [];
  private transactionsDropped = 0;
  private readonly pending: Pending[] = [];
  /** The transaction whose response is being read. */
  private currentResponse: Pending | undefined;
  private hostname: string | undefined;
  private userAgent: string | undefined;
  private authUser: string | undefined;
  private minerParam: string | undefined;
  private ws: HttpWebSocket | undefined;
  private wsNames: [Map<string, number>, Map<string, number>] | undefined;
  /** JSON-RPC and stratum readers, created at the first JSON body (most HTTP flows carry none). */
  private tallyObj: JsonRpcTally | undefined;
  private convObj: StratumConversation | undefined;
  private anomalies: Map<string, number> | undefined;
  private responseFacts = 0;
  private isViolated = false;
  private requestHeadsSeen = 0;

  constructor(
    private readonly ctx: SessionContext,
    private readonly limits: Readonly<HttpLimits> = DEFAULT_HTTP_LIMITS,
  ) {
    this.dirs = [new DirState(limits), new DirState(limits)];
  }

  private get tally(): JsonRpcTally {
    return (this.tallyObj ??= new JsonRpcTally(this.sink()));
  }

  private get conv(): StratumConversation {
    return (this.convObj ??= new StratumConversation(this.sink()));
  }

  private sink(): { emit(name: string, tsUs: number, direction: Direction, data: Record<string, unknown>): void; anomaly(name: string): void } {
    const ctx = this.ctx;
    return {
      emit: (name, tsUs, direction, data) => ctx.emit({ name, tsUs, direction, data }),
      anomaly: (name) => ctx.anomaly(name),
    };
  }

  private anomaly(name: string): void {
    this.anomalies ??= new Map();
    this.anomalies.set(name, (this.anomalies.get(name) ?? 0) + 1);
    this.ctx.anomaly(name);
  }

  onData(direction: Direction, data: Uint8Array, tsUs: number): SessionStatus {
    if (this.isViolated) return violation('http.bad_start_line');
    const st = this.dirs[direction];
    if (st.phase === 'stopped') return this.statusAfter();
    const room = this.limits.maxBytesPerDirection - st.bytesSeen;
    if (room <= 0) {
      st.phase = 'stopped';
      return this.statusAfter();
    }
    const chunk = data.length > room ? data.subarray(0, room) : data;
    st.bytesSeen += chunk.length;
    let pos = 0;
    while (pos < chunk.length && !isStopped(st) && !this.isViolated) {
      pos = this.step(direction, st, chunk, pos, tsUs);
    }
    if (this.isViolated) return violation('http.bad_start_line');
    if (st.bytesSeen >= this.limits.maxBytesPerDirection) st.phase = 'stopped';
    return this.statusAfter();
  }

  private statusAfter(): SessionStatus {
    return this.dirs[0].phase === 'stopped' && this.dirs[1].phase === 'stopped' ? DONE : OK;
  }

  /** Consume from `pos` in the current phase; returns the new position. */
  private step(direction: Direction, st: DirState, data: Uint8Array, pos: number, tsUs: number): number {
    switch (st.phase) {
      case 'head': {
        // Skip stray CRLF between messages (RFC 9112 section 2.2).
        if (st.head.used === 0) {
          while (pos < data.length && (data[pos] === 0x0d || data[pos] === 0x0a)) pos++;
          if (pos >= data.length) return pos;
          // Some getwork servers on stratum ports answer an HTTP request with bare JSON (the
          // bfgminer capture of zeek-cryptomining): read it as a body running until close.
          if (direction === 1 && data[pos] === 0x7b && this.pending.length > 0) {
            this.anomaly('http.response_not_http');
            this.currentResponse = this.pending.shift();
            st.body.reset();
            st.bodyBytes = 0;
            st.isBodyKept = true;
            st.phase = 'until-close';
            return pos;
          }
        }
        const before = st.head.used;
        const searchFrom = Math.max(0, before - 3);
        const take = Math.min(this.limits.maxHeaderBytes - before, data.length - pos);
        st.head.append(data.subarray(pos, pos + take));
        const end = headEnd(st.head.view(), searchFrom);
        if (end < 0) {
          if (st.head.used >= this.limits.maxHeaderBytes) {
            this.anomaly('http.header_too_long');
            st.phase = 'stopped';
            return data.length;
          }
          return pos + take;
        }
        this.onHead(direction, st, st.head.view().subarray(0, end), tsUs);
        st.head.reset();
        return pos + (end - before);
      }
      case 'body':
      case 'chunk-data': {
        const n = Math.min(st.remaining, data.length - pos);
        this.bodyAppend(st, data.subarray(pos, pos + n));
        st.remaining -= n;
        if (st.remaining === 0) {
          if (st.phase === 'body') this.onBodyEnd(direction, st, tsUs);
          else st.phase = 'chunk-crlf';
        }
        return pos + n;
      }
      case 'chunk-crlf': {
        // CRLF after chunk data; tolerate a bare LF.
        const b = data[pos]!;
        if (b === 0x0a) st.phase = 'chunk-size';
        else if (b !== 0x0d) {
          this.anomaly('http.bad_chunk');
          st.phase = 'stopped';
        }
        return pos + 1;
      }
      case 'chunk-size':
      case 'trailers': {
        const nl = data.indexOf(0x0a, pos);
        const end = nl < 0 ? data.length : nl + 1;
        st.line.append(data.subarray(pos, end));
        if (st.line.isOverflow) {
          this.anomaly('http.bad_chunk');
          st.phase = 'stopped';
          return data.length;
        }
        if (nl < 0) return end;
        const line = st.line.view();
        st.line.reset();
        if (st.phase === 'trailers') {
          if (line.length <= 2) this.onBodyEnd(direction, st, tsUs);
          return end;
        }
        const r = parseChunkSize(line);
        if (r.kind !== 'ok') {
          this.anomaly('http.bad_chunk');
          st.phase = 'stopped';
          return end;
        }
        if (r.size === 0) st.phase = 'trailers';
        else {
          st.remaining = r.size;
          st.phase = 'chunk-data';
        }
        return end;
      }
      case 'until-close':
        this.bodyAppend(st, data.subarray(pos));
        return data.length;
      case 'websocket':
        return this.wsStep(direction, st, data, pos, tsUs);
      case 'stopped':
        return data.length;
    }
  }

  private bodyAppend(st: DirState, bytes: Uint8Array): void {
    st.bodyBytes += bytes.length;
    if (!st.isBodyKept) return;
    if (st.body.used === 0) {
      // Only a body that opens as JSON (an object or an array) is kept: pages, images and
      // downloads are counted without being buffered, whatever their Content-Type says.
      let i = 0;
      while (i < bytes.length && isJsonWhitespace(bytes[i]!)) i++;
      if (i === bytes.length) return;
      const c = bytes[i]!;
      if (c !== 0x7b && c !== 0x5b) {
        st.isBodyKept = false;
        return;
      }
      bytes = bytes.subarray(i);
    }
    st.body.append(bytes);
  }

  private onHead(direction: Direction, st: DirState, bytes: Uint8Array, tsUs: number): void {
    const r = parseHead(bytes);
    if (r.kind !== 'ok') {
      if (r.kind === 'error' && r.code === 'bad_start_line' && this.requestHeadsSeen === 0 && this.transactions.length === 0) {
        this.isViolated = true;
        return;
      }
      this.anomaly(r.kind === 'error' ? `http.${r.code}` : 'http.header_too_long');
      st.phase = 'stopped';
      return;
    }
    const head = r.head;
    if (head.isRequest !== (direction === 0)) {
      this.anomaly(head.isRequest ? 'http.request_to_client' : 'http.response_to_server');
      st.phase = 'stopped';
      return;
    }
    if (head.isRequest) this.onRequestHead(st, head, tsUs);
    else this.onResponseHead(st, head, tsUs);
  }

  private onRequestHead(st: DirState, head: HttpHead, tsUs: number): void {
    this.requestHeadsSeen++;
    const h = head.headers;
    const auth = h.get('authorization');
    const tx: HttpTransaction = {
      http_method: head.method,
      url: head.url,
      protocol: head.protocol,
      has_authorization: auth !== undefined,
      request_body_bytes: 0,
      response_body_bytes: 0,
    };
    const host = h.get('host');
    if (host !== undefined) tx.hostname = host;
    const ua = h.get('user-agent');
    if (ua !== undefined) tx.http_user_agent = ua;
    const ct = h.get('content-type');
    if (ct !== undefined) tx.http_content_type = ct;
    const upgrade = h.get('upgrade');
    if (upgrade !== undefined) tx.upgrade = upgrade;
    const xme = h.get('x-mining-extensions');
    if (xme !== undefined) tx.x_mining_extensions = xme;
    const xs = h.get('x-stratum');
    if (xs !== undefined) tx.x_stratum = xs;
    if (auth !== undefined) {
      const scheme = /^\S+/.exec(auth)?.[0];
      if (scheme !== undefined) tx.authorization_scheme = scheme.slice(0, 32);
      this.authUser ??= basicAuthUser(auth);
    }
    this.hostname ??= tx.hostname;
    this.userAgent ??= tx.http_user_agent;
    this.minerParam ??= queryParam(head.url, 'miner');
    const isListed = this.transactions.length < this.limits.maxTransactions;
    if (isListed) {
      this.transactions.push(tx);
      const fact: Record<string, unknown> = { http_method: tx.http_method, url: tx.url, has_authorization: tx.has_authorization };
      for (const k of ['hostname', 'http_user_agent', 'http_content_type', 'upgrade', 'x_mining_extensions', 'x_stratum'] as const) {
        if (tx[k] !== undefined) fact[k] = tx[k];
      }
      this.ctx.emit({ name: 'http.request', tsUs, direction: 0, data: fact });
    } else this.transactionsDropped++;
    const isWs = upgrade !== undefined && upgrade.toLowerCase().includes('websocket');
    const pending: Pending = { tx: isListed ? tx : undefined, method: head.method, jsonId: undefined, isWebSocketUpgrade: isWs };
    this.pending.push(pending);
    if (this.pending.length > MAX_PENDING_REQUESTS) {
      this.pending.shift();
      this.anomaly('http.pending_overflow');
    }
    this.startBody(st, head, pending);
    // A client asking for a WebSocket sends frames only after the 101; read them as frames.
    if (isWs && st.phase === 'head') st.phase = 'websocket';
  }

  private onResponseHead(st: DirState, head: HttpHead, tsUs: number): void {
    const h = head.headers;
    if (head.status >= 100 && head.status < 200 && head.status !== 101) return; // interim (100 Continue)
    const req = this.pending.shift();
    this.currentResponse = req;
    const tx = req?.tx;
    if (tx !== undefined) {
      tx.status = head.status;
      const ct = h.get('content-type');
      if (ct !== undefined) tx.response_content_type = ct;
      const xs = h.get('x-stratum');
      if (xs !== undefined) tx.response_x_stratum = xs;
      const lp = h.get('x-long-polling');
      if (lp !== undefined) tx.response_x_long_polling = lp;
    }
    if (this.responseFacts < this.limits.maxTransactions) {
      this.responseFacts++;
      const fact: Record<string, unknown> = { status: head.status };
      if (tx?.response_content_type !== undefined) fact['response_content_type'] = tx.response_content_type;
      if (tx?.response_x_stratum !== undefined) fact['response_x_stratum'] = tx.response_x_stratum;
      if (tx?.response_x_long_polling !== undefined) fact['response_x_long_polling'] = tx.response_x_long_polling;
      this.ctx.emit({ name: 'http.response', tsUs, direction: 1, data: fact });
    }
    const client = this.dirs[0];
    if (head.status === 101) {
      const upgrade = (h.get('upgrade') ?? '').toLowerCase();
      if (upgrade.includes('websocket') || req?.isWebSocketUpgrade === true) {
        st.phase = 'websocket';
        if (client.phase !== 'stopped') client.phase = 'websocket';
        this.ws ??= { messages: { toserver: {}, toclient: {} }, text_frames: 0, binary_frames: 0, is_compressed: false };
        const fact: Record<string, unknown> = { url: tx?.url ?? '' };
        if (tx?.hostname !== undefined) fact['hostname'] = tx.hostname;
        this.ctx.emit({ name: 'http.websocket', tsUs, direction: 1, data: fact });
      } else {
        // Another protocol (h2c...): nothing more for HTTP/1.x to read.
        st.phase = 'stopped';
        client.phase = 'stopped';
      }
      return;
    }
    if (req?.method === 'CONNECT' && head.status >= 200 && head.status < 300) {
      st.phase = 'stopped';
      client.phase = 'stopped';
      return;
    }
    if (req?.isWebSocketUpgrade === true && client.phase === 'websocket') client.phase = 'head';
    // No body: HEAD responses, 204, 304 (RFC 9112 section 6.3).
    if (req?.method === 'HEAD' || head.status === 204 || head.status === 304) {
      st.phase = 'head';
      return;
    }
    this.startBody(st, head, req);
  }

  private startBody(st: DirState, head: HttpHead, pending: Pending | undefined): void {
    const isRequest = head.isRequest;
    const h = head.headers;
    const encoding = h.get('content-encoding');
    st.body.reset();
    st.bodyBytes = 0;
    // Compressed bodies are counted, not read.
    st.isBodyKept = encoding === undefined || encoding.toLowerCase() === 'identity';
    const te = h.get('transfer-encoding');
    if (te !== undefined && te.toLowerCase().includes('chunked')) {
      st.phase = 'chunk-size';
      return;
    }
    const cl = h.get('content-length');
    if (cl !== undefined) {
      const n = /^\d{1,15}$/.test(cl) ? Number(cl) : NaN;
      if (!Number.isFinite(n)) {
        this.anomaly('http.bad_content_length');
        st.phase = 'stopped';
        return;
      }
      if (n === 0) {
        st.phase = 'head';
        this.finishTransactionBody(pending, isRequest, st);
        return;
      }
      st.remaining = n;
      st.phase = 'body';
      return;
    }
    // Requests without a length have no body; responses run until the connection closes.
    st.phase = isRequest ? 'head' : 'until-close';
  }

  private finishTransactionBody(pending: Pending | undefined, isRequest: boolean, st: DirState): void {
    const tx = pending?.tx;
    if (tx === undefined) return;
    if (isRequest) tx.request_body_bytes = st.bodyBytes;
    else tx.response_body_bytes = st.bodyBytes;
  }

  private onBodyEnd(direction: Direction, st: DirState, tsUs: number): void {
    const isRequest = direction === 0;
    // The transaction of each direction: the last request, or the one whose response this is.
    const pending = isRequest ? this.pending[this.pending.length - 1] : this.currentResponse;
    this.finishTransactionBody(pending, isRequest, st);
    st.phase = 'head';
    if (st.body.isOverflow) {
      this.anomaly('http.body_too_long');
      return;
    }
    if (!st.isBodyKept || st.body.used === 0) return;
    this.onJsonBytes(direction, st.body.view(), tsUs, pending, false);
    st.body.reset();
  }

  /** Parse a body or WebSocket message that looks like JSON and hand it to the tally and conversation. */
  private onJsonBytes(direction: Direction, bytes: Uint8Array, tsUs: number, pending: Pending | undefined, isWs: boolean): void {
    let i = 0;
    while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
    if (i >= bytes.length || (bytes[i] !== 0x7b && bytes[i] !== 0x5b)) return;
    const parsed = parseJsonBytes(bytes, this.limits.maxJsonDepth);
    if (parsed.kind === 'error') {
      // A bare-JSON answer running until close may hold several newline-delimited messages.
      if (parsed.code === 'invalid_json' && !isWs && bytes.indexOf(0x0a, i) >= 0 && bytes.indexOf(0x0a, i) < bytes.length - 1) {
        let start = i;
        while (start < bytes.length) {
          const nl = bytes.indexOf(0x0a, start);
          const end = nl < 0 ? bytes.length : nl;
          if (end > start) this.onJsonBytes(direction, bytes.subarray(start, end), tsUs, pending, false);
          start = end + 1;
        }
        return;
      }
      this.anomaly(`http.json_${parsed.code}`);
      return;
    }
    let value = parsed.value;
    if (isWs) value = this.onWsJson(direction, value, tsUs);
    this.tally.add(direction, value, tsUs);
    const wasMining = this.conv.isMining;
    const values = Array.isArray(value) ? value.slice(0, 64) : [value];
    for (const v of values) {
      if (direction === 0 && pending !== undefined && isRecord(v)) {
        const id = v['id'];
        if (typeof id === 'string' || typeof id === 'number') pending.jsonId ??= id;
      }
      const paired = direction === 1 && !isWs ? pending?.jsonId : undefined;
      const opts = isWs ? {} : paired !== undefined ? { isHttp: true, dialectOverride: HTTP_DIALECT, pairedRequestId: paired } : { isHttp: true, dialectOverride: HTTP_DIALECT };
      this.conv.onMessage(direction, v, tsUs, opts);
    }
    if (direction === 0 && pending?.tx !== undefined) {
      const names = values.map((v) => (isRecord(v) && typeof v['method'] === 'string' ? v['method'].slice(0, 128) : undefined)).filter((m): m is string => m !== undefined);
      if (names.length > 0) pending.tx.json_methods = [...new Set([...(pending.tx.json_methods ?? []), ...names])].slice(0, 16);
    }
    if (!wasMining && this.conv.isMining) this.noteMiningContext(tsUs);
  }

  /** HTTP context known before the body proved mining: agent, pool host, login from Basic auth or URL. */
  private noteMiningContext(tsUs: number): void {
    if (this.userAgent !== undefined) this.conv.noteAgent(this.userAgent, 'http-user-agent', tsUs, 0);
    if (this.hostname !== undefined) {
      const host = this.hostname.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (host.length > 0) this.conv.notePoolHost(host, 'http-host');
    }
    if (this.minerParam !== undefined) {
      // EthProxy over HTTP: `?miner=<hashrate>@<wallet>@<rig>` (pool.eth.pp.ua); keep it whole.
      const parts = this.minerParam.split('@');
      const worker = parts.length >= 3 ? parts[parts.length - 1] : undefined;
      this.conv.noteLogin(this.minerParam, worker, 'uri', tsUs, 0);
    } else if (this.authUser !== undefined) this.conv.noteLogin(this.authUser, undefined, 'http-basic-auth', tsUs, 0);
  }

  /** Record the name of a WebSocket JSON message; in-browser miners name messages by `type`. */
  private onWsJson(direction: Direction, value: unknown, tsUs: number): unknown {
    if (!isRecord(value)) return value;
    let name: string | undefined;
    let key: 'method' | 'type' = 'method';
    if (typeof value['method'] === 'string') name = value['method'];
    else if (typeof value['type'] === 'string') {
      name = value['type'];
      key = 'type';
    }
    if (name === undefined) return value;
    name = name.slice(0, 128);
    this.wsNames ??= [new Map(), new Map()];
    const m = this.wsNames[direction];
    const n = m.get(name);
    if (n !== undefined) m.set(name, n + 1);
    else if (m.size < this.limits.maxWsNames) {
      m.set(name, 1);
      this.ctx.emit({ name: 'http.websocket_message', tsUs, direction, data: { name, key } });
    }
    // {"type":"job","params":{...}} reads as a JSON-RPC notification for the stratum conversation.
    if (key === 'type') return { method: name, params: value['params'] };
    return value;
  }

  private wsStep(direction: Direction, st: DirState, data: Uint8Array, pos: number, tsUs: number): number {
    if (st.wsFrame === undefined) {
      const take = Math.min(14 - st.wsHeaderUsed, data.length - pos);
      st.wsHeader.set(data.subarray(pos, pos + take), st.wsHeaderUsed);
      const have = st.wsHeaderUsed + take;
      const r = parseWsFrameHeader(st.wsHeader.subarray(0, have));
      if (r.kind === 'need-more') {
        st.wsHeaderUsed = have;
        return pos + take;
      }
      if (r.kind === 'error') {
        this.anomaly('http.websocket_bad_frame');
        st.phase = 'stopped';
        return data.length;
      }
      const used = r.frame.headerLength - st.wsHeaderUsed;
      st.wsHeaderUsed = 0;
      st.wsFrame = r.frame;
      st.wsPayloadDone = 0;
      this.onWsFrameStart(st, r.frame);
      pos += used;
      if (r.frame.payloadLength === 0) this.onWsFrameEnd(direction, st, tsUs);
      return pos;
    }
    const f = st.wsFrame;
    const n = Math.min(f.payloadLength - st.wsPayloadDone, data.length - pos);
    if (st.isWsText && (f.opcode === 1 || f.opcode === 0) && !st.wsMessage.isOverflow) {
      const piece = data.slice(pos, pos + n);
      if (f.masked) unmask(piece, f.mask, st.wsPayloadDone);
      st.wsMessage.append(piece);
    }
    st.wsPayloadDone += n;
    if (st.wsPayloadDone >= f.payloadLength) this.onWsFrameEnd(direction, st, tsUs);
    return pos + n;
  }

  private onWsFrameStart(st: DirState, f: WsFrameHeader): void {
    const ws = this.ws ?? (this.ws = { messages: { toserver: {}, toclient: {} }, text_frames: 0, binary_frames: 0, is_compressed: false });
    if (f.opcode === 1) {
      ws.text_frames++;
      st.wsMessage.reset();
      st.isWsText = !f.rsv1 && st.wsMessages < this.limits.maxWsMessages;
      if (f.rsv1) {
        ws.is_compressed = true;
        this.anomaly('http.websocket_compressed');
      }
    } else if (f.opcode === 2) {
      ws.binary_frames++;
      st.isWsText = false;
    }
  }

  private onWsFrameEnd(direction: Direction, st: DirState, tsUs: number): void {
    const f = st.wsFrame!;
    st.wsFrame = undefined;
    if (f.opcode === 8) {
      st.phase = 'stopped'; // close frame: nothing more from this side
      return;
    }
    if (!f.fin || !st.isWsText || (f.opcode !== 1 && f.opcode !== 0)) return;
    st.isWsText = false;
    st.wsMessages++;
    if (st.wsMessage.isOverflow) this.anomaly('http.websocket_message_too_long');
    else this.onJsonBytes(direction, st.wsMessage.view(), tsUs, undefined, true);
    st.wsMessage.reset();
  }

  onGap(direction: Direction, _length: number, _tsUs: number): SessionStatus {
    // Positions within bodies and frames are lost: stop reading this direction.
    this.anomaly('http.gap');
    this.dirs[direction].phase = 'stopped';
    return this.statusAfter();
  }

  onEnd(tsUs: number): void {
    const server = this.dirs[1];
    if (server.phase === 'until-close') this.onBodyEnd(1, server, tsUs);
  }

  record(): Record<string, unknown> | undefined {
    if (this.transactions.length === 0 && this.transactionsDropped === 0 && this.responseFacts === 0) return undefined;
    const rec: HttpRecord = {
      transactions: this.transactions.map((t) => ({ ...t, ...(t.json_methods ? { json_methods: [...t.json_methods] } : {}) })),
      transactions_dropped: this.transactionsDropped,
    };
    if (this.hostname !== undefined) rec.hostname = this.hostname;
    if (this.userAgent !== undefined) rec.http_user_agent = this.userAgent;
    if (this.ws !== undefined) {
      rec.websocket = {
        ...this.ws,
        messages: { toserver: Object.fromEntries(this.wsNames?.[0] ?? []), toclient: Object.fromEntries(this.wsNames?.[1] ?? []) },
      };
    }
    const jr = this.tallyObj?.record();
    if (jr !== undefined) rec.jsonrpc = jr;
    const sr = this.convObj?.record();
    if (sr !== undefined) rec.stratum = sr;
    if (this.anomalies !== undefined && this.anomalies.size > 0) rec.anomalies = Object.fromEntries(this.anomalies);
    return rec as unknown as Record<string, unknown>;
  }
}
