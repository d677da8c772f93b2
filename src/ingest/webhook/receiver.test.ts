// The webhook endpoint over HTTP on 127.0.0.1: bearer-token auth, per-item answers, body limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/types.js';
import { WebhookReceiver } from './receiver.js';

describe('WebhookReceiver', () => {
  const alerts: Alert[] = [];
  const rx = new WebhookReceiver({ host: '127.0.0.1', port: 0, maxBodyBytes: 2048, authorize: (t) => t === 'tok-1', onAlert: (a) => alerts.push(a) });
  let url = '';
  beforeAll(async () => {
    const b = await rx.start();
    url = `http://127.0.0.1:${b.port}/alerts`;
  });
  afterAll(() => rx.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer tok-1', ...headers } });
  const ok = { timestamp: '2026-11-27T10:15:02Z', src_ip: '10.1.20.34', dest_ip: '203.0.113.21', signature: 'EDR: xmrig' };

  it('accepts alerts and answers per item', async () => {
    const r = await post(JSON.stringify([ok, { ...ok, src_ip: 'nope' }]));
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ accepted: 1, errors: [{ index: 1, error: 'bad_address', detail: 'nope 203.0.113.21' }] });
    expect(alerts.map((a) => [a.source, a.alert.signature])).toEqual([['webhook', 'EDR: xmrig']]);
  });

  it('refuses bad tokens, wrong methods, paths, types and oversized bodies', async () => {
    expect((await post(JSON.stringify(ok), { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post(JSON.stringify(ok), { authorization: '' })).status).toBe(401);
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(url.replace('/alerts', '/x'), { method: 'POST' })).status).toBe(404);
    expect((await post(JSON.stringify(ok), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(JSON.stringify({ ...ok, evidence: { pad: 'x'.repeat(4000) } }))).status).toBe(413);
    expect((await post('{broken')).status).toBe(400);
    expect(rx.counters).toMatchObject({ unauthorized: 2, too_large: 1, alerts: 1 });
  });
});
