// Names the sensor saw resolve to each address (every DNS answer, not only pool names), so triage
// can say "203.0.113.21 is what xmr.example-pool.net resolved to" even for a pool no list knows.
// Bounded: at most MAX_DNS_ADDRESSES addresses and MAX_NAMES_PER_ADDRESS names each; the address
// seen longest ago goes first.

/** Addresses remembered at once. */
export const MAX_DNS_ADDRESSES = 100_000;
/** Names kept per address. */
export const MAX_NAMES_PER_ADDRESS = 8;

export class DnsNameCache {
  private readonly byAddress = new Map<string, string[]>();
  evicted = 0;

  /** One DNS answer: `name` resolved to `addresses`. */
  record(name: string, addresses: readonly string[]): void {
    const n = name.toLowerCase().replace(/\.$/, '');
    if (!n || n.length > 253) return;
    for (const a of addresses) {
      let names = this.byAddress.get(a);
      if (names) {
        this.byAddress.delete(a); // re-insert: most recent last
      } else {
        if (this.byAddress.size >= MAX_DNS_ADDRESSES) {
          const oldest = this.byAddress.keys().next().value;
          if (oldest !== undefined) this.byAddress.delete(oldest);
          this.evicted++;
        }
        names = [];
      }
      if (!names.includes(n)) {
        names.push(n);
        if (names.length > MAX_NAMES_PER_ADDRESS) names.shift();
      }
      this.byAddress.set(a, names);
    }
  }

  namesFor(address: string): string[] {
    return [...(this.byAddress.get(address) ?? [])];
  }

  get size(): number {
    return this.byAddress.size;
  }
}
