// The composition root of a long-running minerwatch: one store, one intelligence bundle, the
// sensor engine factory, the triage service and the metrics registry, wired together once and
// handed to the server, the collectors and the commands. Nothing else creates these.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../alerts/types.js';
import { readCapture } from '../capture/reader.js';
import { PcapWriter } from '../capture/writer.js';
import { createMiningDetector } from '../detect/detector.js';
import { FlowStreamScorer, poolIntel as flowPoolIntel, type FlowStreamOptions } from '../detect/flow-scoring/index.js';
import { openAsnDatabase, type AsnLookup } from '../enrich/asn-db.js';
import { DnsNameCache } from '../enrich/dns-names.js';
import { loadHostingList } from '../enrich/hosting.js';
import { CensysProvider, ShodanProvider, type HostIntelProvider } from '../enrich/host-intel.js';
import { defaultAnalysers } from '../engine/analysers.js';
import { Engine } from '../engine/engine.js';
import type { BusPublisher } from '../bus/roles.js';
import type { FlowRecord } from '../flows/types.js';
import { Intel } from '../intel/index.js';
import { isKnownPoolPort } from '../intel/ports.js';
import { PanosApiClient } from '../panos-api/client.js';
import { PanosThreatPcapSource } from '../panos-api/capture-source.js';
import { MetricsRegistry } from '../server/prometheus.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { AlertPcapDir, CaptureStoreDir } from '../triage/capture-sources.js';
import { TriageService } from '../triage/index.js';
import type { CaptureSource, PoolIntel } from '../triage/types.js';
import type { Clock } from '../util/clock.js';
import { parseCidr, type Cidr } from '../util/ip.js';

export interface RuntimeConfig {
  /** SQLite path or postgres:// URL. */
  db: string;
  /** Where the sensor writes each alert's packets (and triage reads them). */
  alertPcapDir: string;
  /** A folder of rolling captures to search for an alert's packets. */
  captureStoreDir?: string;
  /** Networks counted as internal besides the built-in private ranges (CIDR text). */
  internalNetworks?: string[];
  /** A MaxMind-format ASN database to use instead of the bundled one. */
  asnMmdb?: string;
  shodanKey?: string;
  censysId?: string;
  censysSecret?: string;
  /** Flows read around an alert, each side of its time. */
  flowWindowUs?: number;
  /** Sensor name written in alerts and flow records. */
  sensorName?: string;
  /** A PAN-OS firewall or Panorama whose threat PCAPs triage may fetch. */
  panos?: { url: string; key: string; caFile?: string; insecure?: boolean };
}

/** Alerts waiting for triage at most; beyond this they stay untriaged (counted) until re-run. */
export const MAX_TRIAGE_QUEUE = 10_000;
/** Flow records buffered before a store write. */
export const FLOW_BATCH = 2000;
/** How often `serve` looks for alerts other processes stored untriaged. */
export const UNTRIAGED_POLL_MS = 5000;
/** Wall-clock wait before triaging an alert whose flow is still open. */
export const TRIAGE_DELAY_MS = 30_000;
export const DEFAULT_FLOW_WINDOW_US = 24 * 3600 * 1_000_000;
/** How often (wall-clock ms) `serve` asks the flow scorer whether a pass is due on the clock. */
export const FLOW_SCORING_TICK_MS = 1000;
/** Pairs a flow-scoring pass scores between yields to the event loop (about 60 ms of work). */
export const FLOW_SCORING_SLICE_PAIRS = 1000;

export class Runtime {
  readonly metrics = new MetricsRegistry();
  readonly intel = new Intel();
  readonly triage: TriageService;
  private readonly queue: string[] = [];
  private draining: Promise<void> | undefined;
  private asn: AsnLookup | undefined;
  private readonly flowBuffer: FlowRecord[] = [];
  /** Every name the sensor saw resolve to an address (for triage's "names seen"). */
  readonly dnsNames = new DnsNameCache();

  private constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly config: RuntimeConfig,
  ) {
    mkdirSync(config.alertPcapDir, { recursive: true });
    const internal = (config.internalNetworks ?? []).map((t) => {
      const c = parseCidr(t);
      if (!c) throw new Error(`not a network: ${t}`);
      return c;
    }) as Cidr[];
    const hostIntel: HostIntelProvider[] = [];
    if (config.shodanKey) hostIntel.push(new ShodanProvider(config.shodanKey));
    if (config.censysId && config.censysSecret) hostIntel.push(new CensysProvider(config.censysId, config.censysSecret));
    const captures: CaptureSource[] = [new AlertPcapDir(config.alertPcapDir)];
    if (config.captureStoreDir) captures.push(new CaptureStoreDir(config.captureStoreDir));
    if (config.panos) {
      const client = new PanosApiClient({
        baseUrl: config.panos.url,
        key: config.panos.key,
        ...(config.panos.caFile ? { ca: readFileSync(config.panos.caFile) } : {}),
        ...(config.panos.insecure ? { insecure: true } : {}),
      });
      captures.push(new PanosThreatPcapSource(client, join(config.alertPcapDir, 'panos')));
    }
    const poolIntel: PoolIntel = {
      matchDomain: (name) => this.intel.matchPoolName(name)?.domain,
      namesFor: (ip) => this.dnsNames.namesFor(ip),
      isMiningPort: isKnownPoolPort,
    };
    this.triage = new TriageService({
      clock,
      store,
      asn: () => (this.asn ??= openAsnDatabase(config.asnMmdb)),
      hosting: loadHostingList(),
      hostIntel,
      poolIntel,
      captures,
      internalNetworks: internal,
      flowWindowUs: config.flowWindowUs ?? DEFAULT_FLOW_WINDOW_US,
      analysers: defaultAnalysers,
    });
    // Load the ASN tables once, early, so the first triage does not wait for them.
    setImmediate(() => {
      try {
        this.asn ??= openAsnDatabase(config.asnMmdb);
      } catch {
        // Reported by the enrichment action when it runs.
      }
    }).unref();
    this.metrics.collect('minerwatch_triage_queue', 'Alerts waiting for triage', 'gauge', () => this.queue.length);
  }

  static async open(config: RuntimeConfig, clock: Clock): Promise<Runtime> {
    return new Runtime(await openStore(config.db), clock, config);
  }

  private publisher: BusPublisher | undefined;

  /**
   * From now on alerts and flow records go to the bus instead of this process's store; workers
   * store and triage them (`serve --role sensor|collector` with `--bus nats://...`).
   */
  publishTo(publisher: BusPublisher): void {
    this.publisher = publisher;
  }

  /** Stores alerts and queues the new ones for triage (unless the caller queues them later). */
  async acceptAlerts(alerts: Alert[], opts: { deferTriage?: boolean } = {}): Promise<number> {
    if (alerts.length === 0) return 0;
    if (this.publisher) {
      const publisher = this.publisher;
      const published = this.writes.then(async () => {
        let fresh = 0;
        for (const a of alerts) if (!(await publisher.publishAlert(a)).duplicate) fresh++;
        return fresh;
      });
      this.writes = published.then(
        () => undefined,
        () => undefined,
      );
      return published;
    }
    // Writes are chained so that triage (which waits on the chain) never looks for an alert that
    // is still being stored.
    const write = this.writes.then(() => this.storeAlerts(alerts, opts));
    this.writes = write.then(
      () => undefined,
      () => undefined,
    );
    return write;
  }

  private writes: Promise<void> = Promise.resolve();

  private async storeAlerts(alerts: Alert[], opts: { deferTriage?: boolean }): Promise<number> {
    const fresh: string[] = [];
    for (const a of alerts) if (!(await this.store.getAlert(a.id))) fresh.push(a.id);
    const n = await this.store.putAlerts(alerts, this.clock.nowUs());
    for (const a of alerts) this.metrics.inc('minerwatch_alerts_total', 'Alerts received', { source: a.source });
    if (!opts.deferTriage) this.queueTriage(fresh);
    return n;
  }

  /** Queues stored alerts for triage (workers do it when alerts go to the bus). */
  queueTriage(ids: string[]): void {
    if (this.publisher) return;
    for (const id of ids) {
      if (this.queue.length >= MAX_TRIAGE_QUEUE) {
        this.metrics.inc('minerwatch_triage_queue_full_total', 'Alerts left untriaged because the queue was full');
        continue;
      }
      this.queue.push(id);
    }
    this.kick();
  }

  /** Buffers flow records and writes them in batches. */
  async acceptFlows(flows: FlowRecord[]): Promise<void> {
    this.flowBuffer.push(...flows);
    if (this.flowBuffer.length >= FLOW_BATCH) await this.flushFlows();
  }

  async flushFlows(): Promise<void> {
    if (this.flowBuffer.length === 0) return;
    const batch = this.flowBuffer.splice(0);
    if (this.publisher) await this.publisher.publishFlows(batch);
    else await this.store.putFlows(batch);
    this.metrics.inc('minerwatch_flows_total', 'Flow records stored', {}, batch.length);
    this.flowScorer?.add(batch);
  }

  private flowScorer: FlowStreamScorer | undefined;
  private flowScoring: Promise<number> | undefined;

  /**
   * From now on every flow record written is also scored as a miner talking to its pool
   * (flow-only evidence, `src/detect/flow-scoring/stream.ts`), a pass per interval on the clock;
   * its alerts take the path of the sensor's. Returns the function that stops it.
   */
  startFlowScoring(opts: Omit<FlowStreamOptions, 'intel' | 'clock'> = {}): () => void {
    const scorer = new FlowStreamScorer({ ...opts, clock: this.clock, intel: (atUs) => flowPoolIntel({ learned: this.intel.learned, atUs }) });
    this.flowScorer = scorer;
    this.metrics.collect('minerwatch_flow_scoring_pairs', 'Client/server/port pairs the flow scorer holds', 'gauge', () => scorer.pairCount);
    this.metrics.collect('minerwatch_flow_scoring_events_total', 'What the flow scorer did, by event', 'counter', () =>
      Object.entries(scorer.counters).map(([event, value]) => ({ labels: { event }, value })),
    );
    const timer = setInterval(() => {
      if (scorer.isDue()) void this.scoreFlows().catch(() => this.metrics.inc('minerwatch_flow_scoring_failed_total', 'Flow-scoring passes that failed'));
    }, FLOW_SCORING_TICK_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      if (this.flowScorer === scorer) this.flowScorer = undefined;
    };
  }

  /** Writes buffered flows, runs a flow-scoring pass now and stores its alerts (how many were new). */
  async scoreFlows(): Promise<number> {
    const scorer = this.flowScorer;
    if (!scorer) return 0;
    // One pass at a time: the timer may fire again while a pass waits on the store.
    this.flowScoring ??= (async () => {
      await this.flushFlows();
      const pass = await scorer.passInSlices(FLOW_SCORING_SLICE_PAIRS, () => new Promise<void>((r) => setImmediate(r)));
      return this.acceptAlerts(pass.alerts);
    })().finally(() => {
      this.flowScoring = undefined;
    });
    return this.flowScoring;
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = (async () => {
      while (this.queue.length > 0) {
        const id = this.queue.shift()!;
        await this.writes;
        // The flow records the sensor produced so far are what the flows action reads.
        await this.flushFlows();
        try {
          const r = await this.triage.triageStored(this.store, id);
          if (r) {
            this.metrics.inc('minerwatch_triage_total', 'Alerts triaged', { verdict: r.verdict });
            this.metrics.set('minerwatch_triage_last_duration_seconds', 'Duration of the last triage', r.duration_ms / 1000);
          }
        } catch {
          this.metrics.inc('minerwatch_triage_failed_total', 'Triage runs that failed');
        }
      }
    })().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  /**
   * Every `intervalMs`, queues stored alerts that have no triage result yet: alerts another process
   * wrote (`minerwatch ingest --db`, a second collector) enter the same triage as this one's own.
   */
  startUntriagedPoll(intervalMs = UNTRIAGED_POLL_MS): () => void {
    const queued = new Set<string>();
    const timer = setInterval(() => {
      void (async () => {
        const waiting = await this.store.listAlerts({ untriaged: true, limit: MAX_TRIAGE_QUEUE, order: 'oldest' });
        const fresh = waiting.map((a) => a.id).filter((id) => !queued.has(id) && !this.queue.includes(id));
        for (const id of fresh) queued.add(id);
        if (queued.size > MAX_TRIAGE_QUEUE) queued.clear();
        this.queueTriage(fresh);
      })().catch(() => this.metrics.inc('minerwatch_triage_poll_failed_total', 'Polls for untriaged alerts that failed'));
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Resolves when every queued alert has been triaged. */
  async idle(): Promise<void> {
    await this.writes;
    await this.flushFlows();
    while (this.draining) await this.draining;
  }

  /**
   * A sensor engine whose alerts and flow records come here, with per-alert pcaps kept. An alert is
   * triaged when its flow ends (its pcap is then complete), or TRIAGE_DELAY_MS after it was raised
   * for flows that stay open (a miner's connection may last for hours).
   */
  sensor(): Engine {
    const waiting = new Map<string, { ids: string[]; timer: NodeJS.Timeout }>();
    const release = (flowId: string) => {
      const w = waiting.get(flowId);
      if (!w) return;
      clearTimeout(w.timer);
      waiting.delete(flowId);
      this.queueTriage(w.ids);
    };
    const engine: Engine = new Engine({
      analysers: defaultAnalysers(),
      detector: (ctx) => {
        const mining = createMiningDetector({ intel: this.intel, ...(this.config.sensorName ? { sensor: this.config.sensorName } : {}) })(ctx);
        return {
          onFact: (flow, event) => {
            if (event.name === 'dns.answer') {
              const q = event.data.query ?? event.data.rrname;
              const addrs = event.data.addresses;
              if (typeof q === 'string' && Array.isArray(addrs)) this.dnsNames.record(q, addrs.filter((a): a is string => typeof a === 'string'));
            }
            mining.onFact(flow, event);
          },
          onFlowEnd: (flow, end) => mining.onFlowEnd(flow, end),
          flush: () => mining.flush(),
          advanceTime: (nowUs) => mining.advanceTime?.(nowUs),
        };
      },
      onAlert: (alert) => {
        const flowId = alert.flow_id;
        if (flowId === undefined) {
          void this.acceptAlerts([alert]);
          return;
        }
        // The detector has asked the engine to keep this flow's packets as alert-<id>.pcap.
        let w = waiting.get(flowId);
        if (!w) {
          w = { ids: [], timer: setTimeout(() => release(flowId), TRIAGE_DELAY_MS) };
          w.timer.unref();
          waiting.set(flowId, w);
        }
        w.ids.push(alert.id);
        void this.acceptAlerts([alert], { deferTriage: true });
      },
      onFlowEnd: (end) => {
        void this.acceptFlows([end.record]);
        release(end.record.flow_id);
      },
      ...(this.config.sensorName ? { observer: this.config.sensorName } : {}),
      alertCapture: { openWriter: (name: string, linkType: number) => PcapWriter.toFile(join(this.config.alertPcapDir, `${name}.pcap`), linkType) },
    });
    return engine;
  }

  /** Runs the sensor over a capture file to the end. */
  async scanFile(path: string): Promise<void> {
    const engine = this.sensor();
    try {
      await readCapture(path, (p) => engine.processPacket(p));
    } finally {
      engine.finish();
    }
    await this.idle();
  }

  async close(): Promise<void> {
    await this.idle();
    await this.store.close();
  }
}
