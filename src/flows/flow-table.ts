// The bounded flow table: one entry per bidirectional 5-tuple + VLAN, found by a symmetric hash
// so both directions land on the same entry without building a key per packet. Idle timeouts per
// protocol and state, an active timeout, and a hard cap with eviction all run on PACKET time.
//
// Orientation (who is the client) is decided once, when the flow is created:
//   1. TCP SYN without ACK: the sender is the client. SYN+ACK: the sender is the server.
//   2. Otherwise, when exactly one port is ephemeral (>= 32768, the Linux and IANA dynamic ranges
//      both start at or above it), that side is the client.
//   3. Otherwise, when exactly one port is well known (< 1024), that side is the server.
//   4. Otherwise, for TCP the side with the lower port is the server; for UDP and equal ports the
//      sender of the first packet is the client (a capture usually starts before a UDP exchange).

import type { DecodedPacket } from '../decode/types.js';
import { TcpFlag } from '../decode/types.js';
import type { Direction } from '../protocols/analyser.js';
import { Flow, TIMEOUT_CLASS_COUNT, TcpState, TimeoutClass, type FlowEndReason } from './flow.js';

/** Flow table limits. Durations in seconds of packet time. */
export interface FlowTableOptions {
  /** Most flows held at once; creating one more evicts the least recently seen (`flow.evicted`). */
  maxFlows: number;
  tcpNewTimeoutS: number;
  tcpEstablishedTimeoutS: number;
  tcpClosedTimeoutS: number;
  udpNewTimeoutS: number;
  udpEstablishedTimeoutS: number;
  otherNewTimeoutS: number;
  otherEstablishedTimeoutS: number;
  /** A flow older than this is ended (`active-timeout`) at its next packet and continues as a new flow. */
  activeTimeoutS: number;
}

/**
 * Defaults: Zeek's inactivity timeouts (TCP 5 minutes, UDP 1 minute), 30 s for connection attempts
 * and unanswered datagrams, 10 s for closed TCP connections (Suricata's emergency-closed value:
 * long enough for late ACKs and retransmissions), and a 30-minute active timeout.
 */
export const DEFAULT_FLOW_TABLE_OPTIONS: Readonly<FlowTableOptions> = Object.freeze({
  maxFlows: 262_144,
  tcpNewTimeoutS: 30,
  tcpEstablishedTimeoutS: 300,
  tcpClosedTimeoutS: 10,
  udpNewTimeoutS: 30,
  udpEstablishedTimeoutS: 60,
  otherNewTimeoutS: 30,
  otherEstablishedTimeoutS: 60,
  activeTimeoutS: 1800,
});

/** How often (packet time) the idle lists are swept. */
const EXPIRY_SWEEP_INTERVAL_US = 1_000_000;
/** Buckets of a new table (a power of two); the array doubles while flows outnumber buckets. */
const INITIAL_BUCKETS = 1024;
/** Packet time after which a flow seen again moves to the tail of its timeout list. */
const RELINK_INTERVAL_US = 1_000_000;
const EPHEMERAL_PORT_MIN = 32768;
const WELL_KNOWN_PORT_MAX = 1023;

export interface FlowTableCounters {
  created: number;
  timedOut: number;
  activeTimedOut: number;
  evicted: number;
  tcpReused: number;
  endedAtShutdown: number;
}

export type FlowEndHandler<E> = (flow: Flow<E>, reason: FlowEndReason) => void;

// Hashes and address words are kept as signed 32-bit integers (`| 0`): V8 stores those in an
// object's fields as small integers, while values of 2^31 and above would each be a separate
// heap number, one more memory read per comparison in the lookup.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function addrWord(a: Uint8Array): number {
  if (a.length === 4) return (a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!;
  let h = 0;
  for (let i = 0; i + 3 < a.length; i += 4) {
    h = Math.imul(h ^ ((a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!), 0x9e3779b1);
  }
  return h | 0;
}

function sameAddr(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class FlowTable<E = unknown> {
  readonly options: FlowTableOptions;
  readonly counters: FlowTableCounters = {
    created: 0,
    timedOut: 0,
    activeTimedOut: 0,
    evicted: 0,
    tcpReused: 0,
    endedAtShutdown: 0,
  };
  /** Direction of the packet last passed to `packet()`: 0 client to server, 1 server to client. */
  direction: Direction = 0;
  size = 0;

  private buckets: Array<Flow<E> | undefined>;
  private mask: number;
  private readonly heads: Array<Flow<E> | undefined> = new Array(TIMEOUT_CLASS_COUNT).fill(undefined);
  private readonly tails: Array<Flow<E> | undefined> = new Array(TIMEOUT_CLASS_COUNT).fill(undefined);
  private readonly timeoutsUs: number[];
  private readonly activeTimeoutUs: number;
  private nextSweepUs = -Infinity;

  constructor(
    options: Partial<FlowTableOptions>,
    private readonly onEnd: FlowEndHandler<E>,
  ) {
    this.options = { ...DEFAULT_FLOW_TABLE_OPTIONS, ...options };
    if (!(this.options.maxFlows >= 1)) throw new Error('maxFlows must be at least 1');
    const t = this.options;
    this.timeoutsUs = [];
    this.timeoutsUs[TimeoutClass.TCP_NEW] = t.tcpNewTimeoutS * 1e6;
    this.timeoutsUs[TimeoutClass.TCP_ESTABLISHED] = t.tcpEstablishedTimeoutS * 1e6;
    this.timeoutsUs[TimeoutClass.TCP_CLOSED] = t.tcpClosedTimeoutS * 1e6;
    this.timeoutsUs[TimeoutClass.UDP_NEW] = t.udpNewTimeoutS * 1e6;
    this.timeoutsUs[TimeoutClass.UDP_ESTABLISHED] = t.udpEstablishedTimeoutS * 1e6;
    this.timeoutsUs[TimeoutClass.OTHER_NEW] = t.otherNewTimeoutS * 1e6;
    this.timeoutsUs[TimeoutClass.OTHER_ESTABLISHED] = t.otherEstablishedTimeoutS * 1e6;
    this.activeTimeoutUs = t.activeTimeoutS * 1e6;
    // The bucket array starts small and doubles with the flows held (one bucket per flow at most),
    // so it stays as small as the live table: a lookup reads one bucket, and a small array is far
    // more likely to be in the CPU cache than one sized for the cap.
    const n = INITIAL_BUCKETS;
    this.buckets = new Array(n).fill(undefined);
    this.mask = n - 1;
  }

  /**
   * Finds or creates the flow of a decoded IP packet, updates its counters and TCP state, and sets
   * `direction`. Ends idle flows first when packet time has moved on.
   */
  packet(pkt: DecodedPacket): Flow<E> {
    const ts = pkt.tsUs;
    if (ts >= this.nextSweepUs) {
      this.expire(ts);
      this.nextSweepUs = ts + EXPIRY_SWEEP_INTERVAL_US;
    }
    const proto = pkt.protocol;
    const src = pkt.srcAddr;
    const dst = pkt.dstAddr;
    const sp = pkt.srcPort;
    const dp = pkt.dstPort;
    // For IPv4 the address word is the address itself, so equal words are equal addresses; for
    // IPv6 it is a hash and the bytes are compared too.
    const sw = addrWord(src);
    const dw = addrWord(dst);
    const hA = fmix32(sw ^ Math.imul(sp + 1, 0x9e3779b1));
    const hB = fmix32(dw ^ Math.imul(dp + 1, 0x9e3779b1));
    const hash = fmix32(((hA + hB) >>> 0) ^ proto ^ (pkt.vlan << 8) ^ (pkt.innerVlan << 20));
    const isV6 = src.length !== 4;

    let flow = this.buckets[hash & this.mask];
    let dir: Direction = 0;
    while (flow !== undefined) {
      if (flow.hash === hash && flow.protocol === proto && flow.vlan === pkt.vlan && flow.innerVlan === pkt.innerVlan) {
        if (
          flow.clientPort === sp &&
          flow.serverPort === dp &&
          flow.clientWord === sw &&
          flow.serverWord === dw &&
          (!isV6 || (sameAddr(flow.clientAddr, src) && sameAddr(flow.serverAddr, dst)))
        ) {
          dir = 0;
          break;
        }
        if (
          flow.clientPort === dp &&
          flow.serverPort === sp &&
          flow.clientWord === dw &&
          flow.serverWord === sw &&
          (!isV6 || (sameAddr(flow.clientAddr, dst) && sameAddr(flow.serverAddr, src)))
        ) {
          dir = 1;
          break;
        }
      }
      flow = flow.hashNext;
    }

    const flags = proto === 6 ? pkt.tcpFlags : 0;
    if (flow !== undefined) {
      if (ts - flow.startUs >= this.activeTimeoutUs) {
        this.counters.activeTimedOut++;
        const keepClient = dir === 0;
        this.end(flow, 'active-timeout');
        flow = this.create(pkt, hash, ts, keepClient ? 0 : 1, flow.isOrientationFromSyn);
        dir = keepClient ? 0 : 1;
      } else if (
        proto === 6 &&
        (flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN &&
        (flow.tcpState === TcpState.CLOSED || flow.tcpState === TcpState.CLOSING)
      ) {
        // A new SYN on a closed connection's tuple: port reuse starts a new flow.
        this.counters.tcpReused++;
        this.end(flow, 'tcp-reuse');
        flow = this.create(pkt, hash, ts, 0, true);
        dir = 0;
      }
    } else {
      const orientation = this.orient(pkt, flags);
      flow = this.create(pkt, hash, ts, orientation.senderSide, orientation.isFromSyn);
      dir = orientation.senderSide === 0 ? 0 : 1;
    }

    this.direction = dir;
    if (ts > flow.lastUs) flow.lastUs = ts;
    if (dir === 0) {
      flow.pktsToServer++;
      flow.bytesToServer += pkt.frameLen;
      flow.flagsToServer |= flags;
    } else {
      flow.pktsToClient++;
      flow.bytesToClient += pkt.frameLen;
      flow.flagsToClient |= flags;
    }
    if (proto === 6) flow.updateTcpState(dir, flags);
    // Timeout lists are kept in order of `listUs`, which trails `lastUs` by less than
    // RELINK_INTERVAL_US: a flow moves to the tail of its list when its class changes or a relink
    // interval has passed, not at every packet (a move touches two neighbouring flows).
    const cls = flow.currentTimeoutClass();
    if (cls !== flow.timeoutClass) {
      this.unlinkList(flow);
      flow.timeoutClass = cls;
      flow.listUs = ts;
      this.linkListTail(flow);
    } else if (ts - flow.listUs >= RELINK_INTERVAL_US) {
      flow.listUs = ts;
      if (this.tails[cls] !== flow) {
        this.unlinkList(flow);
        this.linkListTail(flow);
      }
    }
    return flow;
  }

  /**
   * Ends every flow idle past its class timeout at packet time `nowUs`. The walk stops at the first
   * flow put on its list after the limit; before it, flows seen again since (within the last
   * relink interval) are passed over, so each sweep reads at most one interval's worth of them.
   */
  expire(nowUs: number): void {
    for (let c = 0; c < TIMEOUT_CLASS_COUNT; c++) {
      const limit = nowUs - (this.timeoutsUs[c] ?? 0);
      let f = this.heads[c];
      while (f !== undefined && f.listUs <= limit) {
        const next = f.listNext;
        if (f.lastUs <= limit) {
          this.counters.timedOut++;
          this.end(f, 'timeout');
        }
        f = next;
      }
    }
  }

  /** Ends every remaining flow (end of input), oldest first. */
  shutdown(): void {
    for (;;) {
      const f = this.oldest();
      if (f === undefined) break;
      this.counters.endedAtShutdown++;
      this.end(f, 'shutdown');
    }
  }

  /** Every live flow (for tests and inspection; allocates). */
  flows(): Array<Flow<E>> {
    const out: Array<Flow<E>> = [];
    for (let c = 0; c < TIMEOUT_CLASS_COUNT; c++) for (let f = this.heads[c]; f; f = f.listNext) out.push(f);
    return out;
  }

  private orient(pkt: DecodedPacket, flags: number): { senderSide: 0 | 1; isFromSyn: boolean } {
    if (pkt.protocol === 6 && flags & TcpFlag.SYN) {
      return { senderSide: flags & TcpFlag.ACK ? 1 : 0, isFromSyn: true };
    }
    const sp = pkt.srcPort;
    const dp = pkt.dstPort;
    const sEph = sp >= EPHEMERAL_PORT_MIN;
    const dEph = dp >= EPHEMERAL_PORT_MIN;
    if (sEph !== dEph) return { senderSide: sEph ? 0 : 1, isFromSyn: false };
    const sWk = sp <= WELL_KNOWN_PORT_MAX;
    const dWk = dp <= WELL_KNOWN_PORT_MAX;
    if (sWk !== dWk) return { senderSide: sWk ? 1 : 0, isFromSyn: false };
    if (pkt.protocol === 6 && sp !== dp) return { senderSide: sp < dp ? 1 : 0, isFromSyn: false };
    return { senderSide: 0, isFromSyn: false };
  }

  /** Creates a flow; `senderSide` 0 makes the packet's sender the client. */
  private create(pkt: DecodedPacket, hash: number, ts: number, senderSide: 0 | 1, isFromSyn: boolean): Flow<E> {
    if (this.size >= this.options.maxFlows) {
      const victim = this.oldest();
      if (victim !== undefined) {
        this.counters.evicted++;
        this.end(victim, 'forced');
      }
    }
    const isSenderClient = senderSide === 0;
    // IPv4 addresses are kept as words by the flow; only IPv6 ones are copied.
    const src = pkt.srcAddr;
    const dst = pkt.dstAddr;
    const clientAddr = src.length === 4 ? (isSenderClient ? src : dst) : new Uint8Array(isSenderClient ? src : dst);
    const serverAddr = src.length === 4 ? (isSenderClient ? dst : src) : new Uint8Array(isSenderClient ? dst : src);
    const clientPort = isSenderClient ? pkt.srcPort : pkt.dstPort;
    const serverPort = isSenderClient ? pkt.dstPort : pkt.srcPort;
    const clientWord = addrWord(clientAddr);
    const serverWord = addrWord(serverAddr);
    const flow = new Flow<E>({
      protocol: pkt.protocol,
      vlan: pkt.vlan,
      innerVlan: pkt.innerVlan,
      clientAddr,
      serverAddr,
      clientPort,
      serverPort,
      clientWord,
      serverWord,
      hash,
      flowIdNumber: flowIdOf(hash, clientWord, serverWord, clientPort, serverPort, pkt.protocol, pkt.vlan, pkt.innerVlan, ts),
      isOrientationFromSyn: isFromSyn,
      startUs: ts,
      timeoutClass: TimeoutClass.OTHER_NEW,
    });
    const b = hash & this.mask;
    flow.hashNext = this.buckets[b];
    this.buckets[b] = flow;
    this.size++;
    this.counters.created++;
    flow.timeoutClass = flow.currentTimeoutClass();
    flow.listUs = ts;
    this.linkListTail(flow);
    if (this.size > this.buckets.length && this.buckets.length < 1 << 24) this.grow();
    return flow;
  }

  private end(flow: Flow<E>, reason: FlowEndReason): void {
    if (flow.isEnded) return;
    flow.isEnded = true;
    this.unlinkList(flow);
    const b = flow.hash & this.mask;
    let p = this.buckets[b];
    if (p === flow) this.buckets[b] = flow.hashNext;
    else {
      while (p !== undefined && p.hashNext !== flow) p = p.hashNext;
      if (p !== undefined) p.hashNext = flow.hashNext;
    }
    flow.hashNext = undefined;
    this.size--;
    this.onEnd(flow, reason);
  }

  private oldest(): Flow<E> | undefined {
    let best: Flow<E> | undefined;
    for (let c = 0; c < TIMEOUT_CLASS_COUNT; c++) {
      const h = this.heads[c];
      if (h !== undefined && (best === undefined || h.listUs < best.listUs)) best = h;
    }
    return best;
  }

  private grow(): void {
    const n = this.buckets.length * 2;
    const nb: Array<Flow<E> | undefined> = new Array(n).fill(undefined);
    const mask = n - 1;
    for (const head of this.buckets) {
      let f = head;
      while (f !== undefined) {
        const next = f.hashNext;
        const b = f.hash & mask;
        f.hashNext = nb[b];
        nb[b] = f;
        f = next;
      }
    }
    this.buckets = nb;
    this.mask = mask;
  }

  private unlinkList(f: Flow<E>): void {
    const c = f.timeoutClass;
    if (f.listPrev !== undefined) f.listPrev.listNext = f.listNext;
    else if (this.heads[c] === f) this.heads[c] = f.listNext;
    if (f.listNext !== undefined) f.listNext.listPrev = f.listPrev;
    else if (this.tails[c] === f) this.tails[c] = f.listPrev;
    f.listPrev = undefined;
    f.listNext = undefined;
  }

  private linkListTail(f: Flow<E>): void {
    const c = f.timeoutClass;
    const t = this.tails[c];
    f.listPrev = t;
    f.listNext = undefined;
    if (t !== undefined) t.listNext = f;
    else this.heads[c] = f;
    this.tails[c] = f;
  }
}

/**
 * A deterministic 48-bit flow id (fits a JSON number exactly, as EVE's flow_id is a number): the
 * oriented key (address words, ports, protocol, VLANs) and the start time through two independent
 * 32-bit mixing lanes, so the same input gives the same id and different starts differ.
 */
function flowIdOf(
  hash: number,
  clientWord: number,
  serverWord: number,
  clientPort: number,
  serverPort: number,
  protocol: number,
  vlan: number,
  innerVlan: number,
  startUs: number,
): number {
  const lo = startUs % 0x100000000;
  const hi = Math.floor(startUs / 0x100000000);
  let a = fmix32(hash ^ Math.imul(lo, 0x9e3779b1) ^ hi);
  a = fmix32(a ^ Math.imul(clientWord, 0x85ebca6b) ^ ((clientPort << 16) | serverPort));
  let b = fmix32(serverWord ^ Math.imul(lo ^ protocol, 0xc2b2ae35) ^ (vlan << 12) ^ innerVlan);
  b = fmix32(b ^ Math.imul(hi + clientWord, 0x27d4eb2f));
  const id = (a >>> 0) * 0x10000 + (b & 0xffff);
  return id === 0 ? 1 : id;
}
