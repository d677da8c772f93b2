// The triage action interface. Every action takes the alert and a context of whatever sources are
// configured, and returns typed evidence with a status: done, not available (a source it needs is
// not configured or holds nothing) or failed (with the reason), plus how long it took. One action
// failing never stops the others; later actions read earlier results.

import type { Alert } from '../alerts/types.js';
import type { AsnLookup } from '../enrich/asn-db.js';
import type { HostingList } from '../enrich/hosting.js';
import type { HostIntelProvider } from '../enrich/host-intel.js';
import type { Analyser } from '../protocols/analyser.js';
import type { Store } from '../store/types.js';
import type { Cidr } from '../util/ip.js';
import type { Clock } from '../util/clock.js';

export type ActionStatus = 'done' | 'not_available' | 'failed';

export interface ActionResult<E = unknown> {
  action: string;
  title: string;
  status: ActionStatus;
  /** Why it is not available or failed; what it could not check. */
  reason?: string;
  evidence?: E;
  duration_ms: number;
}

/** A place that may hold the packets of an alert's flow. */
export interface CaptureSource {
  readonly name: string;
  /** Resolves to a path of a pcap/pcapng file, or undefined when this source has nothing. */
  find(alert: Alert, signal: AbortSignal): Promise<string | undefined>;
}

/** Pool knowledge the triage needs; the intel module provides it. */
export interface PoolIntel {
  /** The listed pool or browser-mining domain a name falls under, if any. */
  matchDomain(name: string): string | undefined;
  /** Names a sensor saw resolve to this address (from DNS answers), if known. */
  namesFor(ip: string): string[];
  isMiningPort(port: number): boolean;
}

export interface TriageContext {
  clock: Clock;
  store?: Store;
  /** Loaded on first use: the bundled database takes about a second to read. */
  asn?: () => AsnLookup;
  hosting?: HostingList;
  hostIntel: HostIntelProvider[];
  poolIntel?: PoolIntel;
  captures: CaptureSource[];
  /** The sensor's analysers, used to read captured flows the way detection does. */
  analysers?: () => readonly Analyser[];
  internalNetworks: Cidr[];
  /** Flows considered: this far before and after the alert. */
  flowWindowUs: number;
  signal: AbortSignal;
}

export interface TriageAction<E = unknown> {
  name: string;
  title: string;
  run(alert: Alert, ctx: TriageContext, prior: ReadonlyMap<string, ActionResult>): Promise<Omit<ActionResult<E>, 'action' | 'title' | 'duration_ms'>>;
}

export type TriageVerdict = 'true_positive' | 'benign' | 'needs_analyst';

export interface TriageReport {
  alert_id: string;
  alert: Alert;
  verdict: TriageVerdict;
  confidence: number;
  reasons: string[];
  actions: ActionResult[];
  started_us: number;
  finished_us: number;
  duration_ms: number;
}
