// The alert's flow as a 5-tuple, and whether a packet belongs to it (either direction). Shared by
// the capture action and the capture-store search so both pick the same packets.

import type { Alert } from '../alerts/types.js';
import { IpProto } from '../decode/types.js';

export interface FlowTuple {
  a: string;
  aPort: number;
  b: string;
  bPort: number;
  proto: number;
}

export function tupleOf(alert: Alert): FlowTuple {
  const proto = alert.proto.toUpperCase() === 'UDP' ? IpProto.UDP : IpProto.TCP;
  return { a: alert.src_ip, aPort: alert.src_port, b: alert.dest_ip, bPort: alert.dest_port, proto };
}

/** 0: the alert's direction (source to destination), 1: the reverse, -1: another flow. */
export function matchTuple(t: FlowTuple, src: string, sp: number, dst: string, dp: number, proto: number): 0 | 1 | -1 {
  if (proto !== t.proto) return -1;
  if (src === t.a && sp === t.aPort && dst === t.b && dp === t.bPort) return 0;
  if (src === t.b && sp === t.bPort && dst === t.a && dp === t.aPort) return 1;
  return -1;
}
