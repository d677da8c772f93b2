// Command-line helpers shared by the benchmark scripts (each also runs as a module from code).

import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The value after `--name` on the command line, if given. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `--stores sqlite,postgres` as a list of known store kinds (unknown names dropped). */
export function storesArg(): Array<'sqlite' | 'postgres'> | undefined {
  return arg('stores')
    ?.split(',')
    .filter((s): s is 'sqlite' | 'postgres' => s === 'sqlite' || s === 'postgres');
}

/** True when the module with this `import.meta.url` is the script node was started with. */
export function isInvokedDirectly(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(path.resolve(process.argv[1])).href;
}
