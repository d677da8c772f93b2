// Address facts shared by every part: parsing, display and the "internal" test of DESIGN.md
// (RFC 1918, RFC 6598, loopback, link-local, IPv6 ULA, plus networks the user configures).

/** Display form of a 4- or 16-byte address (IPv6 compressed as RFC 5952). */
export function formatIp(addr: Uint8Array): string {
  if (addr.length === 4) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((addr[i] ?? 0) << 8) | (addr[i + 1] ?? 0));
  // Longest run of zero words (length >= 2) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses keep their dotted tail.
  if (bestStart === 0 && bestLen === 5 && words[5] === 0xffff) {
    return `::ffff:${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parses dotted IPv4 or IPv6 text to bytes; undefined when it is not an address. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.includes(':')) return parseIpv6(text);
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const out = new Uint8Array(16);
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseIp(s.slice(lastColon + 1));
    if (!tail || tail.length !== 4) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words = [...head, ...new Array<string>(8 - total).fill('0'), ...rest];
  for (let i = 0; i < 8; i++) {
    const w = words[i] ?? '';
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
    const v = parseInt(w, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

export interface Cidr {
  addr: Uint8Array;
  prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const [a, p] = text.split('/');
  const addr = parseIp(a ?? '');
  if (!addr) return undefined;
  const max = addr.length * 8;
  const prefix = p === undefined ? max : Number(p);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { addr, prefix };
}

export function cidrContains(c: Cidr, addr: Uint8Array): boolean {
  if (c.addr.length !== addr.length) return false;
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((c.addr[i] ?? 0) & mask) !== ((addr[i] ?? 0) & mask)) return false;
  }
  return true;
}

const INTERNAL_RANGES: readonly Cidr[] = [
  '10.0.0.0/8', // RFC 1918
  '172.16.0.0/12', // RFC 1918
  '192.168.0.0/16', // RFC 1918
  '100.64.0.0/10', // RFC 6598 shared address space (carrier-grade NAT)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '::1/128', // loopback
  'fe80::/10', // link-local
  'fc00::/7', // unique local addresses (RFC 4193)
].map((t) => parseCidr(t) as Cidr);

/** Is the address internal by the built-in ranges or any of `extra` (user-configured)? */
export function isInternalIp(ip: string | Uint8Array, extra: readonly Cidr[] = []): boolean {
  let addr = typeof ip === 'string' ? parseIp(ip) : ip;
  if (!addr) return false;
  // IPv4-mapped IPv6 is judged as the IPv4 address it carries.
  if (addr.length === 16 && addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff) {
    addr = addr.subarray(12);
  }
  for (const c of INTERNAL_RANGES) if (cidrContains(c, addr)) return true;
  for (const c of extra) if (cidrContains(c, addr)) return true;
  return false;
}
