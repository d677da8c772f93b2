import { describe, expect, it } from 'vitest';
import { DomainSuffixSet, MAX_DOMAIN_CHARS, normalizeDomain } from './domain-set.js';
import { loadPoolDomains } from './pool-domains.js';

describe('DomainSuffixSet', () => {
  const set = new DomainSuffixSet<string>();
  set.add('supportxmr.com', 'a');
  set.add('pool.bitcoin.com', 'b');
  set.add('nanopool.org', 'c');

  it('matches the domain itself and any subdomain, by whole labels', () => {
    expect(set.match('supportxmr.com')?.domain).toBe('supportxmr.com');
    expect(set.match('x.supportxmr.com')?.domain).toBe('supportxmr.com');
    expect(set.match('LA01.SupportXMR.com.')?.value).toBe('a');
    expect(set.match('eu1.pool.bitcoin.com')?.domain).toBe('pool.bitcoin.com');
  });

  it('never matches substrings or parents', () => {
    expect(set.match('notsupportxmr.com')).toBeUndefined();
    expect(set.match('supportxmr.com.evil.net')).toBeUndefined();
    expect(set.match('xsupportxmr.com')).toBeUndefined();
    expect(set.match('bitcoin.com')).toBeUndefined();
    expect(set.match('www.bitcoin.com')).toBeUndefined();
    expect(set.match('mynanopool.org')).toBeUndefined();
    expect(set.match('')).toBeUndefined();
    expect(set.match('.')).toBeUndefined();
    expect(set.match('a..supportxmr.com')).toBeUndefined(); // an empty label is not a name
  });

  it('rejects names over the RFC 1035 limit and malformed labels', () => {
    expect(set.match(`${'a.'.repeat(130)}supportxmr.com`)).toBeUndefined();
    expect(normalizeDomain('a'.repeat(64) + '.com')).toBeUndefined();
    expect(normalizeDomain('x'.repeat(MAX_DOMAIN_CHARS + 1))).toBeUndefined();
    expect(normalizeDomain('-bad.com')).toBeUndefined();
    expect(normalizeDomain('Good.Example.')).toBe('good.example');
    expect(set.add('not a domain', 'z')).toBe(false);
    expect(set.add('supportxmr.com', 'dup')).toBe(false);
    expect(set.size).toBe(3);
  });

  it('iterates every entry', () => {
    expect([...set.entries()].map((e) => e.domain).sort()).toEqual(['nanopool.org', 'pool.bitcoin.com', 'supportxmr.com']);
  });
});

describe('bundled pool-domain list', () => {
  const list = loadPoolDomains();

  it('holds at least 500 domains in dated, sourced batches without rejected lines', () => {
    expect(list.domains.size).toBeGreaterThanOrEqual(500);
    expect(list.rejected).toEqual([]);
    expect(list.batches.length).toBeGreaterThanOrEqual(5);
    for (const b of list.batches) {
      expect(b.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(b.source.length).toBeGreaterThan(20);
      expect(b.count).toBeGreaterThan(0);
    }
    expect(list.batches.reduce((n, b) => n + b.count, 0)).toBe(list.domains.size);
    expect(list.version).toMatch(/^\d{4}\.\d{2}\.\d{2}\.\d+$/);
  });

  it('names the pools of the public corpus captures', () => {
    for (const name of [
      'eu1-zcash.flypool.org',
      'xmr-eu1.nanopool.org',
      'xmr.suprnova.cc',
      'zec-eu.suprnova.cc',
      'us1.bitminter.com',
      'la01.supportxmr.com',
      'pool.eth.pp.ua',
      'us2.litecoinpool.org',
    ]) {
      expect(list.domains.match(name), name).toBeDefined();
    }
    expect(list.domains.match('ws027.authedmine.com')?.value.kind).toBe('browser');
    expect(list.domains.match('coinhive.com')?.value.kind).toBe('browser');
  });

  it('never lists generic services or bait names', () => {
    for (const name of [
      'github.com',
      'cloudflare.com',
      'google.com',
      'amazonaws.com',
      'binance.com',
      'coinbase.com',
      'bitcoin.com',
      'www.bitcoin.com',
      'getmonero.org',
      'github.io',
      'herokuapp.com',
      'now.sh',
      'duckdns.org',
      'pp.ua',
      'eth.pp.ua',
      'dynamic-2-3-4-5.pool.telefonica.de',
      'pool.telefonica.de',
      'telefonica.de',
      'mozilla.org',
      'ntop.org',
      'www.ntop.org',
    ]) {
      expect(list.domains.match(name), name).toBeUndefined();
    }
  });
});
