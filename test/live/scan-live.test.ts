// End to end on live traffic: the built CLI (`minerwatch scan --interface mwc0`) runs inside the
// lab's client namespace while a real XMRig mines through it, and must write the EVE alert for the
// stratum conversation to stdout within seconds of the miner's login, not at the end of the
// capture. Needs root (network namespaces, tcpdump); see docs/lab.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB, inClientNamespace, setup, startMiner, teardown } from '../lab/lab.js';
import { CLI, LineLog, exited, kill, waitForTcpdump, type StampedLine } from './live.js';

/** Longest the scan may run, in seconds (it is stopped with SIGINT well before). */
const SCAN_DURATION_S = 80;
/** The miner's run time bound, in seconds. */
const MINER_SECONDS = 20;
/** Most a live alert may lag the login it reports, in milliseconds. */
const MAX_LOGIN_TO_ALERT_MS = 10_000;
/** The run takes about 35 s; the rest is for setup() waiting on another test file's lab (up to 120 s). */
const BEFORE_ALL_MS = 200_000;

interface StratumStep {
  step: string;
  first_ts_us: number;
}
interface EveAlert {
  event_type: string;
  src_ip: string;
  dest_ip: string;
  dest_port: number;
  app_proto?: string;
  alert: { signature: string; metadata: { family: string[] } };
  stratum?: { login?: string; steps: StratumStep[]; counts: { jobs: number } };
}

let scan: ChildProcess | undefined;
let out: LineLog;
let err: LineLog;
let minerStartUs = 0;
let alertLine: StampedLine | undefined;
let alert: EveAlert | undefined;
let exitCode: number | string | undefined;
let accepted = 0;

function isMinerAlert(l: StampedLine): boolean {
  try {
    const e = JSON.parse(l.text) as EveAlert;
    return e.event_type === 'alert' && e.src_ip === LAB.clientIp && e.dest_ip === LAB.poolIp && e.dest_port === LAB.poolPort && e.app_proto === 'stratum';
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await setup();
  const [cmd, args] = inClientNamespace('node', [CLI, 'scan', '--interface', LAB.clientIf, '--duration', String(SCAN_DURATION_S)]);
  scan = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  out = new LineLog(scan.stdout!);
  err = new LineLog(scan.stderr!);
  await waitForTcpdump(scan.pid!, 15_000).catch((e: Error) => {
    throw new Error(`${e.message}; scan stderr:\n${err.text()}`);
  });
  minerStartUs = Date.now() * 1000;
  const miner = startMiner({ seconds: MINER_SECONDS, untilShares: 2 });
  alertLine = await out.waitFor(isMinerAlert, MINER_SECONDS * 1000);
  if (alertLine) alert = JSON.parse(alertLine.text) as EveAlert;
  ({ accepted } = await miner);
  scan.kill('SIGINT');
  exitCode = await exited(scan, 15_000);
}, BEFORE_ALL_MS);

afterAll(async () => {
  await kill(scan);
  await teardown();
}, 60_000);

describe('minerwatch scan on a live interface', () => {
  it('writes the stratum conversation alert for the real miner while it mines', () => {
    expect(alert, `stdout:\n${out.text()}\nstderr:\n${err.text()}`).toBeDefined();
    // Named by its strongest rule: the miner's accepted shares, else the pool's job.
    expect(['MINERWATCH Mining shares submitted to a pool', 'MINERWATCH Mining pool pushed work to a client']).toContain(alert!.alert.signature);
    expect(alert!.alert.metadata.family).toContain('conversation');
    const steps = alert!.stratum!.steps.map((s) => s.step);
    expect(steps).toContain('login');
    expect(steps).toContain('job');
    expect(alert!.stratum!.counts.jobs).toBeGreaterThanOrEqual(1);
    expect(alert!.stratum!.login).toMatch(/^4[0-9A-Za-z]{94}$/);
    expect(accepted).toBeGreaterThanOrEqual(1);
  });

  it('raises the alert within seconds of the login', () => {
    const login = alert!.stratum!.steps.find((s) => s.step === 'login')!;
    // Packet times come from the kernel's clock, the read time from the same host's clock.
    expect(login.first_ts_us).toBeGreaterThan(minerStartUs);
    const delayMs = (alertLine!.readUs - login.first_ts_us) / 1000;
    console.info(`live scan: login-to-alert delay ${delayMs.toFixed(0)} ms`);
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThan(MAX_LOGIN_TO_ALERT_MS);
  });

  it('stops on SIGINT with exit code 0 and the alert written once', () => {
    expect(exitCode, err.text()).toBe(0);
    expect(out.lines.filter(isMinerAlert)).toHaveLength(1);
  });
});
