// A flow's end: the FlowRecord every part of the system shares, and its Suricata EVE form
// (`event_type: "flow"`, https://docs.suricata.io/en/latest/output/eve/eve-json-format.html).

import { eveTimestamp } from '../util/clock.js';
import { tcpStateName, type Flow, type FlowEndReason } from './flow.js';
import type { FlowRecord } from './types.js';

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'IPv6-ICMP', 132: 'SCTP' };

export function protoName(protocol: number): string {
  return PROTO_NAMES[protocol] ?? String(protocol);
}

/** The record of an ended sensor flow. `extra` holds the TCP detail the EVE form needs. */
export function buildFlowRecord(
  flow: Flow<unknown>,
  reason: FlowEndReason,
  appProto: string | undefined,
  observer?: string,
): FlowRecord {
  const rec: FlowRecord = {
    flow_id: flow.flowId,
    community_id: flow.communityId,
    source: 'sensor',
    src_ip: flow.clientIp,
    src_port: flow.clientPort,
    dest_ip: flow.serverIp,
    dest_port: flow.serverPort,
    proto: protoName(flow.protocol),
    start_us: flow.startUs,
    end_us: flow.lastUs,
    pkts_toserver: flow.pktsToServer,
    pkts_toclient: flow.pktsToClient,
    bytes_toserver: flow.bytesToServer,
    bytes_toclient: flow.bytesToClient,
    state: flow.state,
    reason,
  };
  if (observer !== undefined) rec.observer = observer;
  if (flow.vlan !== 0) rec.vlan = flow.vlan;
  if (appProto !== undefined) rec.app_proto = appProto;
  const extra: Record<string, unknown> = { alerted: flow.isAlerted };
  if (flow.innerVlan !== 0) extra.inner_vlan = flow.innerVlan;
  if (flow.protocol === 6) {
    rec.tcp_flags = flow.flagsToServer | flow.flagsToClient;
    extra.tcp_flags_ts = flow.flagsToServer;
    extra.tcp_flags_tc = flow.flagsToClient;
    extra.tcp_state = tcpStateName(flow.tcpState);
    extra.orientation = flow.isOrientationFromSyn ? 'syn' : 'ports';
  }
  rec.extra = extra;
  return rec;
}

function hex(flags: number): string {
  return flags.toString(16).padStart(2, '0');
}

/** EVE `tcp` object: flags as Suricata writes them (hex strings plus one boolean per flag). */
function eveTcp(flags: number, ts: number, tc: number, state: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { tcp_flags: hex(flags), tcp_flags_ts: hex(ts), tcp_flags_tc: hex(tc) };
  const names: Array<[number, string]> = [
    [0x02, 'syn'],
    [0x01, 'fin'],
    [0x04, 'rst'],
    [0x08, 'psh'],
    [0x10, 'ack'],
    [0x20, 'urg'],
    [0x40, 'ecn'],
    [0x80, 'cwr'],
  ];
  for (const [bit, name] of names) if (flags & bit) out[name] = true;
  if (state !== undefined) out.state = state;
  return out;
}

/**
 * The EVE flow line for a record, with the analysers' protocol objects under their names.
 * flow_id is written as a JSON number (as Suricata does); the record keeps it as a decimal string.
 */
export function flowRecordToEve(rec: FlowRecord, protocols: Record<string, unknown> = {}): Record<string, unknown> {
  const extra = rec.extra ?? {};
  const eve: Record<string, unknown> = {
    timestamp: eveTimestamp(rec.start_us),
    flow_id: /^\d+$/.test(rec.flow_id) ? Number(rec.flow_id) : rec.flow_id,
    event_type: 'flow',
  };
  if (rec.community_id !== undefined) eve.community_id = rec.community_id;
  if (rec.vlan !== undefined) {
    eve.vlan = typeof extra.inner_vlan === 'number' ? [rec.vlan, extra.inner_vlan] : [rec.vlan];
  }
  eve.src_ip = rec.src_ip;
  eve.src_port = rec.src_port;
  eve.dest_ip = rec.dest_ip;
  eve.dest_port = rec.dest_port;
  eve.proto = rec.proto;
  if (rec.app_proto !== undefined) eve.app_proto = rec.app_proto;
  eve.flow = {
    pkts_toserver: rec.pkts_toserver,
    pkts_toclient: rec.pkts_toclient,
    bytes_toserver: rec.bytes_toserver,
    bytes_toclient: rec.bytes_toclient,
    start: eveTimestamp(rec.start_us),
    end: eveTimestamp(rec.end_us),
    age: Math.floor((rec.end_us - rec.start_us) / 1e6),
    state: rec.state,
    reason: rec.reason,
    alerted: extra.alerted === true,
  };
  if (rec.proto === 'TCP') {
    eve.tcp = eveTcp(
      rec.tcp_flags ?? 0,
      typeof extra.tcp_flags_ts === 'number' ? extra.tcp_flags_ts : 0,
      typeof extra.tcp_flags_tc === 'number' ? extra.tcp_flags_tc : 0,
      typeof extra.tcp_state === 'string' ? extra.tcp_state : undefined,
    );
  }
  for (const name of Object.keys(protocols).sort()) eve[name] = protocols[name];
  return eve;
}
