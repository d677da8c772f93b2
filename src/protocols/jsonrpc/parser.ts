// Pure JSON-RPC helpers: a cheap probe of the first bytes, node-RPC method recognition, and the
// per-flow tally of methods shared by the JSON-RPC analyser and by JSON bodies over HTTP.
// JSON-RPC 1.0 (json-rpc.org, 2005) and 2.0 (jsonrpc.org/specification) differ by the `jsonrpc`
// member; both are counted.

import type { Direction } from '../analyser.js';
import { containsAny, firstObjectEnd, isRecord } from '../stratum/parser.js';
import type { NodeRpcCoin, JsonRpcRecord } from './record.js';

const enc = new TextEncoder();
const RPC_MARKERS: readonly Uint8Array[] = ['"method"', '"jsonrpc"', '"result"', '"error"'].map((s) => enc.encode(s));
const ID_MARKER: readonly Uint8Array[] = [enc.encode('"id"')];
/** Bytes the probe examines at most. */
export const JSONRPC_PROBE_MAX_BYTES = 2048;

/** 'yes' when the first JSON value has JSON-RPC members (`method`, or `id` with `result`/`error`). */
export function probeJsonRpc(data: Uint8Array): 'yes' | 'no' | 'maybe' {
  let start = 0;
  while (start < data.length && start < 64 && (data[start] === 0x20 || data[start] === 0x09 || data[start] === 0x0a || data[start] === 0x0d)) {
    start++;
  }
  if (start >= data.length) return data.length >= 64 ? 'no' : 'maybe';
  const b = data[start];
  if (b !== 0x7b && b !== 0x5b) return 'no';
  const view = start > 0 ? data.subarray(start) : data;
  const end = firstObjectEnd(view, JSONRPC_PROBE_MAX_BYTES);
  const scanEnd = end >= 0 ? end : Math.min(view.length, JSONRPC_PROBE_MAX_BYTES);
  if (containsAny(view, RPC_MARKERS, scanEnd) && (containsAny(view, RPC_MARKERS.slice(0, 2), scanEnd) || containsAny(view, ID_MARKER, scanEnd))) {
    return 'yes';
  }
  return end >= 0 || view.length >= JSONRPC_PROBE_MAX_BYTES ? 'no' : 'maybe';
}

/**
 * Node and wallet RPC methods by coin: bitcoind (Bitcoin Core RPC reference), Electrum servers
 * (the Electrum protocol: `server.*`, `blockchain.*`), Ethereum clients (execution API: `eth_*`,
 * `net_*`, `web3_*` except the mining `eth_getWork`/`eth_submit*`), monerod and monero-wallet-rpc.
 */
const NODE_METHODS: ReadonlyMap<string, NodeRpcCoin> = new Map<string, NodeRpcCoin>([
  ...[
    'getblockchaininfo', 'getblockcount', 'getbestblockhash', 'getblockhash', 'getblock', 'getblockheader',
    'getnetworkinfo', 'getpeerinfo', 'getmempoolinfo', 'getrawmempool', 'getrawtransaction',
    'sendrawtransaction', 'getwalletinfo', 'getbalance', 'getnewaddress', 'listunspent', 'getmininginfo',
    'getdifficulty', 'getconnectioncount', 'gettxout', 'estimatesmartfee', 'validateaddress', 'getinfo',
  ].map((m): [string, NodeRpcCoin] => [m, 'bitcoin']),
  ...[
    'server.version', 'server.banner', 'server.ping', 'server.features', 'server.peers.subscribe',
    'server.donation_address',
  ].map((m): [string, NodeRpcCoin] => [m, 'electrum']),
  ...[
    'eth_blockNumber', 'eth_getBalance', 'eth_call', 'eth_chainId', 'eth_getBlockByNumber', 'eth_getBlockByHash',
    'eth_sendRawTransaction', 'eth_getTransactionReceipt', 'eth_getTransactionByHash', 'eth_gasPrice',
    'eth_estimateGas', 'eth_getLogs', 'eth_syncing', 'eth_getCode', 'eth_getTransactionCount', 'net_version',
    'net_peerCount', 'net_listening', 'web3_clientVersion',
  ].map((m): [string, NodeRpcCoin] => [m, 'ethereum']),
  ...[
    'get_info', 'get_block_count', 'get_last_block_header', 'get_block_header_by_height', 'on_get_block_hash',
    'get_block', 'get_connections', 'get_fee_estimate', 'get_transfers', 'get_address', 'get_height',
  ].map((m): [string, NodeRpcCoin] => [m, 'monero']),
]);

/** The node-RPC coin a method belongs to, if any. Electrum's whole `blockchain.` namespace counts. */
export function nodeRpcCoin(method: string): NodeRpcCoin | undefined {
  const coin = NODE_METHODS.get(method);
  if (coin !== undefined) return coin;
  if (method.startsWith('blockchain.')) return 'electrum';
  return undefined;
}

/** Longest method name kept. */
export const MAX_METHOD_CHARS = 128;
/** Distinct method names counted per direction. Counter: anomaly `jsonrpc.too_many_methods`. */
export const MAX_METHOD_NAMES = 64;
/** Messages of one batch looked at. Counter: anomaly `jsonrpc.batch_truncated`. */
export const MAX_BATCH_MESSAGES = 64;
/** `jsonrpc.method` facts per flow. */
export const MAX_METHOD_FACTS = 16;

export interface TallySink {
  emit(name: string, tsUs: number, direction: Direction, data: Record<string, unknown>): void;
  anomaly(name: string): void;
}

/** Counts JSON-RPC messages of one flow and raises `jsonrpc.*` facts. */
export class JsonRpcTally {
  private readonly methods: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  private v2 = 0;
  private v1 = 0;
  private requests = 0;
  private notifications = 0;
  private responses = 0;
  private errors = 0;
  private batches = 0;
  private methodFacts = 0;
  private readonly coins: NodeRpcCoin[] = [];
  /** Created at the first anomaly (most flows have none). */
  private anomalies: Map<string, number> | undefined;

  constructor(private readonly sink: TallySink) {}

  get messageCount(): number {
    return this.requests + this.responses;
  }

  anomaly(name: string): void {
    this.anomalies ??= new Map();
    this.anomalies.set(name, (this.anomalies.get(name) ?? 0) + 1);
    this.sink.anomaly(name);
  }

  /** Count one parsed JSON value (a message or a batch). Returns false when it is not JSON-RPC. */
  add(direction: Direction, value: unknown, tsUs: number): boolean {
    if (Array.isArray(value)) {
      if (value.length === 0) return false;
      this.batches++;
      let isAny = false;
      for (let i = 0; i < value.length && i < MAX_BATCH_MESSAGES; i++) isAny = this.addOne(direction, value[i], tsUs) || isAny;
      if (value.length > MAX_BATCH_MESSAGES) this.anomaly('jsonrpc.batch_truncated');
      return isAny;
    }
    return this.addOne(direction, value, tsUs);
  }

  private addOne(direction: Direction, v: unknown, tsUs: number): boolean {
    if (!isRecord(v)) return false;
    const method = v['method'];
    const isResponse = 'result' in v || 'error' in v;
    if (typeof method !== 'string' && !isResponse) return false;
    const isV2 = v['jsonrpc'] === '2.0';
    if (isV2) this.v2++;
    else this.v1++;
    if (typeof method === 'string') {
      const name = method.length > MAX_METHOD_CHARS ? method.slice(0, MAX_METHOD_CHARS) : method;
      this.requests++;
      const isNotification = v['id'] === undefined || v['id'] === null;
      if (isNotification) this.notifications++;
      const m = this.methods[direction];
      const n = m.get(name);
      if (n !== undefined) m.set(name, n + 1);
      else if (m.size >= MAX_METHOD_NAMES) this.anomaly('jsonrpc.too_many_methods');
      else {
        m.set(name, 1);
        if (this.methodFacts < MAX_METHOD_FACTS) {
          this.methodFacts++;
          this.sink.emit('jsonrpc.method', tsUs, direction, { method: name, version: isV2 ? '2.0' : '1.0', is_notification: isNotification });
        }
      }
      const coin = nodeRpcCoin(name);
      if (coin !== undefined && !this.coins.includes(coin)) {
        this.coins.push(coin);
        this.sink.emit('jsonrpc.node_rpc', tsUs, direction, { coin, method: name });
      }
    } else {
      this.responses++;
      if (v['error'] !== undefined && v['error'] !== null) this.errors++;
    }
    return true;
  }

  record(): JsonRpcRecord | undefined {
    if (this.requests + this.responses === 0) return undefined;
    const rec: JsonRpcRecord = {
      version: this.v1 === 0 ? '2.0' : this.v2 === 0 ? '1.0' : 'mixed',
      methods: { toserver: Object.fromEntries(this.methods[0]), toclient: Object.fromEntries(this.methods[1]) },
      requests: this.requests,
      notifications: this.notifications,
      responses: this.responses,
      errors: this.errors,
      batches: this.batches,
    };
    if (this.coins.length > 0) rec.node_rpc = [...this.coins];
    if (this.anomalies !== undefined && this.anomalies.size > 0) rec.anomalies = Object.fromEntries(this.anomalies);
    return rec;
  }
}
