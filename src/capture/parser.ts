// Push parser for pcap and pcapng, chosen by the magic number. Chunks of any size go in; every
// complete packet record comes out synchronously, as a view into the chunk (or into a small carry
// buffer when a record straddles two chunks). Memory stays bounded by the largest block allowed.
// Formats: pcap (tcpdump.org "libpcap file format", both byte orders, micro- and nanosecond magic,
// Kuznetzov's modified pcap) and pcapng (draft-ietf-opsawg-pcapng: SHB, IDB, EPB, SPB, OPB, NRB).

import { formatIp } from '../util/ip.js';
import { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from './limits.js';
import { CaptureFormatError, type CapturedPacket } from './types.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** One interface of a capture (pcap has exactly one). */
export interface CaptureInterface {
  /** 0-based pcapng section (always 0 for pcap). */
  section: number;
  /** Interface id inside its section. */
  id: number;
  linkType: number;
  /** 0 when the file says "no limit". */
  snaplen: number;
  /** Timestamp resolution as written in the file: "10^-6", "10^-9", "2^-20"... */
  tsResolution: string;
  /** if_name option, when present. */
  name?: string;
}

/** One pcapng name-resolution entry (NRB nrb_record_ipv4 / nrb_record_ipv6). */
export interface NameRecord {
  addr: string;
  names: string[];
}

export interface CaptureSummary {
  source: string;
  format: CaptureFormat | 'unknown';
  packets: number;
  /** Sum of captured lengths. */
  capturedBytes: number;
  /** Sum of lengths on the wire. */
  wireBytes: number;
  /** Distinct link types of the interfaces that carried packets, ascending. */
  linkTypes: number[];
  interfaces: CaptureInterface[];
  sections: number;
  names: NameRecord[];
  /** NRB entries beyond `maxNameRecords`, counted but not kept. */
  namesDropped: number;
  /** pcapng blocks of types not read (ISB, DSB, custom, unknown). */
  skippedBlocks: number;
  /**
   * Skipped blocks that tshark nevertheless shows as frames (custom blocks, systemd journal
   * entries): each takes a frame number, so packet frame numbers stay equal to tshark's.
   */
  nonPacketFrames: number;
  /** Packets whose captured length is larger than their wire length (kept as written). */
  caplenOverOrigLen: number;
  firstTsUs: number;
  lastTsUs: number;
}

const PCAP_HEADER_BYTES = 24;
const PCAP_RECORD_BYTES = 16;
const PCAP_MODIFIED_RECORD_BYTES = 24;
const PCAPNG_MIN_BLOCK = 12;
const SHB_TYPE = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK_IDB = 1;
const BLOCK_OPB = 2;
const BLOCK_SPB = 3;
const BLOCK_NRB = 4;
const BLOCK_EPB = 6;
const BLOCK_SYSTEMD_JOURNAL = 9;
const BLOCK_CUSTOM_COPY = 0x00000bad;
const BLOCK_CUSTOM_NOCOPY = 0x40000bad;
const TWO32 = 4294967296;

// Timestamp conversion kinds, chosen once per interface so the per-packet path is a switch.
const TS_MICRO = 0;
const TS_DEC_DOWN = 1; // 10^-k with k > 6: divide
const TS_DEC_UP = 2; // 10^-k with k < 6: multiply
const TS_BIN = 3; // 2^-k, k <= 32
const TS_BIG = 4; // anything else, through BigInt

interface IfaceState {
  info: CaptureInterface;
  tsKind: number;
  /** Divisor, multiplier or binary exponent, by tsKind. */
  tsArg: number;
  /** if_tsoffset in microseconds. */
  tsOffsetUs: number;
  tsUnitsPerSecond: bigint;
}

const enum State {
  Magic,
  Pcap,
  Pcapng,
}

const latin1 = new TextDecoder('latin1');

/**
 * Push parser. `push` may throw CaptureFormatError; every packet before the damaged record has
 * been delivered by then. The CapturedPacket object passed to `onPacket` is reused for every
 * packet: read it (or copy what you need) inside the callback.
 */
export class CaptureParser {
  private readonly limits: CaptureLimits;
  private state = State.Magic;
  private le = true;
  private carry = new Uint8Array(0);
  private carryLen = 0;
  /** Absolute offset of the first byte not yet consumed (the start of the carry when it holds bytes). */
  private offset = 0;
  // pcap state
  private pcapNano = false;
  private pcapRecordBytes = PCAP_RECORD_BYTES;
  private pcapLinkType = 0;
  // pcapng state
  private ifaces: IfaceState[] = [];
  private section = -1;
  private readonly pkt: CapturedPacket = {
    tsUs: 0,
    linkType: 0,
    data: new Uint8Array(0),
    origLen: 0,
    interfaceId: 0,
    frameNumber: 0,
    fileOffset: 0,
  };
  private readonly sum: CaptureSummary;
  private readonly linkTypeSet = new Set<number>();
  private failed: CaptureFormatError | undefined;
  /** Frames numbered so far (packets plus non-packet frames). */
  private frames = 0;

  constructor(
    readonly source: string,
    private readonly onPacket: (p: CapturedPacket) => void,
    limits: Partial<CaptureLimits> = {},
  ) {
    this.limits = { ...DEFAULT_CAPTURE_LIMITS, ...limits };
    this.sum = {
      source,
      format: 'unknown',
      packets: 0,
      capturedBytes: 0,
      wireBytes: 0,
      linkTypes: [],
      interfaces: [],
      sections: 0,
      names: [],
      namesDropped: 0,
      skippedBlocks: 0,
      nonPacketFrames: 0,
      caplenOverOrigLen: 0,
      firstTsUs: 0,
      lastTsUs: 0,
    };
  }

  /** Bytes consumed so far (the offset of the next record). */
  get bytesConsumed(): number {
    return this.offset;
  }

  /** Bytes allocated for records that straddle chunks (bounded by maxBlockBytes). */
  get carryCapacity(): number {
    return this.carry.length;
  }

  /** Name records seen so far (pcapng NRB). */
  get names(): readonly NameRecord[] {
    return this.sum.names;
  }

  push(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    try {
      // Packets are views into the chunk: a plain Uint8Array view (not a Buffer) keeps every
      // decoder and analyser on one array shape, and subarray() stays the engine's native one.
      this.pushInner(chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      if (e instanceof CaptureFormatError) this.failed = e;
      throw e;
    }
  }

  /** Declares the end of input; throws when it cut a record or no capture header was seen. */
  end(): CaptureSummary {
    if (this.failed) throw this.failed;
    if (this.state === State.Magic) {
      throw this.fail(this.offset, this.carryLen === 0 ? 'empty input: no capture file header' : 'input ends inside the file header');
    }
    if (this.carryLen > 0) {
      const need = this.recordSize(this.carry, 0, this.carryLen);
      const what = need < 0 ? 'record header' : 'record';
      throw this.fail(this.offset, `input ends inside a ${what} (${this.carryLen} of ${Math.abs(need)} bytes present)`);
    }
    return this.summary();
  }

  summary(): CaptureSummary {
    this.sum.linkTypes = [...this.linkTypeSet].sort((a, b) => a - b);
    return this.sum;
  }

  private fail(offset: number, reason: string): CaptureFormatError {
    this.failed = new CaptureFormatError(this.source, offset, reason);
    return this.failed;
  }

  private pushInner(chunk: Uint8Array): void {
    let pos = 0;
    const len = chunk.length;
    if (this.carryLen > 0) {
      for (;;) {
        const size = this.recordSize(this.carry, 0, this.carryLen);
        const target = size < 0 ? -size : size;
        const take = Math.min(target - this.carryLen, len - pos);
        if (take > 0) {
          this.ensureCarry(target);
          this.carry.set(chunk.subarray(pos, pos + take), this.carryLen);
          this.carryLen += take;
          pos += take;
        }
        if (this.carryLen < target) return;
        if (size < 0) continue;
        this.handleRecord(this.carry, 0, size);
        this.offset += size;
        this.carryLen = 0;
        break;
      }
    }
    for (;;) {
      const avail = len - pos;
      if (avail === 0) return;
      const size = this.recordSize(chunk, pos, avail);
      if (size < 0 || size > avail) break;
      this.handleRecord(chunk, pos, size);
      pos += size;
      this.offset += size;
    }
    const rest = len - pos;
    this.ensureCarry(rest);
    this.carry.set(chunk.subarray(pos), 0);
    this.carryLen = rest;
  }

  private ensureCarry(n: number): void {
    if (this.carry.length >= n) return;
    let size = Math.max(this.carry.length * 2, 65_536);
    while (size < n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.carry.subarray(0, this.carryLen));
    this.carry = next;
  }

  private u32(b: Uint8Array, o: number): number {
    return this.le
      ? ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0
      : (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;
  }

  private u16(b: Uint8Array, o: number): number {
    return this.le ? (b[o] as number) | ((b[o + 1] as number) << 8) : ((b[o] as number) << 8) | (b[o + 1] as number);
  }

  /**
   * Size of the record starting at `pos`, or minus the number of bytes needed to know it. Never
   * asks for more than the record holds, so topping the carry up to that count never overshoots.
   * Throws on a size that cannot be right.
   */
  private recordSize(b: Uint8Array, pos: number, avail: number): number {
    switch (this.state) {
      case State.Pcap: {
        const hdr = this.pcapRecordBytes;
        if (avail < hdr) return -hdr;
        const caplen = this.u32(b, pos + 8);
        if (caplen > this.limits.maxCaplenBytes) {
          throw this.fail(this.offset, `captured length ${caplen} exceeds the limit of ${this.limits.maxCaplenBytes} bytes (maxCaplenBytes)`);
        }
        return hdr + caplen;
      }
      case State.Pcapng:
        return this.blockSize(b, pos, avail, false);
      case State.Magic: {
        if (avail < 4) return -4;
        const m = readLe32(b, pos);
        if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1 || m === 0xa1b2cd34 || m === 0x34cdb2a1) {
          return avail < PCAP_HEADER_BYTES ? -PCAP_HEADER_BYTES : PCAP_HEADER_BYTES;
        }
        if (m === SHB_TYPE) return this.blockSize(b, pos, avail, true);
        if ((b[pos] as number) === 0x1f && (b[pos + 1] as number) === 0x8b) {
          throw this.fail(this.offset, 'gzip data inside a capture stream');
        }
        throw this.fail(this.offset, `unknown file magic 0x${m.toString(16).padStart(8, '0')} (not pcap or pcapng)`);
      }
    }
  }

  private blockSize(b: Uint8Array, pos: number, avail: number, first: boolean): number {
    if (avail < PCAPNG_MIN_BLOCK) return -PCAPNG_MIN_BLOCK;
    const at = this.offset;
    const type = readLe32(b, pos);
    if (type === SHB_TYPE) {
      // The byte-order magic of the section header decides how its own length is read.
      const bom = readLe32(b, pos + 8);
      if (bom === BYTE_ORDER_MAGIC) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else throw this.fail(at, `section header block has a bad byte-order magic 0x${bom.toString(16)}`);
    } else if (first) {
      throw this.fail(at, 'pcapng input does not start with a section header block');
    }
    const total = this.u32(b, pos + 4);
    if (total < PCAPNG_MIN_BLOCK) throw this.fail(at, `block total length ${total} is below the minimum of ${PCAPNG_MIN_BLOCK}`);
    if (total % 4 !== 0) throw this.fail(at, `block total length ${total} is not a multiple of 4`);
    if (total > this.limits.maxBlockBytes) {
      throw this.fail(at, `block total length ${total} exceeds the limit of ${this.limits.maxBlockBytes} bytes (maxBlockBytes)`);
    }
    return total;
  }

  private handleRecord(b: Uint8Array, pos: number, size: number): void {
    switch (this.state) {
      case State.Pcap:
        this.pcapPacket(b, pos, size);
        return;
      case State.Pcapng:
        this.pcapngBlock(b, pos, size);
        return;
      case State.Magic:
        if (readLe32(b, pos) === SHB_TYPE) {
          this.state = State.Pcapng;
          this.sum.format = 'pcapng';
          this.pcapngBlock(b, pos, size);
        } else {
          this.pcapHeader(b, pos);
        }
    }
  }

  private pcapHeader(b: Uint8Array, pos: number): void {
    const m = readLe32(b, pos);
    this.le = m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xa1b2cd34;
    this.pcapNano = m === 0xa1b23c4d || m === 0x4d3cb2a1;
    this.pcapRecordBytes = m === 0xa1b2cd34 || m === 0x34cdb2a1 ? PCAP_MODIFIED_RECORD_BYTES : PCAP_RECORD_BYTES;
    const major = this.u16(b, pos + 4);
    if (major !== 2) throw this.fail(this.offset, `unsupported pcap major version ${major}`);
    const snaplen = this.u32(b, pos + 16);
    // The upper bits of the link-type field carry FCS information (pcap-linktype(7)).
    this.pcapLinkType = this.u32(b, pos + 20) & 0x03ffffff;
    this.state = State.Pcap;
    this.sum.format = 'pcap';
    this.sum.sections = 1;
    this.sum.interfaces.push({
      section: 0,
      id: 0,
      linkType: this.pcapLinkType,
      snaplen,
      tsResolution: this.pcapNano ? '10^-9' : '10^-6',
    });
  }

  private pcapPacket(b: Uint8Array, pos: number, size: number): void {
    const sec = this.u32(b, pos);
    const frac = this.u32(b, pos + 4);
    const caplen = size - this.pcapRecordBytes;
    const origLen = this.u32(b, pos + 12);
    const tsUs = sec * 1_000_000 + (this.pcapNano ? Math.floor(frac / 1000) : frac);
    const start = pos + this.pcapRecordBytes;
    this.emit(tsUs, this.pcapLinkType, b.subarray(start, start + caplen), origLen, 0);
  }

  private emit(tsUs: number, linkType: number, data: Uint8Array, origLen: number, iface: number): void {
    const p = this.pkt;
    const s = this.sum;
    s.packets++;
    s.capturedBytes += data.length;
    s.wireBytes += origLen;
    if (data.length > origLen) s.caplenOverOrigLen++;
    if (s.packets === 1) s.firstTsUs = tsUs;
    s.lastTsUs = tsUs;
    if (!this.linkTypeSet.has(linkType)) this.linkTypeSet.add(linkType);
    p.tsUs = tsUs;
    p.linkType = linkType;
    p.data = data;
    p.origLen = origLen;
    p.interfaceId = iface;
    p.frameNumber = ++this.frames;
    p.fileOffset = this.offset;
    this.onPacket(p);
  }

  private pcapngBlock(b: Uint8Array, pos: number, size: number): void {
    const at = this.offset;
    const type = this.u32(b, pos);
    const trailer = this.u32(b, pos + size - 4);
    if (trailer !== size) throw this.fail(at, `block trailing length ${trailer} differs from its leading length ${size}`);
    const bodyEnd = pos + size - 4;
    switch (type) {
      case SHB_TYPE:
        return this.sectionHeader(b, pos, size);
      case BLOCK_IDB:
        return this.interfaceBlock(b, pos, bodyEnd);
      case BLOCK_EPB: {
        if (size < 32) throw this.fail(at, `enhanced packet block of ${size} bytes is below the minimum of 32`);
        const ifId = this.u32(b, pos + 8);
        const iface = this.iface(ifId, at);
        const caplen = this.u32(b, pos + 20);
        const origLen = this.u32(b, pos + 24);
        this.checkCaplen(caplen, bodyEnd - (pos + 28), at);
        const ts = this.tsUs(iface, this.u32(b, pos + 12), this.u32(b, pos + 16));
        return this.emit(ts, iface.info.linkType, b.subarray(pos + 28, pos + 28 + caplen), origLen, ifId);
      }
      case BLOCK_SPB: {
        if (size < 16) throw this.fail(at, `simple packet block of ${size} bytes is below the minimum of 16`);
        const iface = this.iface(0, at);
        const origLen = this.u32(b, pos + 8);
        // The captured length is not written: it is the wire length cut by IDB 0's snaplen
        // and by the block itself (pcapng, "Simple Packet Block").
        let caplen = Math.min(origLen, bodyEnd - (pos + 12));
        if (iface.info.snaplen > 0) caplen = Math.min(caplen, iface.info.snaplen);
        this.checkCaplen(caplen, caplen, at);
        return this.emit(this.sum.lastTsUs, iface.info.linkType, b.subarray(pos + 12, pos + 12 + caplen), origLen, 0);
      }
      case BLOCK_OPB: {
        if (size < 32) throw this.fail(at, `packet block of ${size} bytes is below the minimum of 32`);
        const ifId = this.u16(b, pos + 8);
        const iface = this.iface(ifId, at);
        const caplen = this.u32(b, pos + 20);
        const origLen = this.u32(b, pos + 24);
        this.checkCaplen(caplen, bodyEnd - (pos + 28), at);
        const ts = this.tsUs(iface, this.u32(b, pos + 12), this.u32(b, pos + 16));
        return this.emit(ts, iface.info.linkType, b.subarray(pos + 28, pos + 28 + caplen), origLen, ifId);
      }
      case BLOCK_NRB:
        return this.nameBlock(b, pos + 8, bodyEnd);
      case BLOCK_CUSTOM_COPY:
      case BLOCK_CUSTOM_NOCOPY:
      case BLOCK_SYSTEMD_JOURNAL:
        // Wireshark presents these as records of their own, numbered like packets.
        this.sum.nonPacketFrames++;
        this.frames++;
        this.sum.skippedBlocks++;
        return;
      default:
        this.sum.skippedBlocks++;
    }
  }

  private checkCaplen(caplen: number, room: number, at: number): void {
    if (caplen > this.limits.maxCaplenBytes) {
      throw this.fail(at, `captured length ${caplen} exceeds the limit of ${this.limits.maxCaplenBytes} bytes (maxCaplenBytes)`);
    }
    if (caplen > room) throw this.fail(at, `captured length ${caplen} exceeds the ${room} bytes the block holds`);
  }

  private iface(id: number, at: number): IfaceState {
    const i = this.ifaces[id];
    if (!i) throw this.fail(at, `packet refers to interface ${id}, but the section describes ${this.ifaces.length}`);
    return i;
  }

  private sectionHeader(b: Uint8Array, pos: number, size: number): void {
    const at = this.offset;
    if (size < 28) throw this.fail(at, `section header block of ${size} bytes is below the minimum of 28`);
    const major = this.u16(b, pos + 12);
    if (major !== 1) throw this.fail(at, `unsupported pcapng major version ${major}`);
    this.section++;
    this.sum.sections++;
    this.ifaces = [];
  }

  private interfaceBlock(b: Uint8Array, pos: number, bodyEnd: number): void {
    const at = this.offset;
    if (bodyEnd - pos < 16) throw this.fail(at, 'interface description block is too short');
    if (this.ifaces.length >= this.limits.maxInterfaces) {
      throw this.fail(at, `more than ${this.limits.maxInterfaces} interfaces in one section (maxInterfaces)`);
    }
    const info: CaptureInterface = {
      section: this.section,
      id: this.ifaces.length,
      linkType: this.u16(b, pos + 8),
      snaplen: this.u32(b, pos + 12),
      tsResolution: '10^-6',
    };
    const st: IfaceState = { info, tsKind: TS_MICRO, tsArg: 1, tsOffsetUs: 0, tsUnitsPerSecond: 1_000_000n };
    // Options: code, length, value padded to 4 bytes (pcapng "Options"). A malformed option ends
    // the list; the interface stays usable with what was read.
    let o = pos + 16;
    while (o + 4 <= bodyEnd) {
      const code = this.u16(b, o);
      const len = this.u16(b, o + 2);
      const v = o + 4;
      if (code === 0 || v + len > bodyEnd) break;
      if (code === 2) info.name = latin1.decode(b.subarray(v, v + len)).replace(/\0+$/, '');
      else if (code === 9 && len >= 1) setResolution(st, b[v] as number);
      else if (code === 14 && len >= 8) {
        // if_tsoffset: signed 64-bit seconds added to every timestamp.
        const hi = this.u32(b, v + (this.le ? 4 : 0)) | 0;
        const lo = this.u32(b, v + (this.le ? 0 : 4));
        st.tsOffsetUs = (hi * TWO32 + lo) * 1_000_000;
      }
      o = v + ((len + 3) & ~3);
    }
    this.ifaces.push(st);
    if (this.sum.interfaces.length < this.limits.maxInterfaces) this.sum.interfaces.push(info);
  }

  private tsUs(i: IfaceState, hi: number, lo: number): number {
    switch (i.tsKind) {
      case TS_MICRO:
        return hi * TWO32 + lo + i.tsOffsetUs;
      case TS_DEC_DOWN: {
        // (hi * 2^32 + lo) / d without exceeding 2^53: split hi by d first. tsArg <= 10^6 here.
        const d = i.tsArg;
        const hq = Math.floor(hi / d);
        const hr = hi - hq * d;
        return hq * TWO32 + Math.floor((hr * TWO32 + lo) / d) + i.tsOffsetUs;
      }
      case TS_DEC_UP:
        return (hi * TWO32 + lo) * i.tsArg + i.tsOffsetUs;
      case TS_BIN: {
        const k = i.tsArg;
        const unit = 2 ** k;
        const sec = hi * 2 ** (32 - k) + Math.floor(lo / unit);
        const frac = lo % unit;
        return sec * 1_000_000 + Math.floor((frac * 1_000_000) / unit) + i.tsOffsetUs;
      }
      default: {
        const v = (BigInt(hi) << 32n) | BigInt(lo);
        return Number((v * 1_000_000n) / i.tsUnitsPerSecond) + i.tsOffsetUs;
      }
    }
  }

  private nameBlock(b: Uint8Array, pos: number, bodyEnd: number): void {
    // Records: type, value length, value padded to 4 (pcapng "Name Resolution Block").
    let o = pos;
    while (o + 4 <= bodyEnd) {
      const type = this.u16(b, o);
      const len = this.u16(b, o + 2);
      const v = o + 4;
      if (type === 0 || v + len > bodyEnd) break;
      const alen = type === 1 ? 4 : type === 2 ? 16 : 0;
      if (alen > 0 && len > alen) {
        const names = latin1
          .decode(b.subarray(v + alen, v + len))
          .split('\0')
          .filter((n) => n.length > 0);
        if (this.sum.names.length < this.limits.maxNameRecords) {
          this.sum.names.push({ addr: formatIp(b.slice(v, v + alen)), names });
        } else {
          this.sum.namesDropped++;
        }
      }
      o = v + ((len + 3) & ~3);
    }
  }
}

function readLe32(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
}

/** if_tsresol: top bit clear = 10^-v seconds, set = 2^-v seconds (pcapng "if_tsresol"). */
function setResolution(st: IfaceState, v: number): void {
  const exp = v & 0x7f;
  if (v & 0x80) {
    st.info.tsResolution = `2^-${exp}`;
    st.tsUnitsPerSecond = 1n << BigInt(exp);
    if (exp <= 32) {
      st.tsKind = TS_BIN;
      st.tsArg = exp;
    } else st.tsKind = TS_BIG;
    return;
  }
  st.info.tsResolution = `10^-${exp}`;
  st.tsUnitsPerSecond = 10n ** BigInt(exp);
  if (exp === 6) st.tsKind = TS_MICRO;
  else if (exp > 6 && exp <= 12) {
    st.tsKind = TS_DEC_DOWN;
    st.tsArg = 10 ** (exp - 6);
  } else if (exp < 6) {
    st.tsKind = TS_DEC_UP;
    st.tsArg = 10 ** (6 - exp);
  } else st.tsKind = TS_BIG;
}
