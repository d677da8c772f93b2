// Wires the project's intelligence into the flow scorer's small PoolIntel interface: pool
// addresses learned from DNS answers (any client: flow records do not say which client asked),
// addresses an operator names, and the published pool ports.

import type { LearnedPoolAddresses } from '../../intel/learned-addresses.js';
import { isKnownPoolPort } from '../../intel/ports.js';
import type { PoolIntel } from './score.js';

export interface PoolIntelSources {
  learned?: LearnedPoolAddresses;
  /** Time at which learned addresses must still be valid (microseconds), e.g. the window's end. */
  atUs?: number;
  /** Operator-supplied address -> name. */
  addresses?: ReadonlyMap<string, string>;
}

export function poolIntel(src: PoolIntelSources): PoolIntel {
  return {
    isPoolAddress(ip: string): string | undefined {
      const named = src.addresses?.get(ip);
      if (named !== undefined) return named;
      if (src.learned && src.atUs !== undefined) return src.learned.lookup('', ip, src.atUs)?.name;
      return undefined;
    },
    isMiningPort: isKnownPoolPort,
  };
}
