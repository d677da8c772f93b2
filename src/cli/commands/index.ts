// The command registry: one line per command module.

import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerIntel } from './intel.js';

export function registerCommands(program: Command, io: CliIo): void {
  // Commands register here as they land.
  registerIntel(program, io);
}
