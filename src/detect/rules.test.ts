import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULE_LIST, SID_RANGE } from './rules.js';

describe('rule catalogue', () => {
  it('has unique ids and signature ids inside the documented range', () => {
    expect(new Set(RULE_LIST.map((r) => r.sid)).size).toBe(RULE_LIST.length);
    expect(new Set(RULE_LIST.map((r) => r.id)).size).toBe(RULE_LIST.length);
    for (const r of RULE_LIST) {
      expect(r.sid).toBeGreaterThanOrEqual(SID_RANGE.first);
      expect(r.sid).toBeLessThanOrEqual(SID_RANGE.last);
      expect(r.confidence).toBeGreaterThan(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expect(r.rev).toBeGreaterThanOrEqual(1);
      expect(r.evidence.length).toBeGreaterThan(0);
      expect(r.falsePositives.length).toBeGreaterThan(10);
    }
  });

  it('is documented in docs/detection.md, row by row', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/detection.md', import.meta.url)), 'utf8');
    for (const r of RULE_LIST) {
      expect(doc, r.id).toContain(`| ${r.sid} | \`${r.id}\` | ${r.name} | ${r.family} | ${r.severity} | ${r.confidence} |`);
    }
    expect(doc).toContain(`${SID_RANGE.first}-${SID_RANGE.last}`);
  });
});
