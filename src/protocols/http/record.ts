// The schema of what the HTTP/1.x analyser reports: the EVE `http` object and the data of the
// `http.*` fact events. Field names follow EVE's http object where it has one (hostname, url,
// http_user_agent, http_method, protocol, status, http_content_type). Authorization values are
// never stored: only whether the header was present and its scheme.

import type { JsonRpcRecord } from '../jsonrpc/record.js';
import type { StratumRecord } from '../stratum/record.js';

export interface HttpTransaction {
  http_method: string;
  url: string;
  /** "HTTP/1.1" or "HTTP/1.0". */
  protocol: string;
  hostname?: string;
  http_user_agent?: string;
  http_content_type?: string;
  /** `Upgrade` request header (websocket, h2c...). */
  upgrade?: string;
  /** getwork / getblocktemplate miners announce their extensions here (longpoll midstate ...). */
  x_mining_extensions?: string;
  x_stratum?: string;
  has_authorization: boolean;
  /** The scheme word only (Basic, Bearer...); the credentials are never kept. */
  authorization_scheme?: string;
  request_body_bytes: number;
  status?: number;
  response_content_type?: string;
  /** Pools answer getwork with `X-Stratum: stratum+tcp://host:port` to invite a switch. */
  response_x_stratum?: string;
  /** Long-polling URL offered by getwork pools (`X-Long-Polling`). */
  response_x_long_polling?: string;
  response_body_bytes: number;
  /** JSON-RPC method names of the request body (capped). */
  json_methods?: string[];
}

export interface HttpWebSocket {
  /** Names of JSON messages in text frames (the `method` or `type` member), with counts. */
  messages: { toserver: Record<string, number>; toclient: Record<string, number> };
  text_frames: number;
  binary_frames: number;
  /** permessage-deflate frames were seen (payloads not readable). */
  is_compressed: boolean;
}

export interface HttpRecord {
  /** First request's host and user agent (EVE style), for quick reading. */
  hostname?: string;
  http_user_agent?: string;
  transactions: HttpTransaction[];
  /** Transactions not listed because the list reached its cap. */
  transactions_dropped: number;
  websocket?: HttpWebSocket;
  /** JSON-RPC seen in bodies and WebSocket frames (Zabbix, node RPC...). */
  jsonrpc?: JsonRpcRecord;
  /** Mining over HTTP or WebSocket (getwork, getblocktemplate, ethproxy-http, monerod-rpc...). */
  stratum?: StratumRecord;
  anomalies?: Record<string, number>;
}

/** `http.request`: each request (capped per flow). */
export interface HttpRequestFact {
  http_method: string;
  url: string;
  hostname?: string;
  http_user_agent?: string;
  http_content_type?: string;
  upgrade?: string;
  x_mining_extensions?: string;
  x_stratum?: string;
  has_authorization: boolean;
}
/** `http.response`: each response (capped per flow). */
export interface HttpResponseFact {
  status: number;
  response_content_type?: string;
  response_x_stratum?: string;
  response_x_long_polling?: string;
}
/** `http.websocket`: the server accepted a WebSocket upgrade (status 101). */
export interface HttpWebSocketFact {
  hostname?: string;
  url: string;
}
/** `http.websocket_message`: once per distinct JSON message name per direction (capped). */
export interface HttpWebSocketMessageFact {
  name: string;
  /** Which member named it. */
  key: 'method' | 'type';
}

export const HTTP_FACT_NAMES = ['http.request', 'http.response', 'http.websocket', 'http.websocket_message'] as const;
