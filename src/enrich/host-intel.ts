// Optional internet-scan lookups of a destination: Shodan's host API and Censys Search v2. They
// answer "what does the internet see on this server?" (open ports, products, hostnames). Both are
// used only when the user configures a key, are rate-limited, and tell "no data for this host"
// (HTTP 404) apart from errors, so a report can say which of the two it was.

export interface HostService {
  port: number;
  transport: string;
  product?: string;
  name?: string;
}

export type HostIntelResult =
  | { status: 'found'; provider: string; ports: number[]; services: HostService[]; hostnames: string[]; org?: string; asn?: number }
  | { status: 'no_data'; provider: string }
  | { status: 'error'; provider: string; reason: string };

export interface HostIntelProvider {
  readonly name: string;
  lookup(ip: string, signal?: AbortSignal): Promise<HostIntelResult>;
}

export type Fetch = (url: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<{
  status: number;
  json(): Promise<unknown>;
}>;

/** Spaces calls at least `intervalMs` apart (both services allow about one request a second). */
export class RateLimiter {
  private next = 0;
  constructor(
    private readonly intervalMs: number,
    private readonly nowMs: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}
  async take(): Promise<void> {
    const now = this.nowMs();
    const at = Math.max(now, this.next);
    this.next = at + this.intervalMs;
    if (at > now) await this.sleep(at - now);
  }
}

export const DEFAULT_LOOKUP_INTERVAL_MS = 1000;
const DEFAULT_TIMEOUT_MS = 10_000;

interface ProviderOptions {
  baseUrl?: string;
  fetch?: Fetch;
  limiter?: RateLimiter;
  timeoutMs?: number;
}

function defaultLimiter(): RateLimiter {
  return new RateLimiter(DEFAULT_LOOKUP_INTERVAL_MS, () => Date.now(), (ms) => new Promise((r) => setTimeout(r, ms)));
}

async function call(
  provider: string,
  fetchFn: Fetch,
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ status: number; body: unknown } | { error: string }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const res = await fetchFn(url, { headers, signal: combined });
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  } catch (err) {
    const e = err as Error;
    return { error: e.name === 'TimeoutError' ? `${provider} did not answer within ${timeoutMs} ms` : `${provider}: ${e.message}` };
  }
}

function httpError(provider: string, status: number, body: unknown): HostIntelResult {
  const detail = typeof body === 'object' && body && 'error' in body ? String((body as { error: unknown }).error) : '';
  const what =
    status === 401 || status === 403 ? 'the API key was refused' : status === 429 ? 'rate limit exceeded' : `HTTP ${status}`;
  return { status: 'error', provider, reason: detail ? `${what}: ${detail}` : what };
}

/** Shodan host API: GET /shodan/host/{ip}?key=KEY (the key travels in the query: Shodan's design). */
export class ShodanProvider implements HostIntelProvider {
  readonly name = 'shodan';
  private readonly baseUrl: string;
  private readonly fetchFn: Fetch;
  private readonly limiter: RateLimiter;
  private readonly timeoutMs: number;
  constructor(
    private readonly apiKey: string,
    opts: ProviderOptions = {},
  ) {
    this.baseUrl = opts.baseUrl ?? 'https://api.shodan.io';
    this.fetchFn = opts.fetch ?? (globalThis.fetch as unknown as Fetch);
    this.limiter = opts.limiter ?? defaultLimiter();
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async lookup(ip: string, signal?: AbortSignal): Promise<HostIntelResult> {
    await this.limiter.take();
    const url = `${this.baseUrl}/shodan/host/${encodeURIComponent(ip)}?key=${encodeURIComponent(this.apiKey)}`;
    const r = await call(this.name, this.fetchFn, url, { accept: 'application/json' }, this.timeoutMs, signal);
    if ('error' in r) return { status: 'error', provider: this.name, reason: r.error };
    if (r.status === 404) return { status: 'no_data', provider: this.name };
    if (r.status !== 200 || typeof r.body !== 'object' || !r.body) return httpError(this.name, r.status, r.body);
    const b = r.body as { ports?: unknown; hostnames?: unknown; data?: unknown; org?: unknown; asn?: unknown };
    const services: HostService[] = Array.isArray(b.data)
      ? b.data.slice(0, 100).map((d: Record<string, unknown>) => ({
          port: Number(d.port) || 0,
          transport: String(d.transport ?? 'tcp'),
          ...(typeof d.product === 'string' ? { product: d.product } : {}),
        }))
      : [];
    return {
      status: 'found',
      provider: this.name,
      ports: Array.isArray(b.ports) ? b.ports.map(Number).filter(Number.isFinite).slice(0, 1000) : [],
      services,
      hostnames: Array.isArray(b.hostnames) ? b.hostnames.map(String).slice(0, 100) : [],
      ...(typeof b.org === 'string' ? { org: b.org } : {}),
      ...(typeof b.asn === 'string' && /^AS\d+$/.test(b.asn) ? { asn: Number(b.asn.slice(2)) } : {}),
    };
  }
}

/** Censys Search v2: GET /api/v2/hosts/{ip} with HTTP basic auth (API id and secret). */
export class CensysProvider implements HostIntelProvider {
  readonly name = 'censys';
  private readonly baseUrl: string;
  private readonly fetchFn: Fetch;
  private readonly limiter: RateLimiter;
  private readonly timeoutMs: number;
  constructor(
    private readonly apiId: string,
    private readonly apiSecret: string,
    opts: ProviderOptions = {},
  ) {
    this.baseUrl = opts.baseUrl ?? 'https://search.censys.io';
    this.fetchFn = opts.fetch ?? (globalThis.fetch as unknown as Fetch);
    this.limiter = opts.limiter ?? defaultLimiter();
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async lookup(ip: string, signal?: AbortSignal): Promise<HostIntelResult> {
    await this.limiter.take();
    const auth = Buffer.from(`${this.apiId}:${this.apiSecret}`).toString('base64');
    const url = `${this.baseUrl}/api/v2/hosts/${encodeURIComponent(ip)}`;
    const r = await call(this.name, this.fetchFn, url, { accept: 'application/json', authorization: `Basic ${auth}` }, this.timeoutMs, signal);
    if ('error' in r) return { status: 'error', provider: this.name, reason: r.error };
    if (r.status === 404) return { status: 'no_data', provider: this.name };
    if (r.status !== 200 || typeof r.body !== 'object' || !r.body) return httpError(this.name, r.status, r.body);
    const result = (r.body as { result?: Record<string, unknown> }).result ?? {};
    const rawServices = Array.isArray(result.services) ? (result.services as Record<string, unknown>[]) : [];
    const services: HostService[] = rawServices.slice(0, 100).map((s) => {
      const software = Array.isArray(s.software) ? (s.software as Record<string, unknown>[]) : [];
      const product = software.find((x) => typeof x.product === 'string')?.product as string | undefined;
      return {
        port: Number(s.port) || 0,
        transport: String(s.transport_protocol ?? 'TCP').toLowerCase(),
        ...(typeof s.service_name === 'string' ? { name: s.service_name } : {}),
        ...(product ? { product } : {}),
      };
    });
    const dns = (result.dns ?? {}) as { names?: unknown };
    const as = (result.autonomous_system ?? {}) as { asn?: unknown; name?: unknown };
    return {
      status: 'found',
      provider: this.name,
      ports: [...new Set(services.map((s) => s.port))],
      services,
      hostnames: Array.isArray(dns.names) ? dns.names.map(String).slice(0, 100) : [],
      ...(typeof as.name === 'string' ? { org: as.name } : {}),
      ...(typeof as.asn === 'number' ? { asn: as.asn } : {}),
    };
  }
}
