// What a command may touch of the outside world, injected so tests read what was written.

import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  isStdoutTty: boolean;
  env: NodeJS.ProcessEnv;
  /** Set by a command that wants a non-zero exit without throwing. */
  exitCode?: number;
}

/** Bad usage or unreadable input: exit code 2 with a one-line reason (DESIGN.md, "CLI"). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
