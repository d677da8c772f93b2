// The command registry: one line per command module.

import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerServe } from './serve.js';
import { registerTriage } from './triage.js';
import { registerCollect } from './collect.js';
import { registerFlows } from './flows.js';
import { registerIngest } from './ingest.js';
import { registerIntel } from './intel.js';
import { registerScan } from './scan.js';

export function registerCommands(program: Command, io: CliIo): void {
  // Commands register here as they land.
  registerScan(program, io);
  registerIntel(program, io);
  registerIngest(program, io);
  registerCollect(program, io);
  registerFlows(program, io);
  registerServe(program, io);
  registerTriage(program, io);
}
