import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CensysProvider, RateLimiter, ShodanProvider } from './host-intel.js';

// A scripted stand-in for both services on loopback, answering in their documented shapes.
let server: Server;
let base = '';
const seen: { url: string; auth?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/shodan/host/')) {
      if (url.searchParams.get('key') !== 'good') return send(401, { error: 'Invalid API key' });
      const ip = url.pathname.split('/').pop();
      if (ip === '203.0.113.21')
        return send(200, {
          ip_str: ip,
          ports: [3333, 22],
          hostnames: ['pool.example.net'],
          org: 'Example Hosting',
          asn: 'AS64500',
          data: [
            { port: 3333, transport: 'tcp', product: 'xmrig-proxy' },
            { port: 22, transport: 'tcp', product: 'OpenSSH' },
          ],
        });
      if (ip === '203.0.113.99') return; // never answers: the client's timeout must fire
      return send(404, { error: 'No information available for that IP.' });
    }
    if (url.pathname.startsWith('/api/v2/hosts/')) {
      const ip = url.pathname.split('/').pop();
      if (ip === '203.0.113.21')
        return send(200, {
          code: 200,
          status: 'OK',
          result: {
            ip,
            services: [{ port: 3333, service_name: 'UNKNOWN', transport_protocol: 'TCP', software: [{ product: 'stratum' }] }],
            dns: { names: ['pool.example.net'] },
            autonomous_system: { asn: 64500, name: 'EXAMPLE-HOSTING' },
          },
        });
      if (ip === '203.0.113.50') return send(429, { code: 429, status: 'Too Many Requests', error: 'slow down' });
      return send(404, { code: 404, status: 'Not Found', error: 'host not found' });
    }
    send(500, {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => {
  server.closeAllConnections();
  server.close(() => r());
}));

const noWait = () => new RateLimiter(0, () => 0, async () => {});

describe('Shodan host lookups', () => {
  it('reads ports, products and hostnames', async () => {
    const r = await new ShodanProvider('good', { baseUrl: base, limiter: noWait() }).lookup('203.0.113.21');
    expect(r).toEqual({
      status: 'found',
      provider: 'shodan',
      ports: [3333, 22],
      services: [
        { port: 3333, transport: 'tcp', product: 'xmrig-proxy' },
        { port: 22, transport: 'tcp', product: 'OpenSSH' },
      ],
      hostnames: ['pool.example.net'],
      org: 'Example Hosting',
      asn: 64500,
    });
  });
  it('tells "no data" (404) apart from errors', async () => {
    const p = new ShodanProvider('good', { baseUrl: base, limiter: noWait() });
    expect(await p.lookup('198.51.100.7')).toEqual({ status: 'no_data', provider: 'shodan' });
    const bad = await new ShodanProvider('wrong', { baseUrl: base, limiter: noWait() }).lookup('198.51.100.7');
    expect(bad).toMatchObject({ status: 'error', reason: expect.stringContaining('API key was refused') });
  });
  it('gives up after its timeout with a clear reason', async () => {
    const r = await new ShodanProvider('good', { baseUrl: base, limiter: noWait(), timeoutMs: 200 }).lookup('203.0.113.99');
    expect(r).toEqual({ status: 'error', provider: 'shodan', reason: 'shodan did not answer within 200 ms' });
  });
});

describe('Censys host lookups', () => {
  it('reads services, names and the AS, sending basic auth', async () => {
    const r = await new CensysProvider('id', 'secret', { baseUrl: base, limiter: noWait() }).lookup('203.0.113.21');
    expect(r).toMatchObject({ status: 'found', ports: [3333], hostnames: ['pool.example.net'], asn: 64500, org: 'EXAMPLE-HOSTING' });
    expect(seen.at(-1)?.auth).toBe(`Basic ${Buffer.from('id:secret').toString('base64')}`);
  });
  it('maps 404 to no data and 429 to a rate-limit error', async () => {
    const p = new CensysProvider('id', 'secret', { baseUrl: base, limiter: noWait() });
    expect(await p.lookup('198.51.100.7')).toEqual({ status: 'no_data', provider: 'censys' });
    expect(await p.lookup('203.0.113.50')).toMatchObject({ status: 'error', reason: 'rate limit exceeded: slow down' });
  });
});

describe('RateLimiter', () => {
  it('spaces calls by the interval on the injected clock', async () => {
    let now = 1000;
    const slept: number[] = [];
    const rl = new RateLimiter(1000, () => now, async (ms) => {
      slept.push(ms);
      now += ms;
    });
    await rl.take();
    await rl.take();
    now += 300;
    await rl.take();
    expect(slept).toEqual([1000, 700]);
  });
});
