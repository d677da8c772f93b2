// Keeps the committed lab fixtures within the house rules: every folder under test/fixtures/lab
// holds one Ethernet pcap under the size limit and a README saying what it shows, how it was made
// and under which licence.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURES = fileURLToPath(new URL('../fixtures/lab/', import.meta.url));
/** Largest capture a fixture may commit, in bytes. */
const MAX_FIXTURE_BYTES = 300 * 1024;
const PCAP_MAGIC_LE = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;

const cases = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('lab fixtures', () => {
  it('include the real-miner, scripted, benign and evasion cases', () => {
    for (const name of ['xmrig-plain', 'xmrig-tls', 'xmrig-nicehash', 'xmrig-unusual-port', 'xmrig-daemon-http',
      'bitcoin-stratum-v1', 'benign-electrum', 'xmrig-plain-seg1', 'xmrig-plain-ipv6', 'xmrig-plain-qinq']) {
      expect(cases).toContain(name);
    }
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
      const readme = readFileSync(join(FIXTURES, name, 'README.md'), 'utf8');
      expect(readme.startsWith(`# ${name}\n`)).toBe(true);
      expect(readme).toContain('## How it was made');
      expect(readme).toMatch(/lab\/(run\.sh|evasion\.mjs) /);
      expect(readme).toContain('## Licence');
    });
  }
});
