// The command registry: one line per command module.

import type { Command } from 'commander';
import type { CliIo } from '../io.js';

export function registerCommands(_program: Command, _io: CliIo): void {
  // Commands register here as they land.
}
