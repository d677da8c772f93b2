// Alerts as ECS JSON lines appended to a file (Filebeat, Elastic Agent or any log shipper picks
// them up). The mapping is src/alerts/ecs.ts; this only writes, one line per alert, in order.

import { createWriteStream, type WriteStream } from 'node:fs';
import { toEcs } from '../alerts/ecs.js';
import type { Alert } from '../alerts/types.js';

export class EcsFileWriter {
  private readonly out: WriteStream;
  written = 0;
  errors = 0;

  constructor(path: string) {
    this.out = createWriteStream(path, { flags: 'a' });
    this.out.on('error', () => {
      this.errors++;
    });
  }

  write(alert: Alert): void {
    this.out.write(`${JSON.stringify(toEcs(alert))}\n`);
    this.written++;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}
