// Real exporters and the reference decoder for collector tests: softflowd and nfdump's
// nfpcapd/nfreplay export to a loopback port; tshark reports what the capture holds.

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FlowRecord } from '../../src/flows/types.js';

const run = promisify(execFile);

/** softflowd reads `pcap` with its own timestamps (-a) and exports to 127.0.0.1:port. */
export async function softflowdExport(pcap: string, port: number, version: 5 | 9 | 10, extra: string[] = []): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-softflowd-'));
  await run('softflowd', ['-d', '-a', '-6', '-r', pcap, '-n', `127.0.0.1:${port}`, '-v', String(version), '-p', join(dir, 'pid'), ...extra], {
    timeout: 30_000,
  });
}

/**
 * pmacctd (pmacct 1.7) reads `pcap` as a savefile and exports with its nfprobe plugin (NetFlow v9
 * or IPFIX, 8-byte counters, millisecond times) to 127.0.0.1:port.
 */
export async function pmacctExport(pcap: string, port: number, version: 9 | 10): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-pmacct-'));
  const conf = join(dir, 'pmacctd.conf');
  writeFileSync(
    conf,
    [
      'daemonize: false',
      `pcap_savefile: ${pcap}`,
      'pcap_savefile_wait: false',
      'plugins: nfprobe',
      `nfprobe_receiver: 127.0.0.1:${port}`,
      `nfprobe_version: ${version}`,
      'aggregate: src_host, dst_host, src_port, dst_port, proto, tos',
      '',
    ].join('\n'),
  );
  try {
    await run('pmacctd', ['-f', conf], { timeout: 30_000 });
  } catch (e) {
    // At the end of the savefile the core tells the plugin to stop; on a loaded machine the plugin
    // can finish (it flushes and exports everything first) before the core has detached from it,
    // and the core then exits non-zero with "connection lost". That run exported in full (the
    // caller compares every conversation with tshark); any other failure is one.
    const out = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
    if (!(/nfprobe.*Shutting down on user request/.test(out) && /connection lost to '[^']*nfprobe/.test(out))) throw e;
  }
}

/** nfpcapd builds nfdump files from `pcap`; returns the directory holding them. */
export async function nfpcapd(pcap: string, extra: string[] = []): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-nfpcapd-'));
  await run('nfpcapd', ['-r', pcap, '-w', dir, ...extra], { timeout: 30_000 });
  return dir;
}

export interface Conversation {
  proto: 'TCP' | 'UDP';
  a: string;
  aPort: number;
  b: string;
  bPort: number;
  /** Packets and IP-layer bytes from a to b, and from b to a. */
  pktsAB: number;
  pktsBA: number;
  bytesAB: number;
  bytesBA: number;
  /** IP total length summed (ip.len, or ipv6.plen + 40): what nfpcapd counts. */
  ipBytesAB: number;
  ipBytesBA: number;
}

/**
 * tshark's conversations (-z conv,tcp -z conv,udp) for packet counts, with bytes counted the way
 * softflowd counts them: the frame after its link-layer header. tshark's conversation bytes
 * include the link header; softflowd's do not, but they do include the Ethernet padding of frames
 * shorter than 60 bytes (so they can exceed the IP total length). Measured on coinhive-stratum.pcap:
 * 9 padded ACKs from 104.20.208.59 add 50 bytes over the sum of ip.len.
 */
export async function tsharkConversations(pcap: string): Promise<Conversation[]> {
  const conv = await run('tshark', ['-r', pcap, '-q', '-n', '-z', 'conv,tcp', '-z', 'conv,udp'], { maxBuffer: 64 << 20 });
  const out: Conversation[] = [];
  let proto: 'TCP' | 'UDP' = 'TCP';
  for (const line of conv.stdout.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'TCP';
    if (line.startsWith('UDP Conversations')) proto = 'UDP';
    const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+\S+(?: bytes| kB| MB)?\s+(\d+)\s+/.exec(line);
    if (!m) continue;
    // tshark prints "A <-> B  frames(<-) bytes(<-)  frames(->) bytes(->)": "<-" is B to A.
    out.push({ proto, a: m[1] as string, aPort: Number(m[2]), b: m[3] as string, bPort: Number(m[4]), pktsBA: Number(m[5]), pktsAB: Number(m[6]), bytesAB: 0, bytesBA: 0, ipBytesAB: 0, ipBytesBA: 0 });
  }
  const pk = await run(
    'tshark',
    ['-r', pcap, '-n', '-T', 'fields', '-E', 'separator=/t', '-E', 'aggregator=;', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'tcp.srcport', '-e', 'udp.srcport', '-e', 'tcp.dstport', '-e', 'udp.dstport', '-e', 'frame.len', '-e', 'frame.protocols', '-e', 'ip.len', '-e', 'ipv6.plen', '-Y', '(tcp or udp) and not icmp and not icmpv6'],
    { maxBuffer: 256 << 20 },
  );
  const index = new Map<string, { c: Conversation; forward: boolean }>();
  for (const c of out) {
    index.set(`${c.proto}|${c.a}|${c.aPort}|${c.b}|${c.bPort}`, { c, forward: true });
    index.set(`${c.proto}|${c.b}|${c.bPort}|${c.a}|${c.aPort}`, { c, forward: false });
  }
  for (const line of pk.stdout.split('\n')) {
    const f = line.split('\t');
    if (f.length < 12) continue;
    const src = (f[0] || f[1] || '').split(';')[0];
    const dst = (f[2] || f[3] || '').split(';')[0];
    const isTcp = Boolean(f[4]);
    const sp = Number(f[4] || f[5]);
    const dp = Number(f[6] || f[7]);
    const len = Number(f[8]) - linkHeaderBytes(f[9] ?? '');
    const hit = index.get(`${isTcp ? 'TCP' : 'UDP'}|${src}|${sp}|${dst}|${dp}`);
    if (!hit) continue;
    // Tunnelled packets list several ip.len values; the outer one is the first.
    const ipLen = f[10] ? Number(f[10].split(';')[0]) : Number((f[11] ?? '0').split(';')[0]) + 40;
    if (hit.forward) {
      hit.c.bytesAB += len;
      hit.c.ipBytesAB += ipLen;
    } else {
      hit.c.bytesBA += len;
      hit.c.ipBytesBA += ipLen;
    }
  }
  return out;
}

/** Bytes before the IP header, from tshark's frame.protocols ("eth:ethertype:vlan:ethertype:ip:..."). */
function linkHeaderBytes(protocols: string): number {
  const layers = protocols.split(':');
  let n = 0;
  for (const l of layers) {
    if (l === 'ip' || l === 'ipv6') return n;
    if (l === 'eth') n += 14;
    else if (l === 'vlan') n += 4;
    else if (l === 'sll') n += 16;
    else if (l === 'null') n += 4;
  }
  return n;
}

/** Per conversation: [packets a->b, bytes a->b, packets b->a, bytes b->a] summed over the records. */
export function conversationTotals(flows: FlowRecord[], c: Conversation): number[] {
  const t = [0, 0, 0, 0];
  for (const f of flows) {
    if (f.proto !== c.proto) continue;
    const fwd = f.src_ip === c.a && f.src_port === c.aPort && f.dest_ip === c.b && f.dest_port === c.bPort;
    const rev = f.src_ip === c.b && f.src_port === c.bPort && f.dest_ip === c.a && f.dest_port === c.aPort;
    if (!fwd && !rev) continue;
    const s = [f.pkts_toserver, f.bytes_toserver, f.pkts_toclient, f.bytes_toclient];
    const o = fwd ? s : [s[2], s[3], s[0], s[1]];
    for (let i = 0; i < 4; i++) t[i] = (t[i] ?? 0) + (o[i] ?? 0);
  }
  return t;
}
