// From flow records to connections. Exporters cut long connections into several records (active
// timeout) and some report one record per packet; counting records would make a miner's single
// persistent session look like a perfect beacon. Records of one 5-tuple are merged into one
// connection while they follow each other within CONNECTION_MERGE_GAP_US and the earlier one did
// not end with the connection (FIN/RST: reason "end", or a closed state). Records are matched
// whichever way round the exporter put them: a cut in the middle of a connection has no
// handshake to tell the client, so a record that disagrees with the connection's first record is
// turned round (its first record is the one most likely to hold the real start).

import type { FlowRecord } from '../flows/types.js';

/** Records of one 5-tuple this close (microseconds) belong to one connection. Default 300 s. */
export const CONNECTION_MERGE_GAP_US = 300 * 1_000_000;

export interface Connection {
  client: string;
  client_port: number;
  server: string;
  server_port: number;
  proto: string;
  start_us: number;
  end_us: number;
  pkts_toserver: number;
  pkts_toclient: number;
  bytes_toserver: number;
  bytes_toclient: number;
  tcp_flags: number;
  /** Flow records merged into this connection. */
  records: number;
}

function isEnded(f: FlowRecord): boolean {
  return f.reason === 'end' || f.state === 'closed' || f.state === 'SF' || f.state === 'RSTO' || f.state === 'RSTR';
}

export function mergeConnections(flows: readonly FlowRecord[], gapUs = CONNECTION_MERGE_GAP_US): Connection[] {
  const by = new Map<string, FlowRecord[]>();
  for (const f of flows) {
    const a = `${f.src_ip}|${f.src_port}`;
    const b = `${f.dest_ip}|${f.dest_port}`;
    const k = a < b ? `${f.proto}|${a}|${b}` : `${f.proto}|${b}|${a}`;
    const list = by.get(k);
    if (list) list.push(f);
    else by.set(k, [f]);
  }
  const out: Connection[] = [];
  for (const list of by.values()) {
    list.sort((a, b) => a.start_us - b.start_us || a.end_us - b.end_us);
    let cur: Connection | undefined;
    let curEnded = false;
    for (const f of list) {
      if (cur && !curEnded && f.start_us <= cur.end_us + gapUs) {
        const isSame = f.src_ip === cur.client && f.src_port === cur.client_port;
        cur.end_us = Math.max(cur.end_us, f.end_us);
        cur.pkts_toserver += isSame ? f.pkts_toserver : f.pkts_toclient;
        cur.pkts_toclient += isSame ? f.pkts_toclient : f.pkts_toserver;
        cur.bytes_toserver += isSame ? f.bytes_toserver : f.bytes_toclient;
        cur.bytes_toclient += isSame ? f.bytes_toclient : f.bytes_toserver;
        cur.tcp_flags |= f.tcp_flags ?? 0;
        cur.records++;
      } else {
        cur = {
          client: f.src_ip,
          client_port: f.src_port,
          server: f.dest_ip,
          server_port: f.dest_port,
          proto: f.proto,
          start_us: f.start_us,
          end_us: f.end_us,
          pkts_toserver: f.pkts_toserver,
          pkts_toclient: f.pkts_toclient,
          bytes_toserver: f.bytes_toserver,
          bytes_toclient: f.bytes_toclient,
          tcp_flags: f.tcp_flags ?? 0,
          records: 1,
        };
        out.push(cur);
      }
      curEnded = isEnded(f);
    }
  }
  out.sort((a, b) => a.start_us - b.start_us || a.client_port - b.client_port);
  return out;
}
