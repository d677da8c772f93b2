import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/types.js';
import type { DetectorContext, FlowEnd, FlowView } from '../engine/types.js';
import { Intel } from '../intel/index.js';
import type { FactEvent } from '../protocols/analyser.js';
import { alertId, DEFAULT_ALERT_HOLD_US, MiningDetector, TLS_MINING_MIN_DURATION_US, type NodeNotice } from './detector.js';
import { RULES } from './rules.js';

const XMR = '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';
const T0 = 1_700_000_000_000_000;

function view(id: string, over: Partial<FlowView> = {}, records: Record<string, Record<string, unknown>> = {}): FlowView & { alerted: number } {
  const v = {
    flowId: id,
    communityId: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=',
    transport: 'tcp' as const,
    clientIp: '10.1.2.3',
    clientPort: 49152,
    serverIp: '198.51.100.7',
    serverPort: 3333,
    isOrientationFromSyn: true,
    protocol: 6,
    vlan: 0,
    startUs: T0,
    lastUs: T0,
    pktsToServer: 0,
    pktsToClient: 0,
    bytesToServer: 0,
    bytesToClient: 0,
    alerted: 0,
    appProto: () => 'stratum',
    protocolRecords: () => records,
    markAlerted() {
      v.alerted++;
    },
    ...over,
  };
  return v;
}

function harness(intel = new Intel(), notices: NodeNotice[] = []) {
  const alerts: Alert[] = [];
  const counts: Record<string, number> = {};
  const captured: string[] = [];
  const ctx: DetectorContext = {
    emitAlert: (a) => alerts.push(a),
    markFlowForCapture: (id) => captured.push(id),
    count: (n, k = 1) => {
      counts[n] = (counts[n] ?? 0) + k;
    },
  };
  const det = new MiningDetector(ctx, { intel, sensor: 'test', onNotice: (n) => notices.push(n) });
  return { det, alerts, counts, captured, intel };
}

function fact(name: string, tsUs: number, data: Record<string, unknown>, direction: 0 | 1 = 0): FactEvent {
  return { name, tsUs, direction, data };
}

function end(v: FlowView, endUs: number, over: Partial<FlowEnd['record']> = {}, protocols: Record<string, Record<string, unknown>> = {}): FlowEnd {
  return {
    record: {
      flow_id: v.flowId,
      source: 'sensor',
      src_ip: v.clientIp,
      src_port: v.clientPort,
      dest_ip: v.serverIp,
      dest_port: v.serverPort,
      proto: 'TCP',
      start_us: v.startUs,
      end_us: endUs,
      pkts_toserver: 5,
      pkts_toclient: 5,
      bytes_toserver: 500,
      bytes_toclient: 500,
      ...over,
    },
    protocols,
    eve: {},
  };
}

describe('conversation rules', () => {
  it('holds a confirmed conversation for the hold time so the shares that follow are in its one alert', () => {
    const { det, alerts, counts } = harness();
    const v = view('101', {}, { stratum: { dialect: 'cryptonote', agent: 'XMRig/6.16.0' } });
    det.onFact(v, fact('stratum.dialect', T0 + 1, { dialect: 'cryptonote', miner_side: 'client', miner_side_basis: 'requests', is_mid_session: false }));
    det.onFact(v, fact('stratum.login', T0 + 2, { dialect: 'cryptonote', method: 'login', login: `${XMR}.rig1`, agent: 'XMRig/6.16.0', has_password: true }));
    expect(alerts).toHaveLength(0);
    det.onFact(v, fact('stratum.job', T0 + 3, { dialect: 'cryptonote', method: 'login', algo: 'cn-pico', has_seed_hash: false, has_target: true, is_in_login_result: true }, 1));
    // Confirmed, but held: the shares of the next seconds belong in the alert.
    expect(alerts).toHaveLength(0);
    for (let i = 0; i < 4; i++) {
      det.onFact(v, fact('stratum.submit', T0 + 1_000_000 * (i + 1), { dialect: 'cryptonote', method: 'submit' }));
      det.onFact(v, fact('stratum.result', T0 + 1_000_000 * (i + 1) + 500, { dialect: 'cryptonote', request_method: 'submit', accepted: true }, 1));
    }
    expect(alerts).toHaveLength(0);
    // The hold time after the login has passed: the next fact (here a new job) releases it.
    det.onFact(v, fact('stratum.job', T0 + 2 + DEFAULT_ALERT_HOLD_US, { dialect: 'cryptonote', method: 'job', algo: 'cn-pico' }, 1));
    expect(alerts).toHaveLength(1);
    const a = alerts[0] as Alert;
    // Accepted shares are the strongest evidence: they name the alert.
    expect(a.alert.signature_id).toBe(RULES.SHARES.sid);
    expect(a.alert.severity).toBe(1);
    expect(a.rules).toEqual(['MW-STRATUM-SHARES', 'MW-STRATUM-JOB', 'MW-STRATUM-LOGIN', 'MW-MINER-AGENT']);
    expect(a.confidence).toBeGreaterThan(0.95);
    expect(a.explanation).toBe('10.1.2.3 logged in to 198.51.100.7:3333 as XMRig/6.16.0 with a Monero wallet; the pool sent 2 jobs (algo cn-pico); 4 shares were submitted and accepted.');
    expect(a.evidence.wallet).toMatchObject({ coin: 'monero', address: XMR });
    expect(a.evidence.miner).toEqual({ family: 'xmrig', version: '6.16.0' });
    expect(a.evidence.stratum).toMatchObject({ dialect: 'cryptonote', agent: 'XMRig/6.16.0' });
    expect(a.ts_us).toBe(T0 + 2);
    expect(v.alerted).toBe(1);
    // Later evidence raises no second alert: more shares are dropped, a pool name is merged.
    det.onFact(v, fact('stratum.submit', T0 + 2 + DEFAULT_ALERT_HOLD_US + 1, { dialect: 'cryptonote', method: 'submit' }));
    det.onFact(v, fact('http.request', T0 + 2 + DEFAULT_ALERT_HOLD_US + 2, { hostname: 'pool.supportxmr.com', http_method: 'GET', url: '/' }));
    det.onFlowEnd(v, end(v, T0 + 10_000_000));
    expect(alerts).toHaveLength(1);
    expect(counts.pool_name_merged).toBe(1);
  });

  it('reports shares and their acceptance when they arrive before confirmation', () => {
    const { det, alerts } = harness();
    const v = view('102');
    det.onFact(v, fact('stratum.submit', T0 + 1, { dialect: 'stratum-v1', method: 'mining.submit' }));
    for (let i = 0; i < 4; i++) det.onFact(v, fact('stratum.result', T0 + 2 + i, { dialect: 'stratum-v1', request_method: 'mining.submit', accepted: true }, 1));
    det.onFlowEnd(v, end(v, T0 + 100));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert.signature_id).toBe(RULES.SHARES.sid);
    expect(alerts[0]?.explanation).toBe('10.1.2.3 submitted mining shares to 198.51.100.7:3333; 1 share was submitted, 4 accepted.');
  });

  it('counts shares, acceptance and rejections in the explanation', () => {
    const { det, alerts } = harness();
    const v = view('103');
    det.onFact(v, fact('stratum.subscribe', T0 + 1, { dialect: 'stratum-v1', method: 'mining.subscribe', agent: 'cgminer/3.7.2' }));
    for (let i = 0; i < 3; i++) det.onFact(v, fact('stratum.submit', T0 + 2 + i, { dialect: 'stratum-v1', method: 'mining.submit' }));
    det.onFact(v, fact('stratum.result', T0 + 6, { request_method: 'mining.submit', accepted: true }, 1));
    det.onFact(v, fact('stratum.result', T0 + 7, { request_method: 'mining.submit', accepted: false }, 1));
    det.onFlowEnd(v, end(v, T0 + 100));
    expect(alerts[0]?.explanation).toBe('10.1.2.3 subscribed to mining work at 198.51.100.7:3333 as cgminer/3.7.2; no job was seen; 3 shares were submitted, 1 accepted, 1 rejected.');
  });

  it('fires the login rule alone at lower confidence for probes that never get a job', () => {
    const { det, alerts } = harness();
    const v = view('104');
    det.onFact(v, fact('stratum.subscribe', T0, { dialect: 'stratum-v1', method: 'mining.subscribe' }));
    det.onFlowEnd(v, end(v, T0 + 1000));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert.signature_id).toBe(RULES.LOGIN.sid);
    expect(alerts[0]?.alert.severity).toBe(2);
    expect(alerts[0]?.confidence).toBe(0.6);
  });

  it('recognises mining over HTTP and a miner user agent', () => {
    const { det, alerts } = harness();
    const v = view('105', { serverPort: 8332, appProto: () => 'http' });
    det.onFact(v, fact('http.request', T0, { hostname: '198.51.100.7', http_user_agent: 'cgminer 3.7.2', http_method: 'POST', url: '/' }));
    det.onFact(v, fact('stratum.dialect', T0 + 1, { dialect: 'getblocktemplate', miner_side: 'client', is_mid_session: false }));
    det.onFact(v, fact('stratum.job', T0 + 2, { dialect: 'getblocktemplate', method: 'getblocktemplate', has_seed_hash: false, has_target: true, is_in_login_result: false }, 1));
    det.onFlowEnd(v, end(v, T0 + 10));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.rules).toEqual(['MW-STRATUM-JOB', 'MW-HTTP-MINING', 'MW-MINER-AGENT']);
    expect(alerts[0]?.explanation).toBe('10.1.2.3 asked 198.51.100.7:8332 for mining work over HTTP (getblocktemplate) as cgminer 3.7.2; the pool sent a job.');
    expect(alerts[0]?.evidence.http).toMatchObject({ http_user_agent: 'cgminer 3.7.2' });
  });

  it('explains a capture that starts mid-session', () => {
    const { det, alerts } = harness();
    const v = view('106');
    det.onFact(v, fact('stratum.dialect', T0, { dialect: 'stratum-v1', miner_side: 'client', miner_side_basis: 'pushes', is_mid_session: true }));
    det.onFact(v, fact('stratum.job', T0 + 1, { dialect: 'stratum-v1', method: 'mining.notify', has_seed_hash: false, has_target: false, is_in_login_result: false }, 1));
    det.onFlowEnd(v, end(v, T0 + 10));
    expect(alerts[0]?.explanation).toBe('10.1.2.3 received mining work from 198.51.100.7:3333 (the capture starts mid-session).');
    expect(alerts[0]?.alert.signature_id).toBe(RULES.JOB.sid);
  });
});

describe('names, learned addresses and browser mining', () => {
  it('alerts on a DNS lookup of a pool name, learns its addresses and attributes a later connection', () => {
    const { det, alerts, counts } = harness();
    const dnsFlow = view('201', { transport: 'udp', serverIp: '192.0.2.53', serverPort: 53, appProto: () => 'dns' });
    det.onFact(dnsFlow, fact('dns.answer', T0, { rrname: 'la01.supportxmr.com', answers: [{ rrtype: 'A', rdata: '198.51.100.9', ttl: 60 }] }, 1));
    det.onFlowEnd(dnsFlow, end(dnsFlow, T0 + 1000, { proto: 'UDP' }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert.signature_id).toBe(RULES.POOL_DNS.sid);
    expect(alerts[0]?.explanation).toBe('10.1.2.3 looked up la01.supportxmr.com (listed as supportxmr.com), a listed mining pool; the answers named 198.51.100.9.');
    expect(alerts[0]?.evidence.intel).toMatchObject({ pool_domain: 'supportxmr.com', pool_kind: 'pool', batch_date: '2026-11-27' });
    expect(counts.learned_from_dns).toBe(1);

    // A connection by address only (say TLS without SNI, no facts) ends later.
    const conn = view('202', { serverIp: '198.51.100.9', serverPort: 443, appProto: () => undefined });
    det.onFlowEnd(conn, end(conn, T0 + 20_000_000));
    expect(alerts).toHaveLength(2);
    expect(alerts[1]?.alert.signature_id).toBe(RULES.POOL_LEARNED_ADDRESS.sid);
    expect(alerts[1]?.explanation).toBe('10.1.2.3 connected to 198.51.100.9:443, an address it had resolved for the pool name la01.supportxmr.com.');
    expect(alerts[1]?.confidence).toBe(0.65);

    // The stratum conversation to that address names the pool in its alert.
    const conv = view('203', { serverIp: '198.51.100.9' });
    det.onFact(conv, fact('stratum.login', T0 + 30_000_000, { dialect: 'cryptonote', method: 'login', login: XMR, has_password: true }));
    det.onFact(conv, fact('stratum.job', T0 + 30_000_001, { dialect: 'cryptonote', method: 'login', algo: 'rx/0', has_seed_hash: true, has_target: true, is_in_login_result: true }, 1));
    expect(alerts).toHaveLength(2);
    // Time moves on (a live capture's clock) past the hold time: the held alert goes out.
    det.advanceTime(T0 + 30_000_000 + DEFAULT_ALERT_HOLD_US);
    expect(alerts).toHaveLength(3);
    expect(alerts[2]?.explanation).toBe('10.1.2.3 logged in to la01.supportxmr.com:3333 (198.51.100.9) with a Monero wallet; the pool sent a job (algo rx/0).');
    expect(alerts[2]?.evidence.intel).toMatchObject({ learned_name: 'la01.supportxmr.com', learned_scope: 'client' });
    expect(alerts[2]?.evidence.stratum).toMatchObject({ pool_host: 'la01.supportxmr.com', pool_host_source: 'dns' });
    det.onFlowEnd(conv, end(conv, T0 + 40_000_000));
    expect(alerts).toHaveLength(3);
    expect(counts.pool_name_merged).toBe(1);
  });

  it('never matches bait names such as pool.telefonica.de', () => {
    const { det, alerts } = harness();
    const v = view('204', { transport: 'udp', serverPort: 53, appProto: () => 'dns' });
    det.onFact(v, fact('dns.query', T0, { rrname: 'dynamic-093-133-011-198.93.pool.telefonica.de' }));
    det.onFact(v, fact('dns.query', T0 + 1, { rrname: 'notsupportxmr.com' }));
    det.onFlowEnd(v, end(v, T0 + 10, { proto: 'UDP' }));
    det.flush();
    expect(alerts).toHaveLength(0);
  });

  it('alerts on TLS SNI naming a pool and on browser-mining names', () => {
    const { det, alerts } = harness();
    const tls = view('205', { serverPort: 443, appProto: () => 'tls' });
    det.onFact(tls, fact('tls.client_hello', T0, { sni: 'ws027.authedmine.com', alpn: ['http/1.1'] }));
    det.onFact(tls, fact('tls.client_hello', T0 + DEFAULT_ALERT_HOLD_US + 1, { sni: 'ws027.authedmine.com' }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert.signature_id).toBe(RULES.BROWSER.sid);
    expect(alerts[0]?.explanation).toBe('10.1.2.3 opened TLS to ws027.authedmine.com (listed as authedmine.com), an in-browser mining service, at 198.51.100.7:443.');
    const tls2 = view('206', { serverPort: 3333, appProto: () => 'tls' });
    det.onFact(tls2, fact('tls.client_hello', T0 + 10, { sni: 'us1.bitminter.com' }));
    det.onFlowEnd(tls2, end(tls2, T0 + 20));
    expect(alerts[1]?.alert.signature_id).toBe(RULES.POOL_SNI.sid);
  });

  it('holds an alert for the named hold time of packet time, then releases it on any later fact', () => {
    const { det, alerts } = harness();
    const a = view('207', { serverPort: 443, appProto: () => 'tls' });
    det.onFact(a, fact('tls.client_hello', T0, { sni: 'xmr.nanopool.org' }));
    const b = view('208', { clientIp: '10.9.9.9' });
    det.onFact(b, fact('http.request', T0 + DEFAULT_ALERT_HOLD_US - 1, { hostname: 'example.org' }));
    expect(alerts).toHaveLength(0);
    det.onFact(b, fact('http.request', T0 + DEFAULT_ALERT_HOLD_US, { hostname: 'example.org' }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.flow_id).toBe('207');
    det.onFlowEnd(a, end(a, T0 + 2 * DEFAULT_ALERT_HOLD_US));
    det.flush();
    expect(alerts).toHaveLength(1);
  });

  it('fires the TLS mining-port rule only for long, steady, non-browser TLS on a pool port', () => {
    const { det, alerts } = harness();
    const v = view('209', { serverPort: 14444, appProto: () => 'tls' });
    det.onFact(v, fact('tls.client_hello', T0, {}));
    det.onFlowEnd(v, end(v, T0 + TLS_MINING_MIN_DURATION_US, { pkts_toserver: 40, pkts_toclient: 40, bytes_toserver: 8000, bytes_toclient: 12000 }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert.signature_id).toBe(RULES.TLS_MINING_PORT.sid);
    expect(alerts[0]?.alert.severity).toBe(3);
    const short = view('210', { serverPort: 14444 });
    det.onFact(short, fact('tls.client_hello', T0, {}));
    det.onFlowEnd(short, end(short, T0 + TLS_MINING_MIN_DURATION_US - 1, { pkts_toserver: 40, pkts_toclient: 40 }));
    const web = view('211', { serverPort: 4444 });
    det.onFact(web, fact('tls.client_hello', T0, { alpn: ['h2'] }));
    det.onFlowEnd(web, end(web, T0 + 10 * TLS_MINING_MIN_DURATION_US, { pkts_toserver: 40, pkts_toclient: 40 }));
    const bulk = view('212', { serverPort: 4444 });
    det.onFact(bulk, fact('tls.client_hello', T0, {}));
    det.onFlowEnd(bulk, end(bulk, T0 + 10 * TLS_MINING_MIN_DURATION_US, { pkts_toserver: 400, pkts_toclient: 900, bytes_toclient: 1_300_000 }));
    expect(alerts).toHaveLength(1);
  });

  it('treats Stratum V2 shape as a weak sign and only on a mining port', () => {
    const { det, alerts } = harness();
    const v = view('213', { serverPort: 34254 });
    det.onFact(v, fact('stratum_v2.handshake', T0, { message_sizes: [64, 234] }));
    det.onFlowEnd(v, end(v, T0 + 10));
    const w = view('214', { serverPort: 5000 });
    det.onFact(w, fact('stratum_v2.handshake', T0, { message_sizes: [64, 234] }));
    det.onFlowEnd(w, end(w, T0 + 10));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert.signature_id).toBe(RULES.STRATUM_V2.sid);
    expect(alerts[0]?.confidence).toBe(0.3);
  });
});

describe('what never alerts', () => {
  it('plain JSON-RPC methods and node RPC give no mining alert; node RPC gives a notice', () => {
    const notices: NodeNotice[] = [];
    const { det, alerts, counts } = harness(new Intel(), notices);
    const v = view('301', { serverPort: 8080, appProto: () => 'jsonrpc' });
    det.onFact(v, fact('jsonrpc.method', T0, { method: 'echo', version: '2.0', is_notification: false }));
    det.onFact(v, fact('jsonrpc.method', T0 + 1, { method: 'result', version: '2.0', is_notification: false }, 1));
    det.onFlowEnd(v, end(v, T0 + 10_000_000));
    const n = view('302', { serverPort: 50001 });
    det.onFact(n, fact('jsonrpc.node_rpc', T0, { coin: 'electrum', method: 'server.version' }));
    det.onFact(n, fact('jsonrpc.node_rpc', T0 + 1, { coin: 'electrum', method: 'server.version' }));
    det.onFlowEnd(n, end(n, T0 + 10));
    const p2p = view('303', { serverPort: 8333 });
    det.onFact(p2p, fact('crypto_node.p2p', T0, { network: 'bitcoin', protocol: 'p2p' }));
    det.onFlowEnd(p2p, end(p2p, T0 + 10));
    det.flush();
    expect(alerts).toHaveLength(0);
    expect(notices.map((x) => [x.flow_id, x.network, x.protocol])).toEqual([
      ['302', 'electrum', 'rpc'],
      ['303', 'bitcoin', 'p2p'],
    ]);
    expect(counts.cryptocurrency_node).toBe(2);
  });

  it('suppresses allow-listed pools and addresses, and counts the suppression', () => {
    const intel = new Intel({ allow: { domains: ['supportxmr.com'], ips: ['203.0.113.0/24'] } });
    const { det, alerts, counts } = harness(intel);
    const a = view('401', { serverPort: 443 });
    det.onFact(a, fact('tls.client_hello', T0, { sni: 'pool.supportxmr.com' }));
    det.onFlowEnd(a, end(a, T0 + 10));
    const b = view('402', { serverIp: '203.0.113.5' });
    det.onFact(b, fact('stratum.subscribe', T0, { method: 'mining.subscribe' }));
    det.onFact(b, fact('stratum.job', T0 + 1, { method: 'mining.notify' }, 1));
    det.onFlowEnd(b, end(b, T0 + 10));
    expect(alerts).toHaveLength(0);
    expect(counts.suppressed_allow_list).toBe(2);
    expect(intel.allowList.suppressedTotal).toBe(2);
  });

  it('bounds per-flow state, emitting what an evicted flow held', () => {
    const alerts: Alert[] = [];
    const counts: Record<string, number> = {};
    const det = new MiningDetector(
      { emitAlert: (x) => alerts.push(x), markFlowForCapture: () => undefined, count: (n, k = 1) => void (counts[n] = (counts[n] ?? 0) + k) },
      { intel: new Intel(), maxTrackedFlows: 2 },
    );
    for (let i = 0; i < 3; i++) det.onFact(view(`50${i}`), fact('stratum.subscribe', T0 + i, { method: 'mining.subscribe' }));
    expect(counts.state_evicted).toBe(1);
    expect(alerts.map((x) => x.flow_id)).toEqual(['500']);
    det.flush();
    expect(alerts.map((x) => x.flow_id)).toEqual(['500', '501', '502']);
  });
});

describe('alert ids', () => {
  it('are content-derived: same input, same id; any field change, another id', () => {
    const run = () => {
      const { det, alerts } = harness();
      const v = view('601');
      det.onFact(v, fact('stratum.subscribe', T0, { method: 'mining.subscribe' }));
      det.onFact(v, fact('stratum.job', T0 + 1, { method: 'mining.notify' }, 1));
      det.onFlowEnd(v, end(v, T0 + 2));
      return alerts[0] as Alert;
    };
    const a = run();
    const b = run();
    expect(a.id).toBe(b.id);
    expect(a).toEqual(b);
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.id).toBe(alertId('sensor', 'test', '601', '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', RULES.JOB.sid, T0));
    expect(alertId('sensor', 'test', '602', '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', RULES.JOB.sid, T0)).not.toBe(a.id);
    expect(alertId('sensor', 'test', '601', '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', RULES.LOGIN.sid, T0)).not.toBe(a.id);
    expect(alertId('sensor', 'test', '601', '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', RULES.JOB.sid, T0 + 1)).not.toBe(a.id);
  });
});

describe('TLS certificate names', () => {
  it('match pool domains from the subject and subjectAltName, wildcards included', () => {
    const { det, alerts } = harness();
    const v = view('701', { serverPort: 9000, appProto: () => 'tls' });
    det.onFact(v, fact('tls.client_hello', T0, { alpn: [] }));
    det.onFact(v, fact('tls.certificate', T0 + 1, { subject_cn: 'example.net', san_dns: ['example.net', '*.supportxmr.com'], chain_length: 2 }, 1));
    det.onFlowEnd(v, end(v, T0 + 10));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert.signature_id).toBe(RULES.POOL_SNI.sid);
    expect(alerts[0]?.evidence.intel).toMatchObject({ pool_name: 'supportxmr.com', name_source: 'certificate' });
  });
});

describe('browser-mining names and learned addresses', () => {
  it('raises one browser alert for TLS to an address learned for a browser-mining name', () => {
    const { det, alerts } = harness();
    const dns = view('801', { transport: 'udp', serverIp: '192.0.2.53', serverPort: 53, appProto: () => 'dns' });
    det.onFact(dns, fact('dns.answer', T0, { rrname: 'authedmine.com', query: 'authedmine.com', addresses: ['203.0.113.10'], cnames: [], ttl_min: 60, answers: [{ rrname: 'authedmine.com', rrtype: 'A', ttl: 60, rdata: '203.0.113.10' }] }, 1));
    det.onFact(dns, fact('dns.answer', T0 + 1, { rrname: 'pool.minexmr.com', query: 'pool.minexmr.com', addresses: [], cnames: [], answers: [] }, 1));
    det.onFlowEnd(dns, end(dns, T0 + 2, { proto: 'UDP' }));
    // One DNS flow, two families: the pool name and the browser-mining name, each explained alone.
    expect(alerts.map((a) => a.alert.signature_id)).toEqual([RULES.POOL_DNS.sid, RULES.BROWSER.sid]);
    expect(alerts[0]?.explanation).toBe('10.1.2.3 looked up pool.minexmr.com (listed as minexmr.com), a listed mining pool.');
    expect(alerts[1]?.explanation).toBe('10.1.2.3 looked up authedmine.com, an in-browser mining service; the answers named 203.0.113.10.');

    const tls = view('802', { serverIp: '203.0.113.10', serverPort: 443, appProto: () => 'tls' });
    det.onFact(tls, fact('tls.client_hello', T0 + 10, { sni: 'authedmine.com', alpn: ['http/1.1'] }));
    det.onFlowEnd(tls, end(tls, T0 + 20));
    expect(alerts).toHaveLength(3);
    expect(alerts[2]?.alert.signature_id).toBe(RULES.BROWSER.sid);
    expect(alerts[2]?.rules).toEqual(['MW-BROWSER-MINING']);

    const bare = view('803', { serverIp: '203.0.113.10', serverPort: 443, appProto: () => undefined });
    det.onFlowEnd(bare, end(bare, T0 + 30));
    expect(alerts[3]?.explanation).toBe('10.1.2.3 connected to 203.0.113.10:443, an address it had resolved for authedmine.com, an in-browser mining service.');
  });
});

describe('hold-time release across flows', () => {
  it('releases a later-matched family even when an earlier pending flow is not due', () => {
    const { det, alerts } = harness();
    // Flow A matches first (pool name at T0) and, much later, starts a conversation (held).
    const a = view('901', { serverPort: 443, appProto: () => 'tls' });
    det.onFact(a, fact('tls.client_hello', T0, { sni: 'pool.supportxmr.com' }));
    const b = view('902', { serverPort: 443, appProto: () => 'tls' });
    det.onFact(b, fact('tls.client_hello', T0 + 1, { sni: 'xmr.nanopool.org' }));
    const other = view('903', { clientIp: '10.9.9.9' });
    det.onFact(other, fact('http.request', T0 + DEFAULT_ALERT_HOLD_US + 1, { hostname: 'example.org' }));
    expect(alerts.map((x) => x.flow_id).sort()).toEqual(['901', '902']);
    det.onFact(a, fact('stratum.subscribe', T0 + 20 * DEFAULT_ALERT_HOLD_US, { method: 'mining.subscribe' }));
    const c = view('904', { serverPort: 443 });
    det.onFact(c, fact('tls.client_hello', T0 + 20 * DEFAULT_ALERT_HOLD_US + 1, { sni: 'eu1.ethermine.org' }));
    det.onFact(other, fact('http.request', T0 + 21 * DEFAULT_ALERT_HOLD_US + 2, { hostname: 'example.org' }));
    expect(alerts.map((x) => x.flow_id).sort()).toEqual(['901', '901', '902', '904']);
  });
});

describe('shortAgent', () => {
  it('keeps the program and version, drops platform details', async () => {
    const { shortAgent } = await import('./explain.js');
    expect(shortAgent('XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0')).toBe('XMRig/6.16.0');
    expect(shortAgent('cgminer 3.7.2')).toBe('cgminer 3.7.2');
    expect(shortAgent('equihashminer')).toBe('equihashminer');
    expect(shortAgent('x'.repeat(100))).toBe(`${'x'.repeat(64)}...`);
  });
});

describe('per-flow evidence caps', () => {
  it('keeps at most MAX_NAMES_PER_FLOW names and counts the rest', async () => {
    const { MAX_NAMES_PER_FLOW } = await import('./evidence.js');
    const { det, alerts, counts } = harness();
    const v = view('950', { transport: 'udp', serverPort: 53, appProto: () => 'dns' });
    // Names before the first pool name keep no evidence at all.
    det.onFact(v, fact('dns.query', T0, { rrname: 'www.example.org' }));
    expect(counts.facts_without_evidence).toBe(1);
    det.onFact(v, fact('dns.query', T0 + 1, { rrname: 'xmr.nanopool.org' }));
    for (let i = 0; i < MAX_NAMES_PER_FLOW + 5; i++) det.onFact(v, fact('dns.query', T0 + 2 + i, { rrname: `host${i}.example.org` }));
    // 1 pool name + 15 others fill the list; 6 are turned away.
    expect(counts.evidence_list_capped).toBe(6);
    // A pool name past the cap is still matched: caps bound what is listed, not what is checked.
    det.onFact(v, fact('dns.query', T0 + 100, { rrname: 'pool.supportxmr.com' }));
    det.onFlowEnd(v, end(v, T0 + 200, { proto: 'UDP' }));
    expect(counts.evidence_list_capped).toBe(7);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alert.signature_id).toBe(RULES.POOL_DNS.sid);
    expect(alerts[0]?.evidence.intel).toMatchObject({ pool_name: 'xmr.nanopool.org' });
  });

  it('keeps no evidence for flows whose facts cannot feed a rule', () => {
    const { det, alerts, counts } = harness();
    const dns = view('951', { transport: 'udp', serverPort: 53, appProto: () => 'dns' });
    det.onFact(dns, fact('dns.query', T0, { rrname: 'www.example.org' }));
    det.onFact(dns, fact('dns.answer', T0 + 1, { rrname: 'www.example.org', answers: [{ rrtype: 'A', rdata: '192.0.2.9', ttl: 60 }] }));
    const tls = view('952', { serverPort: 443, appProto: () => 'tls' });
    det.onFact(tls, fact('tls.client_hello', T0 + 2, { sni: 'www.example.org', alpn: ['h2'] }));
    const rpc = view('953', { serverPort: 3333, appProto: () => 'jsonrpc' });
    det.onFact(rpc, fact('jsonrpc.method', T0 + 3, { method: 'getStatus' }));
    expect(counts.facts_without_evidence).toBe(4);
    det.onFlowEnd(dns, end(dns, T0 + 10, { proto: 'UDP' }));
    det.onFlowEnd(tls, end(tls, T0 + 10, {}));
    det.onFlowEnd(rpc, end(rpc, T0 + 10, {}));
    expect(alerts).toHaveLength(0);
  });
});

describe('evidence of alerts released from another flow', () => {
  it('carries the held flow protocol objects as of its last fact', () => {
    const { det, alerts } = harness();
    const rec = { stratum: { dialect: 'stratum-v1', miner_side: 'client', counts: { jobs: 0 } } };
    const a = view('960', {}, rec);
    det.onFact(a, fact('stratum.subscribe', T0, { dialect: 'stratum-v1', method: 'mining.subscribe' }));
    const other = view('961', { clientIp: '10.9.9.9' });
    det.onFact(other, fact('http.request', T0 + DEFAULT_ALERT_HOLD_US, { hostname: 'example.org' }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.evidence.stratum).toEqual(rec.stratum);
  });
});

describe('miner orientation', () => {
  it('names the miner as the source when the stratum analyser found it on the server side', () => {
    const { det, alerts } = harness();
    // Mid-session capture whose orientation was guessed wrongly: the pool is the flow's client.
    const v = view('970', { clientIp: '198.51.100.7', clientPort: 3333, serverIp: '10.1.2.3', serverPort: 49152, isOrientationFromSyn: false });
    det.onFact(v, fact('stratum.dialect', T0, { dialect: 'stratum-v1', miner_side: 'server', miner_side_basis: 'pushes', is_mid_session: true }));
    det.onFact(v, fact('stratum.job', T0 + 1, { dialect: 'stratum-v1', method: 'mining.notify' }, 0));
    det.onFlowEnd(v, end(v, T0 + 10));
    expect(alerts[0]).toMatchObject({ src_ip: '10.1.2.3', src_port: 49152, dest_ip: '198.51.100.7', dest_port: 3333, flow_id: '970' });
    expect(alerts[0]?.explanation).toBe('10.1.2.3 received mining work from 198.51.100.7:3333 (the capture starts mid-session).');
  });
});
