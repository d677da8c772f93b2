// Attacker-controlled text (names, logins, agents, list files) never makes the intelligence code
// throw, and suffix matching agrees with a plain reference implementation (fast-check, seeded).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchMinerAgent } from './agents.js';
import { DomainSuffixSet, normalizeDomain } from './domain-set.js';
import { importList } from './importers.js';
import { classifyWallet, parseLogin } from './wallet.js';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));

describe('intelligence under hostile text', () => {
  it('suffix matching equals the reference: equal, or ends with "." + entry', () => {
    fc.assert(
      fc.property(fc.array(domain, { minLength: 1, maxLength: 8 }), domain, (entries, name) => {
        const set = new DomainSuffixSet<true>();
        for (const e of entries) set.add(e, true);
        const norm = entries.map((e) => normalizeDomain(e)).filter((e): e is string => e !== undefined);
        const expected = norm.filter((e) => name === e || name.endsWith(`.${e}`)).sort((a, b) => b.length - a.length)[0];
        expect(set.match(name)?.domain).toBe(expected);
      }),
      { numRuns: 500, seed: 20261127 },
    );
  });

  it('never throws on arbitrary strings', () => {
    const set = new DomainSuffixSet<true>();
    set.add('supportxmr.com', true);
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        expect(() => {
          set.match(s);
          normalizeDomain(s);
          classifyWallet(s);
          matchMinerAgent(s);
        }).not.toThrow();
        expect(parseLogin(s).login.length).toBeLessThanOrEqual(s.length);
        for (const f of ['domains', 'hosts', 'adblock'] as const) {
          const r = importList(s, f);
          for (const d of r.domains) expect(normalizeDomain(d)).toBe(d);
        }
      }),
      { numRuns: 1000, seed: 20261127 },
    );
  });
});
