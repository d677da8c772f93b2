// Places the capture action looks for an alert's packets: the sensor's per-alert pcaps (written
// by `scan --alert-pcaps DIR` or by `serve`), and a capture store (a folder of rolling pcap or
// pcapng files, as `tcpdump -G` or a packet broker writes them), searched newest first. The
// firewall's threat-PCAP export is a third source, wired where the PAN-OS client is configured.

import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Alert } from '../alerts/types.js';
import { readCapture } from '../capture/reader.js';
import { PacketDecoder, newDecodedPacket } from '../decode/decoder.js';
import { AnomalyCounter } from '../decode/types.js';
import { formatIp } from '../util/ip.js';
import { matchTuple, tupleOf } from './flow-tuple.js';
import type { CaptureSource } from './types.js';

/**
 * The per-alert pcap name the detector asks the engine for (`alert-<id>.pcap`), with characters
 * outside [A-Za-z0-9_.-] replaced so that an id can never name a path elsewhere.
 */
export function alertPcapName(alertId: string): string {
  return `alert-${alertId.replace(/[^A-Za-z0-9_.-]/g, '_')}.pcap`;
}

/** `DIR/alert-<alert id>.pcap`, as the sensor writes it for each alert it raises. */
export class AlertPcapDir implements CaptureSource {
  readonly name: string;
  constructor(private readonly dir: string) {
    this.name = `alert pcaps in ${dir}`;
  }
  async find(alert: Alert): Promise<string | undefined> {
    const p = join(this.dir, alertPcapName(alert.id));
    return existsSync(p) ? p : undefined;
  }
}

/** Files of a capture store searched at most, newest first. */
export const MAX_STORE_FILES_SEARCHED = 50;
/** A file last written more than this before the alert cannot hold its packets. */
export const STORE_FILE_SLACK_US = 3600 * 1_000_000;

/** A folder of capture files; the first (newest) file holding the alert's flow is the answer. */
export class CaptureStoreDir implements CaptureSource {
  readonly name: string;
  constructor(private readonly dir: string) {
    this.name = `capture store ${dir}`;
  }
  async find(alert: Alert, signal: AbortSignal): Promise<string | undefined> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => /\.(pcap|pcapng|cap)(\.gz)?$/i.test(n));
    } catch {
      return undefined;
    }
    const files = await Promise.all(names.map(async (n) => ({ path: join(this.dir, n), mtimeUs: (await stat(join(this.dir, n))).mtimeMs * 1000 })));
    const candidates = files
      .filter((f) => f.mtimeUs >= alert.ts_us - STORE_FILE_SLACK_US)
      .sort((a, b) => b.mtimeUs - a.mtimeUs)
      .slice(0, MAX_STORE_FILES_SEARCHED);
    for (const f of candidates) {
      if (signal.aborted) return undefined;
      if (await holdsFlow(f.path, alert)) return f.path;
    }
    return undefined;
  }
}

async function holdsFlow(path: string, alert: Alert): Promise<boolean> {
  const decoder = new PacketDecoder(new AnomalyCounter());
  const d = newDecodedPacket();
  const tuple = tupleOf(alert);
  let found = false;
  try {
    await readCapture(path, (raw) => {
      if (found || !decoder.decode(raw, d) || d.ipVersion === 0) return;
      const s = formatIp(d.srcAddr);
      const t = formatIp(d.dstAddr);
      found = matchTuple(tuple, s, d.srcPort, t, d.dstPort, d.protocol) >= 0;
    });
  } catch {
    // A damaged file still counts if the flow appeared before the damage.
  }
  return found;
}
