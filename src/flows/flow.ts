// One bidirectional flow: its key (client side first), counters each way, TCP flags and state,
// and the slots the flow table and the engine keep on it. Created by FlowTable, never by hand in
// the packet path; the fields are plain numbers so updating them allocates nothing.

import type { Direction, FlowInfo } from '../protocols/analyser.js';
import { TcpFlag } from '../decode/types.js';
import { formatIp } from '../util/ip.js';
import { communityIdV1 } from './community-id.js';

/** TCP states as Suricata's EVE `tcp.state` names them. */
export const TcpState = {
  NONE: 0,
  SYN_SENT: 1,
  SYN_RECV: 2,
  ESTABLISHED: 3,
  FIN_WAIT1: 4,
  CLOSING: 5,
  CLOSED: 6,
} as const;

const TCP_STATE_NAMES = ['none', 'syn_sent', 'syn_recv', 'established', 'fin_wait1', 'closing', 'closed'];

export function tcpStateName(state: number): string {
  return TCP_STATE_NAMES[state] ?? 'none';
}

/** Timeout classes: each has its own idle timeout and its own least-recently-seen list. */
export const TimeoutClass = {
  TCP_NEW: 0,
  TCP_ESTABLISHED: 1,
  TCP_CLOSED: 2,
  UDP_NEW: 3,
  UDP_ESTABLISHED: 4,
  OTHER_NEW: 5,
  OTHER_ESTABLISHED: 6,
} as const;
export const TIMEOUT_CLASS_COUNT = 7;

/** Why a flow ended (EVE `flow.reason`). */
export type FlowEndReason = 'timeout' | 'active-timeout' | 'forced' | 'shutdown' | 'tcp-reuse';

export class Flow<E = unknown> implements FlowInfo {
  // Key, client (originator) side first. Addresses are copies owned by the flow.
  readonly protocol: number = 0;
  readonly vlan: number = 0;
  readonly innerVlan: number = 0;
  /** IPv6 addresses (IPv4 ones live in the words: no array per flow). */
  private readonly clientAddr6: Uint8Array | undefined;
  private readonly serverAddr6: Uint8Array | undefined;
  readonly clientPort: number = 0;
  readonly serverPort: number = 0;
  /** 32-bit words of the addresses (the address itself for IPv4, a hash for IPv6). */
  readonly clientWord: number = 0;
  readonly serverWord: number = 0;
  readonly hash: number = 0;

  // FlowInfo for analysers and detectors. The texts are built on first use (most at the flow's
  // end, for its record), so a flow carries no strings through its life in the table.
  /** The 48-bit flow id as a number; `flowId` is its decimal text. */
  readonly flowIdNumber: number = 0;
  readonly transport: 'tcp' | 'udp';
  readonly isOrientationFromSyn: boolean = false;
  private flowIdText: string | undefined = undefined;
  private communityIdText: string | undefined = undefined;
  private clientIpText: string | undefined = undefined;
  private serverIpText: string | undefined = undefined;

  readonly startUs: number = 0;
  lastUs: number = 0;
  pktsToServer = 0;
  pktsToClient = 0;
  bytesToServer = 0;
  bytesToClient = 0;
  flagsToServer = 0;
  flagsToClient = 0;
  tcpState: number = TcpState.NONE;
  /** Bit 0: FIN seen from the client, bit 1: from the server. */
  finMask = 0;
  hasRst = false;
  /** Set by detection (EVE `flow.alerted`). */
  isAlerted = false;
  /**
   * False once no analyser wants this flow's payload (kept here, on the object the lookup already
   * read, so the packet path skips the flow's analysis state without touching it).
   */
  isInspected = true;

  // Flow table bookkeeping.
  hashNext: Flow<E> | undefined = undefined;
  listPrev: Flow<E> | undefined = undefined;
  listNext: Flow<E> | undefined = undefined;
  /** Packet time the flow was last put at the tail of its timeout list (at most `lastUs`). */
  listUs = 0;
  timeoutClass: number = 0;
  isEnded = false;

  /** What the engine keeps on the flow (reassembly, analyser sessions). */
  ext: E | undefined = undefined;

  constructor(init: {
    protocol: number;
    vlan: number;
    innerVlan: number;
    clientAddr: Uint8Array;
    serverAddr: Uint8Array;
    clientPort: number;
    serverPort: number;
    clientWord: number;
    serverWord: number;
    hash: number;
    flowIdNumber: number;
    isOrientationFromSyn: boolean;
    startUs: number;
    timeoutClass: number;
  }) {
    this.protocol = init.protocol;
    this.vlan = init.vlan;
    this.innerVlan = init.innerVlan;
    this.clientAddr6 = init.clientAddr.length === 4 ? undefined : init.clientAddr;
    this.serverAddr6 = init.serverAddr.length === 4 ? undefined : init.serverAddr;
    this.clientPort = init.clientPort;
    this.serverPort = init.serverPort;
    this.clientWord = init.clientWord;
    this.serverWord = init.serverWord;
    this.hash = init.hash;
    this.flowIdNumber = init.flowIdNumber;
    this.transport = init.protocol === 17 ? 'udp' : 'tcp';
    this.isOrientationFromSyn = init.isOrientationFromSyn;
    this.startUs = init.startUs;
    this.lastUs = init.startUs;
    this.timeoutClass = init.timeoutClass;
  }

  get flowId(): string {
    return (this.flowIdText ??= String(this.flowIdNumber));
  }

  /** Community ID v1 of the flow's key. */
  get communityId(): string {
    return (this.communityIdText ??= communityIdV1(this.clientAddr, this.clientPort, this.serverAddr, this.serverPort, this.protocol));
  }

  get clientIp(): string {
    return (this.clientIpText ??= formatIp(this.clientAddr));
  }

  get serverIp(): string {
    return (this.serverIpText ??= formatIp(this.serverAddr));
  }

  /** The client address bytes (allocates for IPv4). */
  get clientAddr(): Uint8Array {
    return this.clientAddr6 ?? wordBytes(this.clientWord);
  }

  get serverAddr(): Uint8Array {
    return this.serverAddr6 ?? wordBytes(this.serverWord);
  }

  /** EVE `flow.state`: new until both sides spoke (TCP: handshake done), closed after FIN/RST. */
  get state(): 'new' | 'established' | 'closed' {
    if (this.protocol === 6) {
      if (this.tcpState === TcpState.CLOSED || this.tcpState === TcpState.CLOSING) return 'closed';
      if (this.tcpState >= TcpState.ESTABLISHED) return 'established';
      return 'new';
    }
    return this.pktsToServer > 0 && this.pktsToClient > 0 ? 'established' : 'new';
  }

  /**
   * A simplified TCP state machine (RFC 793 section 3.2, as Suricata names the states) driven by
   * the flags seen, without sequence validation: it labels the flow and picks its timeout class.
   */
  updateTcpState(dir: Direction, flags: number): void {
    if (flags & TcpFlag.RST) {
      this.hasRst = true;
      this.tcpState = TcpState.CLOSED;
      return;
    }
    const syn = (flags & TcpFlag.SYN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    switch (this.tcpState) {
      case TcpState.NONE:
        if (syn && !ack) this.tcpState = TcpState.SYN_SENT;
        else if (syn && ack) this.tcpState = TcpState.SYN_RECV;
        // Picked up mid-stream: treat as established (Suricata's midstream mode).
        else this.tcpState = TcpState.ESTABLISHED;
        break;
      case TcpState.SYN_SENT:
        if (syn && ack && dir === 1) this.tcpState = TcpState.SYN_RECV;
        break;
      case TcpState.SYN_RECV:
        if (!syn && ack && dir === 0) this.tcpState = TcpState.ESTABLISHED;
        break;
      default:
        break;
    }
    if (flags & TcpFlag.FIN) {
      this.finMask |= dir === 0 ? 1 : 2;
      if (this.tcpState < TcpState.FIN_WAIT1) this.tcpState = TcpState.FIN_WAIT1;
      if (this.finMask === 3) this.tcpState = TcpState.CLOSING;
    } else if (this.finMask === 3 && ack && this.tcpState === TcpState.CLOSING) {
      // The ACK of the second FIN closes the connection.
      this.tcpState = TcpState.CLOSED;
    }
  }

  /** The timeout class this flow belongs to now. */
  currentTimeoutClass(): number {
    if (this.protocol === 6) {
      if (this.tcpState === TcpState.CLOSED || this.tcpState === TcpState.CLOSING) return TimeoutClass.TCP_CLOSED;
      if (this.tcpState >= TcpState.ESTABLISHED) return TimeoutClass.TCP_ESTABLISHED;
      return TimeoutClass.TCP_NEW;
    }
    const isBoth = this.pktsToServer > 0 && this.pktsToClient > 0;
    if (this.protocol === 17) return isBoth ? TimeoutClass.UDP_ESTABLISHED : TimeoutClass.UDP_NEW;
    return isBoth ? TimeoutClass.OTHER_ESTABLISHED : TimeoutClass.OTHER_NEW;
  }
}

function wordBytes(w: number): Uint8Array {
  return Uint8Array.of(w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff);
}
