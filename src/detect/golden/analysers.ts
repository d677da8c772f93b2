// The analysers the golden runs use: the sensor's registry (src/protocols/registry.ts, through
// src/engine/analysers.ts), so the cases run exactly what `minerwatch scan` runs.

import { defaultAnalysers } from '../../engine/analysers.js';
import type { Analyser } from '../../protocols/analyser.js';

export function goldenAnalysers(): Analyser[] {
  return defaultAnalysers();
}
