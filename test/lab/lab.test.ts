// Proves the live lab works and keeps to the network rule: a real XMRig resolves the pool by name
// through the lab resolver, logs in, gets a job and submits shares, all captured on the client's
// veth; every captured packet stays between the two lab ranges; and the namespaces have no route
// anywhere else. Runs as root (CI does).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB, setup, startMiner, teardown } from './lab.js';
import { count, fields, followTcp } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'mwlab-test-'));
const capture = join(dir, 'live.pcap');
let accepted = 0;
let acceptedTls = 0;
let routeToElsewhere = '';
let namespacesWhileUp = '';

function routeGet(ns: string, address: string): string {
  // `ip route get` asks the routing table only; it sends nothing.
  try {
    return execFileSync('ip', ['-n', ns, 'route', 'get', address], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return `error: ${String((err as { stderr?: string }).stderr ?? err)}`;
  }
}

beforeAll(async () => {
  await setup({ capture });
  namespacesWhileUp = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  routeToElsewhere = [
    routeGet(LAB.clientNs, '192.0.2.1'),
    routeGet(LAB.clientNs, '10.9.9.9'),
    routeGet(LAB.poolNs, '198.51.100.7'),
  ].join('\n');
  ({ accepted } = await startMiner({ seconds: 40, untilShares: 2 }));
  ({ accepted: acceptedTls } = await startMiner({ seconds: 40, untilShares: 1, tls: true }));
  await teardown();
}, 180_000);

afterAll(async () => {
  await teardown();
  rmSync(dir, { recursive: true, force: true });
});

describe('live lab with a real XMRig', () => {
  it('builds both namespaces and leaves no route out of them', () => {
    expect(namespacesWhileUp).toContain(LAB.clientNs);
    expect(namespacesWhileUp).toContain(LAB.poolNs);
    const answers = routeToElsewhere.split('\n').filter((l) => l.startsWith('error'));
    expect(answers).toHaveLength(3);
    for (const a of answers) expect(a).toMatch(/unreachable/i);
  });

  it('captures the DNS question for the pool name and the lab answer', () => {
    const questions = fields(capture, 'dns.flags.response == 0 && dns.qry.type == 1', ['dns.qry.name', 'ip.dst', 'udp.dstport']);
    expect(questions).toContainEqual([LAB.poolName, LAB.poolIp, '53']);
    const answers = fields(capture, 'dns.flags.response == 1 && dns.qry.type == 1', ['dns.qry.name', 'dns.a']);
    expect(answers).toContainEqual([LAB.poolName, LAB.poolIp]);
  });

  it('captures the stratum login, a job and submits answered OK', () => {
    expect(statSync(capture).size).toBeGreaterThan(1000);
    expect(count(capture, `tcp.dstport == ${LAB.poolPort} && tcp.payload contains "\\"method\\":\\"login\\""`)).toBe(1);
    expect(count(capture, `tcp.srcport == ${LAB.poolPort} && tcp.payload contains "\\"job\\":{\\"blob\\":"`)).toBe(1);
    const submits = count(capture, `tcp.dstport == ${LAB.poolPort} && tcp.payload contains "\\"method\\":\\"submit\\""`);
    expect(submits).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeGreaterThanOrEqual(1);
    const { client, server } = followTcp(capture, 0);
    expect(client.toString('latin1')).toMatch(/"agent":"XMRig\/6\.16\.0/);
    const oks = server.toString('latin1').match(/"result":\{"status":"OK"\}/g) ?? [];
    expect(oks.length).toBeGreaterThanOrEqual(submits);
  });

  it('mines over TLS too: a TLS session on the TLS port, no stratum in clear', () => {
    expect(acceptedTls).toBeGreaterThanOrEqual(1);
    expect(count(capture, `tcp.dstport == ${LAB.poolTlsPort} && tls.handshake.type == 1`)).toBe(1);
    expect(count(capture, `tcp.port == ${LAB.poolTlsPort} && (tls.record.content_type == 23 || tls.record.opaque_type == 23)`)).toBeGreaterThan(2);
    expect(count(capture, `tcp.port == ${LAB.poolTlsPort} && tcp.payload contains "jsonrpc"`)).toBe(0);
  });

  it('holds no packet with an address outside the two lab ranges', () => {
    // One tshark pass over every frame: its ethertype and the addresses tshark decoded.
    const rows = fields(capture, 'frame', ['eth.type', 'ip.src', 'ip.dst', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4']);
    expect(rows.length).toBeGreaterThan(10);
    const inLab = (a: string | undefined) => a !== undefined && (a.startsWith('10.1.2.') || a.startsWith('203.0.113.'));
    const outside = rows.filter(([type, ipSrc, ipDst, arpSrc, arpDst]) => {
      if (type === '0x0800') return !(inLab(ipSrc) && inLab(ipDst));
      if (type === '0x0806') return !(inLab(arpSrc) && inLab(arpDst));
      return true; // nothing but IPv4 and ARP may cross the lab link: no IPv6, no other protocol
    });
    expect(outside).toEqual([]);
    expect(rows.filter(([type]) => type === '0x0800').length).toBeGreaterThan(10);
    expect(`${LAB.clientNet} ${LAB.poolNet}`).toBe('10.1.2.0/24 203.0.113.0/24');
  });

  it('tears down completely and a second teardown is harmless', async () => {
    await teardown();
    const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    expect(list).not.toContain(LAB.clientNs);
    expect(list).not.toContain(LAB.poolNs);
  });
});
