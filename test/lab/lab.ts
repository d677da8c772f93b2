// The live lab for end-to-end tests: builds the two lab namespaces with the scripted resolver and
// pool (lab/live.sh), runs a real XMRig against the pool by name, and tears it all down. A sensor
// under test runs inside the client namespace, where the miner's traffic crosses LAB.clientIf:
//   const [cmd, args] = inClientNamespace('node', ['bin/minerwatch', 'scan', '--interface', LAB.clientIf]);
// Needs root (network namespaces). See docs/lab.md.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LIVE_SH = fileURLToPath(new URL('../../lab/live.sh', import.meta.url));
/** Longest a lab command may take before it is treated as hung, in milliseconds. */
const LAB_COMMAND_TIMEOUT_MS = 90_000;
/**
 * The namespaces have fixed names, so test files that use the lab (run in parallel by vitest)
 * take turns: setup() holds this lock directory until teardown().
 */
const LOCK_DIR = '/tmp/mwlab-live.lock';
/** Longest setup() waits for another test file's lab, in milliseconds. */
const LOCK_WAIT_MS = 120_000;
const LOCK_POLL_MS = 250;

/** Fixed names and addresses of the lab (lab/netns.sh). */
export const LAB = {
  clientNs: 'mwlab-client',
  poolNs: 'mwlab-pool',
  clientIf: 'mwc0',
  poolIf: 'mwp0',
  clientIp: '10.1.2.3',
  poolIp: '203.0.113.21',
  clientNet: '10.1.2.0/24',
  poolNet: '203.0.113.0/24',
  poolName: 'pool.supportxmr.com',
  poolPort: 3333,
  poolTlsPort: 443,
} as const;

export interface SetupOptions {
  /** Also capture on the client veth with tcpdump into this pcap (complete after teardown()). */
  capture?: string;
}

export interface MinerOptions {
  /** Upper bound on the miner's run time, in seconds (default 30). */
  seconds?: number;
  /** Stop a second after XMRig reports this many accepted shares (default: run the full time). */
  untilShares?: number;
  /** Mine over TLS on port 443 (LAB.poolTlsPort) instead of plain stratum on 3333. */
  tls?: boolean;
}

export interface MinerResult {
  /** Shares XMRig logged as accepted by the pool. */
  accepted: number;
}

/** Runs lab/live.sh with arguments and returns its standard output. */
function live(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const opts = { timeout: LAB_COMMAND_TIMEOUT_MS, maxBuffer: 1 << 20, env: { ...process.env, ...env } };
    execFile('bash', [LIVE_SH, ...args], opts, (err, stdout, stderr) => {
      if (err) reject(new Error(`lab/live.sh ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function lock(): Promise<void> {
  const deadline = performance.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(`${LOCK_DIR}/pid`, String(process.pid));
      return;
    } catch {
      const holder = lockHolder();
      // A holder that died without teardown() leaves a stale lock: take it over.
      if (holder > 0 && !isAlive(holder)) rmSync(LOCK_DIR, { recursive: true, force: true });
      else if (performance.now() > deadline) throw new Error(`the lab is held by process ${holder}`);
      else await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
}

/** Process id holding the lab, or 0. */
function lockHolder(): number {
  try {
    return Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8')) || 0;
  } catch {
    return 0;
  }
}

function unlock(): void {
  try {
    if (Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8')) === process.pid) rmSync(LOCK_DIR, { recursive: true, force: true });
  } catch {
    // Not held by this process: nothing to release.
  }
}

/** Builds the namespaces and starts the resolver and the scripted pool (and the capture). */
export async function setup(opts: SetupOptions = {}): Promise<void> {
  await lock();
  try {
    await live(['up', ...(opts.capture ? ['--capture', opts.capture] : [])]);
  } catch (err) {
    await live(['stop']).catch(() => undefined);
    unlock();
    throw err;
  }
}

/** Runs XMRig (one thread, nice 19) in the client namespace until it exits; setup() first. */
export async function startMiner(opts: MinerOptions = {}): Promise<MinerResult> {
  const args = ['miner', String(opts.seconds ?? 30), ...(opts.untilShares ? [String(opts.untilShares)] : [])];
  const out = await live(args, opts.tls ? { MWLAB_LIVE_TLS: '1' } : {});
  const lines = out.trim().split('\n');
  return { accepted: Number(lines[lines.length - 1] ?? '0') || 0 };
}

/** Stops the miner, the capture and the servers, and removes the namespaces. Idempotent. */
export async function teardown(): Promise<void> {
  // Another test file's lab is none of this caller's business.
  if (lockHolder() !== process.pid && isAlive(lockHolder())) return;
  try {
    await live(['stop']);
  } finally {
    unlock();
  }
}

/** The command line that runs `command` inside the client namespace. */
export function inClientNamespace(command: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', LAB.clientNs, command, ...args]];
}

/** Spawns a long-running process (a sensor) inside the client namespace. */
export function spawnInClientNamespace(command: string, args: string[]) {
  const [cmd, full] = inClientNamespace(command, args);
  return spawn(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'] });
}
