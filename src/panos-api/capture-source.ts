// The firewall as a capture source for triage: a PAN-OS alert whose THREAT log has a pcap id gets
// its packets from the threat-PCAP export, saved once under a cache folder. Alerts from other
// sources, or without a capture (pcap id 0), have nothing here.

import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Alert } from '../alerts/types.js';
import type { CaptureSource } from '../triage/types.js';
import type { PanosApiClient } from './client.js';

export class PanosThreatPcapSource implements CaptureSource {
  readonly name = 'PAN-OS threat PCAP export';

  constructor(
    private readonly client: PanosApiClient,
    private readonly cacheDir: string,
  ) {}

  async find(alert: Alert, signal: AbortSignal): Promise<string | undefined> {
    if (alert.source !== 'panos') return undefined;
    const p = alert.evidence.panos as Record<string, unknown> | undefined;
    const pcapId = typeof p?.pcap_id === 'string' ? p.pcap_id : '0';
    if (!/^[1-9]\d{0,19}$/.test(pcapId)) return undefined;
    const path = join(this.cacheDir, `panos-threat-${pcapId}.pcap`);
    if (existsSync(path)) return path;
    const got = await this.client.exportThreatPcap({
      pcapId,
      deviceName: typeof p?.device_name === 'string' && p.device_name ? p.device_name : undefined,
      sessionId: typeof p?.session_id === 'string' && p.session_id ? p.session_id : undefined,
      signal,
    });
    await mkdir(this.cacheDir, { recursive: true });
    // Written under a temporary name first, so a reader never sees half a capture.
    const tmp = `${path}.part`;
    await writeFile(tmp, got.bytes);
    await rename(tmp, path);
    return path;
  }
}
