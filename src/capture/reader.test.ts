// Tests of reading from files, stdin and gzip, of the pcap writer (checked by tshark), and of
// live capture through tcpdump on the loopback interface.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AnomalyCounter, FlowPacketFilter, PacketDecoder, newDecodedPacket } from '../decode/index.js';
import { formatIp } from '../util/ip.js';
import { CaptureFormatError, PcapWriter, liveCapture, readCapture, type CapturedPacket } from './index.js';

const CORPUS = '/work/shared/corpus';
const MINING = join(CORPUS, 'mining.pcapng');

interface Digest {
  tsUs: number;
  origLen: number;
  md5: string;
}

function digest(p: CapturedPacket): Digest {
  return { tsUs: p.tsUs, origLen: p.origLen, md5: createHash('md5').update(p.data).digest('hex') };
}

async function digests(source: string | Readable, opts = {}): Promise<Digest[]> {
  const out: Digest[] = [];
  await readCapture(source, (p) => out.push(digest(p)), opts);
  return out;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'mw-read-'));
}

/** Splits bytes into chunks of varying sizes, as a pipe delivers them. */
function chunked(bytes: Uint8Array): Readable {
  const parts: Uint8Array[] = [];
  for (let i = 0, n = 1; i < bytes.length; i += n, n = (n * 7 + 3) % 5000 || 1) parts.push(bytes.subarray(i, i + n));
  return Readable.from(parts);
}

describe('readCapture', () => {
  it('reads the same packets from pcapng, pcap, nanosecond pcap and gzip of each', async () => {
    const dir = tmp();
    const ref = await digests(MINING);
    expect(ref.length).toBe(673);
    for (const format of ['pcap', 'nsecpcap']) {
      const f = join(dir, `m.${format}`);
      execFileSync('editcap', ['-F', format, MINING, f]);
      expect(await digests(f)).toEqual(ref);
      const gz = `${f}.gz`;
      writeFileSync(gz, gzipSync(readFileSync(f)));
      expect(await digests(gz)).toEqual(ref);
    }
  });

  it("reads '-' from the stdin it is given, in odd chunks, gzip or not", async () => {
    const bytes = readFileSync(MINING);
    const ref = await digests(MINING);
    expect(await digests('-', { stdin: chunked(bytes) })).toEqual(ref);
    expect(await digests('-', { stdin: chunked(gzipSync(bytes)) })).toEqual(ref);
  });

  it("reads tcpdump's own output through a pipe, as in `tcpdump -U -w - | minerwatch scan -`", async () => {
    const child = spawn('tcpdump', ['-n', '-U', '-r', MINING, '-w', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const got = await digests('-', { stdin: child.stdout });
    expect(got).toEqual(await digests(MINING));
  });

  it('rejects a truncated file with its name and offset after delivering what came before', async () => {
    const dir = tmp();
    const f = join(dir, 'cut.pcapng');
    writeFileSync(f, readFileSync(MINING).subarray(0, 10_000));
    const got: Digest[] = [];
    const err = await readCapture(f, (p) => got.push(digest(p))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaptureFormatError);
    const e = err as CaptureFormatError;
    expect(e.source).toBe(f);
    expect(e.message).toContain(`${f}: byte offset ${e.offset}:`);
    // Every packet wholly inside the first 10000 bytes came out.
    const ref = (await digests(MINING)).slice(0, got.length);
    expect(got).toEqual(ref);
    expect(got.length).toBeGreaterThan(5);
    expect(e.offset).toBeLessThan(10_000);
  });

  it('rejects damaged gzip as a format error', async () => {
    const gz = gzipSync(readFileSync(MINING));
    const err = await readCapture('-', () => undefined, { stdin: Readable.from([gz.subarray(0, 5000)]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaptureFormatError);
    expect((err as CaptureFormatError).reason).toMatch(/^gzip: /);
  });

  it('keeps memory flat over 64 MiB of packets fed in odd chunks', async () => {
    // 1000 records of 1000 captured bytes in one buffer, fed 64 times in 7777-byte slices so
    // that records straddle chunks.
    const rec = 16 + 1000;
    const body = new Uint8Array(rec * 1000);
    const dv = new DataView(body.buffer);
    for (let i = 0; i < 1000; i++) {
      dv.setUint32(i * rec + 8, 1000, true);
      dv.setUint32(i * rec + 12, 1000, true);
    }
    const header = Uint8Array.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]);
    const rounds = 64;
    function* gen(): Generator<Uint8Array> {
      yield header;
      for (let r = 0; r < rounds; r++) for (let i = 0; i < body.length; i += 7777) yield body.subarray(i, i + 7777);
    }
    const before = process.memoryUsage();
    let peak = 0;
    let n = 0;
    const summary = await readCapture(Readable.from(gen()), () => {
      if (++n % 10_000 === 0) {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.heapUsed + m.arrayBuffers - before.heapUsed - before.arrayBuffers);
      }
    });
    expect(summary.packets).toBe(64_000);
    expect(summary.capturedBytes).toBe(64_000_000);
    expect(peak).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('PcapWriter', () => {
  it('writes the packets of chosen flows as microsecond pcap that tshark reads back identically', async () => {
    const dir = tmp();
    const out = join(dir, 'flow.pcap');
    const decoder = new PacketDecoder(new AnomalyCounter());
    const d = newDecodedPacket();
    // The xmr-stak CryptoNote flow of mining.pcapng (port 9050) and the nanopool EthProxy one (9999).
    let xmr: { srcIp: string; srcPort: number; destIp: string; destPort: number } | undefined;
    let eth: typeof xmr;
    await readCapture(MINING, (p) => {
      if (!decoder.decode(p, d) || d.protocol !== 6) return;
      const t = { srcIp: formatIp(d.srcAddr), srcPort: d.srcPort, destIp: formatIp(d.dstAddr), destPort: d.dstPort };
      if (!xmr && d.dstPort === 9050) xmr = t;
      if (!eth && d.dstPort === 9999) eth = t;
    });
    expect(xmr).toBeDefined();
    expect(eth).toBeDefined();
    const filter = new FlowPacketFilter([
      { protocol: 6, ...(xmr as NonNullable<typeof xmr>) },
      { protocol: 6, ...(eth as NonNullable<typeof eth>) },
    ]);
    const writer = PcapWriter.toFile(out, 1);
    const kept: Digest[] = [];
    const decoder2 = new PacketDecoder(new AnomalyCounter());
    await readCapture(MINING, (p) => {
      if (decoder2.decode(p, d) && filter.matches(d)) {
        writer.writePacket(p);
        kept.push(digest(p));
      }
    });
    writer.close();
    expect(kept.length).toBeGreaterThan(20);
    expect(writer.packets).toBe(kept.length);
    const ref = execFileSync(
      'tshark',
      ['-r', out, '-o', 'frame.generate_md5_hash:TRUE', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.md5_hash', '-e', 'frame.encap_type'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(ref.map(([t, len, md5, encap]) => ({ tsUs: Math.round(Number(t) * 1e6), origLen: Number(len), md5, encap }))).toEqual(
      // WTAP_ENCAP_ETHERNET is 1.
      kept.map((k) => ({ ...k, encap: '1' })),
    );
    const capinfos = execFileSync('capinfos', ['-t', '-E', '-i', out], { encoding: 'utf8' });
    expect(capinfos).toMatch(/File type:\s+Wireshark\/tcpdump\/... - pcap/);
    expect(capinfos).toMatch(/File encapsulation:\s+Ethernet/);
    expect(await digests(out)).toEqual(kept);
  });

  it('cuts packets to its snaplen and keeps the wire length', async () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapWriter((b) => chunks.push(b), 101, 8);
    w.write(1_500_000, Uint8Array.from([0x45, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    w.close();
    const got: { data: number[]; origLen: number; tsUs: number; linkType: number }[] = [];
    await readCapture(Readable.from([Buffer.concat(chunks)]), (p) => got.push({ data: [...p.data], origLen: p.origLen, tsUs: p.tsUs, linkType: p.linkType }));
    expect(got).toEqual([{ data: [0x45, 1, 2, 3, 4, 5, 6, 7], origLen: 10, tsUs: 1_500_000, linkType: 101 }]);
  });
});

describe('liveCapture', () => {
  it('captures datagrams sent to 127.0.0.1 on lo through tcpdump', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const port = sock.address().port;
    const decoder = new PacketDecoder(new AnomalyCounter());
    const d = newDecodedPacket();
    const payloads: string[] = [];
    let seen: () => void = () => undefined;
    const allSeen = new Promise<void>((r) => (seen = r));
    const live = liveCapture('lo', `udp and dst port ${port}`, (p) => {
      if (decoder.decode(p, d) && d.protocol === 17 && d.dstPort === port) {
        payloads.push(Buffer.from(d.payload).toString('latin1'));
        if (payloads.length === 5) seen();
      }
    });
    try {
      await live.ready;
      const tx = createSocket('udp4');
      for (let i = 0; i < 5; i++) await new Promise<void>((r) => tx.send(`probe ${i}`, port, '127.0.0.1', () => r()));
      tx.close();
      await Promise.race([allSeen, new Promise((_, rej) => setTimeout(() => rej(new Error('packets not seen in 10 s')), 10_000))]);
    } finally {
      live.stop();
      sock.close();
    }
    const summary = await live.done;
    expect(payloads).toEqual(['probe 0', 'probe 1', 'probe 2', 'probe 3', 'probe 4']);
    expect(summary.packets).toBe(5);
    expect(summary.format).toBe('pcap');
  });

  it('rejects with tcpdump’s own reason for an interface that does not exist', async () => {
    const live = liveCapture('no-such-if0', '', () => undefined);
    await expect(live.done).rejects.toThrow(/tcpdump -i no-such-if0 exited with \d+: .*no-such-if0/);
  });
});
