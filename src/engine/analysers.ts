// The analysers the sensor runs: the protocol registry (src/protocols/registry.ts), in priority
// order. Kept here so the engine's callers have one place to import it from.

export { defaultAnalysers } from '../protocols/registry.js';
