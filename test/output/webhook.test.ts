// Webhook output against a scripted HTTP server on 127.0.0.1: failures then success are retried
// with exponential backoff; permanent failures and a full queue go to the dead-letter file, whose
// content is checked; ECS lines are written to a file.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcsFileWriter, WebhookSender, type DeadLetter } from '../../src/output/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { fixtureAlerts } from './alerts.js';

interface Script {
  /** Status to answer for the nth request (0-based); beyond the list, the last one. */
  statuses: number[];
  delayMs?: number;
}

describe('webhook output', () => {
  let server: Server;
  let port = 0;
  let script: Script = { statuses: [200] };
  let requests: { body: unknown; headers: IncomingMessage['headers'] }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'mw-webhook-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 12, 0, 0) * 1000);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (d: Buffer) => (data += d.toString()));
      req.on('end', () => {
        const n = requests.length;
        requests.push({ body: JSON.parse(data) as unknown, headers: req.headers });
        const status = script.statuses[Math.min(n, script.statuses.length - 1)] ?? 200;
        setTimeout(() => {
          res.statusCode = status;
          res.end(status === 200 ? '{"ok":true}' : 'nope');
        }, script.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    port = typeof a === 'object' && a ? a.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const sender = (name: string, extra: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}) => {
    const delays: number[] = [];
    const s = new WebhookSender({
      url: `http://127.0.0.1:${port}/hook`,
      deadLetterPath: join(dir, `${name}.jsonl`),
      headers: { authorization: 'Bearer s3cret' },
      maxAttempts: 4,
      baseDelayMs: 100,
      clock,
      sleep: async (ms) => {
        delays.push(ms);
      },
      ...extra,
    });
    return { s, delays, dl: join(dir, `${name}.jsonl`) };
  };
  const readDl = (path: string): DeadLetter[] =>
    existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as DeadLetter) : [];

  it('retries 503 twice with backoff, then delivers the EVE body', async () => {
    requests = [];
    script = { statuses: [503, 503, 200] };
    const { s, delays, dl } = sender('retry');
    const a = fixtureAlerts()[0]!;
    s.send(a);
    await s.flush();
    expect(requests).toHaveLength(3);
    expect(delays).toEqual([100, 200]);
    expect(s.counters).toMatchObject({ sent: 1, attempts: 3, retries: 2, dead_lettered: 0 });
    const body = requests[2]?.body as { event_type: string; alert: { signature_id: number } };
    expect(body.event_type).toBe('alert');
    expect(body.alert.signature_id).toBe(85886);
    expect(requests[2]?.headers.authorization).toBe('Bearer s3cret');
    expect(readDl(dl)).toEqual([]);
  });

  it('dead-letters after maxAttempts, and at once on a 400', async () => {
    requests = [];
    script = { statuses: [500] };
    const { s, delays, dl } = sender('fail');
    const [a, b] = fixtureAlerts();
    s.send(a!);
    await s.flush();
    expect(requests).toHaveLength(4);
    expect(delays).toEqual([100, 200, 400]);
    script = { statuses: [400] };
    s.send(b!);
    await s.flush();
    expect(requests).toHaveLength(5);
    const dead = readDl(dl);
    expect(dead.map((d) => [d.reason, d.attempts, d.last_status, d.alert.id])).toEqual([
      ['http_500', 4, 500, a!.id],
      ['http_400', 1, 400, b!.id],
    ]);
    expect(dead[0]?.dead_lettered_at).toBe('2026-11-27T12:00:00.000000+0000');
    expect(dead[0]?.alert).toEqual(JSON.parse(JSON.stringify(a)));
    // Headers (credentials) are never written to the dead-letter file.
    expect(readFileSync(dl, 'utf8')).not.toContain('s3cret');
    expect(s.counters).toMatchObject({ sent: 0, dead_lettered: 2 });
  });

  it('dead-letters network failures and spills a full queue', async () => {
    requests = [];
    script = { statuses: [200], delayMs: 50 };
    const { s, dl } = sender('spill', { maxQueue: 2 });
    const alerts = fixtureAlerts();
    for (const a of alerts) s.send(a);
    await s.flush();
    // The first is taken off the queue at once; two wait; the fourth spills.
    expect(s.counters).toMatchObject({ sent: 3, queue_full: 1, dead_lettered: 1 });
    expect(readDl(dl).map((d) => [d.reason, d.alert.id])).toEqual([['queue_full', alerts[3]!.id]]);
    const down = sender('down', { url: 'http://127.0.0.1:1/hook', maxAttempts: 2 });
    down.s.send(alerts[0]!);
    await down.s.flush();
    expect(readDl(down.dl).map((d) => d.reason)).toEqual([expect.stringMatching(/^network: .*ECONNREFUSED/)]);
  });

  it('writes ECS lines to a file', async () => {
    const path = join(dir, 'alerts.ecs.jsonl');
    const w = new EcsFileWriter(path);
    for (const a of fixtureAlerts()) w.write(a);
    await w.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(lines).toHaveLength(4);
    expect(lines[0]?.source?.ip).toBe('10.1.20.34');
    expect(lines[0]?.destination?.port).toBe(3333);
    expect(w.written).toBe(4);
  });
});
