// The schema of what the generic JSON-RPC analyser reports: the EVE `jsonrpc` object and the data
// of the `jsonrpc.*` fact events. JSON-RPC is not mining: Zabbix, echo services, wallets and node
// RPC all speak it. Mining dialects belong to the stratum analyser.

/** Cryptocurrency node RPC recognised from method names (a node or wallet, not a miner). */
export type NodeRpcCoin = 'bitcoin' | 'electrum' | 'ethereum' | 'monero';

export interface JsonRpcRecord {
  /** "2.0" when every message said so, "1.0" when none did, "mixed" otherwise. */
  version: '1.0' | '2.0' | 'mixed';
  /** Method names with counts, per direction (verbatim, capped in number and length). */
  methods: { toserver: Record<string, number>; toclient: Record<string, number> };
  requests: number;
  /** Requests without an id (or with a null id): JSON-RPC notifications. */
  notifications: number;
  responses: number;
  /** Responses carrying a non-null `error`. */
  errors: number;
  /** Arrays of messages (JSON-RPC 2.0 batches). */
  batches: number;
  /** Node RPC coins named by the methods seen. */
  node_rpc?: NodeRpcCoin[];
  anomalies?: Record<string, number>;
}

/** `jsonrpc.method`: once per distinct method name per direction (capped). */
export interface JsonRpcMethodFact {
  method: string;
  version: '1.0' | '2.0';
  is_notification: boolean;
}

/** `jsonrpc.node_rpc`: once per coin: the methods are those of a cryptocurrency node or wallet. */
export interface JsonRpcNodeRpcFact {
  coin: NodeRpcCoin;
  method: string;
}

export const JSONRPC_FACT_NAMES = ['jsonrpc.method', 'jsonrpc.node_rpc'] as const;
