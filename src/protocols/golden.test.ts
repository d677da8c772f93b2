// Golden records: each analyser's record and fact events for every stream fixture, as canonical
// JSON (sorted keys) in test/fixtures/protocols/golden/. Regenerate after an intended change with
//   MINERWATCH_UPDATE_GOLDEN=1 npx vitest run src/protocols/golden.test.ts
// and review the diff; CI never regenerates.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultAnalysers } from './registry.js';
import { firstBytes, flowInfoOf, loadFixture, runChunks, segmentBytes } from '../../test/fixtures/protocols/replay.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'protocols');
const GOLDEN = join(FIXTURES, 'golden');
const isUpdate = process.env['MINERWATCH_UPDATE_GOLDEN'] === '1';

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** What the analysers that accept a fixture report: record and events per analyser. */
function outputOf(name: string): Record<string, unknown> {
  const fx = loadFixture(name);
  const chunks = segmentBytes(fx);
  const flow = flowInfoOf(fx);
  const out: Record<string, unknown> = {};
  for (const a of defaultAnalysers()) {
    if (!a.transports.includes(flow.transport)) continue;
    const isAccepted =
      flow.transport === 'udp'
        ? a.probe(chunks[0]!.data, chunks[0]!.direction, flow) === 'yes'
        : ([0, 1] as const).some((d) => chunks.some((c) => c.direction === d) && a.probe(firstBytes(chunks, d), d, flow) === 'yes');
    if (!isAccepted) continue;
    const r = runChunks(a, flow, chunks);
    const last = r.statuses.at(-1);
    out[a.name] = { status: last?.kind === 'violation' ? `violation:${last.code}` : (last?.kind ?? 'none'), record: r.record ?? null, events: r.events };
  }
  return canonical(out) as Record<string, unknown>;
}

const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort();

describe('golden analyser output per fixture', () => {
  it.each(names)('%s', (name) => {
    const file = join(GOLDEN, `${name}.json`);
    const actual = outputOf(name);
    if (isUpdate || !existsSync(file)) {
      if (!isUpdate) throw new Error(`no golden file for ${name}: run with MINERWATCH_UPDATE_GOLDEN=1`);
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, `${JSON.stringify(actual, null, 1)}\n`);
    }
    expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });
});
