// The OpenAPI 3.1 description of the HTTP API, served at /api/openapi.json. Kept beside the
// routes; a test checks that every route the server registers is described here.

const alertId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const ok = { description: 'OK' };
const errors = {
  '400': { description: 'Invalid request (validation)' },
  '401': { description: 'Not logged in and no API token' },
  '403': { description: 'Role too low, or missing CSRF token on a write' },
  '404': { description: 'No such alert or resource' },
};
const auth = [{ session: [] }, { token: [] }];

function op(summary: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { summary, security: auth, responses: { '200': ok, ...errors }, ...extra };
}

function body(properties: Record<string, unknown>, required: string[]): Record<string, unknown> {
  return { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties, required } } } } };
}

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'minerwatch API', version: '0.1.0', description: 'Alerts, triage, flows and ingestion. Writes from a browser session need the X-CSRF-Token header returned at login.' },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'mw_session' },
        token: { type: 'http', scheme: 'bearer' },
      },
    },
    paths: {
      '/api/login': { post: { summary: 'Log in; sets the session cookie and returns the CSRF token', ...body({ username: { type: 'string' }, password: { type: 'string' } }, ['username', 'password']), responses: { '200': ok, '401': errors['401'], '429': { description: 'Too many attempts' } } } },
      '/api/logout': { post: op('End the session') },
      '/api/me': { get: op('Who is logged in, with the CSRF token') },
      '/api/alerts': {
        get: op('List alerts, newest first, with filters and keyset paging', {
          parameters: ['status', 'source', 'severity', 'signature_id', 'ip', 'q', 'from_us', 'to_us', 'after_ts', 'after_id', 'limit', 'order'].map((name) => ({ name, in: 'query', required: false, schema: { type: ['limit', 'severity', 'signature_id', 'from_us', 'to_us', 'after_ts'].includes(name) ? 'integer' : 'string' } })),
        }),
      },
      '/api/alerts/count': { get: op('Count alerts by status') },
      '/api/alerts/{id}': { get: op('Alert detail with its triage result and audit trail; the first analyst view records the first look', { parameters: [alertId] }) },
      '/api/alerts/{id}/verdict': { post: op('Record the analyst verdict and close the alert', { parameters: [alertId], ...body({ verdict: { enum: ['true_positive', 'false_positive', 'benign', 'indeterminate'] }, note: { type: 'string' } }, ['verdict']) }) },
      '/api/alerts/{id}/assign': { post: op('Assign the alert', { parameters: [alertId], ...body({ assignee: { type: ['string', 'null'] } }, ['assignee']) }) },
      '/api/alerts/{id}/status': { post: op('Change the alert status', { parameters: [alertId], ...body({ status: { enum: ['new', 'in_progress', 'closed'] } }, ['status']) }) },
      '/api/alerts/{id}/triage': { post: op('Run triage again', { parameters: [alertId] }) },
      '/api/alerts/{id}/pcap': { get: op('Download the packets of the alert as pcap', { parameters: [alertId] }) },
      '/api/alerts/{id}/report': { get: op('Download the triage report', { parameters: [alertId, { name: 'format', in: 'query', schema: { enum: ['json', 'markdown', 'html'] } }] }) },
      '/api/flows': { get: op('Flows involving an address with regularity figures', { parameters: ['ip', 'peer', 'from_us', 'to_us'].map((name) => ({ name, in: 'query', required: name === 'ip', schema: { type: name.endsWith('_us') ? 'integer' : 'string' } })) }) },
      '/api/metrics': { get: op('True-positive rates per signature and source, time to first look and to verdict, alerts per day') },
      '/api/ingest/eve': { post: op('Ingest Suricata EVE alert lines (application/x-ndjson or text/plain)') },
      '/api/ingest/webhook': { post: op('Ingest alerts as generic webhook JSON') },
      '/api/users': { post: op('Create or replace a user (admin)', body({ username: { type: 'string' }, password: { type: 'string', minLength: 12 }, role: { enum: ['admin', 'analyst', 'read_only'] } }, ['username', 'password', 'role'])) },
      '/api/tokens': { post: op('Create an API token (admin); the token is shown once', body({ name: { type: 'string' }, role: { enum: ['analyst', 'read_only'] } }, ['name', 'role'])) },
      '/api/audit': { get: op('The audit log (admin)') },
      '/api/openapi.json': { get: { summary: 'This document', responses: { '200': ok } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': ok } } },
    },
  };
}
