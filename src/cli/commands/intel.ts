// `minerwatch intel`: look a name or address up in the bundled intelligence, import a public
// blocklist (domains, hosts or adblock format) as a dated batch, and print what the bundled data
// holds. JSON when stdout is not a terminal or with --json, short text lines on a terminal.

import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MINER_AGENT_PATTERNS } from '../../intel/agents.js';
import { knownAlgorithmCount } from '../../intel/algorithms.js';
import { AllowList, loadAllowListFile } from '../../intel/allow-list.js';
import { NODE_PORTS } from '../../intel/crypto-nodes.js';
import { normalizeDomain } from '../../intel/domain-set.js';
import { importList, LIST_FORMATS, toBatchText, type ListFormat } from '../../intel/importers.js';
import { loadPoolDomains, type PoolDomainList } from '../../intel/pool-domains.js';
import { KNOWN_POOL_PORTS } from '../../intel/ports.js';
import { classifyWallet } from '../../intel/wallet.js';
import { systemClock } from '../../util/clock.js';
import { isInternalIp, parseIp } from '../../util/ip.js';
import { UsageError, type CliIo } from '../io.js';

interface CommonOpts {
  json?: boolean;
  domains?: string;
  allow?: string;
}

function loadDomains(path: string | undefined): PoolDomainList {
  try {
    return path ? loadPoolDomains(path) : loadPoolDomains();
  } catch (err) {
    throw new UsageError(`cannot read pool-domain file ${path ?? '(bundled)'}: ${(err as Error).message}`);
  }
}

function loadAllow(path: string | undefined): AllowList {
  if (!path) return new AllowList();
  try {
    return loadAllowListFile(path);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function print(io: CliIo, opts: CommonOpts, value: Record<string, unknown>, text: () => string[]): void {
  if (opts.json || !io.isStdoutTty) io.stdout.write(`${JSON.stringify(value)}\n`);
  else io.stdout.write(`${text().join('\n')}\n`);
}

export function lookup(query: string, list: PoolDomainList, allow: AllowList): Record<string, unknown> {
  const q = query.trim();
  if (parseIp(q)) {
    const allowed = allow.matchIp(q);
    return { query: q, type: 'ip', is_internal: isInternalIp(q), allow_listed: allowed ? allowed.entry : null };
  }
  const wallet = classifyWallet(q);
  if (wallet) return { query: q, type: 'wallet', wallet };
  const norm = normalizeDomain(q);
  if (!norm) throw new UsageError(`not a domain name, address or wallet: ${JSON.stringify(query)}`);
  const m = list.domains.match(norm);
  const batch = m ? list.batches[m.value.batch] : undefined;
  const allowed = allow.matchDomain(norm);
  return {
    query: norm,
    type: 'domain',
    is_listed: Boolean(m),
    ...(m && batch ? { listed_as: m.domain, kind: m.value.kind, batch: { date: batch.date, source: batch.source } } : {}),
    allow_listed: allowed ? allowed.entry : null,
    list_version: list.version,
  };
}

export function stats(list: PoolDomainList): Record<string, unknown> {
  const byKind: Record<string, number> = {};
  for (const b of list.batches) byKind[b.kind] = (byKind[b.kind] ?? 0) + b.count;
  return {
    version: list.version,
    domains: list.domains.size,
    domains_by_kind: byKind,
    batches: list.batches.map((b) => ({ date: b.date, kind: b.kind, count: b.count, source: b.source })),
    rejected_lines: list.rejected.length,
    pool_ports: KNOWN_POOL_PORTS.length,
    miner_agent_patterns: MINER_AGENT_PATTERNS.length,
    algorithms: knownAlgorithmCount(),
    node_ports: NODE_PORTS.size,
  };
}

export function registerIntel(program: Command, io: CliIo): void {
  const intel = program.command('intel').description('Query and extend the mining intelligence (pool domains, wallets, allow lists)');

  intel
    .command('lookup')
    .description('Look up a domain name, an IP address or a wallet address')
    .argument('<query...>', 'names, addresses or wallets')
    .option('--json', 'write JSON lines even on a terminal')
    .option('--domains <file>', 'pool-domain file instead of the bundled one')
    .option('--allow <file>', 'allow list (JSON: {"domains": [...], "ips": [...]})')
    .action((queries: string[], opts: CommonOpts) => {
      const list = loadDomains(opts.domains);
      const allow = loadAllow(opts.allow);
      for (const q of queries) {
        const r = lookup(q, list, allow);
        print(io, opts, r, () => {
          if (r.type === 'ip') return [`${r.query}: ip, ${r.is_internal ? 'internal' : 'external'}${r.allow_listed ? `, allow-listed by ${String(r.allow_listed)}` : ''}`];
          if (r.type === 'wallet') return [`${r.query}: wallet ${JSON.stringify(r.wallet)}`];
          const batch = r.batch as { date: string; source: string } | undefined;
          return [
            r.is_listed
              ? `${r.query}: listed as ${String(r.listed_as)} (${String(r.kind)}; batch ${batch?.date ?? ''})${r.allow_listed ? `, allow-listed by ${String(r.allow_listed)}` : ''}`
              : `${r.query}: not listed${r.allow_listed ? `, allow-listed by ${String(r.allow_listed)}` : ''}`,
          ];
        });
      }
    });

  intel
    .command('import')
    .description('Import a public list as a dated batch in the bundled format')
    .argument('<file>', "list file, or '-' for stdin")
    .requiredOption('--format <format>', `list format: ${LIST_FORMATS.join('|')}`)
    .requiredOption('--out <path>', 'where to write the batch file')
    .option('--kind <kind>', 'pool or browser', 'pool')
    .option('--source <text>', 'source description for the batch header')
    .option('--date <yyyy-mm-dd>', 'batch date (default: today, UTC)')
    .option('--json', 'write the summary as JSON even on a terminal')
    .action(async (file: string, opts: { format: string; out: string; kind: string; source?: string; date?: string; json?: boolean }) => {
      if (!(LIST_FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`--format must be one of ${LIST_FORMATS.join(', ')}: got ${opts.format}`);
      if (opts.kind !== 'pool' && opts.kind !== 'browser') throw new UsageError(`--kind must be pool or browser: got ${opts.kind}`);
      const date = opts.date ?? new Date(systemClock.nowUs() / 1000).toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new UsageError(`--date must be YYYY-MM-DD: got ${date}`);
      let text: string;
      try {
        text = file === '-' ? await readStream(io) : readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const result = importList(text, opts.format as ListFormat);
      const batch = toBatchText(result, { date, kind: opts.kind, source: opts.source ?? `imported from ${file} (${opts.format} format)` });
      try {
        writeFileSync(opts.out, batch);
      } catch (err) {
        throw new UsageError(`cannot write ${opts.out}: ${(err as Error).message}`);
      }
      const summary = { file, out: opts.out, format: opts.format, kind: opts.kind, date, domains: result.domains.length, skipped: result.skipped };
      print(io, opts, summary, () => [`${opts.out}: ${result.domains.length} domains from ${file}; skipped ${JSON.stringify(result.skipped)}`]);
    });

  intel
    .command('stats')
    .description('Counts, batches and version of the intelligence data')
    .option('--json', 'write JSON even on a terminal')
    .option('--domains <file>', 'pool-domain file instead of the bundled one')
    .action((opts: CommonOpts) => {
      const list = loadDomains(opts.domains);
      const s = stats(list);
      print(io, opts, s, () => [
        `version ${list.version}: ${list.domains.size} domains (${Object.entries(s.domains_by_kind as Record<string, number>).map(([k, n]) => `${k} ${n}`).join(', ')})`,
        ...list.batches.map((b) => `  batch ${b.date} ${b.kind} ${b.count}: ${b.source}`),
        `pool ports ${String(s.pool_ports)}, miner agent patterns ${String(s.miner_agent_patterns)}, algorithms ${String(s.algorithms)}`,
      ]);
    });
}

async function readStream(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
