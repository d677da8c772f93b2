// Hostile and malformed fact data never makes detection throw, and whatever it emits still
// conforms to the EVE alert schema (fast-check, seeded so failures reproduce).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toEve } from '../alerts/eve.js';
import { loadEveAlertSchema, validateSchema } from '../alerts/eve-schema.js';
import type { Alert } from '../alerts/types.js';
import type { FlowView } from '../engine/types.js';
import { Intel } from '../intel/index.js';
import { MiningDetector } from './detector.js';

const NAMES = [
  'stratum.dialect', 'stratum.subscribe', 'stratum.authorize', 'stratum.login', 'stratum.agent', 'stratum.job', 'stratum.submit',
  'stratum.result', 'stratum.hashrate', 'dns.query', 'dns.answer', 'tls.client_hello', 'tls.certificate', 'http.request',
  'stratum_v2.handshake_shape', 'crypto_node.p2p', 'jsonrpc.method', 'jsonrpc.node_rpc', 'other.thing',
];
const KEYS = ['dialect', 'method', 'request_method', 'login', 'agent', 'algo', 'algorithms', 'accepted', 'pool_host', 'miner_side', 'is_mid_session',
  'rrname', 'query', 'answers', 'addresses', 'cnames', 'ttl', 'ttl_min', 'sni', 'alpn', 'san_dns', 'subject_cn', 'hostname', 'http_user_agent',
  'url', 'network', 'protocol', 'coin'];

const value = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.constantFrom('pool.supportxmr.com', 'authedmine.com', 'XMRig/6.16.0', 'cgminer 3.7.2', 'getblocktemplate', 'cryptonote', 'mining.submit', 'A', '203.0.113.9', 'x'.repeat(2000)),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.record({ rrtype: fc.constantFrom('A', 'AAAA', 'CNAME', 7), rdata: fc.oneof(fc.string(), fc.integer()), ttl: fc.oneof(fc.integer(), fc.string()) })), { maxLength: 6 }),
);
const factArb = fc.record({
  name: fc.constantFrom(...NAMES),
  dt: fc.integer({ min: 0, max: 3_000_000 }),
  direction: fc.constantFrom(0 as const, 1 as const),
  flow: fc.integer({ min: 0, max: 5 }),
  data: fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 }),
});

function view(i: number): FlowView {
  return {
    flowId: String(1000 + i), communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', transport: i % 2 === 0 ? 'tcp' : 'udp',
    clientIp: `10.0.0.${i + 1}`, clientPort: 40000 + i, serverIp: '203.0.113.9', serverPort: [3333, 53, 443, 8333, 80, 14444][i] ?? 3333,
    isOrientationFromSyn: true, protocol: i % 2 === 0 ? 6 : 17, vlan: 0, startUs: 1_000_000, lastUs: 1_000_000,
    pktsToServer: 1, pktsToClient: 1, bytesToServer: 1, bytesToClient: 1,
    appProto: () => undefined, protocolRecords: () => ({}), markAlerted: () => undefined,
  };
}

const sharedList = new Intel().poolDomains;

describe('detector under hostile facts', () => {
  const schema = loadEveAlertSchema();
  let total = 0;
  it('never throws and emits only schema-valid alerts, at most one per flow and family', () => {
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 60 }), (facts) => {
        const alerts: Alert[] = [];
        const det = new MiningDetector({ emitAlert: (a) => alerts.push(a), markFlowForCapture: () => undefined, count: () => undefined }, { intel: new Intel({ poolDomains: sharedList }) });
        let ts = 1_000_000;
        for (const f of facts) {
          ts += f.dt;
          det.onFact(view(f.flow), { name: f.name, tsUs: ts, direction: f.direction, data: f.data });
        }
        det.flush();
        total += alerts.length;
        const seen = new Set<string>();
        for (const a of alerts) {
          expect(validateSchema(schema, JSON.parse(JSON.stringify(toEve(a))))).toEqual([]);
          const key = `${a.flow_id}|${a.alert.metadata?.family?.[0] ?? ''}`;
          expect(seen.has(key), key).toBe(false);
          seen.add(key);
          expect(a.explanation.length).toBeGreaterThan(10);
          expect(a.confidence).toBeGreaterThan(0);
          expect(a.confidence).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300, seed: 20261127 },
    );
    // The generator reaches the rules: some runs do raise alerts.
    expect(total).toBeGreaterThan(0);
  });
});
