import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { analyseCapture } from '../../src/triage/actions/capture.js';

const corpus = new URL('../../../shared/corpus/', import.meta.url).pathname;

function alertFor(src: string, sp: number, dst: string, dp: number): Alert {
  return {
    id: 't',
    source: 'panos',
    ts_us: 0,
    src_ip: src,
    src_port: sp,
    dest_ip: dst,
    dest_port: dp,
    proto: 'TCP',
    alert: { action: 'allowed', gid: 1, signature_id: 1, rev: 1, signature: 'test', category: 'x', severity: 2 },
    confidence: 0.5,
    explanation: '',
    rules: [],
    evidence: {},
  };
}

describe('capture action on real captures', () => {
  it('reconstructs a CryptoNote login, the job in the login result, and labels sides', async () => {
    // nesfit/xmr-eu1.nanopool.org.pcapng: xmr/1.0 logs in to 185.71.66.20:14444 and receives a job.
    const ev = await analyseCapture(`${corpus}nesfit/xmr-eu1.nanopool.org.pcapng`, 'test', alertFor('147.229.13.222', 55758, '185.71.66.20', 14444), []);
    expect(ev.is_flow_found).toBe(true);
    expect(ev.flow_packets).toBe(21); // tshark -z conv,tcp: 10 + 11 frames
    expect(ev.steps.slice(0, 2)).toEqual(['login', 'job']);
    const login = ev.messages.find((m) => m.step === 'login');
    expect(login?.side).toBe('client');
    expect(login?.text).not.toMatch(/"pass"\s*:\s*"(?!<redacted>)/);
    const job = ev.messages.find((m) => m.step === 'job');
    expect(job?.side).toBe('server');
    expect(job?.job_fields).toEqual(expect.arrayContaining(['blob', 'job_id', 'target']));
    expect(ev.packets[0]?.layers).toEqual(expect.arrayContaining(['IPv4', 'TCP']));
    expect(ev.strings.some((s) => s.includes('"method":"login"') || s.includes('login'))).toBe(true);
  });

  it('labels submits and their results', async () => {
    const ev = await analyseCapture(`${corpus}nesfit/xmr.suprnova.cc.pcapng`, 'test', alertFor('147.229.13.222', 62314, '37.59.21.58', 5222), []);
    expect(ev.steps).toEqual(expect.arrayContaining(['login', 'job', 'submit', 'result']));
    const results = ev.messages.filter((m) => m.step === 'result');
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((m) => m.side === 'server')).toBe(true);
  });

  it('says when the file holds no packet of the flow', async () => {
    const ev = await analyseCapture(`${corpus}nesfit/xmr.suprnova.cc.pcapng`, 'test', alertFor('10.9.9.9', 1, '10.9.9.8', 2), []);
    expect(ev.is_flow_found).toBe(false);
    expect(ev.packets_in_file).toBe(43);
  });
});
