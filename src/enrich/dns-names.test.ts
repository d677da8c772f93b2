import { describe, expect, it } from 'vitest';
import { DnsNameCache, MAX_DNS_ADDRESSES, MAX_NAMES_PER_ADDRESS } from './dns-names.js';

describe('DnsNameCache', () => {
  it('maps addresses back to the names that resolved to them', () => {
    const c = new DnsNameCache();
    c.record('Pool.Example.NET.', ['203.0.113.21', '203.0.113.22']);
    c.record('www.example.net', ['203.0.113.21']);
    expect(c.namesFor('203.0.113.21')).toEqual(['pool.example.net', 'www.example.net']);
    expect(c.namesFor('203.0.113.22')).toEqual(['pool.example.net']);
    expect(c.namesFor('198.51.100.1')).toEqual([]);
  });
  it('keeps at most MAX_NAMES_PER_ADDRESS names per address and MAX_DNS_ADDRESSES addresses', () => {
    const c = new DnsNameCache();
    for (let i = 0; i < MAX_NAMES_PER_ADDRESS + 3; i++) c.record(`n${i}.example`, ['192.0.2.1']);
    expect(c.namesFor('192.0.2.1')).toHaveLength(MAX_NAMES_PER_ADDRESS);
    expect(c.namesFor('192.0.2.1')[0]).toBe('n3.example');
    for (let i = 0; i < MAX_DNS_ADDRESSES + 10; i++) c.record('x.example', [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`]);
    expect(c.size).toBe(MAX_DNS_ADDRESSES);
    expect(c.evicted).toBe(11);
  });
});
