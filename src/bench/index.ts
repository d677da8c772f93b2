// `npm run bench`: measures the sensor against ndpiReader (nDPI) and tshark on the same synthetic
// capture in the same run: wall time, CPU time, packets/s, bits/s and peak memory (/usr/bin/time
// -v), the ratios to ndpiReader, and a flat-memory check (the same traffic mix at a quarter of the
// size must peak at about the same memory). The capture is generated once under bench/out/ by the
// seeded synthesiser and reused. Options: --packets N (default 5,200,000), --seed N, --only NAME.
// It then runs the flow collector's decode benchmark (NetFlow v5, v9, IPFIX records per second)
// and the flows-query benchmark at ten million stored flows (p95 per query kind; the store is
// built once under bench/out/ and reused). --suites sensor,collector,flows picks the parts
// (default all three); --flow-stores sqlite,postgres and --flows N tune the flows query.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectorTable, runCollectorBench } from './collector-bench.js';
import { flowsQueryTable, runFlowsQueryBench } from './flows-query-bench.js';
import { synthesise, type SynthSummary } from './synth.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'bench', 'out');
const CONCURRENCY = 4000;

/** Targets of the benchmark (DESIGN.md, "Speed"). */
const MAX_WALL_RATIO_TO_NDPI = 1.5;
const MAX_RSS_BYTES = 256 * 1024 * 1024;
/** Peak memory of the full file over the quarter file; above it memory grows with input. */
const MAX_FLAT_RSS_RATIO = 1.25;

interface Measure {
  tool: string;
  file: string;
  wallS: number;
  cpuS: number;
  rssBytes: number;
  exitCode: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function captureFor(packets: number, seed: number): { path: string; summary: SynthSummary } {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `synth-${packets}-seed${seed}.pcap`);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta)) {
    const summary = JSON.parse(readFileSync(meta, 'utf8')) as SynthSummary;
    if (statSync(path).size === summary.fileBytes) return { path, summary };
  }
  process.stderr.write(`generating ${path} (${packets} packets)...\n`);
  const t0 = Date.now();
  const summary = synthesise(path, { packets, seed, concurrency: CONCURRENCY });
  writeFileSync(meta, JSON.stringify(summary));
  process.stderr.write(`  ${(summary.fileBytes / 1e9).toFixed(2)} GB, ${summary.flows} flows, in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  return { path, summary };
}

/** Runs a command under /usr/bin/time -v; its output goes to /dev/null. */
function measure(tool: string, file: string, cmd: string[]): Promise<Measure> {
  const timeFile = join(OUT, `time-${tool}.txt`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, ...cmd], { stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('close', (code) => {
      const text = readFileSync(timeFile, 'utf8');
      // Lines read "\tLabel (unit): value"; the value follows the last ": ".
      const field = (label: string) => {
        const line = text.split('\n').find((l) => l.includes(label)) ?? '';
        return line.slice(line.lastIndexOf(': ') + 2).trim();
      };
      const wall = field('Elapsed (wall clock) time')
        .split(':')
        .reduce((acc, part) => acc * 60 + Number(part), 0);
      resolvePromise({
        tool,
        file,
        wallS: wall,
        cpuS: Number(field('User time')) + Number(field('System time')),
        rssBytes: Number(field('Maximum resident set size')) * 1024,
        exitCode: code ?? -1,
      });
    });
  });
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

async function main(): Promise<void> {
  const suites = new Set(arg('--suites', 'sensor,collector,flows').split(','));
  if (suites.has('sensor')) await sensorBench();
  if (suites.has('collector')) {
    process.stderr.write('running the collector decode benchmark...\n');
    process.stdout.write(`\n${collectorTable(runCollectorBench())}\n`);
  }
  if (suites.has('flows')) {
    const stores = arg('--flow-stores', 'sqlite')
      .split(',')
      .filter((x): x is 'sqlite' | 'postgres' => x === 'sqlite' || x === 'postgres');
    const res = await runFlowsQueryBench({ flows: Number(arg('--flows', '10000000')), stores });
    process.stdout.write(`\n${flowsQueryTable(res)}\n`);
  }
}

async function sensorBench(): Promise<void> {
  const packets = Number(arg('--packets', '5200000'));
  const seed = Number(arg('--seed', '1'));
  const only = arg('--only', '');
  const big = captureFor(packets, seed);
  const small = captureFor(Math.floor(packets / 4), seed);
  const cli = join(ROOT, 'bin', 'minerwatch');
  const runs: Array<[string, string, string[]]> = [
    ['minerwatch', big.path, [process.execPath, cli, 'scan', big.path, '--format', 'eve']],
    ['ndpiReader', big.path, ['ndpiReader', '-i', big.path, '-q']],
    ['tshark', big.path, ['tshark', '-r', big.path, '-q', '-z', 'conv,tcp']],
    ['minerwatch-quarter', small.path, [process.execPath, cli, 'scan', small.path, '--format', 'eve']],
  ];
  const results: Measure[] = [];
  for (const [tool, file, cmd] of runs) {
    if (only !== '' && !tool.startsWith(only)) continue;
    process.stderr.write(`running ${tool}...\n`);
    results.push(await measure(tool, file, cmd));
  }
  const byTool = new Map(results.map((r) => [r.tool, r]));
  const ndpi = byTool.get('ndpiReader');
  const lines: string[] = [];
  lines.push(`capture: ${big.path}`);
  lines.push(`  ${big.summary.packets} packets, ${fmt(big.summary.bytes / 1e9)} GB on the wire, ${big.summary.flows} flows`);
  lines.push('');
  lines.push(`${'tool'.padEnd(20)}${'wall s'.padStart(9)}${'cpu s'.padStart(9)}${'Mpkt/s'.padStart(9)}${'Gbit/s'.padStart(9)}${'peak MB'.padStart(9)}${'wall/ndpi'.padStart(11)}${'cpu/ndpi'.padStart(10)}`);
  for (const r of results) {
    const s = r.file === big.path ? big.summary : small.summary;
    lines.push(
      `${r.tool.padEnd(20)}${fmt(r.wallS).padStart(9)}${fmt(r.cpuS).padStart(9)}${fmt(s.packets / r.wallS / 1e6).padStart(9)}${fmt((s.bytes * 8) / r.wallS / 1e9).padStart(9)}${fmt(r.rssBytes / 1048576, 0).padStart(9)}${(ndpi && r.file === big.path ? fmt(r.wallS / ndpi.wallS) : '-').padStart(11)}${(ndpi && r.file === big.path ? fmt(r.cpuS / ndpi.cpuS) : '-').padStart(10)}${r.exitCode === 0 ? '' : `  (exit ${r.exitCode})`}`,
    );
  }
  const mw = byTool.get('minerwatch');
  const quarter = byTool.get('minerwatch-quarter');
  lines.push('');
  if (mw && ndpi) {
    const ratio = mw.wallS / ndpi.wallS;
    lines.push(`target wall <= ${MAX_WALL_RATIO_TO_NDPI}x ndpiReader: ${fmt(ratio)}x ${ratio <= MAX_WALL_RATIO_TO_NDPI ? 'PASS' : 'FAIL'}`);
  }
  if (mw) lines.push(`target peak memory <= ${MAX_RSS_BYTES / 1048576} MB: ${fmt(mw.rssBytes / 1048576, 0)} MB ${mw.rssBytes <= MAX_RSS_BYTES ? 'PASS' : 'FAIL'}`);
  if (mw && quarter) {
    const ratio = mw.rssBytes / quarter.rssBytes;
    lines.push(`flat memory (full / quarter peak) <= ${MAX_FLAT_RSS_RATIO}: ${fmt(ratio)} ${ratio <= MAX_FLAT_RSS_RATIO ? 'PASS' : 'FAIL'}`);
  }
  const report = lines.join('\n');
  process.stdout.write(`${report}\n`);
  writeFileSync(join(OUT, 'results.json'), JSON.stringify({ capture: big.summary, quarter: small.summary, results }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
