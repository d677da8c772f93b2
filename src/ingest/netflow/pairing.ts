// Pairs one-direction records into bidirectional FlowRecords. Exporters (softflowd, nfpcapd,
// routers) report each direction of a conversation as its own record; the analyst wants one
// connection with bytes each way. A record waits up to `pairingHoldUs` for its reverse (same
// exporter, domain, protocol and swapped endpoints, overlapping in time); unmatched ones are
// stored alone. Which side is the client is decided in `clientFirst` (documented in docs/flows.md).

import type { FlowRecord } from '../../flows/types.js';
import type { Counters } from './counters.js';
import type { CollectorLimits } from './limits.js';
import { endReasonName, protoName, type UniFlow } from './record.js';

/** Time slack when matching the two directions: v9 header clocks tick in whole seconds (microseconds). */
const PAIR_TIME_SLACK_US = 1_000_000;

interface Held {
  u: UniFlow;
  heldUs: number;
}

export class FlowPairer {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly limits: Pick<CollectorLimits, 'pairingHoldUs' | 'maxPairingEntries'>,
    private readonly counters: Counters,
    private readonly emit: (rec: FlowRecord) => void,
  ) {}

  get size(): number {
    return this.held.size;
  }

  add(u: UniFlow, nowUs: number): void {
    const rev = this.held.get(dirKey(u, true));
    if (rev && overlaps(rev.u, u)) {
      this.held.delete(dirKey(u, true));
      this.counters.flows_paired += 2;
      this.emit(mergeFlows(rev.u, u));
      return;
    }
    const key = dirKey(u, false);
    const same = this.held.get(key);
    if (same) {
      // The same direction again (an active-timeout cut) before any reverse: the older one is done.
      this.held.delete(key);
      this.single(same.u);
    }
    if (this.held.size >= this.limits.maxPairingEntries) {
      const oldest = this.held.keys().next();
      if (!oldest.done) {
        const h = this.held.get(oldest.value) as Held;
        this.held.delete(oldest.value);
        this.counters.pairing_limit++;
        this.single(h.u);
      }
    }
    this.held.set(key, { u, heldUs: nowUs });
  }

  /** Emits records that waited longer than the hold. Map order is arrival order. */
  flushExpired(nowUs: number): void {
    for (const [k, h] of this.held) {
      if (nowUs - h.heldUs < this.limits.pairingHoldUs) break;
      this.held.delete(k);
      this.single(h.u);
    }
  }

  flushAll(): void {
    for (const h of this.held.values()) this.single(h.u);
    this.held.clear();
  }

  private single(u: UniFlow): void {
    this.counters.flows_unpaired++;
    this.emit(singleFlow(u));
  }
}

function dirKey(u: UniFlow, reverse: boolean): string {
  const head = `${u.observer}|${u.domain}|${u.proto}|`;
  return reverse
    ? `${head}${u.dstIp}|${u.dstPort}|${u.srcIp}|${u.srcPort}`
    : `${head}${u.srcIp}|${u.srcPort}|${u.dstIp}|${u.dstPort}`;
}

function overlaps(a: UniFlow, b: UniFlow): boolean {
  return a.startUs <= b.endUs + PAIR_TIME_SLACK_US && b.startUs <= a.endUs + PAIR_TIME_SLACK_US;
}

const SERVICE_PORT_LIMIT = 1024;
/** Start of the ephemeral port range of Linux (32768-60999); Windows and BSD start higher. */
const EPHEMERAL_PORT_MIN = 32768;

/**
 * Is `a`'s sender the client? Rules in order: a well-known port (< 1024) facing a higher one is
 * the server; an ephemeral port (>= 32768) facing a lower one is the client; otherwise the
 * direction seen first is the client's (not reliable for records cut in the middle of a
 * connection, hence its place after the port rules); otherwise (same start, as softflowd reports
 * both directions) the higher port is the client's.
 */
export function clientFirst(a: UniFlow, b: UniFlow | undefined): boolean {
  if (a.dstPort < SERVICE_PORT_LIMIT && a.srcPort >= SERVICE_PORT_LIMIT) return true;
  if (a.srcPort < SERVICE_PORT_LIMIT && a.dstPort >= SERVICE_PORT_LIMIT) return false;
  if (a.srcPort >= EPHEMERAL_PORT_MIN && a.dstPort < EPHEMERAL_PORT_MIN) return true;
  if (a.dstPort >= EPHEMERAL_PORT_MIN && a.srcPort < EPHEMERAL_PORT_MIN) return false;
  if (b) {
    if (a.startUs < b.startUs) return true;
    if (b.startUs < a.startUs) return false;
  }
  return a.srcPort >= a.dstPort;
}

export function mergeFlows(a: UniFlow, b: UniFlow): FlowRecord {
  const [cli, srv] = clientFirst(a, b) ? [a, b] : [b, a];
  const reasonA = endReasonName(cli.endReason);
  const reasonB = endReasonName(srv.endReason);
  const rec = base(cli, Math.min(a.startUs, b.startUs), Math.max(a.endUs, b.endUs));
  rec.pkts_toserver = cli.packets;
  rec.bytes_toserver = cli.octets;
  rec.pkts_toclient = srv.packets;
  rec.bytes_toclient = srv.octets;
  rec.tcp_flags = a.tcpFlags | b.tcpFlags;
  const reason = reasonA === 'end' || reasonB === 'end' ? 'end' : (reasonA ?? reasonB);
  if (reason) rec.reason = reason;
  rec.extra = extra(cli, true);
  rec.flow_id = flowId(rec);
  return rec;
}

export function singleFlow(u: UniFlow): FlowRecord {
  const isClient = clientFirst(u, undefined);
  const rec = base(u, u.startUs, u.endUs);
  if (!isClient) {
    rec.src_ip = u.dstIp;
    rec.src_port = u.dstPort;
    rec.dest_ip = u.srcIp;
    rec.dest_port = u.srcPort;
    rec.pkts_toclient = u.packets;
    rec.bytes_toclient = u.octets;
  } else {
    rec.pkts_toserver = u.packets;
    rec.bytes_toserver = u.octets;
  }
  rec.tcp_flags = u.tcpFlags;
  const reason = endReasonName(u.endReason);
  if (reason) rec.reason = reason;
  rec.flow_id = flowId(rec);
  rec.extra = extra(u, false);
  return rec;
}

function base(cli: UniFlow, startUs: number, endUs: number): FlowRecord {
  const rec: FlowRecord = {
    flow_id: '',
    source: cli.source,
    observer: cli.observer,
    src_ip: cli.srcIp,
    src_port: cli.srcPort,
    dest_ip: cli.dstIp,
    dest_port: cli.dstPort,
    proto: protoName(cli.proto),
    start_us: startUs,
    end_us: endUs,
    pkts_toserver: 0,
    pkts_toclient: 0,
    bytes_toserver: 0,
    bytes_toclient: 0,
  };
  if (cli.vlan >= 0) rec.vlan = cli.vlan;
  return rec;
}

function extra(u: UniFlow, paired: boolean): Record<string, unknown> {
  const e: Record<string, unknown> = { domain: u.domain, paired };
  if (u.samplingRate > 1) e.sampling_rate = u.samplingRate;
  return e;
}

/**
 * Content-derived id: the same record re-exported (or re-imported) gets the same id. Times and
 * counts are part of it because exporters that report one record per packet (nfpcapd for DNS)
 * give several records of one 5-tuple the same start millisecond.
 */
export function flowId(
  r: Pick<
    FlowRecord,
    'source' | 'observer' | 'proto' | 'src_ip' | 'src_port' | 'dest_ip' | 'dest_port' | 'start_us' | 'end_us' | 'pkts_toserver' | 'pkts_toclient' | 'bytes_toserver' | 'bytes_toclient'
  >,
): string {
  // Mixed field by field (no concatenated key string: this runs once per stored record).
  const h = new FlowHash();
  h.str(r.source);
  h.str(r.observer ?? '');
  h.str(r.proto);
  h.str(r.src_ip);
  h.num(r.src_port);
  h.str(r.dest_ip);
  h.num(r.dest_port);
  h.num(r.start_us);
  h.num(r.end_us);
  h.num(r.pkts_toserver);
  h.num(r.bytes_toserver);
  h.num(r.pkts_toclient);
  h.num(r.bytes_toclient);
  return h.hex();
}

/** Two independent 32-bit multiplicative mixes, printed as 16 hex digits (not cryptographic). */
class FlowHash {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193 ^ 0x5bd1e995;

  private mix(v: number): void {
    this.h1 = Math.imul(this.h1 ^ v, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ v, 0x5bd1e995);
    this.h2 ^= this.h2 >>> 15;
  }

  str(s: string): void {
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
    this.mix(0x7c); // field separator
  }

  /** Non-negative integers up to 2^53: low and high 32-bit words. */
  num(v: number): void {
    this.mix(v >>> 0);
    this.mix(Math.floor(v / 0x100000000) >>> 0);
    this.mix(0x7c);
  }

  hex(): string {
    const a = Math.imul(this.h1 ^ (this.h1 >>> 16), 0x85ebca6b) >>> 0;
    const b = Math.imul(this.h2 ^ (this.h2 >>> 13), 0xc2b2ae35) >>> 0;
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}

/** The same hash over one string (content ids of imported records). */
export function hash64(s: string): string {
  const h = new FlowHash();
  h.str(s);
  return h.hex();
}
