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
import { count, fields, followTcp, table } from './tshark.js';

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

  type Row = Record<string, string>;
  const columns = [
    'eth.type', 'ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'tcp.len', 'ip.flags.mf',
    'ip.len', 'ip.hdr_len', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'dns.qry.name',
    'tcp.analysis.out_of_order', 'tcp.analysis.retransmission', 'vlan.id', 'ieee8021ad.id',
  ];
  const frames = count(base, 'frame');
  const has = (r: Row, k: string) => (r[k] ?? '') !== '';
  const shapes: Record<string, (rows: Row[]) => void> = {
    seg1: (rows) => {
      const lengths = rows.filter((r) => Number(r['tcp.len']) > 0).map((r) => Number(r['tcp.len']));
      expect(lengths.length).toBe(seg1Original.client.length + seg1Original.server.length);
      expect(Math.max(...lengths)).toBe(1);
    },
    reorder: (rows) => {
      expect(rows.filter((r) => has(r, 'tcp.analysis.out_of_order')).length).toBeGreaterThan(10);
    },
    overlap: (rows) => {
      expect(rows.filter((r) => has(r, 'tcp.analysis.retransmission') || has(r, 'tcp.analysis.out_of_order')).length).toBeGreaterThan(10);
    },
    ipfrag: (rows) => {
      const fragments = rows.filter((r) => r['ip.flags.mf'] === '1' || r['ip.flags.mf'] === 'True');
      expect(fragments.length).toBeGreaterThan(10);
      expect(Math.max(...fragments.map((r) => Number(r['ip.len']) - Number(r['ip.hdr_len'])))).toBe(16);
    },
    ipv6: (rows) => {
      expect(rows.filter((r) => r['eth.type'] === '0x0800')).toEqual([]);
      expect(rows.filter((r) => r['ipv6.src'] === '2001:db8::a01:203' && r['tcp.dstport'] === '3333').length).toBeGreaterThan(3);
      expect(rows.filter((r) => r['ipv6.dst'] === '2001:db8::a01:203' && r['tcp.srcport'] === '3333').length).toBeGreaterThan(3);
      expect(rows.some((r) => r['dns.qry.name'] === 'pool.supportxmr.com')).toBe(true);
    },
    vlan: (rows) => {
      expect(rows.filter((r) => r['vlan.id'] === '100').length).toBe(frames);
    },
    qinq: (rows) => {
      expect(rows.filter((r) => r['ieee8021ad.id'] === '200' && r['vlan.id'] === '100').length).toBe(frames);
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
      const rows = table(file, columns);
      // tshark's checksum status: 0 bad, 1 good, 2 unverified (fragments before reassembly).
      const bad = rows.filter((r) => r['ip.checksum.status'] === '0' || r['tcp.checksum.status'] === '0' || r['udp.checksum.status'] === '0');
      expect(bad).toEqual([]);
      expect(rows.filter((r) => r['tcp.checksum.status'] === '1').length).toBeGreaterThan(10);
      shape(rows);
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
