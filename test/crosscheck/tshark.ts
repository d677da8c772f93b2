// Reference figures from tshark for the cross-check tests: packet counts, TCP/UDP conversation
// statistics (`-z conv,tcp -z conv,udp`) and an exact per-frame field dump, plus the same
// figures computed from our own reader and decoder.

import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureFormatError, readCapture, type CaptureSummary } from '../../src/capture/index.js';
import { AnomalyCounter, PacketDecoder, newDecodedPacket } from '../../src/decode/index.js';
import { formatIp } from '../../src/util/ip.js';

/** Directional figures of one conversation: a is the side named first in the key. */
export interface Conv {
  framesAB: number;
  bytesAB: number;
  framesBA: number;
  bytesBA: number;
}

/** Conversation key with the endpoints in a fixed order (lexical on "addr port"). */
export function convKey(proto: string, addr1: string, port1: number, addr2: string, port2: number): { key: string; swapped: boolean } {
  const e1 = `${addr1} ${port1}`;
  const e2 = `${addr2} ${port2}`;
  const swapped = e1 > e2;
  return { key: swapped ? `${proto} ${e2} <-> ${e1}` : `${proto} ${e1} <-> ${e2}`, swapped };
}

function add(map: Map<string, Conv>, key: string, swapped: boolean, fAB: number, bAB: number, fBA: number, bBA: number): void {
  let c = map.get(key);
  if (!c) {
    c = { framesAB: 0, bytesAB: 0, framesBA: 0, bytesBA: 0 };
    map.set(key, c);
  }
  if (swapped) {
    c.framesAB += fBA;
    c.bytesAB += bBA;
    c.framesBA += fAB;
    c.bytesBA += bAB;
  } else {
    c.framesAB += fAB;
    c.bytesAB += bAB;
    c.framesBA += fBA;
    c.bytesBA += bBA;
  }
}

/** Every capture file under `dir`, recursively. */
export function findCaptures(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...findCaptures(p));
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(n)) out.push(p);
  }
  return out;
}

/** tshark's standard output; a damaged capture makes it exit non-zero after printing what it read. */
function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('tshark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0 && !/cut short|appears to be damaged|corrupt/i.test(err)) reject(new Error(`tshark ${args.join(' ')}: ${err}`));
      else resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}

/** A byte figure as tshark prints it: exact ("1234 bytes") or abbreviated ("134 kB"). */
export interface PrintedBytes {
  value: number;
  unit: string;
}

export interface ConvRow {
  key: string;
  swapped: boolean;
  framesAB: number;
  framesBA: number;
  bytesAB: PrintedBytes;
  bytesBA: PrintedBytes;
}

const ROW = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+([\d,]+) (bytes|kB|MB|GB)\s+(\d+)\s+([\d,]+) (bytes|kB|MB|GB)\s+(\d+)\s+/;

/**
 * Parses `tshark -q -z conv,tcp -z conv,udp`. Each row is "A:port <-> B:port", then frames and
 * bytes B->A ("<-"), then A->B ("->"), then totals. IPv6 addresses keep their colons; the port
 * is after the last one.
 */
export function parseConv(text: string): ConvRow[] {
  const rows: ConvRow[] = [];
  let proto = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'tcp';
    else if (line.startsWith('UDP Conversations')) proto = 'udp';
    const m = ROW.exec(line);
    if (!m || proto === '') continue;
    const [, a, pa, b, pb, fBA, bBA, uBA, fAB, bAB, uAB] = m as unknown as string[];
    const { key, swapped } = convKey(proto, a as string, Number(pa), b as string, Number(pb));
    const num = (s: string | undefined): number => Number((s ?? '').replace(/,/g, ''));
    rows.push({
      key,
      swapped,
      framesAB: num(fAB),
      framesBA: num(fBA),
      bytesAB: { value: num(bAB), unit: uAB as string },
      bytesBA: { value: num(bBA), unit: uBA as string },
    });
  }
  return rows;
}

export interface TsharkFigures {
  packets: number;
  /** Exact figures from the per-frame dump. */
  exact: Map<string, Conv>;
  /** The conversation table as printed. */
  rows: ConvRow[];
}

/**
 * One tshark pass: a per-frame field dump (every frame, so its line count is the packet count)
 * followed by the conversation tables. Exact figures come from the dump: each frame where
 * tshark dissected a TCP or UDP header outside an ICMP error quotation (which the conversation
 * tables do not count), with its frame length. A reassembled IP datagram shows its transport
 * header on the frame of the fragment that completed it, as in the conversation table.
 */
export async function tsharkFigures(file: string): Promise<TsharkFigures> {
  const text = await tshark([
    '-n', '-r', file, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=l',
    '-e', 'frame.number', '-e', 'frame.len', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst',
    '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'icmp.type', '-e', 'icmpv6.type',
    '-z', 'conv,tcp', '-z', 'conv,udp',
  ]);
  const exact = new Map<string, Conv>();
  let packets = 0;
  const lines = text.split('\n');
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!/^\d+\t/.test(line)) break;
    packets++;
    const [, len, s4, d4, s6, d6, ts, td, us, ud, icmp, icmp6] = line.split('\t');
    if ((icmp ?? '') !== '' || (icmp6 ?? '') !== '') continue;
    const isTcp = (ts ?? '') !== '';
    if (!isTcp && (us ?? '') === '') continue;
    const { key, swapped } = convKey(isTcp ? 'tcp' : 'udp', s6 || s4 || '', Number(isTcp ? ts : us), d6 || d4 || '', Number(isTcp ? td : ud));
    add(exact, key, swapped, 1, Number(len), 0, 0);
  }
  return { packets, exact, rows: parseConv(lines.slice(i).join('\n')) };
}

export interface TsharkReference {
  packets: number;
  /** Per 5-tuple, the conversation table's figures made exact. */
  conv: Map<string, Conv>;
  /** Where the per-frame dump and the table disagree (must be empty for the reference to hold). */
  problems: string[];
}

/**
 * The conversation table with exact byte counts. Frames come from the table (summed over rows
 * of the same 5-tuple: tshark may list one per TCP stream). Bytes come from the table when it
 * prints them exactly; when it abbreviates them, from the per-frame dump, provided the dump has
 * the same frame count for that direction and its byte count prints as the table's. The dump
 * alone is not the reference: it also lists frames whose transport header tshark found
 * malformed (UDP length under 8, TCP data offset under 20 bytes), which the table leaves out.
 */
export async function tsharkReference(file: string): Promise<TsharkReference> {
  const fig = await tsharkFigures(file);
  const conv = new Map<string, Conv>();
  const problems: string[] = [];
  const exactBytes = new Map<string, { ab: boolean; ba: boolean }>();
  const printed = new Map<string, { ab: PrintedBytes; ba: PrintedBytes; rows: number }>();
  for (const r of fig.rows) {
    const ab = r.swapped ? r.bytesBA : r.bytesAB;
    const ba = r.swapped ? r.bytesAB : r.bytesBA;
    add(conv, r.key, false, r.swapped ? r.framesBA : r.framesAB, ab.value, r.swapped ? r.framesAB : r.framesBA, ba.value);
    const e = exactBytes.get(r.key) ?? { ab: true, ba: true };
    e.ab &&= ab.unit === 'bytes';
    e.ba &&= ba.unit === 'bytes';
    exactBytes.set(r.key, e);
    const p = printed.get(r.key);
    printed.set(r.key, { ab, ba, rows: (p?.rows ?? 0) + 1 });
  }
  for (const [key, c] of conv) {
    const e = exactBytes.get(key) as { ab: boolean; ba: boolean };
    const d = fig.exact.get(key);
    const p = printed.get(key) as { ab: PrintedBytes; ba: PrintedBytes; rows: number };
    if (!e.ab) {
      if (!d || d.framesAB !== c.framesAB) problems.push(`${key}: dump has ${d?.framesAB} frames A->B, table ${c.framesAB}`);
      else {
        c.bytesAB = d.bytesAB;
        if (p.rows === 1 && JSON.stringify(abbreviate(d.bytesAB)) !== JSON.stringify(p.ab)) problems.push(`${key}: ${d.bytesAB} bytes A->B printed as ${p.ab.value} ${p.ab.unit}`);
      }
    }
    if (!e.ba) {
      if (!d || d.framesBA !== c.framesBA) problems.push(`${key}: dump has ${d?.framesBA} frames B->A, table ${c.framesBA}`);
      else {
        c.bytesBA = d.bytesBA;
        if (p.rows === 1 && JSON.stringify(abbreviate(d.bytesBA)) !== JSON.stringify(p.ba)) problems.push(`${key}: ${d.bytesBA} bytes B->A printed as ${p.ba.value} ${p.ba.unit}`);
      }
    }
  }
  return { packets: fig.packets, conv, problems };
}

export interface OurFigures {
  packets: number;
  conv: Map<string, Conv>;
  anomalies: Record<string, number>;
  /** Set when the capture is damaged: the figures are those of the packets before the damage. */
  error?: CaptureFormatError;
}

/** Reads and decodes `file` and aggregates TCP/UDP packets by 5-tuple, per direction. */
export async function ourConv(file: string): Promise<OurFigures> {
  const anomalies = new AnomalyCounter();
  const decoder = new PacketDecoder(anomalies);
  const out = newDecodedPacket();
  const conv = new Map<string, Conv>();
  let packets = 0;
  const onPacket = (p: Parameters<Parameters<typeof readCapture>[1]>[0]): void => {
    packets = p.frameNumber;
    if (!decoder.decode(p, out)) return;
    if (out.protocol !== 6 && out.protocol !== 17) return;
    const proto = out.protocol === 6 ? 'tcp' : 'udp';
    const { key, swapped } = convKey(proto, formatIp(out.srcAddr), out.srcPort, formatIp(out.dstAddr), out.dstPort);
    add(conv, key, swapped, 1, out.frameLen, 0, 0);
  };
  let summary: CaptureSummary | undefined;
  try {
    summary = await readCapture(file, onPacket);
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    return { packets, conv, anomalies: anomalies.toJSON(), error: e };
  }
  return { packets: summary.packets + summary.nonPacketFrames, conv, anomalies: anomalies.toJSON() };
}

/**
 * tshark's abbreviation of a byte count (wsutil format_size with SI prefixes, truncated to an integer):
 * exact below 10000, then kB, MB, GB. Returns the figure and unit it would print.
 */
export function abbreviate(bytes: number): PrintedBytes {
  if (bytes < 10_000) return { value: bytes, unit: 'bytes' };
  if (bytes < 10_000_000) return { value: Math.floor(bytes / 1000), unit: 'kB' };
  if (bytes < 10_000_000_000) return { value: Math.floor(bytes / 1_000_000), unit: 'MB' };
  return { value: Math.floor(bytes / 1_000_000_000), unit: 'GB' };
}
