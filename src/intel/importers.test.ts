import { describe, expect, it } from 'vitest';
import { importList, MAX_IMPORT_LINE_CHARS, toBatchText } from './importers.js';
import { parsePoolDomains } from './pool-domains.js';

describe('importList', () => {
  it('reads one domain per line with comments', () => {
    const r = importList('# list\nsupportxmr.com\n\nNANOPOOL.org.\nsupportxmr.com\nnot_a domain here\nbad..name\n', 'domains');
    expect(r.domains).toEqual(['supportxmr.com', 'nanopool.org']);
    expect(r.skipped).toEqual({ comment: 1, blank: 2, duplicate: 1, unsupported_rule: 1, invalid_domain: 1 });
  });

  it('reads hosts files and drops local names', () => {
    const text = [
      '127.0.0.1 localhost',
      '::1 ip6-localhost ip6-loopback',
      '0.0.0.0 coinhive.com www.coinhive.com # browser miner',
      '0.0.0.0\tminexmr.com',
      'coinhive.com',
    ].join('\n');
    const r = importList(text, 'hosts');
    expect(r.domains).toEqual(['coinhive.com', 'www.coinhive.com', 'minexmr.com']);
    expect(r.skipped.local_name).toBe(3);
    expect(r.skipped.unsupported_rule).toBe(1);
  });

  it('reads adblock network rules and skips the others', () => {
    const text = ['[Adblock Plus 2.0]', '! Title: miners', '||coinhive.com^', '||crypto-loot.com^$third-party', '@@||example.com^', '##.miner', '||x.com/path^', '/coinhive.min.js'].join('\n');
    const r = importList(text, 'adblock');
    expect(r.domains).toEqual(['coinhive.com', 'crypto-loot.com']);
    expect(r.skipped).toEqual({ comment: 2, unsupported_rule: 4 });
  });

  it('counts lines over the length limit and domains over the cap', () => {
    const r = importList(`${'a'.repeat(MAX_IMPORT_LINE_CHARS + 1)}\na.com\nb.com\nc.com\n`, 'domains', 2);
    expect(r.domains).toEqual(['a.com', 'b.com']);
    expect(r.skipped.line_too_long).toBe(1);
    expect(r.skipped.over_cap).toBe(1);
  });

  it('writes a batch the bundled loader reads back', () => {
    const r = importList('||coinhive.com^\n||authedmine.com^\n', 'adblock');
    const text = toBatchText(r, { date: '2026-11-27', kind: 'browser', source: 'test feed\nwith a newline' });
    const list = parsePoolDomains(text);
    expect(list.domains.size).toBe(2);
    expect(list.batches).toEqual([{ date: '2026-11-27', kind: 'browser', source: 'test feed with a newline', count: 2 }]);
    expect(list.domains.match('ws001.authedmine.com')?.value.kind).toBe('browser');
    expect(list.version).toBe('2026.11.27');
  });
});

describe('parsePoolDomains', () => {
  it('rejects domains outside a batch, unknown kinds and invalid lines', () => {
    const list = parsePoolDomains('orphan.com\n# batch: 2026-01-01 | kind: evil | source: x\nx.com\n# batch: 2026-01-02 | kind: pool | source: y\nok.com # note\nbad name\n');
    expect(list.domains.size).toBe(1);
    expect(list.rejected.map((r) => r.line)).toEqual([1, 2, 3, 6]);
  });
});
