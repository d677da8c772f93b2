// Byte-level builders for test captures and packets. Every field is written where its
// specification puts it (cited per function), so tests read as the layout they check.

export type Bytes = number[];

export function be16(v: number): Bytes {
  return [(v >> 8) & 0xff, v & 0xff];
}
export function be32(v: number): Bytes {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
export function le16(v: number): Bytes {
  return [v & 0xff, (v >> 8) & 0xff];
}
export function le32(v: number): Bytes {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
export function ip4(text: string): Bytes {
  return text.split('.').map(Number);
}
export function ascii(s: string): Bytes {
  return [...Buffer.from(s, 'latin1')];
}

/** Internet checksum (RFC 1071) of bytes. */
function checksum(b: Bytes): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet II (IEEE 802.3 clause 3): destination, source, EtherType. */
export function ether(type: number, payload: Bytes, tags: { tpid: number; vid: number }[] = []): Bytes {
  const dst = [0x02, 0, 0, 0, 0, 0x02];
  const src = [0x02, 0, 0, 0, 0, 0x01];
  const t: Bytes = [];
  for (const g of tags) t.push(...be16(g.tpid), ...be16(g.vid & 0x0fff));
  return [...dst, ...src, ...t, ...be16(type), ...payload];
}

export interface Ip4Opts {
  src?: string;
  dst?: string;
  proto: number;
  id?: number;
  ttl?: number;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  moreFragments?: boolean;
  /** IP options, padded by the caller to a multiple of 4. */
  options?: Bytes;
  /** Overrides the total length field. */
  totalLength?: number;
}

/** IPv4 header (RFC 791 section 3.1) followed by the payload. */
export function ipv4(o: Ip4Opts, payload: Bytes): Bytes {
  const opts = o.options ?? [];
  const ihl = 5 + opts.length / 4;
  const total = o.totalLength ?? ihl * 4 + payload.length;
  const frag = ((o.moreFragments ? 1 : 0) << 13) | ((o.fragOffset ?? 0) >> 3);
  const h: Bytes = [
    0x40 | ihl, 0, ...be16(total), ...be16(o.id ?? 1), ...be16(frag), o.ttl ?? 64, o.proto, 0, 0,
    ...ip4(o.src ?? '10.0.0.1'), ...ip4(o.dst ?? '10.0.0.2'), ...opts,
  ];
  const c = checksum(h);
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return [...h, ...payload];
}

/** IPv6 fixed header (RFC 8200 section 3) followed by the payload (extension headers included). */
export function ipv6(next: number, payload: Bytes, src = '2001:db8::1', dst = '2001:db8::2', hopLimit = 64): Bytes {
  return [0x60, 0, 0, 0, ...be16(payload.length), next, hopLimit, ...ip6(src), ...ip6(dst), ...payload];
}

export function ip6(text: string): Bytes {
  const [head = '', tail = ''] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return words.flatMap((w) => be16(parseInt(w, 16)));
}

/** TCP header (RFC 9293 section 3.1): options padded by the caller to a multiple of 4. */
export function tcp(sport: number, dport: number, flags: number, payload: Bytes, options: Bytes = [], seq = 1000, ack = 0): Bytes {
  const off = 5 + options.length / 4;
  return [...be16(sport), ...be16(dport), ...be32(seq), ...be32(ack), off << 4, flags, ...be16(65535), 0, 0, 0, 0, ...options, ...payload];
}

/** UDP header (RFC 768). */
export function udp(sport: number, dport: number, payload: Bytes, length = 8 + payload.length): Bytes {
  return [...be16(sport), ...be16(dport), ...be16(length), 0, 0, ...payload];
}

export interface PcapRecord {
  tsSec: number;
  tsFrac: number;
  data: Bytes;
  origLen?: number;
}

/**
 * Classic pcap (tcpdump.org "libpcap file format"): 24-byte header then 16-byte record headers,
 * in the chosen byte order; `nano` writes the nanosecond magic a1b23c4d.
 */
export function pcapFile(linkType: number, records: PcapRecord[], opts: { bigEndian?: boolean; nano?: boolean; snaplen?: number } = {}): Uint8Array {
  const w32 = opts.bigEndian ? be32 : le32;
  const w16 = opts.bigEndian ? be16 : le16;
  const out: Bytes = [...w32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4), ...w16(2), ...w16(4), ...w32(0), ...w32(0), ...w32(opts.snaplen ?? 65535), ...w32(linkType)];
  for (const r of records) {
    out.push(...w32(r.tsSec), ...w32(r.tsFrac), ...w32(r.data.length), ...w32(r.origLen ?? r.data.length), ...r.data);
  }
  return Uint8Array.from(out);
}

/** pcapng writer over one byte order (draft-ietf-opsawg-pcapng). */
export class Pcapng {
  readonly out: Bytes = [];
  constructor(private readonly bigEndian = false) {}
  private w16(v: number): Bytes {
    return this.bigEndian ? be16(v) : le16(v);
  }
  private w32(v: number): Bytes {
    return this.bigEndian ? be32(v) : le32(v);
  }
  /** Generic block: type, total length, body padded to 4, total length. */
  block(type: number, body: Bytes): this {
    const padded = [...body, ...new Array<number>((4 - (body.length % 4)) % 4).fill(0)];
    const len = 12 + padded.length;
    this.out.push(...this.w32(type), ...this.w32(len), ...padded, ...this.w32(len));
    return this;
  }
  option(code: number, value: Bytes): Bytes {
    return [...this.w16(code), ...this.w16(value.length), ...value, ...new Array<number>((4 - (value.length % 4)) % 4).fill(0)];
  }
  /** Section Header Block: byte-order magic 1a2b3c4d, version 1.0, section length -1. */
  shb(): this {
    return this.block(0x0a0d0d0a, [...this.w32(0x1a2b3c4d), ...this.w16(1), ...this.w16(0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  }
  /** Interface Description Block with optional if_tsresol (code 9) and if_name (code 2). */
  idb(linkType: number, snaplen: number, tsresol?: number, name?: string): this {
    const opts: Bytes = [];
    if (name !== undefined) opts.push(...this.option(2, ascii(name)));
    if (tsresol !== undefined) opts.push(...this.option(9, [tsresol]));
    if (opts.length > 0) opts.push(0, 0, 0, 0);
    return this.block(1, [...this.w16(linkType), 0, 0, ...this.w32(snaplen), ...opts]);
  }
  /** Enhanced Packet Block: interface, timestamp high/low, captured and original length, data. */
  epb(iface: number, ts: bigint, data: Bytes, origLen = data.length): this {
    return this.block(6, [...this.w32(iface), ...this.w32(Number(ts >> 32n)), ...this.w32(Number(ts & 0xffffffffn)), ...this.w32(data.length), ...this.w32(origLen), ...data]);
  }
  /** Simple Packet Block: original length and data (captured length implied). */
  spb(data: Bytes, origLen = data.length): this {
    return this.block(3, [...this.w32(origLen), ...data]);
  }
  /** Obsolete Packet Block (type 2): 16-bit interface id and 16-bit drops count. */
  opb(iface: number, ts: bigint, data: Bytes, origLen = data.length): this {
    return this.block(2, [...this.w16(iface), ...this.w16(0), ...this.w32(Number(ts >> 32n)), ...this.w32(Number(ts & 0xffffffffn)), ...this.w32(data.length), ...this.w32(origLen), ...data]);
  }
  /** Name Resolution Block with IPv4 records (type 1) then end of records. */
  nrb(entries: { addr: string; names: string[] }[]): this {
    const body: Bytes = [];
    for (const e of entries) {
      const v = [...ip4(e.addr), ...e.names.flatMap((n) => [...ascii(n), 0])];
      body.push(...this.w16(1), ...this.w16(v.length), ...v, ...new Array<number>((4 - (v.length % 4)) % 4).fill(0));
    }
    body.push(0, 0, 0, 0);
    return this.block(4, body);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}
