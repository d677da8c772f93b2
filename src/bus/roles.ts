// The wiring of `serve --role sensor|collector|worker|ui|all`. Sensors and collectors publish alerts
// and flow records to the bus; workers consume alerts (store them, run the injected triage, store
// its result) and flow batches (store them), acknowledging only after the store committed. Writes
// are idempotent, so a redelivered message (a worker killed mid-way, an ack lost) changes nothing:
// the alert id is content-derived, flows are keyed by flow id, source and start, and the triage
// result is an upsert by alert id.

import { createHash } from 'node:crypto';
import type { Alert } from '../alerts/types.js';
import type { FlowRecord } from '../flows/types.js';
import type { Store, StoredAlert, TriageResultRow } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import type { Bus, BusMessage, PublishResult, SubscribeOptions } from './types.js';

export type NodeRole = 'sensor' | 'collector' | 'worker' | 'ui' | 'all';
export const NODE_ROLES: readonly NodeRole[] = ['sensor', 'collector', 'worker', 'ui', 'all'];

export function parseRole(text: string): NodeRole | undefined {
  return (NODE_ROLES as readonly string[]).includes(text) ? (text as NodeRole) : undefined;
}

/** Triage is injected: whoever composes the node passes the function that triages one stored alert. */
export type TriageFn = (alert: StoredAlert) => Promise<TriageResultRow>;

/** Flow records per bus message: keeps a message well under NATS's default 1 MiB payload limit. */
export const MAX_FLOWS_PER_MESSAGE = 1000;
/** Durable consumer names the roles use; every worker of a deployment joins the same ones. */
export const ALERT_WORKERS_DURABLE = 'alert-workers';
export const FLOW_WRITERS_DURABLE = 'flow-writers';
/** Delay before a message whose handling failed (store down, triage error) comes again. */
export const RETRY_DELAY_MS = 2000;

/** Content-derived dedup id of a flow batch: the same records, in the same order, give the same id. */
export function flowBatchId(flows: readonly FlowRecord[]): string {
  const h = createHash('sha256');
  for (const f of flows) h.update(`${f.source}\u0000${f.flow_id}\u0000${f.start_us}\u0001`);
  return `flows-${h.digest('hex').slice(0, 32)}`;
}

/** What sensors and collectors hand records to. */
export class BusPublisher {
  constructor(private readonly bus: Bus) {}

  publishAlert(alert: Alert): Promise<PublishResult> {
    return this.bus.publish('alerts', alert, alert.id);
  }

  /** Publishes flows in batches of MAX_FLOWS_PER_MESSAGE; returns how many batches were new to the bus. */
  async publishFlows(flows: readonly FlowRecord[]): Promise<number> {
    let fresh = 0;
    for (let i = 0; i < flows.length; i += MAX_FLOWS_PER_MESSAGE) {
      const batch = flows.slice(i, i + MAX_FLOWS_PER_MESSAGE);
      const r = await this.bus.publish('flows', batch, flowBatchId(batch));
      if (!r.duplicate) fresh++;
    }
    return fresh;
  }
}

export interface WorkerCounters {
  alertsStored: number;
  alertsAlreadyStored: number;
  triaged: number;
  /** Alerts whose triage result was already stored when they came (a redelivery). */
  triageAlreadyDone: number;
  triageFailed: number;
  flowBatches: number;
  flowsStored: number;
  flowsAlreadyStored: number;
  storeFailures: number;
  /** Messages whose payload was not an alert / a flow batch: acknowledged and dropped. */
  malformed: number;
}

function emptyCounters(): WorkerCounters {
  return {
    alertsStored: 0,
    alertsAlreadyStored: 0,
    triaged: 0,
    triageAlreadyDone: 0,
    triageFailed: 0,
    flowBatches: 0,
    flowsStored: 0,
    flowsAlreadyStored: 0,
    storeFailures: 0,
    malformed: 0,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): boolean => typeof v === 'string';

/** The fields the store needs of an alert from the wire (the rest is kept as the document). */
export function isAlertShape(v: unknown): v is Alert {
  if (!isObject(v) || !isObject(v.alert)) return false;
  const a = v.alert;
  return (
    isStr(v.id) &&
    (v.id as string).length > 0 &&
    isStr(v.source) &&
    isNum(v.ts_us) &&
    isStr(v.src_ip) &&
    isNum(v.src_port) &&
    isStr(v.dest_ip) &&
    isNum(v.dest_port) &&
    isStr(v.proto) &&
    isNum(v.confidence) &&
    isStr(v.explanation) &&
    isNum(a.signature_id) &&
    isStr(a.signature) &&
    isNum(a.severity)
  );
}

export function isFlowShape(v: unknown): v is FlowRecord {
  return (
    isObject(v) &&
    isStr(v.flow_id) &&
    isStr(v.source) &&
    isStr(v.src_ip) &&
    isNum(v.src_port) &&
    isStr(v.dest_ip) &&
    isNum(v.dest_port) &&
    isStr(v.proto) &&
    isNum(v.start_us) &&
    isNum(v.end_us) &&
    isNum(v.pkts_toserver) &&
    isNum(v.pkts_toclient) &&
    isNum(v.bytes_toserver) &&
    isNum(v.bytes_toclient)
  );
}

export interface RoleHandle {
  stop(): Promise<void>;
  counters(): WorkerCounters;
}

export interface AlertWorkerOptions extends SubscribeOptions {
  clock: Clock;
  /** Omitted: alerts are stored but not triaged. */
  triage?: TriageFn;
  durable?: string;
  /** Delay before a failed message comes again. Default RETRY_DELAY_MS. */
  retryDelayMs?: number;
  /** Called after each alert is handled and acknowledged (progress reports, tests). */
  onHandled?: (alertId: string, counters: WorkerCounters) => void;
}

/**
 * Consumes alerts: store (idempotent), triage unless a result is already stored, store the result
 * (upsert), then acknowledge. A failure anywhere naks the message for a later retry.
 */
export async function startAlertWorker(bus: Bus, store: Store, opts: AlertWorkerOptions): Promise<RoleHandle> {
  const c = emptyCounters();
  const handle = async (m: BusMessage): Promise<void> => {
    if (!isAlertShape(m.data)) {
      c.malformed++;
      await m.ack();
      return;
    }
    const alert = m.data;
    try {
      const added = await store.putAlerts([alert], opts.clock.nowUs());
      if (added > 0) c.alertsStored++;
      else c.alertsAlreadyStored++;
    } catch {
      c.storeFailures++;
      m.nak(opts.retryDelayMs ?? RETRY_DELAY_MS);
      return;
    }
    if (opts.triage !== undefined) {
      try {
        if ((await store.getTriage(alert.id)) !== undefined) c.triageAlreadyDone++;
        else {
          const stored = await store.getAlert(alert.id);
          if (stored === undefined) throw new Error(`alert ${alert.id} vanished after it was stored`);
          await store.putTriage(await opts.triage(stored));
          c.triaged++;
        }
      } catch {
        c.triageFailed++;
        m.nak(opts.retryDelayMs ?? RETRY_DELAY_MS);
        return;
      }
    }
    await m.ack();
    opts.onHandled?.(alert.id, c);
  };
  const sub = await bus.subscribe('alerts', opts.durable ?? ALERT_WORKERS_DURABLE, handle, opts);
  return { stop: () => sub.stop(), counters: () => ({ ...c }) };
}

export interface FlowWriterOptions extends SubscribeOptions {
  durable?: string;
  /** Delay before a failed batch comes again. Default RETRY_DELAY_MS. */
  retryDelayMs?: number;
  onBatch?: (stored: number, counters: WorkerCounters) => void;
}

/** Consumes flow batches into the store; acknowledges after the batch committed. */
export async function startFlowWriter(bus: Bus, store: Store, opts: FlowWriterOptions = {}): Promise<RoleHandle> {
  const c = emptyCounters();
  const handle = async (m: BusMessage): Promise<void> => {
    const data = m.data;
    if (!Array.isArray(data)) {
      c.malformed++;
      await m.ack();
      return;
    }
    const flows = data.filter(isFlowShape);
    c.malformed += data.length - flows.length;
    let added: number;
    try {
      added = await store.putFlows(flows);
    } catch {
      c.storeFailures++;
      m.nak(opts.retryDelayMs ?? RETRY_DELAY_MS);
      return;
    }
    c.flowBatches++;
    c.flowsStored += added;
    c.flowsAlreadyStored += flows.length - added;
    await m.ack();
    opts.onBatch?.(added, c);
  };
  const sub = await bus.subscribe('flows', opts.durable ?? FLOW_WRITERS_DURABLE, handle, opts);
  return { stop: () => sub.stop(), counters: () => ({ ...c }) };
}

export interface RoleDeps {
  bus: Bus;
  retryDelayMs?: number;
  /** Needed by worker, ui and all. */
  store?: Store;
  clock: Clock;
  triage?: TriageFn;
  subscribe?: SubscribeOptions;
}

export interface RunningNode {
  role: NodeRole;
  /** For sensor, collector and all: where captured or ingested records go. */
  publisher: BusPublisher | undefined;
  /** For worker and all. */
  alertWorker: RoleHandle | undefined;
  flowWriter: RoleHandle | undefined;
  /** Stops consumers (waiting for running handlers); the caller closes bus and store it opened. */
  stop(): Promise<void>;
}

/**
 * Starts the bus side of a role. `ui` needs only the store (the server reads it) and starts nothing
 * here; `all` is publisher and worker in one process, normally over the in-process bus.
 */
export async function startRole(role: NodeRole, deps: RoleDeps): Promise<RunningNode> {
  const publishes = role === 'sensor' || role === 'collector' || role === 'all';
  const consumes = role === 'worker' || role === 'all';
  if ((consumes || role === 'ui') && deps.store === undefined) throw new Error(`role ${role} needs a store`);
  let alertWorker: RoleHandle | undefined;
  let flowWriter: RoleHandle | undefined;
  if (consumes && deps.store !== undefined) {
    alertWorker = await startAlertWorker(deps.bus, deps.store, {
      ...deps.subscribe,
      clock: deps.clock,
      ...(deps.retryDelayMs !== undefined ? { retryDelayMs: deps.retryDelayMs } : {}),
      ...(deps.triage ? { triage: deps.triage } : {}),
    });
    flowWriter = await startFlowWriter(deps.bus, deps.store, {
      ...deps.subscribe,
      ...(deps.retryDelayMs !== undefined ? { retryDelayMs: deps.retryDelayMs } : {}),
    });
  }
  return {
    role,
    publisher: publishes ? new BusPublisher(deps.bus) : undefined,
    alertWorker,
    flowWriter,
    stop: async () => {
      await Promise.all([alertWorker?.stop(), flowWriter?.stop()]);
    },
  };
}
