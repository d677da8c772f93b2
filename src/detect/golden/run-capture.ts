// Runs one capture through the sensor engine with the mining detector and returns what detection
// said: the alerts, the cryptocurrency-node notices and the detection counters. Used by the
// golden tests (test/golden) and by `npm run golden:update`.

import type { Alert } from '../../alerts/types.js';
import { readCapture } from '../../capture/reader.js';
import { Engine } from '../../engine/engine.js';
import { Intel, type IntelOptions } from '../../intel/index.js';
import { createMiningDetector, type NodeNotice } from '../detector.js';
import { goldenAnalysers } from './analysers.js';

export interface CaptureDetection {
  alerts: Alert[];
  notices: NodeNotice[];
  /** Engine counters whose name starts with `detect.` or `fact.`. */
  counters: Record<string, number>;
}

export async function detectCapture(path: string, intelOptions: IntelOptions = {}): Promise<CaptureDetection> {
  const intel = new Intel(intelOptions);
  const alerts: Alert[] = [];
  const notices: NodeNotice[] = [];
  const engine = new Engine({
    analysers: goldenAnalysers(),
    detector: createMiningDetector({ intel, sensor: 'golden', onNotice: (n) => notices.push(n) }),
    onAlert: (a) => alerts.push(a),
  });
  await readCapture(path, (p) => engine.processPacket(p));
  engine.finish();
  const counters = Object.fromEntries(Object.entries(engine.counters()).filter(([k]) => k.startsWith('detect.') || k.startsWith('fact.')));
  return { alerts, notices, counters };
}
