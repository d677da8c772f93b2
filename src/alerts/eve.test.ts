import { describe, expect, it } from 'vitest';
import { toEcs, toEcsLine } from './ecs.js';
import { toEve, toEveLine } from './eve.js';
import { loadEveAlertSchema, validateSchema } from './eve-schema.js';
import { MINING_CATEGORY, type Alert } from './types.js';

const alert: Alert = {
  id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  source: 'sensor',
  ts_us: 1_700_000_000_123_456,
  flow_id: '1234567890123',
  community_id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
  src_ip: '10.1.2.3',
  src_port: 49152,
  dest_ip: '198.51.100.7',
  dest_port: 3333,
  proto: 'TCP',
  app_proto: 'stratum',
  alert: { action: 'allowed', gid: 1, signature_id: 9_100_002, rev: 1, signature: 'MINERWATCH Mining pool pushed work to a client', category: MINING_CATEGORY, severity: 1, metadata: { family: ['conversation'] } },
  confidence: 0.97,
  explanation: '10.1.2.3 logged in to pool.supportxmr.com:3333 as XMRig/6.16.0; the pool sent a job (algo cn-pico).',
  rules: ['MW-STRATUM-JOB', 'MW-STRATUM-LOGIN'],
  evidence: {
    stratum: { dialect: 'cryptonote', agent: 'XMRig/6.16.0', algorithms: ['cn-pico'] },
    tls: { sni: 'pool.supportxmr.com' },
    intel: { pool_name: 'pool.supportxmr.com', pool_domain: 'supportxmr.com' },
    counts: { jobs: 1, submits: 0, accepted: 0, rejected: 0 },
  },
};

describe('toEve', () => {
  it('writes the DESIGN.md fields in a fixed order with microsecond timestamps', () => {
    const eve = toEve(alert);
    expect(Object.keys(eve)).toEqual(['timestamp', 'flow_id', 'community_id', 'event_type', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'app_proto', 'alert', 'stratum', 'tls']);
    expect(eve.timestamp).toBe('2023-11-14T22:13:20.123456+0000');
    expect(eve.flow_id).toBe(1234567890123);
    expect(eve.alert).toMatchObject({ action: 'allowed', gid: 1, signature_id: 9100002, rev: 1, category: 'Crypto Currency Mining Activity Detected', severity: 1 });
    expect(eve.alert.metadata).toEqual({
      family: ['conversation'],
      alert_id: [alert.id],
      source: ['sensor'],
      confidence: ['0.97'],
      rule_ids: ['MW-STRATUM-JOB', 'MW-STRATUM-LOGIN'],
      explanation: [alert.explanation],
    });
    expect(eve.stratum).toEqual(alert.evidence.stratum);
    expect(toEveLine(alert)).toBe(JSON.stringify(eve));
  });

  it('keeps flow ids that do not fit a JSON number exactly as decimal text', () => {
    expect(toEve({ ...alert, flow_id: '18446744073709551615' }).flow_id).toBe('18446744073709551615');
  });

  it('conforms to the EVE alert schema, and the schema catches broken records', () => {
    const schema = loadEveAlertSchema();
    expect(validateSchema(schema, JSON.parse(toEveLine(alert)))).toEqual([]);
    const minimal = { ...alert, flow_id: undefined, community_id: undefined, app_proto: undefined, evidence: {} } as Alert;
    expect(validateSchema(schema, toEve(minimal))).toEqual([]);
    const broken = JSON.parse(toEveLine(alert)) as Record<string, unknown>;
    broken.timestamp = '2023-11-14T22:13:20Z';
    broken.src_port = 70000;
    (broken.alert as Record<string, unknown>).category = 'Misc';
    delete broken.dest_ip;
    (broken.alert as Record<string, unknown>).metadata = { x: [1] };
    expect(validateSchema(schema, broken).sort()).toEqual([
      '$.alert.category: expected "Crypto Currency Mining Activity Detected"',
      '$.alert.metadata.x[0]: expected string, got integer',
      '$.dest_ip: required',
      '$.src_port: above 65535',
      expect.stringMatching(/^\$\.timestamp: does not match/),
    ]);
  });
});

describe('toEcs', () => {
  it('maps the alert to ECS event, rule, network, threat and protocol fields', () => {
    const ecs = toEcs(alert);
    expect(ecs['@timestamp']).toBe('2023-11-14T22:13:20.123456Z');
    expect(ecs.event).toMatchObject({ kind: 'alert', category: ['network', 'intrusion_detection'], id: alert.id, severity: 73, risk_score: 97, reason: alert.explanation });
    expect(ecs.rule).toEqual({ id: '9100002', name: alert.alert.signature, category: MINING_CATEGORY, ruleset: 'gid 1', version: '1' });
    expect(ecs.source).toEqual({ ip: '10.1.2.3', port: 49152 });
    expect(ecs.destination).toEqual({ ip: '198.51.100.7', port: 3333, domain: 'pool.supportxmr.com' });
    expect(ecs.network).toEqual({ transport: 'tcp', protocol: 'stratum', community_id: alert.community_id });
    expect(ecs.threat).toMatchObject({ technique: { id: ['T1496'] } });
    expect(ecs.user_agent).toEqual({ original: 'XMRig/6.16.0' });
    expect(ecs.tls).toEqual({ client: { server_name: 'pool.supportxmr.com' } });
    expect(ecs.minerwatch).toMatchObject({ alert_id: alert.id, confidence: 0.97, rules: alert.rules });
    expect(JSON.parse(toEcsLine(alert))).toEqual(ecs);
  });

  it('maps DNS and HTTP evidence and low severities', () => {
    const ecs = toEcs({ ...alert, alert: { ...alert.alert, severity: 3 }, evidence: { dns: { rrname: 'coinhive.com' }, http: { hostname: 'coinhive.com', http_method: 'GET', url: '/lib/coinhive.min.js' } } });
    expect(ecs.dns).toEqual({ question: { name: 'coinhive.com' } });
    expect(ecs.url).toEqual({ domain: 'coinhive.com', path: '/lib/coinhive.min.js' });
    expect(ecs.http).toEqual({ request: { method: 'GET' } });
    expect((ecs.event as Record<string, unknown>).severity).toBe(21);
    expect(ecs.user_agent).toBeUndefined();
  });
});
