// Unit tests of the shared store helpers: day buckets, limits, and the alert filter builder's
// escaping of LIKE wildcards.

import { describe, expect, it } from 'vitest';
import {
  DAY_US,
  DEFAULT_FLOW_QUERY_LIMIT,
  MAX_FLOW_QUERY_LIMIT,
  alertWhere,
  clampLimit,
  flowDay,
  flowTableName,
  rowToFlow,
  flowValues,
  FLOW_COLUMNS,
  type FlowRow,
} from './common.js';

describe('store helpers', () => {
  it('buckets flows by UTC day of start, with valid names for bogus negative times', () => {
    expect(flowDay(0)).toBe(0);
    expect(flowDay(DAY_US - 1)).toBe(0);
    expect(flowDay(DAY_US)).toBe(1);
    expect(flowDay(-1)).toBe(-1);
    expect(flowTableName(20_394)).toBe('flows_d20394');
    expect(flowTableName(-3)).toBe('flows_dm3');
  });

  it('clamps limits past the maximum, and defaults a missing one', () => {
    expect(clampLimit(undefined, DEFAULT_FLOW_QUERY_LIMIT, MAX_FLOW_QUERY_LIMIT)).toBe(DEFAULT_FLOW_QUERY_LIMIT);
    expect(clampLimit(MAX_FLOW_QUERY_LIMIT * 10, DEFAULT_FLOW_QUERY_LIMIT, MAX_FLOW_QUERY_LIMIT)).toBe(MAX_FLOW_QUERY_LIMIT);
    expect(clampLimit(-5, 10, 100)).toBe(0);
    expect(clampLimit(Number.NaN, 10, 100)).toBe(10);
    expect(clampLimit(7.9, 10, 100)).toBe(7);
  });

  it('escapes LIKE wildcards in free text and numbers placeholders in order', () => {
    const w = alertWhere({ status: 'new', text: '50%_x\\', after: { ts_us: 5, id: 'b' } }, (n) => `$${n}`, 'ILIKE');
    expect(w.params[0]).toBe('new');
    expect(w.params[1]).toBe('%50\\%\\_x\\\\%');
    expect(w.sql).toContain("signature ILIKE $2 ESCAPE '\\'");
    expect(w.sql).toContain('(ts_us, id) < ($6, $7)');
    expect(alertWhere({ order: 'oldest', after: { ts_us: 1, id: 'a' } }, () => '?', 'LIKE').sql).toBe('(ts_us, id) > (?, ?)');
    expect(alertWhere({}, () => '?', 'LIKE').sql).toBe('1=1');
  });

  it('round-trips a minimal flow without inventing optional fields', () => {
    const f = {
      flow_id: 'x',
      source: 'zeek' as const,
      src_ip: '10.0.0.1',
      src_port: 1,
      dest_ip: '10.0.0.2',
      dest_port: 2,
      proto: 'UDP',
      start_us: 1,
      end_us: 2,
      pkts_toserver: 3,
      pkts_toclient: 4,
      bytes_toserver: 5,
      bytes_toclient: 6,
    };
    const values = flowValues(f);
    const row = Object.fromEntries(FLOW_COLUMNS.map((c, i) => [c, values[i]])) as FlowRow;
    expect(rowToFlow(row)).toEqual(f);
  });
});
