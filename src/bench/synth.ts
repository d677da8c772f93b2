// The benchmark's traffic synthesiser: a deterministic (seeded PRNG) classic pcap of realistic
// mixed traffic, many interleaved flows: HTTP downloads, TLS handshakes followed by encrypted
// data, DNS over UDP, JSON-RPC over TCP, and long-lived stratum mining sessions, over IPv4 and IPv6,
// with small (ACKs, DNS, stratum lines) and large (full-size data) packets. Frames are built
// straight into a large output buffer written synchronously, so generation streams in constant
// memory. Checksums are left zero, as captures taken with checksum offload show them. Mining is
// rare on a real network: about 1% of the flows are stratum sessions.

import { closeSync, openSync, writeSync } from 'node:fs';

const enc = new TextEncoder();

/** mulberry32: a small, fast, seeded 32-bit PRNG (deterministic across runs and machines). */
export class Prng {
  constructor(private s: number) {}
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

export interface SynthOptions {
  /** Stop once this many packets were written. */
  packets: number;
  seed: number;
  /** Conversations open at once (interleaved). */
  concurrency: number;
}

export interface SynthSummary {
  packets: number;
  bytes: number;
  flows: number;
  fileBytes: number;
}

const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

/** One packet of a conversation script. `payload` is bytes, or a filler length. */
interface Step {
  dir: 0 | 1;
  flags: number;
  payload: Uint8Array | number;
}

interface Conversation {
  proto: 6 | 17;
  isV6: boolean;
  client: Uint8Array;
  server: Uint8Array;
  cport: number;
  sport: number;
  seq: [number, number];
  steps: Step[];
  i: number;
}

const MSS = 1460;

class Builder {
  constructor(private readonly r: Prng) {}

  tcpOpen(steps: Step[]): void {
    steps.push({ dir: 0, flags: SYN, payload: 0 }, { dir: 1, flags: SYN | ACK, payload: 0 }, { dir: 0, flags: ACK, payload: 0 });
  }

  tcpClose(steps: Step[]): void {
    steps.push({ dir: 0, flags: FIN | ACK, payload: 0 }, { dir: 1, flags: FIN | ACK, payload: 0 }, { dir: 0, flags: ACK, payload: 0 });
  }

  /** A bulk transfer in `dir` of `bytes`, full-size segments, the peer ACKing every second one. */
  bulk(steps: Step[], dir: 0 | 1, bytes: number, head?: Uint8Array): void {
    let left = bytes;
    let n = 0;
    if (head !== undefined) {
      steps.push({ dir, flags: ACK | PSH, payload: head });
      left -= head.length;
    }
    while (left > 0) {
      const len = Math.min(MSS, left);
      steps.push({ dir, flags: len < MSS ? ACK | PSH : ACK, payload: len });
      left -= len;
      if (++n % 2 === 0) steps.push({ dir: dir === 0 ? 1 : 0, flags: ACK, payload: 0 });
    }
  }

  http(n: number): Step[] {
    const r = this.r;
    const steps: Step[] = [];
    this.tcpOpen(steps);
    const host = `www.site${n % 997}.example`;
    const req = `GET /assets/${n.toString(36)}/index-${r.int(1, 1e6)}.html HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\nAccept: text/html,application/xhtml+xml\r\nAccept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n\r\n`;
    steps.push({ dir: 0, flags: ACK | PSH, payload: enc.encode(req) });
    const size = r.next() < 0.85 ? r.int(300, 3_000) : r.int(3_000, 30_000);
    const head = enc.encode(`HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${size}\r\n\r\n`);
    steps.push({ dir: 1, flags: ACK, payload: 0 });
    this.bulk(steps, 1, size + head.length, head);
    this.tcpClose(steps);
    return steps;
  }

  tls(n: number): Step[] {
    const r = this.r;
    const steps: Step[] = [];
    this.tcpOpen(steps);
    steps.push({ dir: 0, flags: ACK | PSH, payload: clientHello(`api${n % 409}.cdn.example`, r) });
    steps.push({ dir: 1, flags: ACK, payload: 0 });
    // ServerHello + Certificate + ServerHelloDone, about 4 KB.
    this.bulk(steps, 1, r.int(3000, 5000), serverHello(r));
    steps.push({ dir: 0, flags: ACK | PSH, payload: 126 });
    steps.push({ dir: 1, flags: ACK | PSH, payload: 51 });
    const exchanges = r.int(1, 12);
    for (let i = 0; i < exchanges; i++) {
      steps.push({ dir: 0, flags: ACK | PSH, payload: r.int(80, 900) });
      this.bulk(steps, 1, r.next() < 0.85 ? r.int(60, 1_400) : r.int(1_400, 12_000));
    }
    this.tcpClose(steps);
    return steps;
  }

  dns(n: number): Step[] {
    const name = `host${n % 5003}.svc${n % 89}.example.net`;
    const id = n & 0xffff;
    const q = dnsMessage(id, name, false);
    const a = dnsMessage(id, name, true);
    return [
      { dir: 0, flags: 0, payload: q },
      { dir: 1, flags: 0, payload: a },
    ];
  }

  jsonRpc(n: number): Step[] {
    const r = this.r;
    const steps: Step[] = [];
    this.tcpOpen(steps);
    const calls = r.int(2, 10);
    for (let i = 0; i < calls; i++) {
      const id = n * 16 + i;
      steps.push({ dir: 0, flags: ACK | PSH, payload: enc.encode(`{"jsonrpc":"2.0","id":${id},"method":"eth_getBalance","params":["0x${(n * 7919).toString(16).padStart(40, '0')}","latest"]}\n`) });
      steps.push({ dir: 1, flags: ACK | PSH, payload: enc.encode(`{"jsonrpc":"2.0","id":${id},"result":"0x${r.int(1, 1e9).toString(16)}"}\n`) });
      steps.push({ dir: 0, flags: ACK, payload: 0 });
    }
    this.tcpClose(steps);
    return steps;
  }

  stratum(n: number): Step[] {
    const r = this.r;
    const steps: Step[] = [];
    this.tcpOpen(steps);
    steps.push({ dir: 0, flags: ACK | PSH, payload: enc.encode(`{"id":1,"method":"mining.subscribe","params":["cgminer/4.10.0"]}\n`) });
    steps.push({ dir: 1, flags: ACK | PSH, payload: enc.encode(`{"id":1,"result":[[["mining.set_difficulty","1"],["mining.notify","${n.toString(16)}"]],"08000002",4],"error":null}\n`) });
    steps.push({ dir: 0, flags: ACK | PSH, payload: enc.encode(`{"id":2,"method":"mining.authorize","params":["wallet${n % 31}.rig${n % 7}","x"]}\n`) });
    steps.push({ dir: 1, flags: ACK | PSH, payload: enc.encode(`{"id":2,"result":true,"error":null}\n`) });
    const rounds = r.int(10, 60);
    for (let i = 0; i < rounds; i++) {
      const job = (n * 1000 + i).toString(16);
      steps.push({
        dir: 1,
        flags: ACK | PSH,
        payload: enc.encode(
          `{"params":["${job}","4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000","01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008","072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000",[],"00000002","1c2ac4af","504e86b9",false],"id":null,"method":"mining.notify"}\n`,
        ),
      });
      steps.push({ dir: 0, flags: ACK, payload: 0 });
      if (r.next() < 0.6) {
        steps.push({ dir: 0, flags: ACK | PSH, payload: enc.encode(`{"params":["wallet${n % 31}.rig${n % 7}","${job}","00000000","504e86ed","${r.int(0, 0x7fffffff).toString(16)}"],"id":${i + 3},"method":"mining.submit"}\n`) });
        steps.push({ dir: 1, flags: ACK | PSH, payload: enc.encode(`{"id":${i + 3},"result":true,"error":null}\n`) });
      }
    }
    this.tcpClose(steps);
    return steps;
  }
}

function u16(b: number[], v: number): void {
  b.push((v >> 8) & 0xff, v & 0xff);
}

/** A TLS 1.2/1.3 ClientHello record (RFC 8446 section 4.1.2) with SNI and ALPN. */
function clientHello(sni: string, r: Prng): Uint8Array {
  const name = enc.encode(sni);
  const ext: number[] = [];
  // server_name (0)
  u16(ext, 0);
  u16(ext, name.length + 5);
  u16(ext, name.length + 3);
  ext.push(0);
  u16(ext, name.length);
  ext.push(...name);
  // ALPN (16): h2, http/1.1
  const alpn = [2, ...enc.encode('h2'), 8, ...enc.encode('http/1.1')];
  u16(ext, 16);
  u16(ext, alpn.length + 2);
  u16(ext, alpn.length);
  ext.push(...alpn);
  // supported_versions (43): TLS 1.3, 1.2
  u16(ext, 43);
  u16(ext, 5);
  ext.push(4, 3, 4, 3, 3);
  const body: number[] = [3, 3];
  for (let i = 0; i < 32; i++) body.push(r.int(0, 255));
  body.push(32);
  for (let i = 0; i < 32; i++) body.push(r.int(0, 255));
  const suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8];
  u16(body, suites.length * 2);
  for (const s of suites) u16(body, s);
  body.push(1, 0);
  u16(body, ext.length);
  body.push(...ext);
  const hs = [1, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
  const rec = [0x16, 3, 1, (hs.length >> 8) & 0xff, hs.length & 0xff, ...hs];
  return Uint8Array.from(rec);
}

/** The start of a ServerHello record; the certificate bytes that follow are filler. */
function serverHello(r: Prng): Uint8Array {
  const body: number[] = [3, 3];
  for (let i = 0; i < 32; i++) body.push(r.int(0, 255));
  body.push(0);
  u16(body, 0xc02f);
  body.push(0);
  u16(body, 0);
  const hs = [2, 0, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
  return Uint8Array.from([0x16, 3, 3, (hs.length >> 8) & 0xff, hs.length & 0xff, ...hs]);
}

/** A DNS query, or its answer with one A record (RFC 1035 section 4.1). */
function dnsMessage(id: number, name: string, isAnswer: boolean): Uint8Array {
  const b: number[] = [];
  u16(b, id);
  u16(b, isAnswer ? 0x8180 : 0x0100);
  u16(b, 1);
  u16(b, isAnswer ? 1 : 0);
  u16(b, 0);
  u16(b, 0);
  for (const label of name.split('.')) {
    b.push(label.length, ...enc.encode(label));
  }
  b.push(0);
  u16(b, 1);
  u16(b, 1);
  if (isAnswer) {
    u16(b, 0xc00c);
    u16(b, 1);
    u16(b, 1);
    b.push(0, 0, 0x0e, 0x10);
    u16(b, 4);
    b.push(203, 0, 113, id & 0xff);
  }
  return Uint8Array.from(b);
}

/** Writes the synthetic capture to `path`. */
export function synthesise(path: string, opts: SynthOptions): SynthSummary {
  const r = new Prng(opts.seed);
  const build = new Builder(r);
  const filler = new Uint8Array(MSS);
  for (let i = 0; i < filler.length; i++) filler[i] = r.int(0, 255);

  const fd = openSync(path, 'w');
  const out = new Uint8Array(8 * 1024 * 1024);
  const view = new DataView(out.buffer);
  let len = 0;
  const flush = () => {
    let off = 0;
    while (off < len) off += writeSync(fd, out, off, len - off);
    len = 0;
  };
  // pcap global header: microsecond, little-endian, Ethernet.
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 262144, true);
  view.setUint32(20, 1, true);
  len = 24;
  let fileBytes = 24;

  let flows = 0;
  const newConversation = (): Conversation => {
    const n = flows++;
    const kind = r.next();
    const isV6 = r.next() < 0.1;
    const client = isV6 ? Uint8Array.from([0xfd, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, (n >> 8) & 0xff, n & 0xff]) : Uint8Array.from([10, 1, (n >> 8) & 0x3f, n & 0xff]);
    const server = isV6
      ? Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, r.int(0, 255), r.int(1, 254)])
      : Uint8Array.from([r.int(11, 200), r.int(0, 255), r.int(0, 255), r.int(1, 254)]);
    let steps: Step[];
    let proto: 6 | 17 = 6;
    let sport: number;
    if (kind < 0.4) {
      steps = build.dns(n);
      proto = 17;
      sport = 53;
    } else if (kind < 0.67) {
      steps = build.tls(n);
      sport = 443;
    } else if (kind < 0.87) {
      steps = build.http(n);
      sport = 80;
    } else if (kind < 0.99) {
      steps = build.jsonRpc(n);
      sport = 8545;
    } else {
      steps = build.stratum(n);
      sport = [3333, 4444, 14444, 443][n % 4]!;
    }
    return {
      proto,
      isV6,
      client,
      server,
      cport: 32768 + ((n * 7) % 28000),
      sport,
      seq: [r.int(0, 0xffffffff), r.int(0, 0xffffffff)],
      steps,
      i: 0,
    };
  };

  const active: Conversation[] = [];
  for (let i = 0; i < opts.concurrency; i++) active.push(newConversation());
  let tsUs = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z
  let packets = 0;
  let bytes = 0;
  while (packets < opts.packets) {
    const k = Math.floor(r.next() * active.length);
    const c = active[k]!;
    const step = c.steps[c.i++]!;
    // About 10,000 packets per second (a busy office uplink), so the capture lasts long enough for
    // the flow table to reach its steady state.
    tsUs += 1 + Math.floor(r.next() * 200);
    const payloadLen = typeof step.payload === 'number' ? step.payload : step.payload.length;
    const ipLen = c.isV6 ? 40 : 20;
    const l4Len = c.proto === 6 ? 20 : 8;
    const frameLen = 14 + ipLen + l4Len + payloadLen;
    if (len + 16 + frameLen > out.length) flush();
    // Record header.
    view.setUint32(len, Math.floor(tsUs / 1e6), true);
    view.setUint32(len + 4, tsUs % 1e6, true);
    view.setUint32(len + 8, frameLen, true);
    view.setUint32(len + 12, frameLen, true);
    let o = len + 16;
    const src = step.dir === 0 ? c.client : c.server;
    const dst = step.dir === 0 ? c.server : c.client;
    // Ethernet.
    out.fill(0, o, o + 12);
    out[o + 5] = step.dir === 0 ? 1 : 2;
    out[o + 11] = step.dir === 0 ? 2 : 1;
    view.setUint16(o + 12, c.isV6 ? 0x86dd : 0x0800);
    o += 14;
    if (c.isV6) {
      view.setUint32(o, 0x60000000);
      view.setUint16(o + 4, l4Len + payloadLen);
      out[o + 6] = c.proto;
      out[o + 7] = 64;
      out.set(src, o + 8);
      out.set(dst, o + 24);
    } else {
      out[o] = 0x45;
      out[o + 1] = 0;
      view.setUint16(o + 2, 20 + l4Len + payloadLen);
      view.setUint16(o + 4, packets & 0xffff);
      view.setUint16(o + 6, 0x4000);
      out[o + 8] = 64;
      out[o + 9] = c.proto;
      view.setUint16(o + 10, 0);
      out.set(src, o + 12);
      out.set(dst, o + 16);
    }
    o += ipLen;
    const sp = step.dir === 0 ? c.cport : c.sport;
    const dp = step.dir === 0 ? c.sport : c.cport;
    view.setUint16(o, sp);
    view.setUint16(o + 2, dp);
    if (c.proto === 6) {
      const d = step.dir;
      const other = d === 0 ? 1 : 0;
      view.setUint32(o + 4, c.seq[d] >>> 0);
      view.setUint32(o + 8, step.flags & ACK ? c.seq[other] >>> 0 : 0);
      out[o + 12] = 0x50;
      out[o + 13] = step.flags;
      view.setUint16(o + 14, 64240);
      view.setUint32(o + 16, 0);
      c.seq[d] = (c.seq[d] + payloadLen + (step.flags & (SYN | FIN) ? 1 : 0)) >>> 0;
    } else {
      view.setUint16(o + 4, 8 + payloadLen);
      view.setUint16(o + 6, 0);
    }
    o += l4Len;
    if (typeof step.payload === 'number') out.set(filler.subarray(0, payloadLen), o);
    else out.set(step.payload, o);
    len = o + payloadLen;
    fileBytes += 16 + frameLen;
    packets++;
    bytes += frameLen;
    if (c.i >= c.steps.length) active[k] = newConversation();
  }
  flush();
  closeSync(fd);
  return { packets, bytes, flows, fileBytes };
}
