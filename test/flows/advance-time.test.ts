// Live capture: a flow that goes quiet ends when the host clock passes its idle timeout, without
// another packet (Engine.advanceTime), so its record, detection and triage are not held back.

import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/reader.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowRecord } from '../../src/flows/types.js';

const CAPTURE = new URL('../fixtures/lab/xmrig-plain/capture.pcap', import.meta.url).pathname;

describe('Engine.advanceTime', () => {
  it('ends idle flows on the clock it is given, and only those', async () => {
    const ended: FlowRecord[] = [];
    const engine = new Engine({ analysers: [], onFlowEnd: (e) => ended.push(e.record) });
    let lastUs = 0;
    await readCapture(CAPTURE, (p) => {
      lastUs = p.tsUs;
      engine.processPacket(p);
    });
    const before = ended.length;
    engine.advanceTime(lastUs + 1_000_000); // one second later: nothing is idle long enough yet
    expect(ended.length).toBe(before);
    engine.advanceTime(lastUs + 24 * 3600 * 1_000_000); // a day later: every flow has timed out
    expect(ended.length).toBeGreaterThan(before);
    expect(ended.slice(before).every((f) => f.reason === 'timeout')).toBe(true);
    expect(ended.some((f) => f.dest_port === 3333)).toBe(true);
    engine.finish();
    expect(ended.filter((f) => f.dest_port === 3333)).toHaveLength(1);
  });
});
