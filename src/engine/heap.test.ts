import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_ENV, SENSOR_HEAP_GROWING_PERCENT, tuneHeapForSensor } from './heap.js';

describe('sensor heap policy', () => {
  it('applies the named growing factor, or the one the environment gives, and refuses nonsense', () => {
    expect(tuneHeapForSensor({})).toBe(SENSOR_HEAP_GROWING_PERCENT);
    expect(tuneHeapForSensor({ [HEAP_GROWING_ENV]: '200' })).toBe(200);
    expect(tuneHeapForSensor({ [HEAP_GROWING_ENV]: '0' })).toBe(0);
    expect(() => tuneHeapForSensor({ [HEAP_GROWING_ENV]: 'lots' })).toThrow(/integer from 0 to 1000/);
    expect(() => tuneHeapForSensor({ [HEAP_GROWING_ENV]: '-5' })).toThrow(HEAP_GROWING_ENV);
    // The process keeps working with the flag set.
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(0);
  });
});
