// `minerwatch flows`: flow analytics for one address (per client, server and port: connections,
// bytes each way and their spread, reconnect regularity, beacon score, sparkline), optionally with
// flow-only miner scoring; and `minerwatch flows import` for Zeek, EVE, nfdump CSV and PAN-OS
// TRAFFIC files. A table on a terminal, JSON with --json or when stdout is not a terminal.

import type { Command } from 'commander';
import { analyseFlows, formatAnalysisTable } from '../../analytics/index.js';
import { detectFlowMiners, FlowStreamScorer, poolIntel } from '../../detect/flow-scoring/index.js';
import type { FlowRecord } from '../../flows/types.js';
import { importFlowFiles, IMPORT_FORMATS, type ImportFormat } from '../../ingest/flow-imports/index.js';
import { openStore, type Store } from '../../store/index.js';
import { systemClock } from '../../util/clock.js';
import { parseIp } from '../../util/ip.js';
import { UsageError, type CliIo } from '../io.js';
import { DEFAULT_DB } from './collect.js';

interface FlowsOpts {
  ip?: string;
  peer?: string;
  since?: string;
  from?: string;
  to?: string;
  db?: string;
  json?: boolean;
  detect?: boolean;
  pool: string[];
}

interface ImportOpts {
  format: string;
  db?: string;
  tzOffset?: string;
  json?: boolean;
  /** False with --no-score. */
  score?: boolean;
  pool?: string[];
}

/** "24h", "30m", "7d", "90s" to microseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit * 1_000_000);
}

/** ISO 8601 (with or without zone: UTC assumed) or epoch seconds, to microseconds. */
export function parseTime(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1_000_000);
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(t);
  const ms = Date.parse(hasZone ? t : `${t}Z`);
  return Number.isNaN(ms) ? undefined : ms * 1000;
}

async function open(spec: string): Promise<Store> {
  try {
    return await openStore(spec);
  } catch (err) {
    throw new UsageError(`cannot open store ${spec}: ${(err as Error).message}`);
  }
}

export function registerFlows(program: Command, io: CliIo): void {
  const flows = program
    .command('flows')
    .description('Analyse the flows of an address: connections, bytes, regularity, beacon score')
    .option('--ip <address>', 'the address whose flows to analyse')
    .option('--peer <address>', 'only flows between --ip and this address')
    .option('--since <duration>', 'window ending now: 24h, 30m, 7d (default 24h)')
    .option('--from <time>', 'window start: ISO 8601 or epoch seconds')
    .option('--to <time>', 'window end: ISO 8601 or epoch seconds')
    .option('--db <spec>', `store: SQLite file path or postgres:// URL (default ${DEFAULT_DB})`)
    .option('--json', 'JSON output even on a terminal')
    .option('--detect', 'also score each pair as a miner talking to its pool (flow-only evidence)')
    .option('--pool <address[=name]>', 'a known pool address for --detect (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (opts: FlowsOpts) => {
      io.exitCode = await runFlows(opts, io);
    });
  flows
    .command('import')
    .description('Import flow files: Zeek conn.log, Suricata EVE flow, nfdump CSV, PAN-OS TRAFFIC CSV')
    .argument('<files...>', 'files to import')
    .requiredOption('--format <format>', `one of ${IMPORT_FORMATS.join(', ')}`)
    .option('--db <spec>', `store: SQLite file path or postgres:// URL (default ${DEFAULT_DB})`)
    .option('--tz-offset <minutes>', 'offset of local-time columns (nfdump, PAN-OS) from UTC, minutes east', '0')
    .option('--json', 'JSON summary even on a terminal')
    .option('--no-score', 'do not score the imported flows as miner behaviour (flow-only alerts)')
    .action(async (files: string[], opts: ImportOpts) => {
      // Commander lets the parent `flows` take --db/--json/--pool written after `import`: read them.
      const parent = flows.opts<FlowsOpts>();
      const db = opts.db ?? parent.db;
      const json = opts.json ?? parent.json;
      const pool = parent.pool;
      io.exitCode = await runImport(files, { ...opts, pool, ...(db !== undefined ? { db } : {}), ...(json !== undefined ? { json } : {}) }, io);
    });
}

async function runFlows(opts: FlowsOpts, io: CliIo): Promise<number> {
  if (!opts.ip) throw new UsageError('flows: --ip is required');
  if (!parseIp(opts.ip)) throw new UsageError(`--ip: not an address: "${opts.ip}"`);
  if (opts.peer !== undefined && !parseIp(opts.peer)) throw new UsageError(`--peer: not an address: "${opts.peer}"`);
  let fromUs: number;
  let toUs: number;
  if (opts.from !== undefined || opts.to !== undefined) {
    if (opts.since !== undefined) throw new UsageError('use either --since or --from/--to');
    const f = opts.from !== undefined ? parseTime(opts.from) : undefined;
    const t = opts.to !== undefined ? parseTime(opts.to) : systemClock.nowUs();
    if (f === undefined) throw new UsageError(`--from: expected ISO 8601 or epoch seconds, got "${opts.from ?? ''}"`);
    if (t === undefined) throw new UsageError(`--to: expected ISO 8601 or epoch seconds, got "${opts.to ?? ''}"`);
    if (t < f) throw new UsageError('--to is before --from');
    fromUs = f;
    toUs = t;
  } else {
    const d = parseDuration(opts.since ?? '24h');
    if (d === undefined) throw new UsageError(`--since: expected a duration such as 24h, got "${opts.since ?? ''}"`);
    toUs = systemClock.nowUs();
    fromUs = toUs - d;
  }
  const pools = poolAddresses(opts.pool);
  const store = await open(opts.db ?? DEFAULT_DB);
  try {
    const analysis = await analyseFlows(store, { ip: opts.ip, ...(opts.peer ? { peer: opts.peer } : {}), fromUs, toUs });
    const intel = poolIntel({ addresses: pools });
    const scored = opts.detect ? detectFlowMiners(analysis, intel) : undefined;
    if (opts.detect && scored) {
      const alerts = scored.flatMap((s) => (s.alert ? [s.alert] : []));
      if (alerts.length > 0) await store.putAlerts(alerts, systemClock.nowUs());
    }
    if (opts.json || !io.isStdoutTty) {
      io.stdout.write(`${JSON.stringify(scored ? { ...analysis, scores: scored } : analysis)}\n`);
    } else {
      io.stdout.write(formatAnalysisTable(analysis));
      for (const s of scored ?? []) {
        if (s.alert) io.stdout.write(`ALERT ${s.alert.explanation} (confidence ${s.alert.confidence})\n`);
        else if (s.score.score > 0) io.stdout.write(`score ${s.score.score.toFixed(2)} ${s.client} -> ${s.server}:${s.server_port}: below the alert threshold\n`);
      }
    }
  } finally {
    await store.close();
  }
  return 0;
}

/** `--pool address[=name]` values as address -> name. */
function poolAddresses(values: readonly string[]): Map<string, string> {
  const pools = new Map<string, string>();
  for (const p of values) {
    const [addr, name] = p.split('=', 2);
    if (!addr || !parseIp(addr)) throw new UsageError(`--pool: not an address: "${p}"`);
    pools.set(addr, name || 'given with --pool');
  }
  return pools;
}

async function runImport(files: string[], opts: ImportOpts, io: CliIo): Promise<number> {
  if (!IMPORT_FORMATS.includes(opts.format as ImportFormat)) {
    throw new UsageError(`--format: expected one of ${IMPORT_FORMATS.join(', ')}, got "${opts.format}"`);
  }
  const tz = Number(opts.tzOffset ?? '0');
  if (!Number.isInteger(tz)) throw new UsageError(`--tz-offset: expected minutes, got "${opts.tzOffset ?? ''}"`);
  const pools = poolAddresses(opts.pool ?? []);
  const store = await open(opts.db ?? DEFAULT_DB);
  try {
    // The imported records also go through the flow-only scorer `serve` runs on what it collects,
    // so a miner's pattern in imported flows raises the same alert (stored untriaged: a running
    // serve picks it up for triage).
    const scorer = opts.score === false ? undefined : new FlowStreamScorer({ clock: systemClock, intel: () => poolIntel({ addresses: pools }) });
    const sink = {
      putFlows: async (records: FlowRecord[]): Promise<number> => {
        scorer?.add(records);
        return store.putFlows(records);
      },
    };
    let res;
    try {
      res = await importFlowFiles(files, opts.format as ImportFormat, sink, { tzOffsetMinutes: tz });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw new UsageError(`cannot read ${e.path ?? ''}: ${e.code}`);
      throw err;
    }
    const alerts = scorer ? scorer.pass().alerts : [];
    const newAlerts = alerts.length > 0 ? await store.putAlerts(alerts, systemClock.nowUs()) : 0;
    if (opts.json || !io.isStdoutTty) {
      io.stdout.write(`${JSON.stringify({ ...res, ...(scorer ? { alerts: alerts.length, alerts_new: newAlerts } : {}) })}\n`);
      for (const b of res.badExamples) io.stderr.write(`${b}\n`);
    } else {
      io.stdout.write(`${res.files} files, ${res.lines} lines: ${res.records} flow records (${res.stored} new), ${res.bad} bad lines\n`);
      for (const b of res.badExamples) io.stdout.write(`  ${b}\n`);
      for (const a of alerts) io.stdout.write(`ALERT ${a.explanation} (confidence ${a.confidence})\n`);
    }
  } finally {
    await store.close();
  }
  return 0;
}
