// `minerwatch triage ALERT_ID [--db PATH]` triages a stored alert again and prints the report;
// `minerwatch triage --pcap FILE [--flows-from DB]` runs the sensor over a capture and triages each
// alert it raises, with the capture itself as the packet source and the flow records from the
// capture (or from a flow store). Reports are Markdown, HTML or JSON (--format).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Runtime } from '../../app/runtime.js';
import { openStore } from '../../store/index.js';
import { renderReport, type ReportFormat, type TriageReport } from '../../triage/index.js';
import { systemClock } from '../../util/clock.js';
import { DEFAULT_DB } from './serve.js';
import { UsageError, type CliIo } from '../io.js';

interface TriageOptions {
  db: string;
  pcap?: string;
  flowsFrom?: string;
  format: string;
  internalNet?: string[];
  asnMmdb?: string;
}

const FORMATS: Record<string, ReportFormat> = { markdown: 'markdown', md: 'markdown', html: 'html', json: 'json' };

export function registerTriage(program: Command, io: CliIo): void {
  program
    .command('triage [alert-id]')
    .description('triage a stored alert, or every alert the sensor raises on a capture (--pcap)')
    .option('--db <path|url>', 'store holding the alert (and flows)', DEFAULT_DB)
    .option('--pcap <file>', 'scan this capture and triage each alert it raises')
    .option('--flows-from <db>', 'with --pcap: read flow records from this store as well')
    .option('--format <fmt>', 'markdown, html or json', 'markdown')
    .option('--internal-net <cidr...>', 'networks counted as internal besides the private ranges')
    .option('--asn-mmdb <file>', 'MaxMind-format ASN database instead of the bundled one')
    .action(async (alertId: string | undefined, opts: TriageOptions) => {
      const format = FORMATS[opts.format];
      if (!format) throw new UsageError(`--format must be markdown, html or json, not "${opts.format}"`);
      if (!alertId && !opts.pcap) throw new UsageError('triage: give an alert id or --pcap FILE');
      if (alertId && opts.pcap) throw new UsageError('triage: give an alert id or --pcap, not both');
      const reports = opts.pcap ? await triagePcap(opts.pcap, opts) : await triageStored(alertId!, opts);
      if (format === 'json') io.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`);
      else io.stdout.write(reports.map((r) => renderReport(r, format)).join(format === 'html' ? '\n' : '\n---\n\n'));
      if (reports.length === 0) io.stderr.write('No alert was raised on this capture.\n');
    });
}

async function triageStored(alertId: string, opts: TriageOptions): Promise<TriageReport[]> {
  const runtime = await Runtime.open(
    { db: opts.db, alertPcapDir: join(opts.db.startsWith('postgres') ? './data' : join(opts.db, '..'), 'alert-pcaps'), internalNetworks: opts.internalNet ?? [], ...(opts.asnMmdb ? { asnMmdb: opts.asnMmdb } : {}) },
    systemClock,
  );
  try {
    const r = await runtime.triage.triageStored(runtime.store, alertId);
    if (!r) throw new UsageError(`no alert ${alertId} in ${opts.db}`);
    return [r];
  } finally {
    await runtime.close();
  }
}

async function triagePcap(pcap: string, opts: TriageOptions): Promise<TriageReport[]> {
  const dir = mkdtempSync(join(tmpdir(), 'minerwatch-triage-'));
  const runtime = await Runtime.open(
    { db: join(dir, 'triage.db'), alertPcapDir: join(dir, 'alert-pcaps'), internalNetworks: opts.internalNet ?? [], ...(opts.asnMmdb ? { asnMmdb: opts.asnMmdb } : {}) },
    systemClock,
  );
  try {
    if (opts.flowsFrom) {
      // Flows of the other store are copied for the addresses the capture's alerts involve.
      const other = await openStore(opts.flowsFrom);
      try {
        await runtime.scanFile(pcap);
        const alerts = await runtime.store.listAlerts({ limit: 1000 });
        for (const ip of new Set(alerts.map((a) => a.dest_ip))) {
          await runtime.store.putFlows(await other.queryFlows({ ip, from_us: 0, to_us: Number.MAX_SAFE_INTEGER }));
        }
        for (const a of alerts) await runtime.triage.triageStored(runtime.store, a.id);
      } finally {
        await other.close();
      }
    } else {
      await runtime.scanFile(pcap);
    }
    const alerts = await runtime.store.listAlerts({ limit: 1000, order: 'oldest' });
    const out: TriageReport[] = [];
    for (const a of alerts) {
      const row = await runtime.store.getTriage(a.id);
      if (row) out.push(row.report as unknown as TriageReport);
    }
    return out;
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
