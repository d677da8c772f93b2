// Checks lab/evasion.mjs against tshark: each rewrite of the xmrig-plain capture must reassemble
// to byte-for-byte the same client and server streams, carry valid checksums, show the intended
// shape (1-byte segments, out-of-order segments, overlaps, fragments, IPv6, VLAN tags), and match
// the committed fixture, since the rewrite is deterministic.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { count, fields, followTcp } from './tshark.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const base = join(root, 'test/fixtures/lab/xmrig-plain/capture.pcap');
const dir = mkdtempSync(join(tmpdir(), 'mwlab-evasion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rewrite(op: string, frames?: number): string {
  const out = join(dir, `${op.replace(/,/g, '-') || 'cut'}.pcap`);
  const cut = frames === undefined ? [] : ['--frames', String(frames)];
  execFileSync('node', [join(root, 'lab/evasion.mjs'), '--in', base, '--out', out, ...cut, '--op', op], { stdio: 'ignore' });
  return out;
}

const original = followTcp(base, 0);
// 1-byte segmentation uses the capture up to the pool's answer to the second submit (the first
// "status":"OK" answers the login), as lab/make-fixtures.sh does, to keep the fixture small.
const seg1Frames = Number(
  fields(base, 'tcp.srcport == 3333 && tcp.payload contains "\\"status\\":\\"OK\\""', ['frame.number'])[2]?.[0],
);
const seg1Original = followTcp(rewrite('', seg1Frames), 0);

describe('lab/evasion.mjs', () => {
  it('starts from a capture holding a whole XMRig conversation', () => {
    expect(original.client.toString('latin1')).toContain('"method":"login"');
    expect(original.client.toString('latin1')).toContain('"method":"submit"');
    expect(original.server.toString('latin1')).toContain('"job":{"blob":');
  });

  const shapes: Record<string, (file: string) => void> = {
    seg1: (f) => {
      const lengths = fields(f, 'tcp.len > 0', ['tcp.len']).map((r) => Number(r[0]));
      expect(lengths.length).toBe(seg1Original.client.length + seg1Original.server.length);
      expect(Math.max(...lengths)).toBe(1);
    },
    reorder: (f) => {
      expect(count(f, 'tcp.analysis.out_of_order')).toBeGreaterThan(10);
    },
    overlap: (f) => {
      expect(count(f, 'tcp.analysis.retransmission || tcp.analysis.out_of_order || tcp.analysis.spurious_retransmission')).toBeGreaterThan(10);
    },
    ipfrag: (f) => {
      expect(count(f, 'ip.flags.mf == 1')).toBeGreaterThan(10);
      const fragPayloads = fields(f, 'ip.flags.mf == 1', ['ip.len', 'ip.hdr_len']).map((r) => Number(r[0]) - Number(r[1]));
      expect(Math.max(...fragPayloads)).toBe(16);
    },
    ipv6: (f) => {
      expect(count(f, 'ip')).toBe(0);
      expect(count(f, 'ipv6.src == 2001:db8::a01:203 && tcp.dstport == 3333')).toBeGreaterThan(3);
      expect(count(f, 'ipv6.dst == 2001:db8::a01:203 && tcp.srcport == 3333')).toBeGreaterThan(3);
      expect(count(f, 'dns.qry.name == "pool.supportxmr.com"')).toBeGreaterThan(0);
    },
    vlan: (f) => {
      expect(count(f, 'vlan.id == 100')).toBe(count(base, 'frame'));
    },
    qinq: (f) => {
      expect(count(f, 'ieee8021ad.id == 200 && vlan.id == 100')).toBe(count(base, 'frame'));
    },
  };

  for (const [op, shape] of Object.entries(shapes)) {
    it(`${op}: same streams, valid checksums, intended shape, same as the committed fixture`, () => {
      const file = op === 'seg1' ? rewrite(op, seg1Frames) : rewrite(op);
      const want = op === 'seg1' ? seg1Original : original;
      expect(want.client.toString('latin1')).toContain('"method":"submit"');
      const got = followTcp(file, 0);
      expect(got.client.equals(want.client)).toBe(true);
      expect(got.server.equals(want.server)).toBe(true);
      expect(count(file, 'ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0', true)).toBe(0);
      shape(file);
      const committed = join(root, `test/fixtures/lab/xmrig-plain-${op}/capture.pcap`);
      expect(readFileSync(file).equals(readFileSync(committed))).toBe(true);
    });
  }

  it('composes operations: reordered segments over IPv6 inside QinQ', () => {
    const file = rewrite('reorder,ipv6,qinq');
    const got = followTcp(file, 0);
    expect(got.client.equals(original.client)).toBe(true);
    expect(got.server.equals(original.server)).toBe(true);
    expect(count(file, 'ieee8021ad.id == 200 && ipv6 && tcp.analysis.out_of_order')).toBeGreaterThan(10);
  });

  it('rejects input that is not a pcap', () => {
    const bad = join(dir, 'bad.pcap');
    execFileSync('bash', ['-c', `printf 'not a capture at all, just text' > ${bad}`]);
    expect(() => execFileSync('node', [join(root, 'lab/evasion.mjs'), '--in', bad, '--out', join(dir, 'x.pcap'), '--op', 'vlan'], { stdio: 'pipe' })).toThrow(/not a classic pcap/);
  });
});
