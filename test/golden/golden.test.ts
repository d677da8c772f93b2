// Golden tests over the public regression corpus (../shared/corpus, or $MINERWATCH_CORPUS) and the
// lab fixtures (test/fixtures/lab): each folder here is one capture with a README (what it shows,
// source, licence), a case.json with the
// partial expectations that must hold (mining captures alert on the named flows with the listed
// signature ids; benign captures raise nothing), and expected.jsonl, the full canonical output.
// `npm run golden:update` (GOLDEN_UPDATE=1) rewrites expected.jsonl; CI never sets it.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toEve } from '../../src/alerts/eve.js';
import { loadEveAlertSchema, validateSchema } from '../../src/alerts/eve-schema.js';
import { canonicalLines } from '../../src/detect/golden/canonical.js';
import { detectCapture } from '../../src/detect/golden/run-capture.js';

interface FlowExpectation {
  src_ip: string;
  dest_ip: string;
  dest_port: number;
  signature_ids?: number[];
}
interface GoldenCase {
  /** A capture in the shared public corpus (relative to it)... */
  capture?: string;
  /** ...or a capture in this repository (relative to its root), such as the lab fixtures. */
  fixture?: string;
  expect: 'alerts' | 'none';
  min_alerts?: number;
  signature_ids?: number[];
  flows?: FlowExpectation[];
  /** A node capture: at least one `cryptocurrency_node` notice for this network. */
  node_network?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const corpus = process.env.MINERWATCH_CORPUS ?? resolve(repoRoot, '../shared/corpus');
const isUpdate = process.env.GOLDEN_UPDATE === '1';
const schema = loadEveAlertSchema();
const cases = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'case.json')))
  .map((d) => d.name)
  .sort();

describe('golden corpus', () => {
  it('has the corpus and every case', () => {
    expect(existsSync(corpus), `corpus not found at ${corpus} (set MINERWATCH_CORPUS)`).toBe(true);
    expect(cases.length).toBeGreaterThanOrEqual(49);
  });

  for (const name of cases) {
    it(name, async () => {
      const dir = join(here, name);
      const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as GoldenCase;
      const path = c.fixture !== undefined ? join(repoRoot, c.fixture) : join(corpus, c.capture ?? '');
      const { alerts, notices } = await detectCapture(path);

      for (const a of alerts) expect(validateSchema(schema, JSON.parse(JSON.stringify(toEve(a)))), `${name}: EVE schema`).toEqual([]);
      if (c.expect === 'none') {
        expect(alerts.map((a) => `${a.src_ip} -> ${a.dest_ip}:${a.dest_port} ${a.alert.signature}`)).toEqual([]);
        if (c.node_network) expect(notices.some((n) => n.network === c.node_network), `${name}: no ${c.node_network} node notice`).toBe(true);
      } else {
        expect(alerts.length).toBeGreaterThanOrEqual(c.min_alerts ?? 1);
        const allowed = new Set(c.signature_ids ?? []);
        for (const a of alerts) expect(allowed.has(a.alert.signature_id), `${name}: unexpected signature ${a.alert.signature_id}`).toBe(true);
        for (const f of c.flows ?? []) {
          const hit = alerts.filter((a) => a.src_ip === f.src_ip && a.dest_ip === f.dest_ip && a.dest_port === f.dest_port);
          expect(hit.length, `${name}: no alert on ${f.src_ip} -> ${f.dest_ip}:${f.dest_port}`).toBeGreaterThanOrEqual(1);
          if (f.signature_ids) expect(hit.some((a) => f.signature_ids?.includes(a.alert.signature_id))).toBe(true);
        }
      }

      const lines = canonicalLines(alerts, notices);
      const expectedPath = join(dir, 'expected.jsonl');
      const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
      if (isUpdate) writeFileSync(expectedPath, text);
      expect(existsSync(expectedPath), `${name}: expected.jsonl missing (run npm run golden:update)`).toBe(true);
      expect(text).toBe(readFileSync(expectedPath, 'utf8'));
    });
  }
});
