// The PAN-OS XML API client end to end against a scripted PAN-OS API server over HTTPS on
// 127.0.0.1 (self-signed certificate made by openssl at test time, trusted through the CA option):
// keygen with credentials only in the POST body, the key in X-PAN-KEY, asynchronous log jobs with
// paging, threat PCAP export of a real capture with the search time derived from the pcap id,
// documented errors, retries with backoff, timeouts, and an untrusted certificate refused.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyPanosThreat } from '../../src/ingest/panos/index.js';
import type { Alert } from '../../src/alerts/types.js';
import { PanosIngest } from '../../src/ingest/panos/index.js';
import { buildLogQuery, PanosApiClient, PanosApiError, PanosThreatPcapSource, pcapIdEpochSeconds, panosTimeText, parseXml, redact } from '../../src/panos-api/index.js';
import { makeSelfSignedCert, type TestCert } from '../syslog/helpers.js';

const KEY = 'LUFRPT1TWFhUNWUk5N1Fjd3ZnMzh3MXlTOVJyb0kxSG5IWk5QTkdPNw==';
const USER = 'api-reader';
const PASSWORD = 'Pa$$ w0rd&=x';
const PCAP_ID = '60256193416407868'; // encodes 2026-11-27 10:15:02 UTC (fixtures)

interface Job { logType: string; nlogs: number; skip: number; polls: number; query: string }

function trafficEntry(i: number): string {
  // Element names as the XML API returns them for traffic logs.
  return `<entry logid="${7345500 + i}"><domain>1</domain><receive_time>2026/11/27 10:30:0${i}</receive_time>` +
    `<serial>012801096514</serial><seqno>${7345500 + i}</seqno><type>TRAFFIC</type><subtype>end</subtype>` +
    `<time_generated>2026/11/27 10:30:0${i}</time_generated><src>10.1.20.34</src><dst>203.0.113.21</dst>` +
    `<rule>outbound-web</rule><app>json-rpc</app><sessionid>${48213 + i}</sessionid><sport>${51734 + i}</sport><dport>3333</dport>` +
    `<proto>tcp</proto><action>allow</action><bytes>183942</bytes><bytes_sent>61203</bytes_sent><bytes_received>122739</bytes_received>` +
    `<packets>1402</packets><pkts_sent>702</pkts_sent><pkts_received>700</pkts_received><start>2026/11/27 10:15:0${i}</start>` +
    `<elapsed>902</elapsed><session_end_reason>tcp-fin</session_end_reason><device_name>PA-220</device_name></entry>`;
}
const THREAT_ENTRY =
  `<entry logid="7345112"><receive_time>2026/11/27 10:15:02</receive_time><serial>012801096514</serial><seqno>7345112</seqno>` +
  `<type>THREAT</type><subtype>spyware</subtype><time_generated>2026/11/27 10:15:02</time_generated><src>10.1.20.34</src>` +
  `<dst>203.0.113.21</dst><app>json-rpc</app><sessionid>48213</sessionid><sport>51734</sport><dport>3333</dport><proto>tcp</proto>` +
  `<action>alert</action><threatid>XMRig Miner Command and Control Traffic Detection</threatid><tid>85886</tid>` +
  `<severity>high</severity><direction>client-to-server</direction><pcap_id>${PCAP_ID}</pcap_id><device_name>PA-220</device_name>` +
  `<thr_category>spyware</thr_category><misc>a &amp; b &lt;c&gt;</misc></entry>`;

describe('PAN-OS XML API client', () => {
  let cert: TestCert;
  let server: Server;
  let base = '';
  let pcap: Buffer;
  const seen: { url: string; body: URLSearchParams; key: string | undefined }[] = [];
  const jobs = new Map<string, Job>();
  let mode: 'normal' | 'flaky' | 'slow' | 'internal' = 'normal';
  let flakyLeft = 0;

  beforeAll(async () => {
    cert = makeSelfSignedCert('pa-220.example');
    const pcapPath = join(cert.dir, 'threat.pcap');
    execFileSync('editcap', ['-F', 'pcap', '/work/shared/corpus/nesfit/xmr-eu1.nanopool.org.pcapng', pcapPath]);
    pcap = readFileSync(pcapPath);
    let nextJob = 18;
    server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      let data = '';
      req.on('data', (d: Buffer) => (data += d.toString()));
      req.on('end', () => {
        const body = new URLSearchParams(data);
        const key = req.headers['x-pan-key'] as string | undefined;
        seen.push({ url: req.url ?? '', body, key });
        const xml = (status: number, text: string): void => {
          res.writeHead(status, { 'content-type': 'application/xml; charset=UTF-8' });
          res.end(text);
        };
        if (mode === 'slow') return void setTimeout(() => xml(200, '<response status="success"/>'), 1500);
        if (mode === 'flaky' && flakyLeft-- > 0) return xml(503, '<html>Service Unavailable</html>');
        if (mode === 'internal' && flakyLeft-- > 0) return xml(200, '<response status="error" code="5"><msg><line>Internal error</line></msg></response>');
        if (req.method !== 'POST' || req.url !== '/api/') return xml(400, '<response status="error" code="400"><msg><line>Bad request</line></msg></response>');
        const type = body.get('type');
        if (type === 'keygen') {
          if (body.get('user') === USER && body.get('password') === PASSWORD) {
            return xml(200, `<response status = 'success'><result><key>${KEY}</key></result></response>`);
          }
          return xml(403, '<response status="error" code="403"><result><msg>Invalid Credential</msg></result></response>');
        }
        if (key !== KEY) return xml(403, '<response status="error" code="403"><result><msg>Invalid credentials.</msg></result></response>');
        if (type === 'log' && !body.get('action') && !['traffic', 'threat'].includes(body.get('log-type') ?? '')) {
          return xml(200, `<response status="error" code="17"><msg><line>log-type: ${body.get('log-type')} is invalid</line></msg></response>`);
        }
        if (type === 'log' && !body.get('action')) {
          const id = String(nextJob++);
          jobs.set(id, { logType: body.get('log-type') ?? '', nlogs: Number(body.get('nlogs') ?? 20), skip: Number(body.get('skip') ?? 0), polls: 0, query: body.get('query') ?? '' });
          return xml(200, `<response status="success" code="19"><result><msg><line>query job enqueued with jobid ${id}</line></msg><job>${id}</job></result></response>`);
        }
        if (type === 'log' && body.get('action') === 'get') {
          const job = jobs.get(body.get('job-id') ?? '');
          if (!job) return xml(200, '<response status="error"><msg><line>Query ID not found</line></msg></response>');
          if (++job.polls < 3) return xml(200, `<response status="success"><result><job><status>ACT</status><id>${body.get('job-id')}</id></job><log><logs count="0" progress="${job.polls * 30}"/></log></result></response>`);
          const all = job.logType === 'threat' ? [THREAT_ENTRY] : Array.from({ length: 7 }, (_, i) => trafficEntry(i));
          const page = all.slice(job.skip, job.skip + job.nlogs);
          return xml(200, `<?xml version="1.0"?>\n<response status="success"><result><job><tenq>10:30:01</tenq><status>FIN</status><cached-logs>${page.length}</cached-logs></job>` +
            `<log><logs count="${page.length}" progress="100">${page.join('')}</logs></log></result></response>`);
        }
        if (type === 'export' && body.get('category') === 'threat-pcap') {
          if (body.get('pcap-id') === PCAP_ID && body.get('search-time') === '2026/11/27 10:15:02') {
            res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename=${PCAP_ID}.pcap` });
            return void res.end(pcap);
          }
          return xml(200, '<response status="error"><msg><line>Failed to locate pcap file</line></msg></response>');
        }
        return xml(200, '<response status="error" code="17"><msg><line>Invalid command</line></msg></response>');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    base = `https://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(cert.dir, { recursive: true, force: true });
  });

  const client = (extra: Partial<ConstructorParameters<typeof PanosApiClient>[0]> = {}) => {
    const logs: string[] = [];
    const sleeps: number[] = [];
    const c = new PanosApiClient({
      baseUrl: base, ca: cert.cert, log: (l) => logs.push(l),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...extra,
    });
    return { c, logs, sleeps };
  };

  it('generates a key with the credentials in the POST body only, then sends it as X-PAN-KEY', async () => {
    mode = 'normal';
    const { c, logs } = client();
    seen.length = 0;
    expect(await c.keygen(USER, PASSWORD)).toBe(KEY);
    expect(seen[0]?.url).toBe('/api/');
    expect(seen[0]?.key).toBeUndefined();
    const entries = await c.queryLogs({ logType: 'threat', nlogs: 10 });
    expect(seen.slice(1).every((s) => s.key === KEY && s.url === '/api/')).toBe(true);
    expect(entries).toHaveLength(1);
    // Nothing logged holds the key or the password.
    expect(logs.length).toBeGreaterThan(3);
    expect(logs.join('\n')).not.toContain(KEY);
    expect(logs.join('\n')).not.toContain(encodeURIComponent(PASSWORD));
    expect(logs.join('\n')).not.toContain(PASSWORD);
    expect(logs[0]).toContain('password=***');
    await expect(client().c.keygen(USER, 'wrong')).rejects.toThrow('PAN-OS API: forbidden (the API key is invalid or the administrator lacks the rights): Invalid Credential');
  });

  it('runs an asynchronous log query with polling and paging and reads entries as flows', async () => {
    const { c, sleeps } = client({ key: KEY });
    seen.length = 0;
    const query = buildLogQuery({ dst: '203.0.113.21', sinceUs: Date.UTC(2026, 10, 27) * 1000 });
    expect(query).toBe("(addr.dst in 203.0.113.21) and (receive_time geq '2026/11/27 00:00:00')");
    const entries = await c.queryAllLogs({ logType: 'traffic', query, nlogs: 3 }, 100, { pollMs: 250 });
    expect(entries).toHaveLength(7);
    const enq = seen.filter((s) => s.body.get('type') === 'log' && !s.body.get('action'));
    expect(enq.map((s) => [s.body.get('skip'), s.body.get('nlogs')])).toEqual([[null, '3'], ['3', '3'], ['6', '3']]);
    expect(enq[0]?.body.get('query')).toBe(query);
    expect(sleeps).toEqual(Array(6).fill(250));
    const { flows, rejected } = c.trafficToFlows(entries);
    expect(rejected).toBe(0);
    expect(flows[0]).toMatchObject({ source: 'panos', src_ip: '10.1.20.34', src_port: 51734, dest_port: 3333, bytes_toserver: 61203, pkts_toclient: 700, reason: 'tcp-fin', observer: 'PA-220' });
    expect(flows.map((f) => f.extra?.sessionid)).toEqual(['48213', '48214', '48215', '48216', '48217', '48218', '48219']);
    const threats = c.threatRecords(await c.queryLogs({ logType: 'threat' }, { pollMs: 1 })).threats;
    expect(threats[0]).toMatchObject({ threat_name: 'XMRig Miner Command and Control Traffic Detection', threat_id: 85886, pcap_id: PCAP_ID });
    expect(threats[0]?.fields.misc).toBe('a & b <c>');
    expect(classifyPanosThreat(threats[0]!).isMining).toBe(true);
    expect(() => buildLogQuery({ src: '10.0.0.1) or (1' })).toThrow(/not an IP address/);
  });

  it('exports a threat PCAP with the search time taken from the pcap id', async () => {
    expect(pcapIdEpochSeconds(PCAP_ID)).toBe(Date.UTC(2026, 10, 27, 10, 15, 2) / 1000);
    expect(panosTimeText(1795774502, 60)).toBe('2026/11/27 11:15:02');
    const { c } = client({ key: KEY });
    const got = await c.exportThreatPcap({ pcapId: PCAP_ID, deviceName: 'PA-220', sessionId: '48213' });
    expect(got.format).toBe('pcap');
    expect(got.filename).toBe(`${PCAP_ID}.pcap`);
    expect(got.searchTime).toBe('2026/11/27 10:15:02');
    expect(Buffer.from(got.bytes).equals(pcap)).toBe(true);
    const req = seen[seen.length - 1]!;
    expect([req.body.get('device_name'), req.body.get('sessionid')]).toEqual(['PA-220', '48213']);
    // tshark reads what was exported: the XMRig login to the pool is in it.
    const out = join(cert.dir, 'exported.pcap');
    execFileSync('sh', ['-c', `cat > ${out}`], { input: Buffer.from(got.bytes) });
    const text = execFileSync('tshark', ['-r', out, '-Y', 'tcp.payload', '-T', 'fields', '-e', 'tcp.dstport'], { encoding: 'utf8' });
    expect(text).toContain('14444');
    await expect(c.exportThreatPcap({ pcapId: '60256193416407869', searchTime: '2026/01/01 00:00:00' })).rejects.toThrow('PAN-OS API: error: Failed to locate pcap file');
    await expect(c.exportThreatPcap({ pcapId: 'x' })).rejects.toThrow(/bad pcap id/);
  });

  it('serves triage the capture of a PAN-OS alert, cached, and the flows of an address', async () => {
    const { c } = client({ key: KEY });
    const alerts: Alert[] = [];
    const ing = new PanosIngest({ onAlert: (a) => alerts.push(a), onFlow: () => undefined });
    for (const l of readFileSync(new URL('../fixtures/panos/threat.csv', import.meta.url), 'utf8').split('\n')) if (l) ing.handle(l);
    const src = new PanosThreatPcapSource(c, join(cert.dir, 'cache'));
    const signal = new AbortController().signal;
    seen.length = 0;
    const path = await src.find(alerts[0]!, signal);
    expect(path).toBe(join(cert.dir, 'cache', `panos-threat-${PCAP_ID}.pcap`));
    expect(readFileSync(path!).equals(pcap)).toBe(true);
    expect(await src.find(alerts[0]!, signal)).toBe(path);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body.get('sessionid')).toBe('48213');
    // pcap id 0 (no capture) and alerts of other sources have nothing here.
    expect(await src.find(alerts[1]!, signal)).toBeUndefined();
    expect(await src.find({ ...alerts[0]!, source: 'eve' }, signal)).toBeUndefined();
    seen.length = 0;
    const { flows } = await c.flowsFor('203.0.113.21', Date.UTC(2026, 10, 27) * 1000, 5000, { pollMs: 1 });
    expect(flows).toHaveLength(7);
    expect(seen[0]?.body.get('query')).toBe("((addr.src in 203.0.113.21) or (addr.dst in 203.0.113.21)) and (receive_time geq '2026/11/27 00:00:00') and (subtype eq end)");
  });

  it('maps documented error codes and retries transient failures with backoff', async () => {
    const { c, sleeps } = client({ key: KEY, baseDelayMs: 100 });
    await expect(c.queryLogs({ logType: 'system' as 'traffic' })).rejects.toThrow('PAN-OS API: invalid command: log-type: system is invalid');
    const bad = client({ key: 'wrong' });
    const err = await bad.c.queryLogs({ logType: 'traffic' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PanosApiError);
    expect((err as PanosApiError).code).toBe(403);
    mode = 'flaky';
    flakyLeft = 2;
    expect(await c.queryLogs({ logType: 'threat' }, { pollMs: 1 })).toHaveLength(1);
    expect(sleeps.slice(0, 2)).toEqual([100, 200]);
    mode = 'internal';
    flakyLeft = 1;
    expect(await c.queryLogs({ logType: 'threat' }, { pollMs: 1 })).toHaveLength(1);
    mode = 'flaky';
    flakyLeft = 10;
    const gaveUp = await client({ key: KEY, maxRetries: 2, baseDelayMs: 100 }).c.queryLogs({ logType: 'threat' }).catch((e: unknown) => e);
    expect((gaveUp as PanosApiError).message).toBe('PAN-OS API: HTTP 503');
    mode = 'normal';
  });

  it('times out a silent firewall and refuses an untrusted certificate', async () => {
    mode = 'slow';
    const { c } = client({ key: KEY, timeoutMs: 200, maxRetries: 1 });
    const t = await c.queryLogs({ logType: 'threat' }).catch((e: unknown) => e);
    expect((t as PanosApiError).kind).toBe('timeout');
    mode = 'normal';
    const untrusted = new PanosApiClient({ baseUrl: base, key: KEY, sleep: async () => undefined });
    const e = await untrusted.queryLogs({ logType: 'threat' }).catch((x: unknown) => x);
    expect((e as PanosApiError).kind).toBe('tls');
    expect((e as PanosApiError).message).toMatch(/TLS verification failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
    // The explicit insecure flag accepts it.
    expect(await new PanosApiClient({ baseUrl: base, key: KEY, insecure: true, sleep: async () => undefined }).queryLogs({ logType: 'threat' }, { pollMs: 1 })).toHaveLength(1);
    expect(() => new PanosApiClient({ baseUrl: 'http://127.0.0.1:1' })).toThrow(/https/);
  });

  it('redacts secrets and reads XML defensively', () => {
    expect(redact('type=keygen&user=u&password=p%40ss&key=abc')).toBe('type=keygen&user=u&password=***&key=***');
    expect(redact('X-PAN-KEY: abc123 next')).toBe('X-PAN-KEY: *** next');
    expect(redact('<result><key>abc</key></result>')).toBe('<result><key>***</key></result>');
    expect(parseXml('<a><b>x</a>').error).toMatch(/mismatched/);
    expect(parseXml('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>').root?.text).toBe('&e;');
    expect(parseXml('<a>&#x41;&#66;<![CDATA[<raw>]]></a>').root?.text).toBe('AB<raw>');
  });
});
