// Unit tests of the webhook JSON shapes: single object, array, {"alerts": [...]}, EVE-shaped
// alerts, and each named error.
import { describe, expect, it } from 'vitest';
import { parseWebhookDocument } from './parser.js';

const minimal = { timestamp: '2026-11-27T10:15:02Z', src_ip: '10.1.20.34', dest_ip: '203.0.113.21', signature: 'Miner process talking to pool' };

describe('parseWebhookDocument', () => {
  it('accepts the minimal object with defaults', () => {
    const [item] = parseWebhookDocument(JSON.stringify(minimal));
    expect(item?.alert).toMatchObject({
      source: 'webhook', ts_us: Date.UTC(2026, 10, 27, 10, 15, 2) * 1000, src_port: 0, dest_port: 0, proto: 'TCP',
      alert: { signature: 'Miner process talking to pool', severity: 2, category: 'Crypto Currency Mining Activity Detected', action: 'allowed' },
      confidence: 0.5, original: minimal,
    });
  });
  it('accepts arrays, {"alerts": []}, epoch seconds, named severities and sender ids', () => {
    const doc = { alerts: [
      { ...minimal, timestamp: 1795774502.5, severity: 'critical', src_port: 51734, dest_port: 3333, id: 'edr-17', sender: 'edr' },
      { ...minimal, severity: 3, action: 'blocked', evidence: { process: 'xmrig' } },
    ] };
    const items = parseWebhookDocument(JSON.stringify(doc));
    expect(items.map((i) => i.alert?.alert.severity)).toEqual([1, 3]);
    expect(items[0]?.alert?.ts_us).toBe(1795774502_500_000);
    expect(items[1]?.alert?.alert.action).toBe('blocked');
    expect(items[1]?.alert?.evidence).toEqual({ process: 'xmrig' });
    // Same sender id, same alert id even if other fields change.
    const again = parseWebhookDocument(JSON.stringify([{ ...doc.alerts[0], severity: 'low' }]));
    expect(again[0]?.alert?.id).toBe(items[0]?.alert?.id);
  });
  it('reads EVE-shaped alerts as EVE', () => {
    const eve = { timestamp: '2026-11-27T10:15:02.000000+0000', event_type: 'alert', src_ip: '10.0.0.1', src_port: 1, dest_ip: '192.0.2.1', dest_port: 3333, proto: 'TCP',
      alert: { action: 'allowed', gid: 1, signature_id: 2024792, rev: 4, signature: 'ET COINMINER CryptoNight Proof of Work Stratum Submit', category: 'x', severity: 1 } };
    const [item] = parseWebhookDocument(JSON.stringify(eve));
    expect(item?.alert).toMatchObject({ source: 'webhook', alert: { signature_id: 2024792 } });
  });
  it('names every problem, item by item', () => {
    const items = parseWebhookDocument(JSON.stringify([
      minimal, 5, { ...minimal, timestamp: undefined }, { ...minimal, timestamp: 'soon' }, { ...minimal, src_ip: '10.0.0.300' },
      { ...minimal, signature: undefined }, { ...minimal, dest_port: 70000 }, { ...minimal, severity: 'extreme' },
    ]));
    expect(items.map((i) => i.error ?? 'ok')).toEqual(['ok', 'not_an_object', 'missing_field', 'bad_timestamp', 'bad_address', 'missing_field', 'bad_port', 'bad_severity']);
    expect(parseWebhookDocument('{')[0]?.error).toBe('bad_json');
  });
});
