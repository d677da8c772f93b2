// The HTTP API and the workbench's static files, as one Fastify instance built from what the
// composition root hands it (store, clock, triage, analytics, ingestion). No sockets are needed to
// test it: `app.inject()` runs requests in-process.
//
// Security: every /api route but login and the OpenAPI document needs a session cookie or an API
// token; every write needs a role and, for cookie sessions, the CSRF token in X-CSRF-Token; every
// response carries a strict Content-Security-Policy. The UI renders wire strings as text only.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Alert } from '../alerts/types.js';
import type { AlertQuery, AnalystVerdict, Role, Store, StoredAlert } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import { isInternalIp, parseIp } from '../util/ip.js';
import {
  LoginRateLimiter,
  ROLE_RANK,
  SESSION_COOKIE,
  SESSION_TTL_US,
  hashPassword,
  randomToken,
  sha256Hex,
  verifyPassword,
  type Principal,
} from './auth.js';
import { openApiDocument } from './openapi.js';
import type { MetricsRegistry } from './prometheus.js';

export interface ServerDeps {
  store: Store;
  clock: Clock;
  metrics: MetricsRegistry;
  /** Wall clock for login throttling (not analysis). */
  nowMs?: () => number;
  /** Re-runs triage for an alert and stores the result. */
  triage?: (alertId: string) => Promise<void>;
  /** Flow analytics for an address (the flows module). */
  analyseFlows?: (q: { ip: string; peer?: string; fromUs: number; toUs: number }) => Promise<unknown>;
  /** Path of the pcap holding an alert's packets, if one is kept. */
  alertPcap?: (alert: StoredAlert) => Promise<string | undefined>;
  /** Renders the stored triage report of an alert. */
  renderReport?: (alert: StoredAlert, format: 'json' | 'markdown' | 'html') => Promise<string | undefined>;
  /** Ingestion of EVE lines and webhook JSON: returns alerts accepted (and passes them on). */
  ingest?: (kind: 'eve' | 'webhook', body: string) => Promise<{ accepted: number; rejected: number; errors: string[] }>;
  /** Verdict and timing figures over stored alerts (true-positive rates, time to first look). */
  alertMetrics?: (range: { from_us: number; to_us: number }) => Promise<unknown>;
  /** Serve the cookie with Secure (set when the server runs behind TLS). */
  isSecure?: boolean;
  /** Directory of the built workbench files. */
  webRoot?: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
}

/** Largest request body by default: ingestion batches of EVE lines fit. */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;
/** Page size cap for alert listing. */
export const MAX_PAGE = 1000;

const VERDICTS: AnalystVerdict[] = ['true_positive', 'false_positive', 'benign', 'indeterminate'];
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** Every route registered, as "METHOD /url" (the OpenAPI test reads it). */
    routeList: string[];
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { store, clock, metrics } = deps;
  const nowMs = deps.nowMs ?? (() => Date.now());
  const limiter = new LoginRateLimiter(nowMs);
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: false,
    // Unknown parameters are refused, not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  });
  const routes: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
  });
  app.decorate('routeList', routes);
  app.addContentTypeParser(['text/plain', 'application/x-ndjson'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  metrics.collect('minerwatch_login_rate_limited_total', 'Login attempts refused by the rate limit', 'counter', () => limiter.limited);

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (deps.isSecure) reply.header('strict-transport-security', 'max-age=31536000');
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    metrics.inc('minerwatch_http_requests_total', 'HTTP requests served', {
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
    return payload;
  });

  // Authentication: cookie session or bearer API token, resolved once per request.
  app.addHook('onRequest', async (req) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const t = await store.getApiToken(sha256Hex(auth.slice(7).trim()));
      if (t) req.principal = { username: `token:${t.name}`, role: t.role, kind: 'token' };
      return;
    }
    const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (!sid) return;
    const s = await store.getSession(sid);
    if (!s || s.expires_us < clock.nowUs()) return;
    const u = await store.getUser(s.username);
    if (u) req.principal = { username: u.username, role: u.role, kind: 'session', csrf: s.csrf_token, sessionId: s.id };
  });

  const need = (role: Role, write = false) => async (req: FastifyRequest, reply: FastifyReply) => {
    const p = req.principal;
    if (!p) return reply.code(401).send({ error: 'unauthenticated', message: 'Log in or send an API token.' });
    if (ROLE_RANK[p.role] < ROLE_RANK[role]) return reply.code(403).send({ error: 'forbidden', message: `This needs the ${role} role.` });
    if (write && p.kind === 'session' && req.headers['x-csrf-token'] !== p.csrf) {
      return reply.code(403).send({ error: 'csrf', message: 'Missing or wrong X-CSRF-Token header.' });
    }
  };

  app.setErrorHandler((err: { statusCode?: number; validation?: unknown; message: string; code?: string }, _req, reply) => {
    if (err.validation) return reply.code(400).send({ error: 'validation', message: err.message });
    const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(code).send({ error: code === 500 ? 'internal' : (err.code ?? 'bad_request'), message: code === 500 ? 'Internal error' : err.message });
  });

  // --- session ---
  app.post(
    '/api/login',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 128 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
      },
    },
    async (req, reply) => {
      if (!limiter.allow(req.ip)) return reply.code(429).send({ error: 'rate_limited', message: 'Too many login attempts; wait a minute.' });
      const { username, password } = req.body as { username: string; password: string };
      const u = await store.getUser(username);
      if (!u || !(await verifyPassword(password, u.password_hash))) {
        metrics.inc('minerwatch_logins_total', 'Login attempts', { result: 'failed' });
        return reply.code(401).send({ error: 'bad_credentials', message: 'Wrong user name or password.' });
      }
      const now = clock.nowUs();
      const s = { id: randomToken(), username, csrf_token: randomToken(), created_us: now, expires_us: now + SESSION_TTL_US };
      await store.putSession(s);
      await store.audit({ ts_us: now, username, action: 'login', alert_id: null, detail: {} });
      metrics.inc('minerwatch_logins_total', 'Login attempts', { result: 'ok' });
      reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_US / 1_000_000}${deps.isSecure ? '; Secure' : ''}`,
      );
      return { username, role: u.role, csrf_token: s.csrf_token };
    },
  );

  app.post('/api/logout', { preValidation: need('read_only', true) }, async (req, reply) => {
    if (req.principal?.sessionId) await store.deleteSession(req.principal.sessionId);
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return { ok: true };
  });

  app.get('/api/me', { preValidation: need('read_only') }, async (req) => ({
    username: req.principal!.username,
    role: req.principal!.role,
    csrf_token: req.principal!.csrf ?? null,
  }));

  // --- alerts ---
  const listSchema = {
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: ['new', 'in_progress', 'closed'] },
        source: { type: 'string', maxLength: 32 },
        severity: { type: 'integer', minimum: 1, maximum: 4 },
        signature_id: { type: 'integer', minimum: 0 },
        ip: { type: 'string', maxLength: 64 },
        q: { type: 'string', maxLength: 200 },
        from_us: { type: 'integer' },
        to_us: { type: 'integer' },
        after_ts: { type: 'integer' },
        after_id: { type: 'string', maxLength: 128 },
        limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100 },
        order: { type: 'string', enum: ['newest', 'oldest'] },
      },
    },
  } as const;

  app.get('/api/alerts', { preValidation: need('read_only'), schema: listSchema }, async (req, reply) => {
    const q = req.query as Record<string, string | number | undefined>;
    if (q.ip !== undefined && !parseIp(String(q.ip))) return reply.code(400).send({ error: 'validation', message: 'ip is not an address' });
    const query: AlertQuery = {
      limit: Number(q.limit ?? 100),
      ...(q.status ? { status: q.status as AlertQuery['status'] } : {}),
      ...(q.source ? { source: String(q.source) } : {}),
      ...(q.severity !== undefined ? { severity: Number(q.severity) } : {}),
      ...(q.signature_id !== undefined ? { signature_id: Number(q.signature_id) } : {}),
      ...(q.ip ? { ip: String(q.ip) } : {}),
      // A search for an address is the indexed address filter, not a substring scan.
      ...(q.q && !q.ip && parseIp(String(q.q).trim()) ? { ip: String(q.q).trim() } : q.q ? { text: String(q.q) } : {}),
      ...(q.from_us !== undefined ? { from_us: Number(q.from_us) } : {}),
      ...(q.to_us !== undefined ? { to_us: Number(q.to_us) } : {}),
      ...(q.after_ts !== undefined && q.after_id ? { after: { ts_us: Number(q.after_ts), id: String(q.after_id) } } : {}),
      ...(q.order ? { order: q.order as 'newest' | 'oldest' } : {}),
    };
    const alerts = await store.listAlerts(query);
    const last = alerts.at(-1);
    return {
      alerts: alerts.map(summary),
      next: alerts.length === query.limit && last ? { after_ts: last.ts_us, after_id: last.id } : null,
      now_us: clock.nowUs(),
    };
  });

  app.get('/api/alerts/count', { preValidation: need('read_only') }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return { count: await store.countAlerts({ ...(q.status ? { status: q.status as AlertQuery['status'] } : {}) }) };
  });

  app.get('/api/alerts/:id', { preValidation: need('read_only') }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const a = await store.getAlert(id);
    if (!a) return reply.code(404).send({ error: 'not_found', message: `No alert ${id}` });
    const p = req.principal!;
    if (a.first_look_us === null && p.kind === 'session' && ROLE_RANK[p.role] >= ROLE_RANK.analyst) {
      const now = clock.nowUs();
      await store.updateAlert(id, { first_look_us: now, ...(a.status === 'new' ? { status: 'in_progress' } : {}) });
      await store.audit({ ts_us: now, username: p.username, action: 'first_look', alert_id: id, detail: { from: a.status, to: 'in_progress' } });
      a.first_look_us = now;
      if (a.status === 'new') a.status = 'in_progress';
    }
    const triage = await store.getTriage(id);
    const audit = await store.listAudit(id, 100);
    const roles = { src_is_internal: isInternalIp(a.src_ip), dest_is_internal: isInternalIp(a.dest_ip) };
    return { alert: a, triage: triage ?? null, audit, roles, has_pcap: deps.alertPcap ? Boolean(await deps.alertPcap(a)) : false };
  });

  app.post(
    '/api/alerts/:id/verdict',
    {
      preValidation: need('analyst', true),
      schema: {
        body: {
          type: 'object',
          required: ['verdict'],
          additionalProperties: false,
          properties: { verdict: { type: 'string', enum: VERDICTS }, note: { type: 'string', maxLength: 4000 } },
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const { verdict, note } = req.body as { verdict: AnalystVerdict; note?: string };
      const a = await store.getAlert(id);
      if (!a) return reply.code(404).send({ error: 'not_found', message: `No alert ${id}` });
      const now = clock.nowUs();
      await store.updateAlert(id, {
        verdict,
        verdict_note: note ?? null,
        verdict_us: now,
        status: 'closed',
        ...(a.first_look_us === null ? { first_look_us: now } : {}),
      });
      await store.audit({ ts_us: now, username: req.principal!.username, action: 'verdict', alert_id: id, detail: { from: a.verdict, to: verdict, status_from: a.status, status_to: 'closed', note: note ?? '' } });
      metrics.inc('minerwatch_verdicts_total', 'Analyst verdicts recorded', { verdict });
      return { ok: true };
    },
  );

  app.post(
    '/api/alerts/:id/assign',
    {
      preValidation: need('analyst', true),
      schema: { body: { type: 'object', required: ['assignee'], additionalProperties: false, properties: { assignee: { type: ['string', 'null'], maxLength: 128 } } } },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const { assignee } = req.body as { assignee: string | null };
      const a = await store.getAlert(id);
      if (!a) return reply.code(404).send({ error: 'not_found', message: `No alert ${id}` });
      if (assignee !== null && !(await store.getUser(assignee))) return reply.code(400).send({ error: 'validation', message: `No user ${assignee}` });
      await store.updateAlert(id, { assignee });
      await store.audit({ ts_us: clock.nowUs(), username: req.principal!.username, action: 'assign', alert_id: id, detail: { from: a.assignee, to: assignee } });
      return { ok: true };
    },
  );

  app.post(
    '/api/alerts/:id/status',
    {
      preValidation: need('analyst', true),
      schema: { body: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { type: 'string', enum: ['new', 'in_progress', 'closed'] } } } },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const { status } = req.body as { status: StoredAlert['status'] };
      const a = await store.getAlert(id);
      if (!a) return reply.code(404).send({ error: 'not_found', message: `No alert ${id}` });
      await store.updateAlert(id, { status });
      await store.audit({ ts_us: clock.nowUs(), username: req.principal!.username, action: 'status', alert_id: id, detail: { from: a.status, to: status } });
      return { ok: true };
    },
  );

  app.post('/api/alerts/:id/triage', { preValidation: need('analyst', true) }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.getAlert(id))) return reply.code(404).send({ error: 'not_found', message: `No alert ${id}` });
    if (!deps.triage) return reply.code(503).send({ error: 'unavailable', message: 'Triage is not configured on this server.' });
    await deps.triage(id);
    await store.audit({ ts_us: clock.nowUs(), username: req.principal!.username, action: 'triage_rerun', alert_id: id, detail: {} });
    return { ok: true, triage: (await store.getTriage(id)) ?? null };
  });

  app.get('/api/alerts/:id/pcap', { preValidation: need('read_only') }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const a = await store.getAlert(id);
    if (!a) return reply.code(404).send({ error: 'not_found', message: `No alert ${id}` });
    const path = deps.alertPcap ? await deps.alertPcap(a) : undefined;
    if (!path) return reply.code(404).send({ error: 'no_pcap', message: 'No capture is kept for this alert.' });
    reply.header('content-type', 'application/vnd.tcpdump.pcap');
    reply.header('content-disposition', `attachment; filename="${id.replace(/[^A-Za-z0-9_.-]/g, '_')}.pcap"`);
    return reply.send(await readFile(path));
  });

  app.get(
    '/api/alerts/:id/report',
    { preValidation: need('read_only'), schema: { querystring: { type: 'object', properties: { format: { type: 'string', enum: ['json', 'markdown', 'html'], default: 'markdown' } } } } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const { format } = req.query as { format: 'json' | 'markdown' | 'html' };
      const a = await store.getAlert(id);
      if (!a) return reply.code(404).send({ error: 'not_found', message: `No alert ${id}` });
      const text = deps.renderReport ? await deps.renderReport(a, format) : undefined;
      if (text === undefined) return reply.code(404).send({ error: 'no_report', message: 'This alert has not been triaged yet.' });
      const ext = format === 'markdown' ? 'md' : format;
      reply.header('content-type', format === 'json' ? 'application/json' : format === 'html' ? 'text/html; charset=utf-8' : 'text/markdown; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="triage-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}.${ext}"`);
      return reply.send(text);
    },
  );

  // --- flows ---
  app.get(
    '/api/flows',
    {
      preValidation: need('read_only'),
      schema: {
        querystring: {
          type: 'object',
          required: ['ip'],
          additionalProperties: false,
          properties: { ip: { type: 'string', maxLength: 64 }, peer: { type: 'string', maxLength: 64 }, from_us: { type: 'integer' }, to_us: { type: 'integer' } },
        },
      },
    },
    async (req, reply) => {
      const q = req.query as { ip: string; peer?: string; from_us?: number; to_us?: number };
      if (!parseIp(q.ip) || (q.peer && !parseIp(q.peer))) return reply.code(400).send({ error: 'validation', message: 'ip and peer must be addresses' });
      if (!deps.analyseFlows) return reply.code(503).send({ error: 'unavailable', message: 'Flow analytics are not configured.' });
      const to = q.to_us ?? clock.nowUs();
      const from = q.from_us ?? to - 24 * 3600 * 1_000_000;
      return deps.analyseFlows({ ip: q.ip, ...(q.peer ? { peer: q.peer } : {}), fromUs: from, toUs: to });
    },
  );

  // --- metrics for analysts ---
  app.get('/api/metrics', { preValidation: need('read_only') }, async (req, reply) => {
    const q = req.query as { days?: string };
    const days = Math.min(365, Math.max(1, Number(q.days ?? 30) || 30));
    const to = clock.nowUs();
    if (!deps.alertMetrics) return reply.code(503).send({ error: 'unavailable', message: 'Metrics are not configured.' });
    return deps.alertMetrics({ from_us: to - days * 86400 * 1_000_000, to_us: to });
  });

  // --- ingestion (API tokens or sessions with the analyst role) ---
  for (const kind of ['eve', 'webhook'] as const) {
    app.post(`/api/ingest/${kind}`, { preValidation: need('analyst', true) }, async (req, reply) => {
      if (!deps.ingest) return reply.code(503).send({ error: 'unavailable', message: 'Ingestion is not configured.' });
      const body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? '');
      const r = await deps.ingest(kind, body);
      metrics.inc('minerwatch_ingested_alerts_total', 'Alerts accepted through the ingestion API', { kind }, r.accepted);
      return reply.code(r.accepted > 0 || r.rejected === 0 ? 202 : 400).send(r);
    });
  }

  // --- administration ---
  app.post(
    '/api/users',
    {
      preValidation: need('admin', true),
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password', 'role'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' },
            password: { type: 'string', minLength: 12, maxLength: 1024 },
            role: { type: 'string', enum: ['admin', 'analyst', 'read_only'] },
          },
        },
      },
    },
    async (req) => {
      const { username, password, role } = req.body as { username: string; password: string; role: Role };
      await store.putUser({ username, password_hash: await hashPassword(password), role, created_us: clock.nowUs() });
      await store.audit({ ts_us: clock.nowUs(), username: req.principal!.username, action: 'user_put', alert_id: null, detail: { user: username, role } });
      return { ok: true };
    },
  );

  app.post(
    '/api/tokens',
    {
      preValidation: need('admin', true),
      schema: {
        body: {
          type: 'object',
          required: ['name', 'role'],
          additionalProperties: false,
          properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' }, role: { type: 'string', enum: ['analyst', 'read_only'] } },
        },
      },
    },
    async (req) => {
      const { name, role } = req.body as { name: string; role: Role };
      const token = `mw_${randomToken()}`;
      await store.putApiToken({ token_hash: sha256Hex(token), name, role, created_us: clock.nowUs() });
      await store.audit({ ts_us: clock.nowUs(), username: req.principal!.username, action: 'token_create', alert_id: null, detail: { name, role } });
      return { token, name, role };
    },
  );

  app.get('/api/audit', { preValidation: need('admin') }, async (req) => {
    const q = req.query as { alert_id?: string };
    return { audit: await store.listAudit(q.alert_id, 500) };
  });

  app.get('/api/openapi.json', async () => openApiDocument());
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4');
    return metrics.render();
  });

  // --- the workbench: static files, no server-side templating of data ---
  const root = deps.webRoot ?? defaultWebRoot();
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));
  const vendor: Record<string, [string, string]> = {
    'uplot.js': [join(uplotDir, 'uPlot.iife.min.js'), 'text/javascript'],
    'uplot.css': [join(uplotDir, 'uPlot.min.css'), 'text/css'],
  };
  app.get('/vendor/:file', async (req, reply) => {
    const v = vendor[(req.params as { file: string }).file];
    if (!v) return reply.code(404).send({ error: 'not_found', message: 'No such file' });
    reply.header('content-type', v[1]);
    reply.header('cache-control', 'public, max-age=86400');
    return reply.send(await readFile(v[0]));
  });
  const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
  app.get('/*', async (req, reply) => {
    const url = new URL(req.url, 'http://x');
    let rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    if (rel.startsWith('api/') || rel.includes('..')) return reply.code(404).send({ error: 'not_found', message: 'No such route' });
    if (!rel || !rel.includes('.')) rel = 'index.html';
    const ext = rel.slice(rel.lastIndexOf('.'));
    try {
      const body = await readFile(join(root, rel));
      reply.header('content-type', types[ext] ?? 'application/octet-stream');
      return reply.send(body);
    } catch {
      return reply.code(404).send({ error: 'not_found', message: 'No such file' });
    }
  });

  return app;
}

/** What the queue shows of an alert; the detail route returns everything. */
function summary(a: StoredAlert): Record<string, unknown> {
  return {
    id: a.id,
    ts_us: a.ts_us,
    received_us: a.received_us,
    source: a.source,
    src_ip: a.src_ip,
    src_port: a.src_port,
    dest_ip: a.dest_ip,
    dest_port: a.dest_port,
    proto: a.proto,
    signature: a.alert.signature,
    signature_id: a.alert.signature_id,
    severity: a.alert.severity,
    confidence: a.confidence,
    status: a.status,
    assignee: a.assignee,
    verdict: a.verdict,
    triage_verdict: a.triage_verdict,
    first_look_us: a.first_look_us,
    explanation: a.explanation,
  };
}

export type { Alert };
