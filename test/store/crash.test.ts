// Kill -9 during ingest: a child process writes flow batches into SQLite and reports each batch it
// saw committed; the parent kills it mid-stream, reopens the file and finds every acknowledged
// record. A second run then finishes the ingest, and nothing is stored twice.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { compileChildren, type CompiledChildren } from '../bus/compile.js';

const BATCH = 1000;
const BATCHES = 400;

describe('SQLite store under kill -9', () => {
  let bin: CompiledChildren;
  let dir: string;
  beforeAll(() => {
    bin = compileChildren(['test/store/fixture-flow-ingest.ts']);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-crash-'));
  });
  afterAll(() => {
    bin?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged batch after SIGKILL and completes on restart without duplicates', async () => {
    const file = path.join(dir, 'flows.db');
    const child = spawn(process.execPath, [bin.entry('test/store/fixture-flow-ingest.ts'), file, '0', String(BATCHES), String(BATCH)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acked = 0;
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, sig) => resolve(sig ?? code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          const m = /^acked (\d+)$/.exec(l);
          if (m) acked = Number(m[1]);
        }
        // Kill in the middle of the stream, while batches are being written.
        if (acked >= 10 * BATCH && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`child ended before the kill: ${stderr}`)));
    }).catch((err: unknown) => {
      if (child.signalCode !== 'SIGKILL') throw err;
    });
    expect(await exited).toBe('SIGKILL');
    expect(acked).toBeGreaterThanOrEqual(10 * BATCH);
    expect(acked).toBeLessThan(BATCHES * BATCH);

    const store = await openStore(file);
    const all = await store.queryFlows({ ip: '10.0.0.5', from_us: 0, to_us: Number.MAX_SAFE_INTEGER, limit: 100_000 });
    await store.close();
    const ids = new Set(all.map((f) => f.flow_id));
    // Every acknowledged record is there (one more batch may have committed before its line was read).
    const committedBatches = Math.floor(all.length / BATCH);
    expect(all.length % BATCH).toBe(0);
    expect(all.length).toBeGreaterThanOrEqual(acked);
    for (let b = 0; b < acked / BATCH; b++) {
      for (const j of [0, BATCH / 2, BATCH - 1]) expect(ids.has(`b${b}-${j}`)).toBe(true);
    }

    // Restart from the first acknowledged-missing batch, overlapping what is stored: the idempotent
    // writes absorb the overlap.
    const rest = spawn(
      process.execPath,
      [bin.entry('test/store/fixture-flow-ingest.ts'), file, String(acked / BATCH), String(40 - acked / BATCH), String(BATCH)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    rest.stdout.on('data', (d: Buffer) => (out += d.toString()));
    expect(await new Promise((resolve) => rest.on('exit', resolve))).toBe(0);
    expect(out).toContain('done');
    const again = await openStore(file);
    const final = await again.queryFlows({ ip: '10.0.0.5', from_us: 0, to_us: Number.MAX_SAFE_INTEGER, limit: 100_000 });
    await again.close();
    expect(committedBatches).toBeGreaterThanOrEqual(acked / BATCH);
    expect(final.length).toBe(Math.max(40, committedBatches) * BATCH);
    expect(new Set(final.map((f) => `${f.flow_id}`)).size).toBe(final.length);
  });
});
