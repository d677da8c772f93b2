// The file follower on real files: growth with partial lines, truncation, rotation by rename,
// over-long lines; and the one-pass reader.
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileFollower, LineSplitter, readLines, type LineSink } from './follow.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function collect(): { sink: LineSink; lines: string[]; oversize: number[] } {
  const lines: string[] = [];
  const oversize: number[] = [];
  return { sink: { line: (t, n) => lines.push(`${n}:${t}`), oversize: (n) => oversize.push(n) }, lines, oversize };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition not reached');
}

describe('LineSplitter', () => {
  it('splits across chunks, strips CR, skips over-long lines', () => {
    const c = collect();
    const s = new LineSplitter(c.sink, 8);
    for (const part of ['ab', 'c\r\nde', 'f\n0123456789', 'abc\nok\nlast']) s.push(Buffer.from(part));
    s.end();
    expect(c.lines).toEqual(['1:abc', '2:def', '4:ok', '5:last']);
    expect(c.oversize).toEqual([3]);
    expect(s.heldBytes).toBe(0);
  });
});

describe('readLines and FileFollower', () => {
  it('reads a file once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-follow-'));
    dirs.push(dir);
    const f = join(dir, 'a.log');
    writeFileSync(f, 'one\ntwo\nthree');
    const c = collect();
    expect(await readLines(f, c.sink)).toBe(13);
    expect(c.lines).toEqual(['1:one', '2:two', '3:three']);
    await expect(readLines(join(dir, 'missing'), c.sink)).rejects.toThrow(/ENOENT/);
  });

  it('follows growth, truncation and rotation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-follow-'));
    dirs.push(dir);
    const f = join(dir, 'eve.json');
    writeFileSync(f, 'a1\na2\n');
    const c = collect();
    const restarts: string[] = [];
    const fol = new FileFollower(f, c.sink, { pollMs: 10, onRestart: (w) => restarts.push(w) });
    await fol.start();
    await until(() => c.lines.length === 2);
    appendFileSync(f, 'a3\npart');
    await until(() => c.lines.length === 3);
    appendFileSync(f, 'ial\n');
    await until(() => c.lines.length === 4);
    expect(c.lines).toEqual(['1:a1', '2:a2', '3:a3', '4:partial']);
    // copytruncate: the file shrinks, reading restarts at 0.
    truncateSync(f, 0);
    await until(() => fol.counters.truncations === 1);
    appendFileSync(f, 'b1\n');
    await until(() => c.lines.length === 5);
    // Rotation: rename away (the old file gets a last line first), create a new file.
    appendFileSync(f, 'b2-last');
    await until(() => fol.counters.bytes >= 26);
    renameSync(f, `${f}.1`);
    writeFileSync(f, 'c1\n');
    await until(() => c.lines.length === 7);
    await fol.stop();
    expect(c.lines.slice(4)).toEqual(['1:b1', '2:b2-last', '1:c1']);
    expect(restarts).toEqual(['truncation', 'rotation']);
    expect(fol.counters).toMatchObject({ rotations: 1, truncations: 1 });
  });
});
