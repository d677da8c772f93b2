// End to end on live traffic through the server: the built CLI's `minerwatch serve --interface mwc0`
// runs inside the lab's client namespace while a real XMRig mines through it; the miner's alert
// must reach the store, be triaged automatically as a true positive once its flow ends, and carry
// the alert's own packets (login and job) in the triage report, all read back through the HTTP
// API. The server listens on the namespace's loopback, so the HTTP client runs in the namespace
// too. Needs root (network namespaces, tcpdump); see docs/lab.md.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB, inClientNamespace, setup, startMiner, teardown } from '../lab/lab.js';
import { CLI, LineLog, exited, kill } from './live.js';

/** The conversation alert is named by its strongest rule: accepted shares, else the pool's job. */
const CONVERSATION_SIGNATURES = ['MINERWATCH Mining shares submitted to a pool', 'MINERWATCH Mining pool pushed work to a client'];

const PASSWORD = 'live-test-admin-password';
/** A port on the client namespace's own loopback (nothing else listens there). */
const PORT = 18_000 + (process.pid % 1000);
const BASE = `http://127.0.0.1:${PORT}`;
/** Longest to wait for the triaged alert after the miner stopped, in milliseconds. */
const TRIAGE_WAIT_MS = 40_000;
const POLL_MS = 1000;
/**
 * The run itself takes about a minute (the triage of a still-open flow waits 30 s of wall time);
 * the rest is for setup() waiting on another test file's lab (lab.ts waits up to 120 s).
 */
const BEFORE_ALL_MS = 240_000;

interface Reply {
  status: number;
  cookie: string | null;
  body: string;
}

/** One HTTP request from inside the client namespace, where the server's loopback is. */
const CLIENT_SCRIPT = `
const [method, url, body, cookie, csrf] = process.argv.slice(1);
const headers = {};
if (body) headers['content-type'] = 'application/json';
if (cookie) headers.cookie = cookie;
if (csrf) headers['x-csrf-token'] = csrf;
const r = await fetch(url, { method, headers, body: body || undefined });
process.stdout.write(JSON.stringify({ status: r.status, cookie: r.headers.get('set-cookie'), body: await r.text() }));
`;

function request(method: string, path: string, opts: { body?: unknown; cookie?: string } = {}): Promise<Reply> {
  const args = [method, `${BASE}${path}`, opts.body === undefined ? '' : JSON.stringify(opts.body), opts.cookie ?? ''];
  const [cmd, full] = inClientNamespace('node', ['--input-type=module', '-e', CLIENT_SCRIPT, ...args]);
  return new Promise((resolve, reject) => {
    execFile(cmd, full, { timeout: 15_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${method} ${path}: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Reply);
    });
  });
}

interface AlertSummary {
  id: string;
  src_ip: string;
  dest_ip: string;
  dest_port: number;
  signature: string;
  source: string;
  triage_verdict: string | null;
}
interface ActionResult {
  action: string;
  status: string;
  evidence?: { steps?: string[]; is_flow_found?: boolean; flow_packets?: number };
}
interface Detail {
  alert: { id: string; ts_us: number; received_us: number; evidence: { stratum?: { login?: string } } };
  triage: { verdict: string; report: { verdict: string; actions: ActionResult[] } } | null;
  has_pcap: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'mw-serve-live-'));
let serve: ChildProcess | undefined;
let err: LineLog;
let accepted = 0;
let cookie = '';
let loginStatus = 0;
let minerAlert: AlertSummary | undefined;
let detail: Detail | undefined;
let exitCode: number | string | undefined;

beforeAll(async () => {
  await setup();
  const [cmd, args] = inClientNamespace('node', [
    CLI,
    'serve',
    '--http',
    `127.0.0.1:${PORT}`,
    '--db',
    join(dir, 'minerwatch.db'),
    '--interface',
    LAB.clientIf,
    '--no-netflow',
    '--no-ipfix',
    '--no-syslog',
    '--no-sample',
  ]);
  serve = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MINERWATCH_ADMIN_PASSWORD: PASSWORD } });
  err = new LineLog(serve.stderr!);
  serve.stdout!.resume();
  // Printed after the live sensor's tcpdump is listening.
  const up = await err.waitFor((l) => l.text.includes('minerwatch is serving the workbench at'), 30_000);
  if (!up) throw new Error(`serve did not start:\n${err.text()}`);

  ({ accepted } = await startMiner({ seconds: 20, untilShares: 2 }));
  const minerEndMs = Date.now();

  const login = await request('POST', '/api/login', { body: { username: 'admin', password: PASSWORD } });
  loginStatus = login.status;
  cookie = (login.cookie ?? '').split(';')[0] ?? '';
  // The miner has exited, so its flow ends (FIN) and the alert is triaged with its packets.
  const deadline = Date.now() + TRIAGE_WAIT_MS;
  while (Date.now() < deadline) {
    const list = await request('GET', `/api/alerts?ip=${LAB.clientIp}`, { cookie });
    const alerts = (JSON.parse(list.body) as { alerts: AlertSummary[] }).alerts ?? [];
    minerAlert = alerts.find((a) => a.dest_ip === LAB.poolIp && a.dest_port === LAB.poolPort && CONVERSATION_SIGNATURES.includes(a.signature));
    if (minerAlert?.triage_verdict) {
      console.info(`live serve: triage verdict read ${Date.now() - minerEndMs} ms after the miner exited`);
      break;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (minerAlert) detail = JSON.parse((await request('GET', `/api/alerts/${minerAlert.id}`, { cookie })).body) as Detail;
  serve.kill('SIGINT');
  exitCode = await exited(serve, 15_000);
}, BEFORE_ALL_MS);

afterAll(async () => {
  await kill(serve);
  await teardown();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('minerwatch serve with a live sensor', () => {
  it('stores the real miner\'s alert from the live interface', () => {
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(loginStatus).toBe(200);
    expect(minerAlert, err.text()).toBeDefined();
    expect(minerAlert!.src_ip).toBe(LAB.clientIp);
    expect(minerAlert!.source).toBe('sensor');
  });

  it('triages it automatically as a true positive', () => {
    expect(minerAlert!.triage_verdict).toBe('true_positive');
    expect(detail!.triage!.verdict).toBe('true_positive');
    expect(detail!.alert.evidence.stratum?.login).toMatch(/^4[0-9A-Za-z]{94}$/);
  });

  it('stores the alert within seconds of the login it reports', () => {
    // The alert's time is its first packet (the login); received_us is the server's wall clock.
    const delayMs = (detail!.alert.received_us - detail!.alert.ts_us) / 1000;
    console.info(`live serve: login-to-stored delay ${delayMs.toFixed(0)} ms`);
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThan(10_000);
  });

  it('reads the login and the job from the alert\'s own packets', () => {
    expect(detail!.has_pcap).toBe(true);
    const capture = detail!.triage!.report.actions.find((a) => a.action === 'capture');
    expect(capture?.status).toBe('done');
    expect(capture!.evidence!.is_flow_found).toBe(true);
    expect(capture!.evidence!.flow_packets).toBeGreaterThan(5);
    expect(capture!.evidence!.steps).toContain('login');
    expect(capture!.evidence!.steps).toContain('job');
  });

  it('stops on SIGINT with exit code 0', () => {
    expect(exitCode, err.text()).toBe(0);
  });
});
