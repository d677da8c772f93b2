// Opens the bus a deployment names: `memory` (the default, one process) or `nats://host:port`
// (several servers of a cluster separated by commas) for JetStream across machines.

import { MemoryBus, type MemoryBusOptions } from './memory.js';
import { NatsBus, type NatsBusOptions } from './nats.js';
import type { Bus } from './types.js';

export type { Bus, BusMessage, BusHandler, BusSubject, BusSubscription, SubscribeOptions, PublishResult } from './types.js';
export { MemoryBus } from './memory.js';
export { NatsBus } from './nats.js';
export {
  BusPublisher,
  startAlertWorker,
  startFlowWriter,
  startRole,
  parseRole,
  NODE_ROLES,
  type NodeRole,
  type TriageFn,
  type RunningNode,
  type RoleDeps,
} from './roles.js';

export interface OpenBusOptions extends MemoryBusOptions, Omit<NatsBusOptions, 'servers'> {}

export async function openBus(spec = 'memory', opts: OpenBusOptions = {}): Promise<Bus> {
  if (spec === '' || spec === 'memory') return new MemoryBus(opts);
  if (/^nats:\/\//i.test(spec)) {
    const servers = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    return NatsBus.connect({ ...opts, servers });
  }
  throw new Error(`unknown bus "${spec}": expected "memory" or nats://host:port[,nats://host:port...]`);
}
