// A set of domain names matched by whole-label suffix: `x.supportxmr.com` and `supportxmr.com`
// match the entry `supportxmr.com`, while `notsupportxmr.com` and `supportxmr.com.evil.net` do
// not. There is no substring matching (a rule that looks for "pool." anywhere flags
// `dynamic.pool.telefonica.de`). Lookup walks the labels from the right through nested maps, so it
// costs O(labels) whatever the size of the set.

export interface DomainEntry<T> {
  /** The entry as stored (lower case, no trailing dot). */
  domain: string;
  value: T;
}

interface Node<T> {
  children: Map<string, Node<T>>;
  entry?: DomainEntry<T>;
}

/** RFC 1035 section 2.3.4: a name is at most 253 characters of text, a label at most 63. */
export const MAX_DOMAIN_CHARS = 253;
export const MAX_LABEL_CHARS = 63;

/**
 * Lower-cases, drops one trailing dot and checks the shape of a host name. Returns undefined for
 * text that is not a plausible DNS name (empty labels, over-long, characters outside LDH and '_').
 */
export function normalizeDomain(name: string): string | undefined {
  let s = name.trim().toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > MAX_DOMAIN_CHARS) return undefined;
  const labels = s.split('.');
  for (const label of labels) {
    if (label.length === 0 || label.length > MAX_LABEL_CHARS) return undefined;
    if (!/^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/.test(label)) return undefined;
  }
  return s;
}

export class DomainSuffixSet<T> {
  private readonly root: Node<T> = { children: new Map() };
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds an entry; returns false when the text is not a valid name or is already present. */
  add(domain: string, value: T): boolean {
    const norm = normalizeDomain(domain);
    if (!norm) return false;
    const labels = norm.split('.');
    let node = this.root;
    for (let i = labels.length - 1; i >= 0; i--) {
      const label = labels[i] as string;
      let next = node.children.get(label);
      if (!next) {
        next = { children: new Map() };
        node.children.set(label, next);
      }
      node = next;
    }
    if (node.entry) return false;
    node.entry = { domain: norm, value };
    this.count++;
    return true;
  }

  /**
   * The most specific entry that equals `name` or is a whole-label suffix of it. `name` may carry
   * a trailing dot and any case; a port suffix (`host:3333`) is not accepted here.
   */
  match(name: string): DomainEntry<T> | undefined {
    let end = name.length;
    if (end > 0 && name.charCodeAt(end - 1) === 0x2e) end--;
    if (end === 0 || end > MAX_DOMAIN_CHARS) return undefined;
    let node: Node<T> | undefined = this.root;
    let best: DomainEntry<T> | undefined;
    // Walk labels right to left without splitting the whole string into an array.
    while (end > 0) {
      const dot = name.lastIndexOf('.', end - 1);
      const label = name.slice(dot + 1, end).toLowerCase();
      if (label.length === 0) return undefined;
      node = node.children.get(label);
      if (!node) break;
      if (node.entry) best = node.entry;
      end = dot < 0 ? 0 : dot;
      if (dot < 0) break;
    }
    return best;
  }

  has(name: string): boolean {
    return this.match(name) !== undefined;
  }

  *entries(): IterableIterator<DomainEntry<T>> {
    const stack: Node<T>[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop() as Node<T>;
      if (node.entry) yield node.entry;
      for (const child of node.children.values()) stack.push(child);
    }
  }
}
