// Unit tests of the shared store helpers: day buckets, limits, and the alert filter builder: its
// escaping of LIKE wildcards, the free-text plans of each dialect, and the quoting of FTS5 terms.

import { describe, expect, it } from 'vitest';
import {
  DAY_US,
  DEFAULT_FLOW_QUERY_LIMIT,
  MAX_FLOW_QUERY_LIMIT,
  MIN_INDEXED_TEXT_CHARS,
  PG_TEXT_INDEX_EXPR,
  alertWhere,
  clampLimit,
  ftsPhrase,
  isIndexableText,
  likeContains,
  pgTextIndexPattern,
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
    const w = alertWhere({ status: 'new', text: '50%_x\\', after: { ts_us: 5, id: 'b' } }, 'postgres');
    expect(w.params[0]).toBe('new');
    expect(w.params[1]).toBe('%50\\%\\_x\\\\%');
    expect(w.params[2]).toBe('%50\\%\\_x\\\\%');
    expect(w.sql).toContain(`${PG_TEXT_INDEX_EXPR} ILIKE $2 ESCAPE '\\'`);
    expect(w.sql).toContain('alert_text_lacks(signature, explanation, $3)');
    expect(w.sql).toContain('(ts_us, id) < ($6, $7)');
    expect(w.params).toHaveLength(7);
    expect(alertWhere({ order: 'oldest', after: { ts_us: 1, id: 'a' } }, 'sqlite').sql).toBe('(ts_us, id) > (?, ?)');
    expect(alertWhere({}, 'sqlite').sql).toBe('1=1');
  });

  it('looks a term of three or more characters up in the FTS5 table on SQLite, with addresses by equality', () => {
    const w = alertWhere({ status: 'new', text: 'XMRig' }, 'sqlite');
    expect(w.sql).toBe(
      "status = ? AND (alerts.rowid IN (SELECT rowid FROM alerts_fts WHERE alerts_fts MATCH ?) OR src_ip = ? OR dest_ip = ?)",
    );
    expect(w.params).toEqual(['new', '"XMRig"', 'XMRig', 'XMRig']);
    // Hits already read from the index travel as one JSON array, whatever their number.
    const hits = alertWhere({ text: 'XMRig', limit: 10 }, 'sqlite', { hits: [3, 7, 11] });
    expect(hits.sql).toBe('(alerts.rowid IN (SELECT value FROM json_each(?)) OR src_ip = ? OR dest_ip = ?)');
    expect(hits.params).toEqual(['[3,7,11]', 'XMRig', 'XMRig']);
    expect(alertWhere({ text: 'XMRig' }, 'sqlite', { hits: [] }).sql).toBe(hits.sql);
    // The scan plan gives the same rows by LIKE, walking the queue order.
    const scan = alertWhere({ text: 'XMRig' }, 'sqlite', 'scan');
    expect(scan.sql).toBe("(signature LIKE ? ESCAPE '\\' OR explanation LIKE ? ESCAPE '\\' OR src_ip = ? OR dest_ip = ?)");
    expect(scan.params).toEqual(['%XMRig%', '%XMRig%', 'XMRig', 'XMRig']);
  });

  it('keeps the LIKE scan over all four columns for terms shorter than the trigram index serves', () => {
    expect(MIN_INDEXED_TEXT_CHARS).toBe(3);
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const w = alertWhere({ text: '10' }, dialect);
      expect(w.sql).not.toContain('alerts_fts');
      expect(w.sql.match(/LIKE/g)).toHaveLength(4);
      expect(w.sql).toContain(`dest_ip ${dialect === 'sqlite' ? 'LIKE' : 'ILIKE'}`);
      expect(w.params).toEqual(['%10%', '%10%', '%10%', '%10%']);
    }
    // Counted in code points: two astral characters are four UTF-16 units but two characters.
    expect(isIndexableText('\u{1F600}\u{1F600}')).toBe(false);
    expect(isIndexableText('\u{1F600}ab')).toBe(true);
    expect(isIndexableText('abc')).toBe(true);
  });

  it('on PostgreSQL finds candidates by the character-trigram index expression, decides by ILIKE, and matches addresses by equality', () => {
    const w = alertWhere({ text: 'pool.supportxmr:3333' }, 'postgres');
    expect(w.sql).toBe(
      `((${PG_TEXT_INDEX_EXPR} ILIKE $1 ESCAPE '\\' AND NOT alert_text_lacks(signature, explanation, $2)) OR src_ip = $3 OR dest_ip = $4)`,
    );
    expect(w.params).toEqual(['%poolqsupportxmrz3333%', '%pool.supportxmr:3333%', 'pool.supportxmr:3333', 'pool.supportxmr:3333']);
    // The mapping leaves LIKE escapes alone: '.' and ':' are not LIKE syntax.
    expect(pgTextIndexPattern(likeContains('a\\.b_%:'))).toBe('%a\\\\qb\\_\\%z%');
    // There is no FTS table on PostgreSQL, whatever plan is asked for.
    expect(alertWhere({ text: 'pool' }, 'postgres', 'index').sql).not.toContain('alerts_fts');
  });

  it('quotes hostile terms as one literal FTS5 phrase, never as query syntax', () => {
    const hostile = ['"', '""', 'a"b', 'x* OR y', 'NEAR(a b)', '-foo', 'sig:XMRig', '^start', 'a AND NOT b', "o'brien", '(((', '\\'];
    for (const t of hostile) {
      const p = ftsPhrase(t);
      expect(p.startsWith('"') && p.endsWith('"')).toBe(true);
      // Inside the quotes every quote is doubled, so none ends the string early.
      const inner = p.slice(1, -1);
      expect(inner.replace(/""/g, '')).not.toContain('"');
      expect(inner.replace(/""/g, '"')).toBe(t);
    }
    const w = alertWhere({ text: 'x" OR "y' }, 'sqlite');
    expect(w.params[0]).toBe('"x"" OR ""y"');
    // The term travels only as a parameter, never in the SQL text.
    expect(w.sql).not.toContain('OR "y');
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
