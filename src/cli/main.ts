// The composition root of the command line: builds the program and hands each command the
// process's streams and clock. Commands live one per file under commands/.

import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { UsageError, type CliIo } from './io.js';

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = new Command();
  program
    .name('minerwatch')
    .description('Find cryptocurrency miners on a network and triage the alerts')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  registerCommands(program, io);
  try {
    await program.parseAsync(argv);
    return finish(io, io.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0.
      return finish(io, err.exitCode === 0 ? 0 : 2);
    }
    if (err instanceof UsageError) {
      io.stderr.write(`minerwatch: ${err.message}\n`);
      return finish(io, 2);
    }
    io.stderr.write(`minerwatch: ${(err as Error).stack ?? String(err)}\n`);
    return finish(io, 1);
  }
}

function finish(io: CliIo, code: number): number {
  if (io === defaultIo) process.exitCode = code;
  return code;
}

let defaultIo: CliIo | undefined;
function processIo(): CliIo {
  defaultIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    isStdoutTty: Boolean(process.stdout.isTTY),
    env: process.env,
  };
  return defaultIo;
}
