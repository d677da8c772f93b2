// Flow-level cross-check against tshark, the reference decoder: for every capture in the shared
// corpus and in test/fixtures, the TCP and UDP flows of our flow table (5-tuple, frames and frame
// bytes each way) equal `tshark -q -n -r FILE -z conv,tcp -z conv,udp`.
//
// tshark 4.0 prints byte counts with SI units past 9999 bytes ("69 kB"), so those columns are
// checked at tshark's precision and, exactly, against a second tshark run that lists every TCP/UDP
// frame's length and ports (`-T fields`), summed per conversation and direction.
// tshark keeps a conversation for the life of the capture (TCP splits only on port reuse), so
// timeouts are set beyond any capture's length here and our records are merged per 5-tuple.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/reader.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowRecord } from '../../src/flows/types.js';

const CORPUS = '/work/shared/corpus';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const NEVER_S = 1e9;
const execFileAsync = promisify(execFile);

function captures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng)$/.test(name)) out.push(p);
  }
  return out;
}

interface Side {
  frames: number;
  bytes: number;
}

function key(proto: string, a: string, b: string): { k: string; isSwapped: boolean } {
  return a <= b ? { k: `${proto} ${a} ${b}`, isSwapped: false } : { k: `${proto} ${b} ${a}`, isSwapped: true };
}

function endpoint(ip: string, port: number): string {
  return `${ip}:${port}`;
}

/** Adds one direction's figures into a map keyed by canonical 5-tuple, as [lo->hi, hi->lo]. */
function add(map: Map<string, [Side, Side]>, proto: string, from: string, to: string, s: Side): void {
  const { k, isSwapped } = key(proto, from, to);
  let v = map.get(k);
  if (!v) {
    v = [
      { frames: 0, bytes: 0 },
      { frames: 0, bytes: 0 },
    ];
    map.set(k, v);
  }
  const side = v[isSwapped ? 1 : 0];
  side.frames += s.frames;
  side.bytes += s.bytes;
}

/** Parses "4260 bytes", "69 kB", "1 MB": returns [value, unit multiplier]. */
function parseSize(text: string): [number, number] {
  const m = /^(\d+) (bytes|kB|MB|GB)$/.exec(text.trim());
  if (!m) throw new Error(`unexpected tshark size "${text}"`);
  const mult = { bytes: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'bytes' | 'kB' | 'MB' | 'GB'];
  return [Number(m[1]), mult];
}

interface TsharkView {
  /** From the conversation table: frames each way. */
  frames: Map<string, [Side, Side]>;
  /** From the conversation table: the printed size each way as [value, multiplier]. */
  printed: Map<string, [[number, number], [number, number]]>;
  /** From the per-frame fields: exact frame bytes each way. */
  fieldBytes: Map<string, [Side, Side]>;
}

const CONV_ROW =
  /^(\S+)\s+<->\s+(\S+)\s+(\d+) (\d+ (?:bytes|kB|MB|GB))\s+(\d+) (\d+ (?:bytes|kB|MB|GB))\s+(\d+) (\d+ (?:bytes|kB|MB|GB))\s/;

/**
 * One tshark run per capture: the per-frame fields (frame length, addresses, ports, and ICMP type
 * so that headers quoted inside ICMP errors are skipped, as the conversation tap skips them) and
 * the conversation tables printed after them.
 */
async function tshark(file: string): Promise<TsharkView> {
  const { stdout } = await execFileAsync(
    'tshark',
    ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=l',
      '-e', 'frame.len', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst',
      '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'udp.srcport', '-e', 'udp.dstport',
      '-e', 'icmp.type', '-e', 'icmpv6.type', '-z', 'conv,tcp', '-z', 'conv,udp'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const frames = new Map<string, [Side, Side]>();
  const printed = new Map<string, [[number, number], [number, number]]>();
  const fieldBytes = new Map<string, [Side, Side]>();
  let proto = '';
  for (const line of stdout.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'TCP';
    else if (line.startsWith('UDP Conversations')) proto = 'UDP';
    if (proto === '') {
      const [len, s4, d4, s6, d6, ts, td, us, ud, icmp, icmp6] = line.split('\t');
      if (icmp || icmp6) continue;
      const src = s4 || s6;
      const dst = d4 || d6;
      const isTcp = Boolean(ts);
      const sp = isTcp ? ts : us;
      const dp = isTcp ? td : ud;
      if (!src || !dst || !sp || !dp) continue;
      add(fieldBytes, isTcp ? 'TCP' : 'UDP', endpoint(src, Number(sp)), endpoint(dst, Number(dp)), { frames: 1, bytes: Number(len) });
      continue;
    }
    const m = CONV_ROW.exec(line);
    if (!m) continue;
    const [, a, b, bToAFrames, bToABytes, aToBFrames, aToBBytes] = m as unknown as string[];
    const ba = parseSize(bToABytes!);
    const ab = parseSize(aToBBytes!);
    add(frames, proto, a!, b!, { frames: Number(aToBFrames), bytes: 0 });
    add(frames, proto, b!, a!, { frames: Number(bToAFrames), bytes: 0 });
    const { k, isSwapped } = key(proto, a!, b!);
    const prev = printed.get(k);
    const pair: [[number, number], [number, number]] = isSwapped ? [ba, ab] : [ab, ba];
    // Conversations split by TCP port reuse are summed (at the coarser unit).
    printed.set(
      k,
      prev
        ? [
            [prev[0][0] * (prev[0][1] / Math.max(prev[0][1], pair[0][1])) + pair[0][0] * (pair[0][1] / Math.max(prev[0][1], pair[0][1])), Math.max(prev[0][1], pair[0][1])],
            [prev[1][0] * (prev[1][1] / Math.max(prev[1][1], pair[1][1])) + pair[1][0] * (pair[1][1] / Math.max(prev[1][1], pair[1][1])), Math.max(prev[1][1], pair[1][1])],
          ]
        : pair,
    );
  }
  return { frames, printed, fieldBytes };
}

async function ourFlows(file: string): Promise<{ map: Map<string, [Side, Side]>; records: FlowRecord[] }> {
  const records: FlowRecord[] = [];
  const engine = new Engine({
    analysers: [],
    onFlowEnd: (end) => records.push(end.record),
    flowTable: {
      tcpNewTimeoutS: NEVER_S,
      tcpEstablishedTimeoutS: NEVER_S,
      tcpClosedTimeoutS: NEVER_S,
      udpNewTimeoutS: NEVER_S,
      udpEstablishedTimeoutS: NEVER_S,
      otherNewTimeoutS: NEVER_S,
      otherEstablishedTimeoutS: NEVER_S,
      activeTimeoutS: NEVER_S,
    },
  });
  await readCapture(file, (p) => engine.processPacket(p));
  engine.finish();
  const map = new Map<string, [Side, Side]>();
  for (const r of records) {
    if (r.proto !== 'TCP' && r.proto !== 'UDP') continue;
    const c = endpoint(r.src_ip, r.src_port);
    const s = endpoint(r.dest_ip, r.dest_port);
    add(map, r.proto, c, s, { frames: r.pkts_toserver, bytes: r.bytes_toserver });
    add(map, r.proto, s, c, { frames: r.pkts_toclient, bytes: r.bytes_toclient });
  }
  return { map, records };
}

const files = [...captures(CORPUS), ...captures(FIXTURES)];

describe('flow table against tshark conversations', () => {
  const views = new Map<string, TsharkView>();
  beforeAll(async () => {
    // Two tshark processes at a time (the machine has two cores).
    const queue = [...files];
    const worker = async () => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) views.set(f, await tshark(f));
    };
    await Promise.all([worker(), worker()]);
  }, 300_000);

  it('has captures to compare', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  for (const file of files) {
    const name = file.startsWith(CORPUS) ? `corpus/${relative(CORPUS, file)}` : relative(FIXTURES, file);
    it(`${name}: same TCP/UDP flows, frames and bytes each way`, async () => {
      const ours = await ourFlows(file);
      const view = views.get(file)!;
      const ourFrames = new Map([...ours.map].map(([k, [a, b]]) => [k, [a.frames, b.frames]]));
      const theirFrames = new Map([...view.frames].map(([k, [a, b]]) => [k, [a.frames, b.frames]]));
      expect(Object.fromEntries([...ourFrames].sort())).toEqual(Object.fromEntries([...theirFrames].sort()));
      for (const [k, [lo, hi]] of ours.map) {
        // Exact bytes against tshark's per-frame lengths...
        const exact = view.fieldBytes.get(k);
        expect([k, lo.bytes, hi.bytes]).toEqual([k, exact?.[0].bytes, exact?.[1].bytes]);
        // ...and consistent with what its conversation table printed.
        const p = view.printed.get(k)!;
        for (const [ourBytes, [value, mult]] of [
          [lo.bytes, p[0]],
          [hi.bytes, p[1]],
        ] as const) {
          if (mult === 1) expect([k, ourBytes]).toEqual([k, value]);
          else expect(Math.abs(ourBytes / mult - value)).toBeLessThanOrEqual(1);
        }
      }
    });
  }
});
