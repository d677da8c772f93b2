// Every route's authentication, authorisation, CSRF and validation, in-process (inject) against
// the real SQLite store.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { buildServer } from '../../src/server/app.js';
import { hashPassword } from '../../src/server/auth.js';
import { MetricsRegistry } from '../../src/server/prometheus.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';

const T0 = Date.UTC(2026, 10, 27, 12) * 1000;
let dir: string;
let store: Store;
let app: FastifyInstance;
const clock = new ManualClock(T0);
const sessions: Record<string, { cookie: string; csrf: string }> = {};
let triageRuns = 0;

function alert(id: string, over: Partial<Alert> = {}): Alert {
  return {
    id,
    source: 'sensor',
    ts_us: T0 - 60_000_000,
    flow_id: `f-${id}`,
    src_ip: '10.1.2.3',
    src_port: 50000,
    dest_ip: '203.0.113.21',
    dest_port: 3333,
    proto: 'TCP',
    app_proto: 'stratum',
    alert: { action: 'allowed', gid: 1, signature_id: 9000001, rev: 1, signature: 'MINERWATCH stratum login', category: 'Crypto Currency Mining Activity Detected', severity: 1 },
    confidence: 0.9,
    explanation: 'test alert',
    rules: ['stratum.login'],
    evidence: { stratum: { worker: '<img src=x onerror=alert(1)>' } },
    ...over,
  };
}

async function login(username: string, password: string) {
  const r = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
  expect(r.statusCode).toBe(200);
  const cookie = String(r.headers['set-cookie']).split(';')[0]!;
  sessions[username] = { cookie, csrf: r.json().csrf_token };
}

function as(user: string, write = true) {
  const s = sessions[user]!;
  return { cookie: s.cookie, ...(write ? { 'x-csrf-token': s.csrf } : {}) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mw-api-'));
  store = await openStore(join(dir, 'db.sqlite'));
  for (const [u, role] of [['admin', 'admin'], ['ana', 'analyst'], ['reader', 'read_only']] as const) {
    await store.putUser({ username: u, password_hash: await hashPassword(`${u}-password-123`), role, created_us: T0 });
  }
  await store.putAlerts([alert('a1'), alert('a2', { ts_us: T0 - 30_000_000, src_ip: '10.9.9.9' })], T0 - 1_000_000);
  const pcap = join(dir, 'a1.pcap');
  writeFileSync(pcap, Buffer.from([0xd4, 0xc3, 0xb2, 0xa1]));
  app = await buildServer({
    store,
    clock,
    metrics: new MetricsRegistry(),
    nowMs: () => clock.nowUs() / 1000,
    triage: async () => {
      triageRuns++;
    },
    analyseFlows: async (q) => ({ ip: q.ip, pairs: [] }),
    alertPcap: async (a) => (a.id === 'a1' ? pcap : undefined),
    renderReport: async (a, f) => (a.id === 'a1' ? `report ${f}` : undefined),
    ingest: async (_kind, body) => ({ accepted: body.includes('alert') ? 1 : 0, rejected: body.includes('alert') ? 0 : 1, errors: [] }),
    alertMetrics: async () => ({ by_signature: [], by_source: [], per_day: [] }),
  });
  await login('admin', 'admin-password-123');
  await login('ana', 'ana-password-123');
  await login('reader', 'reader-password-123');
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  const protectedRoutes: [string, string][] = [
    ['GET', '/api/me'],
    ['GET', '/api/alerts'],
    ['GET', '/api/alerts/count'],
    ['GET', '/api/alerts/a1'],
    ['POST', '/api/alerts/a1/verdict'],
    ['POST', '/api/alerts/a1/assign'],
    ['POST', '/api/alerts/a1/status'],
    ['POST', '/api/alerts/a1/triage'],
    ['GET', '/api/alerts/a1/pcap'],
    ['GET', '/api/alerts/a1/report'],
    ['GET', '/api/flows?ip=203.0.113.21'],
    ['GET', '/api/metrics'],
    ['POST', '/api/ingest/eve'],
    ['POST', '/api/ingest/webhook'],
    ['POST', '/api/users'],
    ['POST', '/api/tokens'],
    ['GET', '/api/audit'],
    ['POST', '/api/logout'],
  ];
  it.each(protectedRoutes)('%s %s needs a login', async (method, url) => {
    const r = await app.inject({ method: method as 'GET', url, payload: method === 'POST' ? {} : undefined });
    expect(r.statusCode).toBe(401);
  });

  it('refuses a wrong password and rate-limits repeated attempts', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'ana', password: 'nope' }, remoteAddress: '192.0.2.9' });
    expect(bad.statusCode).toBe(401);
    let last = 0;
    for (let i = 0; i < 12; i++) {
      last = (await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'ana', password: 'nope' }, remoteAddress: '192.0.2.9' })).statusCode;
    }
    expect(last).toBe(429);
    // Another address is not affected.
    const other = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'ana', password: 'nope' }, remoteAddress: '192.0.2.10' });
    expect(other.statusCode).toBe(401);
  });

  it('validates the login body', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'ana' } });
    expect(r.statusCode).toBe(400);
  });

  it('sets an HttpOnly SameSite=Strict cookie and strict security headers', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'reader', password: 'reader-password-123' } });
    expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
  });
});

describe('authorisation and CSRF', () => {
  it('refuses writes without the CSRF token', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/alerts/a1/verdict', headers: as('ana', false), payload: { verdict: 'benign' } });
    expect(r.statusCode).toBe(403);
    expect(r.json().error).toBe('csrf');
  });
  it('refuses analyst writes to read-only users', async () => {
    for (const url of ['/api/alerts/a1/verdict', '/api/alerts/a1/assign', '/api/alerts/a1/status', '/api/alerts/a1/triage', '/api/ingest/eve']) {
      const r = await app.inject({ method: 'POST', url, headers: as('reader'), payload: {} });
      expect(r.statusCode, url).toBe(403);
    }
  });
  it('keeps administration to admins', async () => {
    for (const [method, url] of [['POST', '/api/users'], ['POST', '/api/tokens'], ['GET', '/api/audit']] as const) {
      const r = await app.inject({ method, url, headers: as('ana'), payload: method === 'POST' ? {} : undefined });
      expect(r.statusCode, url).toBe(403);
    }
  });
});

describe('alerts', () => {
  it('lists newest first with paging and filters', async () => {
    const page1 = await app.inject({ url: '/api/alerts?limit=1', headers: as('reader', false) });
    expect(page1.statusCode).toBe(200);
    const b = page1.json();
    expect(b.alerts.map((a: { id: string }) => a.id)).toEqual(['a2']);
    const page2 = await app.inject({ url: `/api/alerts?limit=1&after_ts=${b.next.after_ts}&after_id=${b.next.after_id}`, headers: as('reader', false) });
    expect(page2.json().alerts.map((a: { id: string }) => a.id)).toEqual(['a1']);
    const byIp = await app.inject({ url: '/api/alerts?ip=10.9.9.9', headers: as('reader', false) });
    expect(byIp.json().alerts.map((a: { id: string }) => a.id)).toEqual(['a2']);
  });
  it('validates list parameters', async () => {
    for (const q of ['limit=0', 'limit=100000', 'status=bogus', 'severity=9', 'ip=not-an-ip', 'unknown=1']) {
      const r = await app.inject({ url: `/api/alerts?${q}`, headers: as('reader', false) });
      expect(r.statusCode, q).toBe(400);
    }
  });
  it('records the first look when an analyst opens an alert, not a reader', async () => {
    clock.set(T0 + 5_000_000);
    await app.inject({ url: '/api/alerts/a2', headers: as('reader', false) });
    expect((await store.getAlert('a2'))?.first_look_us).toBeNull();
    const r = await app.inject({ url: '/api/alerts/a2', headers: as('ana', false) });
    expect(r.statusCode).toBe(200);
    expect(r.json().alert.first_look_us).toBe(T0 + 5_000_000);
    expect(r.json().alert.status).toBe('in_progress');
    expect((await app.inject({ url: '/api/alerts/nope', headers: as('ana', false) })).statusCode).toBe(404);
  });
  it('records a verdict, closes the alert and audits it', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/alerts/a1/verdict', headers: as('ana'), payload: { verdict: 'maybe' } });
    expect(bad.statusCode).toBe(400);
    const r = await app.inject({ method: 'POST', url: '/api/alerts/a1/verdict', headers: as('ana'), payload: { verdict: 'true_positive', note: 'pool job seen' } });
    expect(r.statusCode).toBe(200);
    const a = await store.getAlert('a1');
    expect(a).toMatchObject({ verdict: 'true_positive', status: 'closed', verdict_note: 'pool job seen' });
    const audit = await store.listAudit('a1');
    expect(audit.some((x) => x.action === 'verdict' && x.username === 'ana')).toBe(true);
  });
  it('assigns to existing users only', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/alerts/a1/assign', headers: as('ana'), payload: { assignee: 'ghost' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/alerts/a1/assign', headers: as('ana'), payload: { assignee: 'ana' } })).statusCode).toBe(200);
    expect((await store.getAlert('a1'))?.assignee).toBe('ana');
  });
  it('changes status with validation', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/alerts/a2/status', headers: as('ana'), payload: { status: 'done' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/alerts/a2/status', headers: as('ana'), payload: { status: 'closed' } })).statusCode).toBe(200);
  });
  it('re-runs triage', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/alerts/a1/triage', headers: as('ana'), payload: {} });
    expect(r.statusCode).toBe(200);
    expect(triageRuns).toBe(1);
  });
  it('downloads the pcap and the report when they exist', async () => {
    const p = await app.inject({ url: '/api/alerts/a1/pcap', headers: as('reader', false) });
    expect(p.statusCode).toBe(200);
    expect(p.headers['content-type']).toBe('application/vnd.tcpdump.pcap');
    expect((await app.inject({ url: '/api/alerts/a2/pcap', headers: as('reader', false) })).statusCode).toBe(404);
    const rep = await app.inject({ url: '/api/alerts/a1/report?format=html', headers: as('reader', false) });
    expect(rep.body).toBe('report html');
    expect((await app.inject({ url: '/api/alerts/a1/report?format=pdf', headers: as('reader', false) })).statusCode).toBe(400);
  });
});

describe('flows, metrics, ingestion, administration', () => {
  it('validates flow queries', async () => {
    expect((await app.inject({ url: '/api/flows', headers: as('reader', false) })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/flows?ip=x', headers: as('reader', false) })).statusCode).toBe(400);
    const ok = await app.inject({ url: '/api/flows?ip=203.0.113.21', headers: as('reader', false) });
    expect(ok.json()).toEqual({ ip: '203.0.113.21', pairs: [] });
  });
  it('serves analyst metrics', async () => {
    expect((await app.inject({ url: '/api/metrics', headers: as('reader', false) })).json()).toHaveProperty('by_signature');
  });
  it('takes ingestion with an API token and refuses a bad token', async () => {
    const t = await app.inject({ method: 'POST', url: '/api/tokens', headers: as('admin'), payload: { name: 'suricata', role: 'analyst' } });
    expect(t.statusCode).toBe(200);
    const token = t.json().token as string;
    const ok = await app.inject({ method: 'POST', url: '/api/ingest/eve', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, payload: '{"event_type":"alert"}\n' });
    expect(ok.statusCode).toBe(202);
    const bad = await app.inject({ method: 'POST', url: '/api/ingest/eve', headers: { authorization: 'Bearer wrong', 'content-type': 'text/plain' }, payload: 'x' });
    expect(bad.statusCode).toBe(401);
    const rejected = await app.inject({ method: 'POST', url: '/api/ingest/webhook', headers: { authorization: `Bearer ${token}` }, payload: { nothing: true } });
    expect(rejected.statusCode).toBe(400);
  });
  it('creates users with validation', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/users', headers: as('admin'), payload: { username: 'x y', password: 'short', role: 'god' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/users', headers: as('admin'), payload: { username: 'bob', password: 'a-long-password', role: 'analyst' } })).statusCode).toBe(200);
    expect((await store.getUser('bob'))?.role).toBe('analyst');
  });
  it('serves the audit log to admins', async () => {
    const r = await app.inject({ url: '/api/audit', headers: as('admin', false) });
    expect(r.json().audit.length).toBeGreaterThan(0);
  });
  it('serves Prometheus metrics and the OpenAPI document without login', async () => {
    const m = await app.inject({ url: '/metrics' });
    expect(m.body).toMatch(/# TYPE minerwatch_http_requests_total counter/);
    const o = await app.inject({ url: '/api/openapi.json' });
    expect(o.json().openapi).toBe('3.1.0');
  });
  it('describes every registered API route in the OpenAPI document', () => {
    const paths = (openApiDocument() as { paths: Record<string, Record<string, unknown>> }).paths;
    const api = app.routeList.filter((r) => r.includes(' /api/') || r.endsWith(' /metrics'));
    expect(api.length).toBeGreaterThan(15);
    for (const r of api) {
      const [method, url] = r.split(' ') as [string, string];
      const path = url.replace(/:(\w+)/g, '{$1}');
      expect(paths[path]?.[method.toLowerCase()], r).toBeDefined();
    }
  });
  it('logs out', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/logout', headers: as('reader') });
    expect(r.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/me', headers: as('reader', false) })).statusCode).toBe(401);
  });
});
