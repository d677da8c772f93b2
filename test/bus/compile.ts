// Builds child-process entry points for the multi-process tests: transpiles a TypeScript entry and
// every relative module it imports into a temporary folder (ESM, no type check), with node_modules
// linked in, so `node <out>.js` runs the current sources without a full project build.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const IMPORT_RE = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

export interface CompiledChildren {
  dir: string;
  /** Output .js path of an entry given relative to the repository root (e.g. test/bus/x.ts). */
  entry(rel: string): string;
  cleanup(): void;
}

export function compileChildren(entries: string[]): CompiledChildren {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-child-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const seen = new Set<string>();
  const queue = entries.map((e) => path.join(REPO_ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(IMPORT_RE)) {
      const spec = m[1] as string;
      const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
      if (fs.existsSync(target)) queue.push(target);
    }
    const out = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    const dest = path.join(dir, path.relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, out.outputText);
  }
  return {
    dir,
    entry: (rel) => path.join(dir, rel).replace(/\.ts$/, '.js'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
