// @ts-check
// Rewrites a capture the way an evasive miner or an odd network would carry it, to test that the
// sensor still sees the same conversation: TCP re-segmented into 1-byte segments, segments
// reordered, overlapping retransmissions of the same data, IPv4 fragments, IPv4 translated to
// IPv6, and 802.1Q / QinQ (802.1ad) tags. Reads and writes classic pcap (Ethernet link type) and
// recomputes IPv4 header, TCP and UDP checksums (RFC 791, RFC 793, RFC 768, RFC 8200 section 8.1).
// Usage: node lab/evasion.mjs --in IN.pcap --out OUT.pcap [--frames N] --op seg1|reorder|overlap|ipfrag|ipv6|vlan|qinq[,...]
// (--frames N keeps only the first N frames, so 1-byte segmentation stays a small fixture.)

import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const ETH_HEADER = 14;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
/** Payload bytes per chunk when reordering, and chunk/stride for overlaps. */
const REORDER_CHUNK_BYTES = 16;
const OVERLAP_CHUNK_BYTES = 24;
const OVERLAP_STRIDE_BYTES = 12;
/** IP payload bytes per fragment (a multiple of 8, RFC 791); small enough to cut TCP headers. */
const FRAGMENT_PAYLOAD_BYTES = 16;
/** VLAN ids used for the tags. */
const INNER_VLAN_ID = 100;
const OUTER_VLAN_ID = 200;

/** @typedef {{ tsUs: number, data: Buffer }} Packet */

/** @param {Buffer} file @returns {{ linkType: number, packets: Packet[] }} */
export function readPcap(file) {
  const magicLE = file.readUInt32LE(0);
  let le;
  let nanos = false;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) le = true;
  else if (file.readUInt32BE(0) === 0xa1b2c3d4 || file.readUInt32BE(0) === 0xa1b23c4d) le = false;
  else throw new Error('not a classic pcap file');
  const magic = le ? magicLE : file.readUInt32BE(0);
  nanos = magic === 0xa1b23c4d;
  const u32 = (/** @type {number} */ off) => (le ? file.readUInt32LE(off) : file.readUInt32BE(off));
  const linkType = u32(20) & 0x0fffffff;
  /** @type {Packet[]} */
  const packets = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (off + 16 + incl > file.length) break;
    packets.push({ tsUs: sec * 1e6 + (nanos ? Math.floor(frac / 1000) : frac), data: Buffer.from(file.subarray(off + 16, off + 16 + incl)) });
    off += 16 + incl;
  }
  return { linkType, packets };
}

/** @param {number} linkType @param {Packet[]} packets */
export function writePcap(linkType, packets) {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(linkType, 20);
  const parts = [head];
  for (const p of packets) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.tsUs / 1e6), 0);
    rec.writeUInt32LE(p.tsUs % 1e6, 4);
    rec.writeUInt32LE(p.data.length, 8);
    rec.writeUInt32LE(p.data.length, 12);
    parts.push(rec, p.data);
  }
  return Buffer.concat(parts);
}

/** One's-complement sum of 16-bit words (RFC 1071). @param {Buffer[]} bufs */
function checksum(bufs) {
  let sum = 0;
  let odd = -1;
  for (const b of bufs) {
    for (let i = 0; i < b.length; i++) {
      const byte = b[i] ?? 0;
      if (odd < 0) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = -1;
      }
    }
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Splits an Ethernet frame into its parts; returns null for anything that is not IPv4 or IPv6.
 * @param {Buffer} frame
 */
function parseFrame(frame) {
  if (frame.length < ETH_HEADER) return null;
  const etherType = frame.readUInt16BE(12);
  const l3 = frame.subarray(ETH_HEADER);
  if (etherType === ETHERTYPE_IPV4 && l3.length >= 20) {
    const ihl = ((l3[0] ?? 0) & 0x0f) * 4;
    const totalLen = l3.readUInt16BE(2);
    const ip = l3.subarray(0, Math.min(totalLen, l3.length));
    return { eth: frame.subarray(0, ETH_HEADER), version: 4, ipHeader: ip.subarray(0, ihl), proto: ip[9] ?? 0, l4: ip.subarray(ihl) };
  }
  return null;
}

/** Builds an IPv4 packet around `l4`, recomputing lengths and the header checksum. */
function ipv4(/** @type {Buffer} */ templateHeader, /** @type {Buffer} */ l4, /** @type {{ id?: number, fragOffset?: number, more?: boolean }} */ opt = {}) {
  const h = Buffer.from(templateHeader);
  h.writeUInt16BE(h.length + l4.length, 2);
  if (opt.id !== undefined) h.writeUInt16BE(opt.id & 0xffff, 4);
  if (opt.fragOffset !== undefined) h.writeUInt16BE(((opt.more ? 0x2000 : 0) | (opt.fragOffset / 8)) & 0xffff, 6);
  h.writeUInt16BE(0, 10);
  h.writeUInt16BE(checksum([h]), 10);
  return Buffer.concat([h, l4]);
}

/** Recomputes a TCP or UDP checksum over the given pseudo-header source and destination. */
function fixL4Checksum(/** @type {Buffer} */ l4, /** @type {number} */ proto, /** @type {Buffer} */ src, /** @type {Buffer} */ dst) {
  const off = proto === PROTO_TCP ? 16 : 6;
  if (l4.length < off + 2) return;
  l4.writeUInt16BE(0, off);
  const pseudo = src.length === 4 ? Buffer.alloc(12) : Buffer.alloc(40);
  if (src.length === 4) {
    src.copy(pseudo, 0);
    dst.copy(pseudo, 4);
    pseudo[9] = proto;
    pseudo.writeUInt16BE(l4.length, 10);
  } else {
    src.copy(pseudo, 0);
    dst.copy(pseudo, 16);
    pseudo.writeUInt32BE(l4.length, 32);
    pseudo[39] = proto;
  }
  let sum = checksum([pseudo, l4]);
  if (proto === PROTO_UDP && sum === 0) sum = 0xffff;
  l4.writeUInt16BE(sum, off);
}

/** Emits TCP segments carrying `pieces` (offsets into the original payload) of one segment. */
function splitTcp(/** @type {Packet} */ pkt, /** @type {Array<[number, number]>} */ pieces, /** @type {{ ts: number }} */ clock) {
  const f = parseFrame(pkt.data);
  if (!f || f.proto !== PROTO_TCP) return [pkt];
  const tcpHeaderLen = ((f.l4[12] ?? 0) >> 4) * 4;
  const payload = f.l4.subarray(tcpHeaderLen);
  const flags = f.l4[13] ?? 0;
  if (pieces.length === 0 || payload.length <= 1 || (flags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0) return [pkt];
  const seq = f.l4.readUInt32BE(4);
  const src = f.ipHeader.subarray(12, 16);
  const dst = f.ipHeader.subarray(16, 20);
  const ipId = f.ipHeader.readUInt16BE(4);
  return pieces.map(([start, end], i) => {
    const tcp = Buffer.concat([Buffer.from(f.l4.subarray(0, tcpHeaderLen)), payload.subarray(start, end)]);
    tcp.writeUInt32BE((seq + start) >>> 0, 4);
    tcp[13] = end === payload.length ? flags : flags & ~TCP_PSH;
    fixL4Checksum(tcp, PROTO_TCP, src, dst);
    clock.ts = Math.max(clock.ts + 1, pkt.tsUs);
    return { tsUs: clock.ts, data: Buffer.concat([f.eth, ipv4(f.ipHeader, tcp, { id: ipId + i })]) };
  });
}

/** Payload length of a TCP packet eligible for splitting, else 0. @param {Packet} pkt */
function tcpPayloadLength(pkt) {
  const f = parseFrame(pkt.data);
  if (!f || f.proto !== PROTO_TCP) return 0;
  return f.l4.length - ((f.l4[12] ?? 0) >> 4) * 4;
}

/** @param {number} n @param {number} size @returns {Array<[number, number]>} */
function chunks(n, size) {
  /** @type {Array<[number, number]>} */
  const out = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}

/** @type {Record<string, (packets: Packet[]) => Packet[]>} */
export const operations = {
  /** Every TCP payload byte in its own segment. */
  seg1(packets) {
    const clock = { ts: 0 };
    return packets.flatMap((p) => splitTcp(p, chunks(tcpPayloadLength(p), 1), clock));
  },
  /** Payload cut into chunks, each adjacent pair sent in swapped order. */
  reorder(packets) {
    const clock = { ts: 0 };
    return packets.flatMap((p) => {
      const c = chunks(tcpPayloadLength(p), REORDER_CHUNK_BYTES);
      for (let i = 0; i + 1 < c.length; i += 2) {
        const a = c[i];
        const b = c[i + 1];
        if (a && b) {
          c[i] = b;
          c[i + 1] = a;
        }
      }
      return splitTcp(p, c, clock);
    });
  },
  /** Overlapping chunks (each repeats half of the previous one) and then the whole segment again. */
  overlap(packets) {
    const clock = { ts: 0 };
    return packets.flatMap((p) => {
      const n = tcpPayloadLength(p);
      if (n <= 1) return [p];
      /** @type {Array<[number, number]>} */
      const pieces = [];
      for (let s = 0; s < n; s += OVERLAP_STRIDE_BYTES) {
        pieces.push([s, Math.min(n, s + OVERLAP_CHUNK_BYTES)]);
        if (s + OVERLAP_CHUNK_BYTES >= n) break;
      }
      pieces.push([0, n]);
      return splitTcp(p, pieces, clock);
    });
  },
  /** Every IPv4 packet with more than one fragment's worth of payload is fragmented. */
  ipfrag(packets) {
    let nextId = 0x4d00;
    return packets.flatMap((p) => {
      const f = parseFrame(p.data);
      if (!f || f.l4.length <= FRAGMENT_PAYLOAD_BYTES) return [p];
      const id = nextId++;
      return chunks(f.l4.length, FRAGMENT_PAYLOAD_BYTES).map(([s, e], i) => ({
        tsUs: p.tsUs + i,
        data: Buffer.concat([f.eth, ipv4(f.ipHeader, f.l4.subarray(s, e), { id, fragOffset: s, more: e < f.l4.length })]),
      }));
    });
  },
  /** IPv4 to IPv6: a.b.c.d becomes 2001:db8::a.b.c.d; ARP is dropped (IPv6 uses ND instead). */
  ipv6(packets) {
    /** @type {Packet[]} */
    const out = [];
    for (const p of packets) {
      const f = parseFrame(p.data);
      if (!f) continue;
      const map = (/** @type {Buffer} */ v4) => Buffer.concat([Buffer.from('20010db8000000000000000000000000', 'hex').subarray(0, 12), v4]);
      const src = map(f.ipHeader.subarray(12, 16));
      const dst = map(f.ipHeader.subarray(16, 20));
      const l4 = Buffer.from(f.l4);
      if (f.proto === PROTO_TCP || f.proto === PROTO_UDP) fixL4Checksum(l4, f.proto, src, dst);
      const h = Buffer.alloc(40);
      h.writeUInt32BE(0x60000000, 0);
      h.writeUInt16BE(l4.length, 4);
      h[6] = f.proto;
      h[7] = f.ipHeader[8] ?? 64;
      src.copy(h, 8);
      dst.copy(h, 24);
      const eth = Buffer.from(f.eth);
      eth.writeUInt16BE(ETHERTYPE_IPV6, 12);
      out.push({ tsUs: p.tsUs, data: Buffer.concat([eth, h, l4]) });
    }
    return out;
  },
  /** One 802.1Q tag. */
  vlan(packets) {
    return packets.map((p) => ({ tsUs: p.tsUs, data: tag(p.data, [[ETHERTYPE_VLAN, INNER_VLAN_ID]]) }));
  },
  /** An 802.1ad service tag outside an 802.1Q customer tag. */
  qinq(packets) {
    return packets.map((p) => ({ tsUs: p.tsUs, data: tag(p.data, [[ETHERTYPE_QINQ, OUTER_VLAN_ID], [ETHERTYPE_VLAN, INNER_VLAN_ID]]) }));
  },
};

/** Inserts VLAN tags after the MAC addresses. @param {Buffer} frame @param {Array<[number, number]>} tags */
function tag(frame, tags) {
  const t = Buffer.alloc(4 * tags.length);
  tags.forEach(([tpid, vid], i) => {
    t.writeUInt16BE(tpid, i * 4);
    t.writeUInt16BE(vid & 0x0fff, i * 4 + 2);
  });
  return Buffer.concat([frame.subarray(0, 12), t, frame.subarray(12)]);
}

/**
 * Recomputes the IPv4 header and TCP/UDP checksums of unfragmented packets, so packets the
 * operations leave alone carry valid checksums like the ones they rewrite.
 * @param {Packet[]} packets
 */
export function normalise(packets) {
  return packets.map((p) => {
    const f = parseFrame(p.data);
    if (!f || (f.ipHeader.readUInt16BE(6) & 0x3fff) !== 0) return p;
    const l4 = Buffer.from(f.l4);
    if (f.proto === PROTO_TCP || f.proto === PROTO_UDP) fixL4Checksum(l4, f.proto, f.ipHeader.subarray(12, 16), f.ipHeader.subarray(16, 20));
    return { tsUs: p.tsUs, data: Buffer.concat([f.eth, ipv4(f.ipHeader, l4)]) };
  });
}

function main() {
  const args = process.argv.slice(2);
  const get = (/** @type {string} */ k) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] ?? '' : '';
  };
  const input = get('--in');
  const output = get('--out');
  const ops = get('--op').split(',').filter(Boolean);
  const frames = get('--frames') === '' ? Infinity : Number(get('--frames'));
  if (!input || !output || !(frames > 0)) {
    console.error('usage: node lab/evasion.mjs --in IN.pcap --out OUT.pcap [--frames N] --op seg1|reorder|overlap|ipfrag|ipv6|vlan|qinq[,...]');
    process.exit(2);
  }
  const { linkType, packets } = readPcap(fs.readFileSync(input));
  if (linkType !== 1) throw new Error(`link type ${linkType} is not Ethernet`);
  let out = normalise(packets.slice(0, frames));
  for (const op of ops) {
    const fn = operations[op];
    if (!fn) throw new Error(`unknown operation ${op}`);
    out = fn(out);
  }
  fs.writeFileSync(output, writePcap(linkType, out));
  console.error(`evasion: ${packets.length} packets in, ${out.length} out (${ops.join(',')})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
