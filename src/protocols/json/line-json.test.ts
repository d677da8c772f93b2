import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonValueFramer, LineSplitter, parseJsonBytes, jsonDepthExceeds, trimJsonSpace } from './line-json.js';
import type { LineEvent } from './line-json.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function collect(splitter: LineSplitter, chunks: Uint8Array[]): string[] {
  const out: string[] = [];
  const on = (ev: LineEvent): void => {
    out.push(ev.kind === 'line' ? dec.decode(ev.line) : `<too_long ${ev.bytes}>`);
  };
  for (const c of chunks) splitter.push(c, on);
  splitter.flush(on);
  return out;
}

describe('parseJsonBytes', () => {
  it('parses a stratum line', () => {
    const r = parseJsonBytes(enc.encode('{"id":1,"method":"mining.subscribe","params":[]}\r'));
    expect(r).toEqual({ kind: 'ok', value: { id: 1, method: 'mining.subscribe', params: [] } });
  });

  it('refuses nesting deeper than the limit without recursing', () => {
    const deep = enc.encode('['.repeat(100_000) + ']'.repeat(100_000));
    expect(parseJsonBytes(deep, 32)).toEqual({ kind: 'error', code: 'too_deep' });
    expect(parseJsonBytes(enc.encode('[[[1]]]'), 3)).toEqual({ kind: 'ok', value: [[[1]]] });
    expect(parseJsonBytes(enc.encode('[[[[1]]]]'), 3)).toEqual({ kind: 'error', code: 'too_deep' });
  });

  it('does not count brackets inside strings, including escaped quotes', () => {
    expect(jsonDepthExceeds(enc.encode('{"a":"[[[[\\"[[[["}'), 2)).toBe(false);
  });

  it('reports invalid UTF-8, invalid JSON and empty input by name', () => {
    expect(parseJsonBytes(Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).toEqual({ kind: 'error', code: 'invalid_utf8' });
    expect(parseJsonBytes(enc.encode('{"id":1,'))).toEqual({ kind: 'error', code: 'invalid_json' });
    expect(parseJsonBytes(enc.encode(' \r\n'))).toEqual({ kind: 'error', code: 'empty' });
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const r = parseJsonBytes(bytes, 8);
        expect(['ok', 'error']).toContain(r.kind);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('LineSplitter', () => {
  it('splits lines across chunks and skips empty lines', () => {
    const s = new LineSplitter(64);
    expect(collect(s, [enc.encode('ab'), enc.encode('c\n\nde'), enc.encode('f\ng')])).toEqual(['abc', 'def', 'g']);
  });

  it('reports an over-long line once, skips it, and resumes at the next line', () => {
    const s = new LineSplitter(8);
    const out = collect(s, [enc.encode('0123456'), enc.encode('789abc'), enc.encode('def\nok\n')]);
    expect(out).toEqual(['<too_long 16>', 'ok']);
    expect(s.tooLongLines).toBe(1);
  });

  it('accepts a line of exactly maxLineBytes and refuses one byte more', () => {
    expect(collect(new LineSplitter(4), [enc.encode('abcd\n')])).toEqual(['abcd']);
    expect(collect(new LineSplitter(4), [enc.encode('abcde\n')])).toEqual(['<too_long 5>']);
  });

  it('gives the same lines for any chunking of the same bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('{"a":1}', 'x'.repeat(40), '', 'b\r'), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        (lines, cuts) => {
          const bytes = enc.encode(lines.join('\n') + '\n');
          const whole = collect(new LineSplitter(32), [bytes]);
          const chunks: Uint8Array[] = [];
          let pos = 0;
          for (let i = 0; pos < bytes.length; i++) {
            const n = cuts[i % cuts.length]!;
            chunks.push(bytes.subarray(pos, pos + n));
            pos += n;
          }
          expect(collect(new LineSplitter(32), chunks)).toEqual(whole);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('trims JSON whitespace', () => {
    expect(dec.decode(trimJsonSpace(enc.encode(' \t{}\r\n')))).toBe('{}');
  });
});

describe('JsonValueFramer', () => {
  function frame(f: JsonValueFramer, chunks: string[]): string[] {
    const out: string[] = [];
    for (const c of chunks) {
      f.push(enc.encode(c), (ev) => out.push(ev.kind === 'value' ? dec.decode(ev.bytes) : `<${ev.kind} ${ev.bytes}>`));
    }
    return out;
  }

  it('frames concatenated values across chunks, with brackets and escapes inside strings', () => {
    expect(frame(new JsonValueFramer(100), ['{"a":"}\\""}{"b', '":[1,{}]}\n[2]'])).toEqual(['{"a":"}\\""}', '{"b":[1,{}]}', '[2]']);
  });

  it('reports bytes between values as garbage', () => {
    expect(frame(new JsonValueFramer(100), ['PING\r\n{"a":1}'])).toEqual(['<garbage 4>', '{"a":1}']);
  });

  it('reports a value over maxValueBytes once, whether held across chunks or not', () => {
    expect(frame(new JsonValueFramer(10), ['{"a":"0123', '456789"}{"b":1}'])).toEqual(['<too_long 18>', '{"b":1}']);
    expect(frame(new JsonValueFramer(10), ['{"a":"0123456789"}'])).toEqual(['<too_long 18>']);
  });
});
