// IP fragment reassembly shared by IPv4 (RFC 791) and IPv6 (RFC 8200 section 4.5). Fragments
// are keyed by the caller (addresses, identification, protocol); time is the packet time. Every
// resource is capped: concurrent datagrams, bytes per datagram, bytes held in total, fragments
// per datagram, and age. Overlaps keep the bytes that arrived first (as the BSD and Linux stacks
// do for the data they already hold) and are counted; differing overlap data is a separate count.

import type { AnomalySink } from './types.js';

export interface FragmentLimits {
  /** Datagrams being reassembled at once; the oldest is dropped for a new one beyond this. */
  maxDatagrams: number;
  /** Largest reassembled payload, bytes (an IP datagram cannot exceed 65535). */
  maxDatagramBytes: number;
  /** Bytes held across all datagrams; oldest dropped first beyond this. */
  maxTotalBytes: number;
  /** Fragments accepted for one datagram. */
  maxFragmentsPerDatagram: number;
  /** Age after which an incomplete datagram is dropped, microseconds of packet time (Linux ipfrag_time: 30 s). */
  timeoutUs: number;
}

export const DEFAULT_FRAGMENT_LIMITS: Readonly<FragmentLimits> = {
  maxDatagrams: 1024,
  maxDatagramBytes: 65_535,
  maxTotalBytes: 16 * 1024 * 1024,
  maxFragmentsPerDatagram: 256,
  timeoutUs: 30_000_000,
};

interface Datagram {
  firstTsUs: number;
  data: Uint8Array;
  /** Received byte ranges, sorted and merged: [start0, end0, start1, end1, ...]. */
  ranges: number[];
  /** Payload length once the last fragment arrived; -1 before. */
  totalLen: number;
  fragments: number;
}

export interface FragmentStats {
  fragments: number;
  reassembled: number;
  dropped: number;
}

export class IpReassembler {
  private readonly datagrams = new Map<string, Datagram>();
  private heldBytes = 0;
  readonly stats: FragmentStats = { fragments: 0, reassembled: 0, dropped: 0 };
  readonly limits: FragmentLimits;

  constructor(
    private readonly anomalies: AnomalySink,
    limits: Partial<FragmentLimits> = {},
  ) {
    this.limits = { ...DEFAULT_FRAGMENT_LIMITS, ...limits };
  }

  /** Datagrams currently incomplete. */
  get pending(): number {
    return this.datagrams.size;
  }

  /** Bytes currently held for incomplete datagrams. */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  /**
   * Adds one fragment: `data` is its payload at byte `offset` of the datagram's payload.
   * Returns the reassembled payload (a new array) when this fragment completes it, else null.
   */
  add(key: string, tsUs: number, offset: number, data: Uint8Array, isLast: boolean): Uint8Array | null {
    this.stats.fragments++;
    this.expire(tsUs);
    const lim = this.limits;
    const end = offset + data.length;
    if (end > lim.maxDatagramBytes) {
      this.anomalies.count('ipfrag.datagram_too_large');
      this.drop(key);
      return null;
    }
    if (!isLast && data.length % 8 !== 0) this.anomalies.count('ipfrag.bad_fragment_length');
    let d = this.datagrams.get(key);
    if (!d) {
      while (this.datagrams.size >= lim.maxDatagrams) this.evictOldest('ipfrag.too_many_datagrams');
      d = { firstTsUs: tsUs, data: new Uint8Array(Math.max(64, end)), ranges: [], totalLen: -1, fragments: 0 };
      this.datagrams.set(key, d);
      this.heldBytes += d.data.length;
    }
    if (++d.fragments > lim.maxFragmentsPerDatagram) {
      this.anomalies.count('ipfrag.too_many_fragments');
      this.drop(key);
      return null;
    }
    if (isLast) {
      if ((d.totalLen >= 0 && d.totalLen !== end) || lastEnd(d.ranges) > end) {
        this.anomalies.count('ipfrag.inconsistent_length');
        this.drop(key);
        return null;
      }
      d.totalLen = end;
    } else if (d.totalLen >= 0 && end > d.totalLen) {
      this.anomalies.count('ipfrag.inconsistent_length');
      this.drop(key);
      return null;
    }
    if (end > d.data.length) {
      let size = d.data.length;
      while (size < end) size *= 2;
      size = Math.min(size, lim.maxDatagramBytes);
      const grown = new Uint8Array(size);
      grown.set(d.data);
      this.heldBytes += size - d.data.length;
      d.data = grown;
    }
    while (this.heldBytes > lim.maxTotalBytes && this.datagrams.size > 1) {
      const oldest = this.datagrams.keys().next().value as string;
      if (oldest === key) break;
      this.evictOldest('ipfrag.memory_limit');
    }
    this.place(d, offset, data);
    if (d.totalLen >= 0 && d.ranges.length === 2 && d.ranges[0] === 0 && d.ranges[1] === d.totalLen) {
      this.datagrams.delete(key);
      this.heldBytes -= d.data.length;
      this.stats.reassembled++;
      return d.data.subarray(0, d.totalLen);
    }
    return null;
  }

  /** Drops datagrams older than the timeout at packet time `nowUs`. */
  expire(nowUs: number): void {
    const limit = nowUs - this.limits.timeoutUs;
    for (const [key, d] of this.datagrams) {
      if (d.firstTsUs >= limit) break;
      this.anomalies.count('ipfrag.timeout');
      this.drop(key);
    }
  }

  private evictOldest(reason: string): void {
    const oldest = this.datagrams.keys().next();
    if (oldest.done) return;
    this.anomalies.count(reason);
    this.drop(oldest.value);
  }

  private drop(key: string): void {
    const d = this.datagrams.get(key);
    if (!d) return;
    this.datagrams.delete(key);
    this.heldBytes -= d.data.length;
    this.stats.dropped++;
  }

  /** Copies the parts of [offset, offset+len) not yet held; compares the parts already held. */
  private place(d: Datagram, offset: number, data: Uint8Array): void {
    const r = d.ranges;
    const end = offset + data.length;
    if (data.length === 0) return;
    let pos = offset;
    let overlapped = false;
    let conflict = false;
    for (let i = 0; i < r.length && pos < end; i += 2) {
      const rs = r[i] as number;
      const re = r[i + 1] as number;
      if (re <= pos) continue;
      if (rs >= end) break;
      if (rs > pos) d.data.set(data.subarray(pos - offset, rs - offset), pos);
      const os = Math.max(rs, pos);
      const oe = Math.min(re, end);
      overlapped = true;
      for (let k = os; k < oe; k++) {
        if (d.data[k] !== data[k - offset]) {
          conflict = true;
          break;
        }
      }
      pos = oe;
    }
    if (pos < end) d.data.set(data.subarray(pos - offset), pos);
    if (overlapped) this.anomalies.count(conflict ? 'ipfrag.overlap_conflict' : 'ipfrag.overlap');
    // Merge [offset, end) into the sorted range list.
    const merged: number[] = [];
    let ns = offset;
    let ne = end;
    let inserted = false;
    for (let i = 0; i < r.length; i += 2) {
      const rs = r[i] as number;
      const re = r[i + 1] as number;
      if (re < ns) merged.push(rs, re);
      else if (rs > ne) {
        if (!inserted) {
          merged.push(ns, ne);
          inserted = true;
        }
        merged.push(rs, re);
      } else {
        ns = Math.min(ns, rs);
        ne = Math.max(ne, re);
      }
    }
    if (!inserted) merged.push(ns, ne);
    d.ranges = merged;
  }
}

function lastEnd(ranges: number[]): number {
  return ranges.length === 0 ? 0 : (ranges[ranges.length - 1] as number);
}
