import { describe, expect, it } from 'vitest';
import { matchMinerAgent, MAX_AGENT_CHARS } from './agents.js';
import { canonicalAlgorithm, knownAlgorithmCount } from './algorithms.js';
import { AllowList } from './allow-list.js';
import { classifyNodeBytes, NODE_PORTS } from './crypto-nodes.js';
import { isKnownPoolPort, KNOWN_POOL_PORTS } from './ports.js';

describe('miner agents', () => {
  it('recognises miners with their versions', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/11.2.0', 'xmrig', '6.16.0'],
      ['xmr-stak-cpu/1.3.0-1.5.0', 'xmr-stak', '1.3.0-1.5.0'],
      ['cgminer 3.7.2', 'cgminer', '3.7.2'],
      ['cgminer/4.10.0', 'cgminer', '4.10.0'],
      ['bfgminer/5.2.0-unknown', 'bfgminer', '5.2.0-unknown'],
      ['ethminer-0.18.0', 'ethminer', '0.18.0'],
      ['NBMiner/39.5', 'nbminer', '39.5'],
      ['T-Rex/0.26.8', 't-rex', '0.26.8'],
      ['lolMiner 1.76', 'lolminer', '1.76'],
      ['PhoenixMiner/6.2c', 'phoenixminer', '6.2c'],
      ['SRBMiner-MULTI/2.4.5', 'srbminer', '2.4.5'],
      ['cpuminer-opt/3.23.3', 'cpuminer', '3.23.3'],
      ['ccminer/2.3.1', 'ccminer', '2.3.1'],
      ['GMiner/3.44', 'gminer', '3.44'],
      ['teamredminer/0.10.21', 'teamredminer', '0.10.21'],
      ['nanominer/3.8.12', 'nanominer', '3.8.12'],
      ['xmr/1.0', 'xmr', '1.0'],
      ['equihashminer', 'equihashminer', undefined],
    ];
    for (const [agent, family, version] of cases) {
      const m = matchMinerAgent(agent);
      expect(m?.family, agent).toBe(family);
      expect(m?.version, agent).toBe(version);
    }
  });

  it('leaves browsers and look-alike words alone', () => {
    for (const a of [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      'curl/7.88.1',
      'python-requests/2.31',
      'Phoenix framework',
      'xmrigger',
      'Zabbix',
    ]) {
      expect(matchMinerAgent(a), a).toBeUndefined();
    }
  });

  it('cuts over-long agents before matching', () => {
    expect(matchMinerAgent(`${'a'.repeat(MAX_AGENT_CHARS)} XMRig/6.0`)).toBeUndefined();
    expect(matchMinerAgent(`XMRig/6.0 ${'a'.repeat(MAX_AGENT_CHARS)}`)?.agent.length).toBe(MAX_AGENT_CHARS);
  });
});

describe('algorithms, ports, nodes and allow lists', () => {
  it('canonicalises algorithm names', () => {
    expect(canonicalAlgorithm('RandomX')).toBe('rx/0');
    expect(canonicalAlgorithm('cn-pico/trtl')).toBe('cn-pico');
    expect(canonicalAlgorithm('daggerhashimoto')).toBe('ethash');
    expect(canonicalAlgorithm('etchash')).toBe('etchash');
    expect(canonicalAlgorithm('equihash144_5')).toBe('equihash');
    expect(canonicalAlgorithm('sha256')).toBe('sha256d');
    expect(canonicalAlgorithm('autolykos2')).toBe('autolykos');
    expect(canonicalAlgorithm('echo')).toBeUndefined();
    expect(canonicalAlgorithm('x'.repeat(100))).toBeUndefined();
    expect(knownAlgorithmCount()).toBeGreaterThan(50);
  });

  it('knows pool ports with a source for each', () => {
    expect(isKnownPoolPort(3333)).toBe(true);
    expect(isKnownPoolPort(14444)).toBe(true);
    expect(isKnownPoolPort(80)).toBe(false);
    expect(isKnownPoolPort(8333)).toBe(false);
    for (const p of KNOWN_POOL_PORTS) expect(p.note.length).toBeGreaterThan(5);
  });

  it('recognises node protocol greetings', () => {
    const version = new Uint8Array(24);
    version.set([0xf9, 0xbe, 0xb4, 0xd9], 0);
    version.set([...'version'].map((c) => c.charCodeAt(0)), 4);
    expect(classifyNodeBytes(version)).toEqual({ network: 'bitcoin', protocol: 'p2p' });
    const bad = version.slice();
    bad[11] = 0x41; // padding must be NUL
    expect(classifyNodeBytes(bad)).toBeUndefined();
    expect(classifyNodeBytes(Uint8Array.from([0x01, 0x21, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0, 0]))).toEqual({ network: 'monero', protocol: 'levin' });
    const electrum = new TextEncoder().encode('{"id": 0, "method": "server.version", "params": ["3.0", "1.4"]}\n');
    expect(classifyNodeBytes(electrum)?.network).toBe('electrum');
    const stratum = new TextEncoder().encode('{"id": 1, "method": "mining.subscribe", "params": []}\n');
    expect(classifyNodeBytes(stratum)).toBeUndefined();
    expect(NODE_PORTS.get(18080)?.network).toBe('monero');
  });

  it('allow lists match domains by suffix and addresses by CIDR, and count suppression', () => {
    const a = new AllowList({ domains: ['pool.example.org'], ips: ['192.0.2.0/24', '2001:db8::1'] });
    expect(a.matchDomain('eu.pool.example.org')).toEqual({ kind: 'domain', entry: 'pool.example.org' });
    expect(a.matchDomain('example.org')).toBeUndefined();
    expect(a.matchIp('192.0.2.77')).toEqual({ kind: 'ip', entry: '192.0.2.0/24' });
    expect(a.matchIp('2001:db8::1')?.kind).toBe('ip');
    expect(a.matchIp('198.51.100.1')).toBeUndefined();
    const m = a.match(['10.0.0.1', '192.0.2.5'], []);
    expect(m?.entry).toBe('192.0.2.0/24');
    if (m) a.countSuppressed(m);
    expect(a.suppressedTotal).toBe(1);
    expect(() => new AllowList({ ips: ['300.1.1.1'] })).toThrow(/CIDR/);
    expect(() => new AllowList({ domains: ['bad name'] })).toThrow(/domain/);
    expect(new AllowList().match(['192.0.2.5'], ['x.com'])).toBeUndefined();
  });
});

describe('allow-list files', () => {
  it('load from JSON and name the file in every configuration error', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { loadAllowListFile } = await import('./allow-list.js');
    const dir = mkdtempSync(join(tmpdir(), 'mw-allow-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ domains: ['pool.example.org'], ips: ['192.0.2.0/24'] }));
    expect(loadAllowListFile(good).matchIp('192.0.2.9')?.entry).toBe('192.0.2.0/24');
    const cases: Array<[string, RegExp]> = [
      ['{"domains": "x"}', /domains must be an array of strings/],
      ['{"hosts": []}', /unknown key "hosts"/],
      ['[]', /is a JSON object/],
      ['{nope', /cannot read allow list/],
      ['{"ips": ["999.1.1.1"]}', /not an address or CIDR/],
    ];
    for (const [text, re] of cases) {
      const p = join(dir, 'bad.json');
      writeFileSync(p, text);
      expect(() => loadAllowListFile(p)).toThrow(re);
      expect(() => loadAllowListFile(p)).toThrow(p);
    }
  });
});
