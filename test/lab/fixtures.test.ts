// Keeps the committed lab fixtures within the house rules: every folder under test/fixtures/lab
// holds one Ethernet pcap under the size limit, with no address outside the lab ranges, and a
// README saying what it shows, how it was made and under which licence.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURES = fileURLToPath(new URL('../fixtures/lab/', import.meta.url));
/** Largest capture a fixture may commit, in bytes. */
const MAX_FIXTURE_BYTES = 300 * 1024;
const PCAP_MAGIC_LE = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;

/** Addresses a lab capture may hold: the two lab ranges, or their 2001:db8::/32 translations. */
function isLabAddress(bytes: Buffer): boolean {
  if (bytes.length === 4) return (bytes[0] === 10 && bytes[1] === 1 && bytes[2] === 2) || (bytes[0] === 203 && bytes[1] === 0 && bytes[2] === 113);
  return bytes.readUInt32BE(0) === 0x20010db8;
}

/** Every address in every frame (through VLAN tags), or a description of what is not IP or ARP. */
function addressesOutsideLab(pcap: Buffer): string[] {
  const bad: string[] = [];
  for (let off = 24, frame = 1; off + 16 <= pcap.length; frame++) {
    const len = pcap.readUInt32LE(off + 8);
    const data = pcap.subarray(off + 16, off + 16 + len);
    off += 16 + len;
    let l3 = 14;
    let type = data.readUInt16BE(12);
    while (type === 0x8100 || type === 0x88a8) {
      type = data.readUInt16BE(l3 + 2);
      l3 += 4;
    }
    const pairs: Buffer[] =
      type === 0x0800 ? [data.subarray(l3 + 12, l3 + 16), data.subarray(l3 + 16, l3 + 20)]
      : type === 0x86dd ? [data.subarray(l3 + 8, l3 + 24), data.subarray(l3 + 24, l3 + 40)]
      : type === 0x0806 ? [data.subarray(l3 + 14, l3 + 18), data.subarray(l3 + 24, l3 + 28)]
      : [];
    if (pairs.length === 0) bad.push(`frame ${frame}: ethertype 0x${type.toString(16)}`);
    for (const a of pairs) if (!isLabAddress(a)) bad.push(`frame ${frame}: ${a.toString('hex')}`);
  }
  return bad;
}

const cases = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('lab fixtures', () => {
  it('include the real-miner, scripted, benign and evasion cases', () => {
    for (const name of ['xmrig-plain', 'xmrig-tls', 'xmrig-nicehash', 'xmrig-unusual-port', 'xmrig-daemon-http',
      'bitcoin-stratum-v1', 'benign-electrum', 'xmrig-plain-seg1', 'xmrig-plain-ipv6', 'xmrig-plain-qinq']) {
      expect(cases).toContain(name);
    }
  });

  it('the address guard notices a foreign address', () => {
    const pcap = Buffer.from(readFileSync(join(FIXTURES, 'xmrig-plain', 'capture.pcap')));
    expect(addressesOutsideLab(pcap)).toEqual([]);
    // Frame 3 is the DNS question (two ARP frames come first); point its destination at 192.0.2.53.
    let off = 24;
    for (let i = 0; i < 2; i++) off += 16 + pcap.readUInt32LE(off + 8);
    Buffer.from([192, 0, 2, 53]).copy(pcap, off + 16 + 14 + 16);
    expect(addressesOutsideLab(pcap)).toEqual(['frame 3: c0000235']);
  });

  for (const name of cases) {
    it(`${name}: a small Ethernet pcap with a README`, () => {
      const capture = join(FIXTURES, name, 'capture.pcap');
      const size = statSync(capture).size;
      expect(size).toBeGreaterThan(24);
      expect(size).toBeLessThan(MAX_FIXTURE_BYTES);
      const head = readFileSync(capture).subarray(0, 24);
      expect(head.readUInt32LE(0)).toBe(PCAP_MAGIC_LE);
      expect(head.readUInt32LE(20)).toBe(LINKTYPE_ETHERNET);
      // The network rule, for committed captures too: only lab addresses, only IP and ARP.
      expect(addressesOutsideLab(readFileSync(capture))).toEqual([]);
      const readme = readFileSync(join(FIXTURES, name, 'README.md'), 'utf8');
      expect(readme.startsWith(`# ${name}\n`)).toBe(true);
      expect(readme).toContain('## How it was made');
      expect(readme).toMatch(/lab\/(run\.sh|evasion\.mjs) /);
      expect(readme).toContain('## Licence');
    });
  }
});
