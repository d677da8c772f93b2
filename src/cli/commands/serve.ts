// `minerwatch serve`: the HTTP API and workbench, the embedded store, the collectors (NetFlow/IPFIX,
// syslog) and optionally a live sensor, in one process. On first start it creates the admin
// account (one-time password printed, or MINERWATCH_ADMIN_PASSWORD) and scans the bundled sample
// capture, so the queue holds a triaged example alert.

import { LIVE_TICK_MS } from '../../capture/live.js';
import { tuneHeapForSensor } from '../../engine/heap.js';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Runtime } from '../../app/runtime.js';
import { liveCapture, type LiveCapture } from '../../capture/live.js';
import { FlowCollector } from '../../ingest/netflow/collector.js';
import { parseListenList } from '../../ingest/syslog/listen.js';
import { startSyslogIngest, type SyslogIngest } from '../../ingest/syslog/index.js';
import { buildServer } from '../../server/app.js';
import { openBus } from '../../bus/index.js';
import { NODE_ROLES, parseRole, startRole } from '../../bus/roles.js';
import { ensureAdmin } from '../../server/auth.js';
import { TriageService } from '../../triage/index.js';
import { systemClock } from '../../util/clock.js';
import { analyseFlows } from '../../analytics/index.js';
import { ingestBody } from '../../app/ingest-api.js';
import { AlertPcapDir } from '../../triage/capture-sources.js';
import { UsageError, type CliIo } from '../io.js';

export interface ServeOptions {
  http: string;
  db: string;
  alertPcaps?: string;
  captureStore?: string;
  netflow?: string | false;
  ipfix?: string | false;
  syslog?: string | false;
  interface?: string;
  bpf?: string;
  internalNet?: string[];
  asnMmdb?: string;
  panosUrl?: string;
  panosCa?: string;
  sample: boolean;
  role?: string;
  bus?: string;
  busPrefix?: string;
  busMaxMb?: string;
  replay?: string[];
  /** Seconds between flow-scoring passes, or false for none. */
  flowScoring?: string | false;
}

export const DEFAULT_HTTP = '127.0.0.1:8080';
export const DEFAULT_DB = './data/minerwatch.db';

export function samplePath(): string {
  return fileURLToPath(new URL('../../../samples/xmrig-lab.pcap', import.meta.url));
}

function hostPort(text: string, what: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`${what} must be HOST:PORT, not "${text}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export function registerServe(program: Command, io: CliIo): void {
  const serve = (name: string, desc: string) =>
    program
      .command(name)
      .description(desc)
      .option('--http <host:port>', 'HTTP API and workbench address', DEFAULT_HTTP)
      .option('--db <path|url>', 'SQLite file or postgres:// URL', DEFAULT_DB)
      .option('--alert-pcaps <dir>', 'where each alert\'s packets are kept (default: beside the database)')
      .option('--capture-store <dir>', 'a folder of rolling captures to search for alert packets')
      .option('--netflow <host:port>', 'NetFlow v5/v9 UDP listener', '0.0.0.0:2055')
      .option('--no-netflow', 'no NetFlow listener')
      .option('--ipfix <host:port>', 'IPFIX UDP and TCP listener', '0.0.0.0:4739')
      .option('--no-ipfix', 'no IPFIX listener')
      .option('--syslog <urls>', 'syslog listeners (udp://, tcp://, tls://)', 'udp://0.0.0.0:5514,tcp://0.0.0.0:5514')
      .option('--no-syslog', 'no syslog listener')
      .option('--interface <if>', 'run a live sensor on this interface (tcpdump)')
      .option('--bpf <filter>', 'capture filter for --interface')
      .option('--internal-net <cidr...>', 'networks counted as internal besides the private ranges')
      .option('--asn-mmdb <file>', 'MaxMind-format ASN database instead of the bundled one')
      .option('--panos-url <url>', 'PAN-OS firewall or Panorama to fetch threat PCAPs from (API key in MINERWATCH_PANOS_KEY)')
      .option('--panos-ca <file>', 'CA certificate that signed the firewall\'s HTTPS certificate')
      .option('--no-sample', 'do not scan the bundled sample capture on first start')
      .option('--role <role>', 'sensor, collector, worker, ui or all', 'all')
      .option('--bus <spec>', 'memory (in-process) or nats://host:port[,...] (JetStream)', 'memory')
      .option('--bus-prefix <name>', 'prefix of JetStream subjects and streams, so deployments can share a cluster', 'minerwatch')
      .option('--bus-max-mb <n>', 'JetStream stream size, MiB (reserved on the server when the stream is created)')
      .option('--replay <files...>', 'run the sensor over these captures at start (sensor and all roles)')
      .option('--flow-scoring <seconds>', 'score stored flow records as miner behaviour every so many seconds (sensor, collector and all roles)', '60')
      .option('--no-flow-scoring', 'no flow-only miner scoring of stored flows')
      .action(async (opts: ServeOptions) => {
        await runServe(opts, io);
      });
  serve('serve', 'run the API, the workbench, the collectors and optionally a live sensor');
}

export interface RunningServer {
  url: string;
  runtime: Runtime;
  close(): Promise<void>;
}

export async function startServe(opts: ServeOptions, io: CliIo): Promise<RunningServer> {
  const role = parseRole(opts.role ?? 'all');
  if (!role) throw new UsageError(`--role must be one of ${NODE_ROLES.join(', ')}, not "${opts.role}"`);
  const busSpec = opts.bus ?? 'memory';
  if (role !== 'all' && busSpec === 'memory') throw new UsageError(`--role ${role} needs --bus nats://...: the in-process bus joins the roles of one process only`);
  const isSensor = role === 'sensor' || role === 'all';
  const isCollector = role === 'collector' || role === 'all';
  const isUi = role === 'ui' || role === 'all';
  const isWorker = role === 'worker' || role === 'all';
  const http = hostPort(opts.http, '--http');
  const flowScoringS = opts.flowScoring === false ? undefined : Number(opts.flowScoring ?? '60');
  if (flowScoringS !== undefined && !(flowScoringS > 0)) throw new UsageError(`--flow-scoring must be a positive number of seconds, not "${String(opts.flowScoring)}"`);
  if (opts.panosUrl && !io.env.MINERWATCH_PANOS_KEY) throw new UsageError('--panos-url needs the API key in MINERWATCH_PANOS_KEY');
  const dbIsUrl = /^postgres(ql)?:\/\//.test(opts.db);
  const alertPcapDir = resolve(opts.alertPcaps ?? join(dbIsUrl ? './data' : dirname(opts.db), 'alert-pcaps'));
  const runtime = await Runtime.open(
    {
      // Sensors and collectors behind a bus keep nothing: their records go to the workers.
      db: busSpec !== 'memory' && !isUi && !isWorker ? ':memory:' : opts.db,
      alertPcapDir,
      ...(opts.captureStore ? { captureStoreDir: opts.captureStore } : {}),
      internalNetworks: opts.internalNet ?? [],
      ...(opts.asnMmdb ? { asnMmdb: opts.asnMmdb } : {}),
      ...(opts.panosUrl ? { panos: { url: opts.panosUrl, key: io.env.MINERWATCH_PANOS_KEY!, ...(opts.panosCa ? { caFile: opts.panosCa } : {}) } } : {}),
      ...(io.env.MINERWATCH_SHODAN_KEY ? { shodanKey: io.env.MINERWATCH_SHODAN_KEY } : {}),
      ...(io.env.MINERWATCH_CENSYS_ID && io.env.MINERWATCH_CENSYS_SECRET ? { censysId: io.env.MINERWATCH_CENSYS_ID, censysSecret: io.env.MINERWATCH_CENSYS_SECRET } : {}),
    },
    systemClock,
  );
  const { store } = runtime;
  const closers: (() => Promise<void>)[] = [];

  if (busSpec !== 'memory') {
    const maxMb = opts.busMaxMb !== undefined ? Number(opts.busMaxMb) : undefined;
    if (maxMb !== undefined && !(Number.isInteger(maxMb) && maxMb > 0)) throw new UsageError(`--bus-max-mb must be a positive integer, not "${opts.busMaxMb}"`);
    const bus = await openBus(busSpec, {
      ...(opts.busPrefix ? { prefix: opts.busPrefix } : {}),
      ...(maxMb !== undefined ? { maxBytes: maxMb * 1024 * 1024 } : {}),
    });
    const node = await startRole(role, {
      bus,
      store,
      clock: systemClock,
      triage: async (alert) => TriageService.row(await runtime.triage.run(alert)),
    });
    if (node.publisher) runtime.publishTo(node.publisher);
    closers.push(async () => {
      await node.stop();
      await bus.close();
    });
    io.stderr.write(`Role ${role} on ${busSpec}\n`);
  }

  const password = isUi ? await ensureAdmin(store, systemClock.nowUs(), io.env.MINERWATCH_ADMIN_PASSWORD) : undefined;
  if (password !== undefined) {
    io.stderr.write(
      io.env.MINERWATCH_ADMIN_PASSWORD
        ? 'Created the admin account with the password from MINERWATCH_ADMIN_PASSWORD.\n'
        : `Created the admin account. One-time password for user "admin": ${password}\n(it is not stored anywhere readable; set MINERWATCH_ADMIN_PASSWORD to choose it)\n`,
    );
  }
  if (isUi && isSensor && opts.sample && (await store.countAlerts({})) === 0 && existsSync(samplePath())) {
    io.stderr.write(`Scanning the bundled sample capture ${samplePath()} ...\n`);
    await runtime.scanFile(samplePath());
  }

  // Started after the sample scan, so a first start shows the sample's own alerts only.
  if (flowScoringS !== undefined && (isCollector || isSensor)) {
    const stopScoring = runtime.startFlowScoring({ intervalUs: Math.round(flowScoringS * 1_000_000) });
    closers.push(async () => stopScoring());
  }
  if (isWorker && busSpec === 'memory') {
    const stopPoll = runtime.startUntriagedPoll();
    closers.push(async () => stopPoll());
  }
  const pcaps = new AlertPcapDir(alertPcapDir);
  const app = await buildServer({
    store,
    clock: systemClock,
    metrics: runtime.metrics,
    triage: async (id) => {
      await runtime.triage.triageStored(store, id);
    },
    analyseFlows: (q) => analyseFlows(store, q),
    alertPcap: (a) => pcaps.find(a),
    renderReport: (a, format) => TriageService.renderStored(store, a.id, format),
    ingest: (kind, body) => ingestBody(runtime, kind, body),
    alertMetrics: (range) => store.alertMetrics(range),
  });
  let url = '';
  if (isUi) {
    await app.listen({ host: http.host, port: http.port });
    closers.push(() => app.close());
    const addr = app.server.address();
    url = typeof addr === 'object' && addr ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : `http://${opts.http}`;
  }

  if (isCollector && (opts.netflow || opts.ipfix)) {
    const collector = new FlowCollector({
      ...(opts.netflow ? { netflow: hostPort(opts.netflow, '--netflow') } : {}),
      ...(opts.ipfix ? { ipfix: hostPort(opts.ipfix, '--ipfix'), ipfixTcp: hostPort(opts.ipfix, '--ipfix') } : {}),
      store: { putFlows: async (flows) => (await runtime.acceptFlows(flows), flows.length) },
      clock: systemClock,
    });
    const bound = await collector.start();
    closers.push(async () => {
      await collector.stop();
      await runtime.flushFlows();
    });
    io.stderr.write(`Flow collector: ${Object.entries(bound).map(([k, v]) => `${k} ${v.host}:${v.port}`).join(', ')}\n`);
  }
  let syslog: SyslogIngest | undefined;
  if (isCollector && opts.syslog) {
    syslog = await startSyslogIngest({
      listen: parseListenList(opts.syslog),
      clock: systemClock,
      onAlert: (alert) => void runtime.acceptAlerts([alert]),
      onFlow: (flow) => void runtime.acceptFlows([flow]),
    });
    closers.push(() => syslog!.close());
    io.stderr.write(`Syslog: ${syslog.bound.map((b) => `${b.transport}://${b.host}:${b.port}`).join(', ')}\n`);
  }
  if (isSensor && (opts.replay !== undefined || opts.interface !== undefined)) tuneHeapForSensor();
  if (isSensor && opts.replay) {
    for (const file of opts.replay) {
      io.stderr.write(`Replaying ${file}\n`);
      await runtime.scanFile(file);
    }
  }
  let live: LiveCapture | undefined;
  if (isSensor && opts.interface) {
    const engine = runtime.sensor();
    live = liveCapture(opts.interface, opts.bpf ?? '', (p) => engine.processPacket(p));
    await live.ready;
    // Flows that go quiet end on the host clock, not only when the next packet arrives.
    const tick = setInterval(() => engine.advanceTime(systemClock.nowUs()), LIVE_TICK_MS);
    tick.unref();
    closers.push(async () => {
      clearInterval(tick);
      live!.stop();
      await live!.done.catch(() => undefined);
      engine.finish();
    });
    io.stderr.write(`Live sensor on ${opts.interface}\n`);
  }
  if (isUi) io.stderr.write(`minerwatch is serving the workbench at ${url}/\n`);
  return {
    url,
    runtime,
    close: async () => {
      for (const c of closers.reverse()) await c().catch(() => undefined);
      await runtime.close();
    },
  };
}

async function runServe(opts: ServeOptions, io: CliIo): Promise<void> {
  const running = await startServe(opts, io);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.stderr.write('Stopping...\n');
  await running.close();
}
