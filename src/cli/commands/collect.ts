// `minerwatch collect`: the NetFlow v5/v9 and IPFIX collector. Listens on UDP (NetFlow and IPFIX)
// and optionally TCP (IPFIX), writes flow records to the store, and prints its counters to stderr
// when it stops (SIGINT/SIGTERM, or after --duration seconds).

import type { Command } from 'commander';
import { FlowCollector, type Endpoint } from '../../ingest/netflow/index.js';
import { openStore, type Store } from '../../store/index.js';
import { systemClock } from '../../util/clock.js';
import { UsageError, type CliIo } from '../io.js';

export const DEFAULT_DB = './data/minerwatch.db';

interface CollectOpts {
  netflow: string;
  ipfix: string;
  ipfixTcp?: string;
  db: string;
  duration?: string;
}

/** "HOST:PORT", "[v6]:PORT" or ":PORT" (all addresses) to an endpoint. */
export function parseEndpoint(text: string, what: string): Endpoint {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`${what}: expected HOST:PORT, got "${text}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function registerCollect(program: Command, io: CliIo): void {
  program
    .command('collect')
    .description('Collect NetFlow v5/v9 and IPFIX (UDP, and TCP with --ipfix-tcp) into the flow store')
    .option('--netflow <host:port>', 'UDP address for NetFlow', '0.0.0.0:2055')
    .option('--ipfix <host:port>', 'UDP address for IPFIX', '0.0.0.0:4739')
    .option('--ipfix-tcp <host:port>', 'TCP address for IPFIX (off unless given)')
    .option('--db <spec>', 'store: SQLite file path or postgres:// URL', DEFAULT_DB)
    .option('--duration <seconds>', 'stop after this many seconds (default: run until interrupted)')
    .action(async (opts: CollectOpts) => {
      io.exitCode = await runCollect(opts, io);
    });
}

async function runCollect(opts: CollectOpts, io: CliIo): Promise<number> {
  const netflow = parseEndpoint(opts.netflow, '--netflow');
  const ipfix = parseEndpoint(opts.ipfix, '--ipfix');
  const ipfixTcp = opts.ipfixTcp ? parseEndpoint(opts.ipfixTcp, '--ipfix-tcp') : undefined;
  const duration = opts.duration !== undefined ? Number(opts.duration) : undefined;
  if (duration !== undefined && !(duration > 0)) throw new UsageError(`--duration: expected seconds, got "${opts.duration}"`);
  let store: Store;
  try {
    store = await openStore(opts.db);
  } catch (err) {
    throw new UsageError(`cannot open store ${opts.db}: ${(err as Error).message}`);
  }
  const collector = new FlowCollector({ netflow, ipfix, ...(ipfixTcp ? { ipfixTcp } : {}), store, clock: systemClock });
  try {
    let bound;
    try {
      bound = await collector.start();
    } catch (err) {
      throw new UsageError(`cannot listen: ${(err as Error).message}`);
    }
    const where = [
      bound.netflow && `netflow udp ${bound.netflow.host}:${bound.netflow.port}`,
      bound.ipfix && `ipfix udp ${bound.ipfix.host}:${bound.ipfix.port}`,
      bound.ipfixTcp && `ipfix tcp ${bound.ipfixTcp.host}:${bound.ipfixTcp.port}`,
    ].filter(Boolean);
    io.stderr.write(`collect: listening on ${where.join(', ')}; store ${opts.db}\n`);
    await stopSignal(duration);
  } finally {
    await collector.stop();
    await store.close();
  }
  const nonZero = Object.entries(collector.counters).filter(([, v]) => v > 0);
  io.stderr.write(`collect: ${JSON.stringify(Object.fromEntries(nonZero))}\n`);
  return collector.counters.store_error > 0 ? 1 : 0;
}

function stopSignal(durationS: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (durationS !== undefined) timer = setTimeout(done, durationS * 1000);
  });
}
