// Unit tests of the EVE alert reader: ET COINMINER / ET POLICY signatures and the mining
// category become alerts, other events and alerts are skipped, bad lines get a named error.
import { describe, expect, it } from 'vitest';
import { toEveLine } from '../../alerts/eve.js';
import { parseEveAlertLine } from './parser.js';

// Shaped as Suricata 7 writes EVE alerts (fields, order and timestamp format of eve.json).
const ET_COINMINER = JSON.stringify({
  timestamp: '2026-11-27T10:15:02.412345+0000', flow_id: 1428396511034620, in_iface: 'eth0', event_type: 'alert',
  src_ip: '10.1.20.34', src_port: 51734, dest_ip: '203.0.113.21', dest_port: 3333, proto: 'TCP',
  community_id: '1:o9bEc6c2HsfPlzJp+DLm8mEsmR4=', app_proto: 'failed',
  alert: {
    action: 'allowed', gid: 1, signature_id: 2024792, rev: 4,
    signature: 'ET COINMINER CryptoNight Proof of Work Stratum Submit', category: 'Crypto Currency Mining Activity Detected',
    severity: 1, metadata: { created_at: ['2017_09_29'], signature_severity: ['Major'] },
  },
  flow: { pkts_toserver: 5, pkts_toclient: 4, bytes_toserver: 702, bytes_toclient: 1490, start: '2026-11-27T10:15:01.100000+0000' },
  host: 'sensor-1',
});
const ET_POLICY = JSON.stringify({
  timestamp: '2026-11-27T10:16:00.000001+0100', flow_id: 99, event_type: 'alert', src_ip: '192.168.7.12', src_port: 60211,
  dest_ip: '203.0.113.80', dest_port: 443, proto: 'TCP',
  alert: { action: 'blocked', gid: 1, signature_id: 2029022, rev: 2, signature: 'ET POLICY Cryptocurrency Miner Checkin', category: 'Potential Corporate Privacy Violation', severity: 2 },
});

describe('parseEveAlertLine', () => {
  it('turns an ET COINMINER alert into an Alert with the original kept', () => {
    const r = parseEveAlertLine(ET_COINMINER);
    const a = r.alert!;
    expect(a.source).toBe('eve');
    expect(a.ts_us).toBe(Date.UTC(2026, 10, 27, 10, 15, 2) * 1000 + 412345);
    expect(a.flow_id).toBe('1428396511034620');
    expect(a.alert).toMatchObject({ signature_id: 2024792, rev: 4, severity: 1, action: 'allowed' });
    expect(a.alert.metadata?.signature_severity).toEqual(['Major']);
    expect(a.community_id).toBe('1:o9bEc6c2HsfPlzJp+DLm8mEsmR4=');
    expect(a.evidence.flow).toMatchObject({ bytes_toserver: 702 });
    expect(a.original).toEqual(JSON.parse(ET_COINMINER));
    expect(parseEveAlertLine(ET_COINMINER).alert?.id).toBe(a.id);
  });
  it('takes ET POLICY miner check-ins and any alert in the mining category', () => {
    const p = parseEveAlertLine(ET_POLICY).alert!;
    expect(p.alert.action).toBe('blocked');
    expect(p.ts_us).toBe(Date.UTC(2026, 10, 27, 9, 16, 0) * 1000 + 1);
    const cat = JSON.parse(ET_POLICY) as { alert: Record<string, unknown> };
    cat.alert.signature = 'LOCAL rule 42';
    cat.alert.category = 'Crypto Currency Mining Activity Detected';
    expect(parseEveAlertLine(JSON.stringify(cat)).alert?.alert.signature).toBe('LOCAL rule 42');
    for (const sig of ['ET COINMINER Observed DNS Query to Cryptocurrency Mining Pool Domain (pool .minexmr .com)',
      'ET POLICY Crypto Coin Miner Login', 'ET MALWARE Win32/CoinMiner Checkin', 'ET INFO Crypto Currency Mining Pool Login']) {
      cat.alert.signature = sig;
      cat.alert.category = 'A Network Trojan was detected';
      expect(parseEveAlertLine(JSON.stringify(cat)).alert, sig).toBeDefined();
    }
  });
  it('reads back what minerwatch itself writes', () => {
    const a = parseEveAlertLine(ET_COINMINER).alert!;
    const again = parseEveAlertLine(toEveLine(a)).alert!;
    expect([again.ts_us, again.src_ip, again.dest_port, again.alert.signature_id]).toEqual([a.ts_us, a.src_ip, a.dest_port, a.alert.signature_id]);
  });
  it('skips other events and alerts, and names bad lines', () => {
    expect(parseEveAlertLine('{"event_type":"flow","src_ip":"10.0.0.1"}').skipped).toBe('not_alert');
    const other = JSON.parse(ET_POLICY) as { alert: Record<string, unknown> };
    other.alert.signature = 'ET SCAN Nmap Scripting Engine User-Agent Detected';
    expect(parseEveAlertLine(JSON.stringify(other)).skipped).toBe('not_mining');
    expect(parseEveAlertLine('{"event_type":"alert"').error).toBe('bad_json');
    expect(parseEveAlertLine('[1,2]').error).toBe('not_an_object');
    expect(parseEveAlertLine('   ').error).toBe('empty');
    expect(parseEveAlertLine(ET_COINMINER.replace('2026-11-27T10:15:02.412345+0000', 'yesterday')).error).toBe('bad_timestamp');
    expect(parseEveAlertLine(ET_COINMINER.replace('"src_ip":"10.1.20.34",', '')).detail).toBe('src_ip');
    expect(parseEveAlertLine(ET_COINMINER, 100).error).toBe('line_too_long');
  });
});
